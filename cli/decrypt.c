/* SPDX-License-Identifier: MIT */
/*
 * cli/decrypt.c - `wristband decrypt --key KEY [...] [TOKEN|-]`: decrypts a JWE (compact, or the
 * general or flattened JSON serialization) and writes its plaintext to stdout exactly as it is (no
 * newline added; on a terminal, what a terminal would act on is shown escaped). RSA1_5, PBES2 and compression
 * are refused unless their --allow-* flag is given;
 * --alg and --enc narrow what is accepted. A refused JWE exits 1 (decrypt_failed for every cause
 * that depends on the key: wrong key, changed ciphertext, tag or encrypted key), a bad KEY or
 * option 2. Contract: issue 13; cli/jose_cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "jose_cli.h"

const char cli_usage_decrypt[] =
    "wristband decrypt (--key KEY [--password-file FILE] | --allow-pbes2 --password-file FILE)\n"
    "                  [--alg ALG]... [--enc ENC]... [--allow-rsa1_5] [--allow-zip] [TOKEN|-]\n"
    "  Decrypts a JWE (compact or JSON) and writes the plaintext to stdout as it is (on a\n"
    "  terminal, control and bidi characters are shown escaped: \\uXXXX, \\xNN).\n"
    "  --key KEY           private JWK, PEM or JWKS (an oct JWK for dir, AES key wrap or PBES2)\n"
    "  --alg ALG, --enc ENC  accept only these algorithms (repeat to allow several)\n"
    "  --allow-rsa1_5      accept RSA1_5 (RSAES-PKCS1-v1_5: padding oracles; prefer RSA-OAEP-256)\n"
    "  --allow-pbes2       accept PBES2 (password-based, at most 10000 iterations): without --key,\n"
    "                      the password is the one in --password-file\n"
    "  --allow-zip         accept compressed plaintexts (at most 256 KiB once inflated)\n"
    "  --password-file FILE  the password of a KEY kept as an encrypted JWK (or, without --key,\n"
    "                      of PBES2 tokens)\n";

#define CMD "decrypt"

enum { OPT_KEY = 1, OPT_ALG, OPT_ENC, OPT_RSA1_5, OPT_PBES2, OPT_ZIP, OPT_PASSWORD };

static const cli_opt opts[] = {{"--key", NULL, 1, OPT_KEY},
                               {"--alg", NULL, 1, OPT_ALG},
                               {"--enc", NULL, 1, OPT_ENC},
                               {"--allow-rsa1_5", NULL, 0, OPT_RSA1_5},
                               {"--allow-pbes2", NULL, 0, OPT_PBES2},
                               {"--allow-zip", NULL, 0, OPT_ZIP},
                               {"--password-file", NULL, 1, OPT_PASSWORD},
                               {NULL, NULL, 0, 0}};

typedef struct dec_args {
  cli_decrypt_opts o;
  const char *token;
} dec_args;

static int store(void *ctx, int id, const char *v) {
  dec_args *a = ctx;
  switch (id) {
  case CLI_ARG_POSITIONAL:
    return cli_set_once(CMD, &a->token, v, "TOKEN");
  case OPT_KEY:
    return cli_set_once(CMD, &a->o.key, v, "--key");
  case OPT_PASSWORD:
    return cli_set_once(CMD, &a->o.password_file, v, "--password-file");
  case OPT_ALG:
    cli_list_add(&a->o.algs, v);
    return 0;
  case OPT_ENC:
    cli_list_add(&a->o.encs, v);
    return 0;
  case OPT_RSA1_5:
    a->o.rsa1_5 = 1;
    return 0;
  case OPT_PBES2:
    a->o.pbes2 = 1;
    return 0;
  default:
    a->o.zip = 1;
    return 0;
  }
}

/*
 * Writes the plaintext; a write error is an io failure (exit 2), never silent. In a pipe or a
 * file its bytes go as they are. On a terminal, what a terminal would act on (cli_tty_unsafe: an
 * escape sequence, a bidi override, ...) is written \uXXXX, a byte that is not UTF-8 \xNN, with a
 * warning: a JWE does not say who wrote it, anyone with the public key chose these bytes.
 */
static int write_plaintext(const unsigned char *pt, size_t n) {
  const char *text = (const char *)pt;
  size_t escaped = 0, w = 0;
  int ok = 1;
  if (!cli_isatty(1)) {
    ok = n == 0 || fwrite(pt, 1, n, stdout) == n;
  } else {
    for (size_t i = 0; ok && i < n; i += w) {
      uint32_t cp = 0;
      w = cli_utf8_next(text + i, n - i, &cp);
      if (cp == '\n' || cp == '\t' || !cli_tty_unsafe(cp)) {
        ok = fwrite(text + i, 1, w, stdout) == w;
        continue;
      }
      escaped++;
      ok = (cp == CLI_NOT_UTF8 ? printf("\\x%02x", pt[i]) : printf("\\u%04x", (unsigned)cp)) > 0;
    }
  }
  if (!ok || fflush(stdout) != 0)
    return cli_fail(CLI_EXIT_USAGE, "io", "cannot write to stdout");
  if (escaped > 0)
    cli_warn("the plaintext holds %zu characters a terminal would act on: shown escaped (\\uXXXX, "
             "\\xNN); redirect stdout for its bytes",
             escaped);
  return 0;
}

static int run(const dec_args *a) {
  if (a->o.key == NULL && !(a->o.pbes2 && a->o.password_file != NULL))
    return cli_usage(CMD, "--key KEY is required (or --allow-pbes2 --password-file FILE for a password)");
  if (a->o.key != NULL && cli_is_stdin(a->o.key) && cli_is_stdin(a->token)) /* no --key: no KEY read */
    return cli_usage(CMD, "stdin ('-') cannot be both KEY and TOKEN");
  wb_decrypter *d = NULL;
  cli_buf buf = {0};
  const char *text = NULL;
  size_t len = 0, n = 0;
  int json = 0;
  unsigned char *pt = NULL;
  wb_error err = {0};
  int rc = cli_decrypter(CMD, &a->o, &d);
  if (rc == 0)
    rc = cli_read_jose(a->token, &buf, &text, &len, &json);
  if (rc == 0) {
    wb_status st = json ? wb_jwe_decrypt_json(d, text, len, &pt, &n, NULL, NULL, &err)
                        : wb_jwe_decrypt(d, text, len, &pt, &n, &err);
    rc = st == WB_OK ? write_plaintext(pt, n) : cli_fail_wb(CLI_EXIT_REJECTED, &err);
  }
  wb_plaintext_free(pt, n);
  cli_buf_free(&buf);
  wb_decrypter_free(d);
  return rc;
}

int cmd_decrypt(int argc, char **argv) {
  dec_args a;
  memset(&a, 0, sizeof(a));
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  int rc = id != CLI_ARG_END ? cli_parse_done(id, cli_usage_decrypt) : run(&a);
  cli_list_free(&a.o.algs);
  cli_list_free(&a.o.encs);
  return rc;
}
