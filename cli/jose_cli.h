/* SPDX-License-Identifier: MIT */
/*
 * cli/jose_cli.h - the JWE side of `wristband` (issue 13): the encrypt and decrypt commands
 * (cli/encrypt.c, cli/decrypt.c), keys kept encrypted under a password (cli/keypass.c), the
 * nested-token, JSON and detached forms that sign and verify take (cli/jose_forms.c), and keygen
 * for encryption keys and encrypted JWKs (cli/keygen_jwe.c). Same contract as every command
 * (cli/cli.h): one error line, exit 0 / 1 rejected / 2 usage or key.
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
 * without password_file such a KEY is a usage error naming --password-file. Any other KEY, and
 * any KEY that is not a regular file (stdin, a pipe: read once), loads as cli_load_key does.
 */
int cli_load_key_pw(const char *cmd, const char *path, const char *password_file, cli_key *k);
/** cli_load_key_pw that insists on exactly one key (k->one is then set). */
int cli_load_one_key_pw(const char *cmd, const char *path, const char *password_file, cli_key *k);

/** A JWE key management algorithm or content encryption name; unknown names are usage errors. */
int cli_parse_jwe_alg(const char *cmd, const char *text, wb_jwe_alg *alg);
int cli_parse_enc(const char *cmd, const char *text, wb_enc *enc);

/** The JWE of the largest FILE encrypt takes (base64url: 4/3), with room for 16 recipients'
 *  headers and encrypted keys: what decrypt reads. */
#define CLI_MAX_READ_JWE (CLI_MAX_FILE / 3 * 4 + 65536)

/**
 * A decrypter for KEY with its password file and the opt-ins; algs/encs narrow it; without KEY a
 * PBES2 decrypter for the password of password_file. limits: the CLI reads up to
 * CLI_MAX_READ_JWE, so the token ceiling is that. Returns 0 or the exit code.
 */
typedef struct cli_decrypt_opts {
  const char *key, *password_file;
  cli_list algs, encs;
  int rsa1_5, pbes2, zip;
} cli_decrypt_opts;
int cli_decrypter(const char *cmd, const cli_decrypt_opts *o, wb_decrypter **d);

/** Reads a JWE or JSON JWS argument: compact (as cli_read_token) or a JSON object (first byte '{'). */
int cli_read_jose(const char *arg, cli_buf *buf, const char **text, size_t *len, int *json);

/**
 * Reads a TOKEN for verify: a compact token exactly as cli_read_token does, or a JWS JSON
 * serialization (first byte '{', *json set). *tok and *len point into buf (or arg).
 */
int cli_read_jws(const char *arg, cli_buf *buf, const char **tok, size_t *len, int *json);

/* ---- the other forms of sign and verify (cli/jose_forms.c) -------------------------------- */

/* Which form option a command's parser saw (cli_sign_form_opt, cli_verify_form_opt). */
enum { CLI_FORM_ENCRYPT_TO = 1, CLI_FORM_JSON, CLI_FORM_DETACHED, CLI_FORM_PASSWORD, CLI_FORM_DECRYPT_KEY };

/** sign's forms: a nested JWT, the JSON serialization (one signer per --key), a detached payload. */
typedef struct cli_sign_form {
  const char *encrypt_to, *detached, *password_file;
  int json;
  cli_list more_keys; /* the second and later --key (--json only) */
} cli_sign_form;
/** Records one form option; a repeated one is a usage error (nonzero). */
int cli_sign_form_opt(cli_sign_form *f, int which, const char *value);
/** 1 when an option asks for a form other than the compact JWT. */
int cli_sign_form_active(const cli_sign_form *f);
/** The combination rules, before any key is read: claims_given = CLAIMS_FILE or a claims flag. */
int cli_sign_form_check(const cli_sign_form *f, int claims_given);
/**
 * Signs and prints in the form asked: key and alg are the first signer's; alg_text (--alg, or
 * NULL: each key's default), typ (NULL: "JWT", none for a detached payload) and kid (NULL: the
 * key's) apply to every signer. claims is NULL with --detached (FILE's bytes are signed).
 */
int cli_sign_form_run(const cli_sign_form *f, const wb_key *key, wb_alg alg, const char *alg_text,
                      const char *typ, const char *kid, const wb_builder *claims);
void cli_sign_form_free(cli_sign_form *f);

/** verify's forms: a nested JWT (--decrypt-key), a detached payload, and JSON tokens. */
typedef struct cli_verify_form {
  const char *decrypt_key, *password_file, *detached;
  wb_decrypter *d; /* for --decrypt-key (cli_verify_form_open) */
  cli_buf payload; /* the --detached FILE */
} cli_verify_form;
int cli_verify_form_opt(cli_verify_form *f, int which, const char *value);
/** Checks the combination (claims_flags: claims policy flags given) and reads what the form needs. */
int cli_verify_form_open(cli_verify_form *f, int claims_flags);
/**
 * Verifies tok[0..len) (json: a JWS JSON serialization) in its form: compact (wb_verify), nested
 * (wb_decrypt_verify), JSON (at least one signature by a key of the verifier, then the claims of
 * that signature's compact form: wb_verify), detached (the signature only: *claims stays NULL).
 */
wb_status cli_verify_form_run(const cli_verify_form *f, const wb_verifier *v, const char *tok, size_t len,
                              int json, wb_claims **claims, wb_error *err);
void cli_verify_form_close(cli_verify_form *f);

/* ---- keygen for encryption (cli/keygen_jwe.c) ---------------------------------------------- */

/** What keygen was asked. */
typedef struct cli_keygen_req {
  const char *alg, *kid, *bits, *crv, *enc, *use, *password_file, *out;
  int pem;
} cli_keygen_req;
/** 1 when alg names a JWE key management algorithm (keygen then calls cli_keygen_jwe). */
int cli_keygen_is_jwe(const char *alg);
/** Generates an encryption key (wb_key_generate_for_jwe) and emits it. */
int cli_keygen_jwe(const cli_keygen_req *r);
/** --use for a signing ALG: absent or "sig". 0, or a usage error printed. */
int cli_keygen_check_use(const cli_keygen_req *r);
/** Emits key: as cli_emit_key, or encrypted with the password of r->password_file (a JWE). */
int cli_keygen_emit(const cli_keygen_req *r, const wb_key *key);

#endif
