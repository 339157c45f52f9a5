/* SPDX-License-Identifier: MIT */
/*
 * cli/encrypt.c - `wristband encrypt --key KEY [...] [FILE|-]`: encrypts the bytes of FILE (or
 * stdin) to one recipient as a compact JWE, or with --json to one or more recipients as the
 * flattened or general JSON serialization. Algorithms: --alg (else the key's own, else
 * RSA-OAEP-256 / ECDH-ES / A128KW..A256KW by key) and --enc (default A256GCM). Every failure exits
 * 2. Contract: issue 13; cli/jose_cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "jose_cli.h"

const char cli_usage_encrypt[] =
    "wristband encrypt (--key KEY [--key KEY]... | --password-file FILE) [--alg ALG] [--enc ENC]\n"
    "                  [--zip] [--json] [--typ TYP] [--cty CTY] [FILE|-]\n"
    "  Encrypts FILE (or stdin) and prints the JWE: compact, or with --json the JSON serialization\n"
    "  (flattened; general with several --key).\n"
    "  --key KEY          the recipient's public key (JWK or PEM), or a secret (oct JWK)\n"
    "  --password-file FILE  encrypt to the password in FILE with PBES2 (default\n"
    "                     PBES2-HS512+A256KW, 10000 iterations; the recipient must --allow-pbes2)\n"
    "  --alg ALG          key management: RSA-OAEP(-256/-384/-512), A128KW, A192KW, A256KW, dir,\n"
    "                     ECDH-ES(+A128KW/+A192KW/+A256KW), A128GCMKW, A192GCMKW, A256GCMKW\n"
    "                     (default: the key's alg, else RSA-OAEP-256, ECDH-ES or AxxxKW by key)\n"
    "  --enc ENC          A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512\n"
    "                     (default A256GCM)\n"
    "  --zip              compress before encrypting (the recipient must --allow-zip)\n"
    "  --json             the JSON serialization (needed for several recipients)\n"
    "  --typ TYP, --cty CTY  typ and cty headers\n";

#define CMD "encrypt"

enum { OPT_KEY = 1, OPT_ALG, OPT_ENC, OPT_ZIP, OPT_JSON, OPT_TYP, OPT_CTY, OPT_PASSWORD };

static const cli_opt opts[] = {{"--key", NULL, 1, OPT_KEY},
                               {"--alg", NULL, 1, OPT_ALG},
                               {"--enc", NULL, 1, OPT_ENC},
                               {"--zip", NULL, 0, OPT_ZIP},
                               {"--json", NULL, 0, OPT_JSON},
                               {"--typ", NULL, 1, OPT_TYP},
                               {"--cty", NULL, 1, OPT_CTY},
                               {"--password-file", NULL, 1, OPT_PASSWORD},
                               {NULL, NULL, 0, 0}};

typedef struct enc_args {
  cli_list keys;
  const char *alg, *enc, *typ, *cty, *file, *password_file;
  int zip, json;
} enc_args;

static int store(void *ctx, int id, const char *v) {
  enc_args *a = ctx;
  switch (id) {
  case CLI_ARG_POSITIONAL:
    return cli_set_once(CMD, &a->file, v, "FILE");
  case OPT_KEY:
    cli_list_add(&a->keys, v);
    return 0;
  case OPT_ZIP:
    a->zip = 1;
    return 0;
  case OPT_JSON:
    a->json = 1;
    return 0;
  case OPT_ALG:
    return cli_set_once(CMD, &a->alg, v, "--alg");
  case OPT_ENC:
    return cli_set_once(CMD, &a->enc, v, "--enc");
  case OPT_TYP:
    return cli_set_once(CMD, &a->typ, v, "--typ");
  case OPT_PASSWORD:
    return cli_set_once(CMD, &a->password_file, v, "--password-file");
  default:
    return cli_set_once(CMD, &a->cty, v, "--cty");
  }
}

static int check_args(const enc_args *a, wb_jwe_alg *alg, wb_enc *enc) {
  if ((a->keys.count == 0) == (a->password_file == NULL))
    return cli_usage(CMD, "give --key KEY or --password-file FILE (one of them)");
  if (a->keys.count > 1 && !a->json)
    return cli_usage(CMD, "several recipients need --json (the compact serialization has one)");
  for (size_t i = 0; i < a->keys.count; i++)
    if (cli_is_stdin(a->keys.items[i]) && (a->file == NULL || cli_is_stdin(a->file)))
      return cli_usage(CMD, "stdin ('-') cannot be both KEY and FILE");
  *alg = WB_JWE_ALG_INVALID;
  *enc = WB_ENC_INVALID;
  if (a->alg != NULL && cli_parse_jwe_alg(CMD, a->alg, alg) != 0)
    return CLI_EXIT_USAGE;
  if (a->enc != NULL && cli_parse_enc(CMD, a->enc, enc) != 0)
    return CLI_EXIT_USAGE;
  return 0;
}

/* The encrypter: the first key, then each further key as a recipient, then the headers. */
static int build(const enc_args *a, wb_jwe_alg alg, wb_enc enc, wb_encrypter **e) {
  wb_error err = {0};
  wb_status st = WB_OK;
  if (a->password_file != NULL) {
    cli_buf pw = {0};
    int rc = cli_read_password(a->password_file, &pw);
    if (rc != 0)
      return rc;
    st = wb_encrypter_new_password(e, pw.data, pw.len, alg, enc, 0, &err);
    cli_buf_free(&pw);
  }
  for (size_t i = 0; st == WB_OK && i < a->keys.count; i++) {
    cli_key k = {0};
    int rc = cli_load_one_key(CMD, a->keys.items[i], &k);
    if (rc != 0)
      return rc;
    st = i == 0 ? wb_encrypter_new(e, k.one, alg, enc, &err)
                : wb_encrypter_add_recipient(*e, k.one, alg, &err);
    cli_key_free(&k);
  }
  if (st == WB_OK && a->zip)
    st = wb_encrypter_set_zip(*e, true, &err);
  if (st == WB_OK && a->typ != NULL)
    st = wb_encrypter_set_typ(*e, a->typ, &err);
  if (st == WB_OK && a->cty != NULL)
    st = wb_encrypter_set_cty(*e, a->cty, &err);
  return st == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, &err);
}

