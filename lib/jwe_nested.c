/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_nested.c - nested JWTs (RFC 7519 section 5.2 and appendix A.2): sign, then encrypt the
 * compact JWS with "cty": "JWT"; decrypt, then verify the JWS inside with the verifier's whole
 * policy. The caller says which form it expects: wb_verify never decrypts and wb_decrypt_verify
 * never accepts a JWE whose plaintext is not a signed JWT, so a JWE can never stand in for who
 * wrote the claims. Contract: include/wristband/jwe.h.
 */
#include "jwe_int.h"

wb_status wb_sign_encrypt(const wb_signer *s, const wb_encrypter *e, const wb_builder *claims, char **token,
                          size_t *token_len, wb_error *err) {
  if (token_len != NULL)
    *token_len = 0;
  if (token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL token");
  *token = NULL;
  if (s == NULL || e == NULL || claims == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  char *jws = NULL;
  size_t jws_len = 0;
  wb_status st = wb_sign(s, claims, &jws, &jws_len, err);
  if (st == WB_OK)
    st = wb__jwe_encrypt_compact(e, "\"JWT\"", (const unsigned char *)jws, jws_len, token, token_len, err);
  wb_string_free(jws);
  return st;
}

wb_status wb_decrypt_verify(const wb_decrypter *d, const wb_verifier *v, const char *token, size_t len,
                            wb_claims **claims, wb_error *err) {
  if (claims != NULL)
    *claims = NULL;
  if (d == NULL || v == NULL || token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  unsigned char *jws = NULL;
  size_t jws_len = 0;
  wb_status st = wb__jwe_decrypt_compact(d, token, len, "JWT", &jws, &jws_len, err);
  if (st != WB_OK)
    return st;
  /* wb_verify takes a compact JWS only: a JWE inside (or anything else) is refused there */
  st = wb_verify(v, (const char *)jws, jws_len, claims, err);
  wb_plaintext_free(jws, jws_len);
  return st;
}
