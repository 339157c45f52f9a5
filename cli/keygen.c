/* SPDX-License-Identifier: MIT */
/*
 * cli/keygen.c - `wristband keygen ALG [--kid KID] [--bits N] [--crv CRV] [--pem] [-o FILE]`: a new
 * private key for ALG (a JWK with kty, alg, use "sig", kid = RFC 7638 thumbprint unless --kid; or
 * PKCS#8 PEM), printed or written to FILE (cli_write_private: a new 0600 file renamed over FILE).
 * Generation is wb_key_generate_for_alg; see issues 3 and 9 for the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose_cli.h"

const char cli_usage_keygen[] =
    "wristband keygen ALG [--kid KID] [--bits N] [--crv CRV] [--enc ENC] [--use sig|enc] [--pem]\n"
    "                 [--password-file FILE] [-o FILE]\n"
    "  Generates a private JWK for ALG (HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512\n"
    "  ES256 ES384 ES512 ES256K EdDSA) with kty, alg, use \"sig\" and kid, and prints it; or an\n"
    "  encryption key (use \"enc\") for a JWE ALG: RSA-OAEP RSA-OAEP-256 RSA-OAEP-384 RSA-OAEP-512\n"
    "  A128KW A192KW A256KW A128GCMKW A192GCMKW A256GCMKW dir ECDH-ES ECDH-ES+A128KW\n"
    "  ECDH-ES+A192KW ECDH-ES+A256KW.\n"
    "  --kid KID    the key id (default: the RFC 7638 thumbprint)\n"
    "  --bits N     RSA modulus size, 2048 (default) to 16384; less than 2048 is refused\n"
    "  --crv CRV    EdDSA curve: Ed25519 (default) or Ed448; ECDH-ES curve: P-256 (default),\n"
    "               P-384, P-521, X25519 or X448\n"
    "  --enc ENC    the content encryption of a dir key, which sets its size (default A256GCM)\n"
    "  --use USE    sig or enc: must match ALG (a key signs or encrypts, never both)\n"
    "  --password-file FILE  write the key as an encrypted JWK (PBES2-HS512+A256KW, A256GCM,\n"
    "               RFC 7517 appendix C) under the password in FILE (sign, decrypt and verify\n"
    "               read such a key with their own --password-file)\n"
    "  --pem        print the key as PKCS#8 PEM (for openssl and other tools) instead of a JWK;\n"
    "               not for HMAC keys (HS*), which have no PEM form\n"
    "  -o FILE      write the key to FILE instead of stdout ('-': stdout): a new mode 0600 file\n"
    "               renamed over FILE; a symlink or non-regular FILE is refused\n";

#define CMD "keygen"

enum { OPT_KID = 1, OPT_BITS, OPT_CRV, OPT_OUT, OPT_PEM, OPT_ENC, OPT_USE, OPT_PASSWORD };

static const cli_opt opts[] = {{"--kid", NULL, 1, OPT_KID}, {"--bits", NULL, 1, OPT_BITS},
                               {"--crv", NULL, 1, OPT_CRV}, {"--output", "-o", 1, OPT_OUT},
                               {"--pem", NULL, 0, OPT_PEM}, {"--enc", NULL, 1, OPT_ENC},
                               {"--use", NULL, 1, OPT_USE}, {"--password-file", NULL, 1, OPT_PASSWORD},
                               {NULL, NULL, 0, 0}};

typedef cli_keygen_req keygen_args; /* cli/jose_cli.h: shared with cli/keygen_jwe.c */

