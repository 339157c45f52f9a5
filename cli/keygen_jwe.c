/* SPDX-License-Identifier: MIT */
/*
 * cli/keygen_jwe.c - `wristband keygen` for encryption keys (issue 13): ALG a JWE key management
 * algorithm (RSA-OAEP*, A*KW, A*GCMKW, dir with --enc, ECDH-ES* with --crv P-256 ... X448) makes
 * a key bound to encryption (use "enc", that alg, kid = thumbprint: wb_key_generate_for_jwe);
 * --password-file writes any generated key as an encrypted JWK (RFC 7517 appendix C). The
 * signing side of keygen stays in cli/keygen.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose_cli.h"

#define CMD "keygen"

int cli_keygen_is_jwe(const char *alg) {
  return wb_jwe_alg_from_name(alg, strlen(alg)) != WB_JWE_ALG_INVALID;
}

int cli_keygen_check_use(const cli_keygen_req *r) {
  if (r->use != NULL && strcmp(r->use, "sig") != 0)
    return cli_usage(CMD,
                     "--use %s: %s is a signing algorithm (an encryption key takes a JWE ALG such as "
                     "ECDH-ES+A256KW, A256KW or RSA-OAEP-256)",
                     r->use, r->alg);
  if (r->enc != NULL)
    return cli_usage(CMD, "--enc applies to dir keys only");
  return 0;
}

static const struct {
  const char *name;
  wb_crv crv;
} curves[] = {{"P-256", WB_CRV_P256},
              {"P-384", WB_CRV_P384},
              {"P-521", WB_CRV_P521},
              {"X25519", WB_CRV_X25519},
              {"X448", WB_CRV_X448}};

/* --crv, --bits and --enc against the algorithm's kind. */
static int parse_params(const cli_keygen_req *r, wb_jwe_alg alg, wb_crv *crv, unsigned *bits, wb_enc *enc) {
  const char *name = wb_jwe_alg_name(alg);
  int ecdh = strncmp(name, "ECDH-ES", 7) == 0, rsa = strncmp(name, "RSA", 3) == 0;
  *crv = WB_CRV_NONE;
  *bits = 0;
  *enc = WB_ENC_INVALID;
  if (r->crv != NULL && !ecdh)
    return cli_usage(CMD, "--crv applies to ECDH-ES keys only");
  for (size_t i = 0; r->crv != NULL && i < sizeof(curves) / sizeof(curves[0]); i++)
    if (strcmp(r->crv, curves[i].name) == 0)
      *crv = curves[i].crv;
  if (r->crv != NULL && *crv == WB_CRV_NONE)
    return cli_usage(CMD, "--crv must be P-256, P-384, P-521, X25519 or X448, not '%s'", r->crv);
  if (r->enc != NULL && alg != WB_JWE_DIR)
    return cli_usage(CMD, "--enc applies to dir keys only");
  if (r->enc != NULL && cli_parse_enc(CMD, r->enc, enc) != 0)
    return CLI_EXIT_USAGE;
  if (r->bits == NULL)
    return 0;
  if (!rsa)
    return cli_usage(CMD, "--bits applies to RSA algorithms only");
  size_t n = strspn(r->bits, "0123456789");
  if (n == 0 || n > 6 || r->bits[n] != '\0')
    return cli_usage(CMD, "--bits: '%s' is not a number of bits", r->bits);
  unsigned long b = strtoul(r->bits, NULL, 10);
  if (b < WB_RSA_MIN_BITS)
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "RSA keys need at least %d bits, not %lu", WB_RSA_MIN_BITS, b);
  if (b > WB_RSA_MAX_BITS)
    return cli_usage(CMD, "--bits: at most %d", WB_RSA_MAX_BITS);
  *bits = (unsigned)b;
  return 0;
}

int cli_keygen_emit(const cli_keygen_req *r, const wb_key *key) {
  if (r->password_file == NULL)
    return cli_emit_key(key, r->pem ? CLI_FORMAT_PEM : CLI_FORMAT_JWK, WB_KEY_PRIVATE, r->out);
  if (r->pem)
    return cli_usage(CMD, "--password-file writes an encrypted JWK: not with --pem");
  cli_buf pw = {0};
  char *jwe = NULL;
  wb_error err = {0};
  int rc = cli_read_password(r->password_file, &pw);
  if (rc == 0 && wb_key_to_encrypted_jwk(key, pw.data, pw.len, 0, &jwe, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  char *line = NULL;
  if (rc == 0 && r->out != NULL && !cli_is_stdin(r->out)) { /* one line, as every key file written */
    size_t n = strlen(jwe);
    line = cli_xrealloc(NULL, n + 1);
    memcpy(line, jwe, n);
    line[n] = '\n';
    rc = cli_write_private(r->out, line, n + 1);
    cli_wipe(line, n + 1);
  } else if (rc == 0) {
    cli_print_line(jwe);
  }
  free(line);
  wb_string_free(jwe);
  cli_buf_free(&pw);
  return rc;
}

int cli_keygen_jwe(const cli_keygen_req *r) {
  wb_jwe_alg alg = wb_jwe_alg_from_name(r->alg, strlen(r->alg));
  wb_crv crv;
  unsigned bits;
  wb_enc enc;
  wb_key *key = NULL;
  wb_error err = {0};
  if (r->use != NULL && strcmp(r->use, "enc") != 0)
    return cli_usage(CMD, "--use %s: %s is a key management algorithm: its keys have use \"enc\"", r->use,
                     r->alg);
  if (alg == WB_JWE_RSA1_5)
    return cli_usage(CMD, "RSA1_5 is for decrypting old tokens only: generate an RSA-OAEP-256 key");
  if (r->pem && strncmp(r->alg, "RSA", 3) != 0 && strncmp(r->alg, "ECDH", 4) != 0)
    return cli_usage(CMD, "--pem: a %s key is a raw secret and has no PEM form", r->alg);
  if (parse_params(r, alg, &crv, &bits, &enc) != 0)
    return CLI_EXIT_USAGE;
  int rc = 0;
  if (wb_key_generate_for_jwe(&key, alg, enc, crv, bits, &err) != WB_OK ||
      (r->kid != NULL && wb_key_set_kid(key, r->kid, &err) != WB_OK))
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (rc == 0)
    rc = cli_keygen_emit(r, key);
  wb_key_free(key);
  return rc;
}