static int run(const enc_args *a) {
  wb_jwe_alg alg;
  wb_enc enc;
  wb_encrypter *e = NULL;
  cli_buf in = {0};
  char *out = NULL;
  wb_error err = {0};
  int rc = check_args(a, &alg, &enc);
  if (rc == 0)
    rc = build(a, alg, enc, &e);
  if (rc == 0)
    rc = cli_read(a->file, CLI_MAX_FILE, "FILE", CLI_EXIT_USAGE, &in);
  if (rc == 0) {
    const unsigned char *pt = (const unsigned char *)in.data;
    wb_status st = a->json ? wb_jwe_encrypt_json(e, a->keys.count > 1 ? WB_SER_GENERAL : WB_SER_FLATTENED, pt,
                                                 in.len, NULL, 0, &out, NULL, &err)
                           : wb_jwe_encrypt(e, pt, in.len, &out, NULL, &err);
    rc = st == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, &err);
  }
  if (rc == 0 && a->zip && in.len > WB_ZIP_DEFAULT_MAX)
    cli_warn("the plaintext is %zu bytes: a recipient decrypting with a default ceiling (wristband "
             "decrypt --allow-zip: %u KiB once inflated) refuses this token",
             in.len, WB_ZIP_DEFAULT_MAX / 1024u);
  if (rc == 0)
    cli_print_line(out);
  wb_string_free(out);
  cli_buf_free(&in);
  wb_encrypter_free(e);
  return rc;
}

int cmd_encrypt(int argc, char **argv) {
  enc_args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  int rc = id != CLI_ARG_END ? cli_parse_done(id, cli_usage_encrypt) : run(&a);
  cli_list_free(&a.keys);
  return rc;
}
