/* SPDX-License-Identifier: MIT */
/*
 * cli/jose_cli.h - the JWE side of `wristband` (issue 13): the encrypt and decrypt commands
 * (cli/encrypt.c, cli/decrypt.c), keys kept encrypted under a password (cli/keypass.c), and the
 * nested-token and JSON-form helpers that sign and verify use (cli/jose_forms.c). Same contract as
 * every command (cli/cli.h): one error line, exit 0 / 1 rejected / 2 usage or key.
 */
#ifndef WB_JOSE_CLI_H
#define WB_JOSE_CLI_H

#include "cli.h"

#define CLI_MAX_PASSWORD 4096

int cmd_encrypt(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
extern const char cli_usage_encrypt[];
extern const char cli_usage_decrypt[];

/**
 * Reads a password file: its bytes without one trailing newline ("\n" or "\r\n"); empty, over
 * 4 KiB or holding a NUL is a usage error. Returns 0 or CLI_EXIT_USAGE after printing.
 */
int cli_read_password(const char *path, cli_buf *pw);

/**
 * cli_load_key for a KEY that may be an encrypted JWK (a compact JWE, RFC 7517 appendix C): that
 * is decrypted with the password read from password_file (a wrong one is decrypt_failed, exit 2);
 * without password_file such a KEY is a usage error naming --password-file. Any other KEY loads
 * as cli_load_key does.
 */
int cli_load_key_pw(const char *path, const char *password_file, cli_key *k);
/** cli_load_key_pw that insists on exactly one key (k->one is then set). */
int cli_load_one_key_pw(const char *cmd, const char *path, const char *password_file, cli_key *k);

/** A JWE key management algorithm or content encryption name; unknown names are usage errors. */
int cli_parse_jwe_alg(const char *cmd, const char *text, wb_jwe_alg *alg);
int cli_parse_enc(const char *cmd, const char *text, wb_enc *enc);

/**
 * A decrypter for KEY with its password file and the opt-ins; algs/encs narrow it. limits: the
 * CLI reads up to CLI_MAX_READ_TOKEN, so the token ceiling is that. Returns 0 or the exit code.
 */
typedef struct cli_decrypt_opts {
  const char *key, *password_file;
  cli_list algs, encs;
  int rsa1_5, pbes2, zip;
} cli_decrypt_opts;
int cli_decrypter(const char *cmd, const cli_decrypt_opts *o, wb_decrypter **d);

/** Reads a JWE or JSON JWS argument: compact (as cli_read_token) or a JSON object (first byte '{'). */
int cli_read_jose(const char *arg, cli_buf *buf, const char **text, size_t *len, int *json);

#endif