static int store(void *ctx, int id, const char *v) {
  keygen_args *a = ctx;
  switch (id) {
  case CLI_ARG_POSITIONAL:
    return cli_set_once(CMD, &a->alg, v, "ALG");
  case OPT_KID:
    return cli_set_once(CMD, &a->kid, v, "--kid");
  case OPT_BITS:
    return cli_set_once(CMD, &a->bits, v, "--bits");
  case OPT_CRV:
    return cli_set_once(CMD, &a->crv, v, "--crv");
  case OPT_PEM:
    a->pem = 1;
    return 0;
  case OPT_ENC:
    return cli_set_once(CMD, &a->enc, v, "--enc");
  case OPT_USE:
    return cli_set_once(CMD, &a->use, v, "--use");
  case OPT_PASSWORD:
    return cli_set_once(CMD, &a->password_file, v, "--password-file");
  default:
    return cli_set_once(CMD, &a->out, v, "-o");
  }
}

static int is_rsa_alg(wb_alg alg) {
  return alg >= WB_ALG_RS256 && alg <= WB_ALG_PS512;
}

static int parse_crv(const keygen_args *a, wb_alg alg, wb_crv *crv) {
  *crv = WB_CRV_NONE;
  if (a->crv == NULL)
    return 0;
  if (alg != WB_ALG_EDDSA)
    return cli_usage(CMD, "--crv applies to EdDSA only");
  if (strcmp(a->crv, "Ed25519") == 0)
    *crv = WB_CRV_ED25519;
  else if (strcmp(a->crv, "Ed448") == 0)
    *crv = WB_CRV_ED448;
  else
    return cli_usage(CMD, "--crv must be Ed25519 or Ed448, not '%s'", a->crv);
  return 0;
}

static int parse_bits(const keygen_args *a, wb_alg alg, unsigned *bits) {
  *bits = 0;
  if (a->bits == NULL)
    return 0;
  if (!is_rsa_alg(alg))
    return cli_usage(CMD, "--bits applies to RSA algorithms (RS*, PS*) only");
  size_t n = strspn(a->bits, "0123456789");
  if (n == 0 || n > 6 || a->bits[n] != '\0')
    return cli_usage(CMD, "--bits: '%s' is not a number of bits", a->bits);
  unsigned long b = strtoul(a->bits, NULL, 10);
  if (b < WB_RSA_MIN_BITS)
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "RSA keys need at least %d bits, not %lu", WB_RSA_MIN_BITS, b);
  if (b > WB_RSA_MAX_BITS)
    return cli_usage(CMD, "--bits: at most %d", WB_RSA_MAX_BITS);
  *bits = (unsigned)b;
  return 0;
}

static int generate(const keygen_args *a, wb_alg alg, wb_crv crv, unsigned bits) {
  wb_error err = {0};
  wb_key *key = NULL;
  int rc = CLI_EXIT_USAGE;
  if (wb_key_generate_for_alg(&key, alg, crv, bits, &err) != WB_OK ||
      (a->kid != NULL && wb_key_set_kid(key, a->kid, &err) != WB_OK)) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  rc = cli_keygen_emit(a, key);
out:
  wb_key_free(key);
  return rc;
}

int cmd_keygen(int argc, char **argv) {
  keygen_args a = {0};
  wb_alg alg;
  wb_crv crv;
  unsigned bits;
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_keygen);
  if (a.alg == NULL)
    return cli_usage(CMD, "ALG is required");
  if (a.kid != NULL && a.kid[0] == '\0')
    return cli_usage(CMD, "--kid must not be empty");
  if (cli_keygen_is_jwe(a.alg))
    return cli_keygen_jwe(&a);
  if (cli_keygen_check_use(&a) != 0)
    return CLI_EXIT_USAGE;
  if (a.pem && strncmp(a.alg, "HS", 2) == 0)
    return cli_usage(CMD, "--pem: an HMAC key (%s) is a raw secret and has no PEM form", a.alg);
  if (cli_parse_alg(CMD, a.alg, &alg) != 0 || parse_crv(&a, alg, &crv) != 0 ||
      parse_bits(&a, alg, &bits) != 0)
    return CLI_EXIT_USAGE;
  return generate(&a, alg, crv, bits);
}
