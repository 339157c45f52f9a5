/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_encrypted.c - private keys protected by a password (RFC 7517 appendix C): the private
 * JWK as the plaintext of a compact JWE with PBES2 key wrapping and "cty": "jwk+json". The JWK
 * text and the plaintext are wiped on every path. Contract: include/wristband/jwe.h.
 */
#include <string.h>

#include "jwe_int.h"

#define JWK_PBES2_P2C      210000  /* OWASP's PBKDF2-HMAC-SHA512 figure: the default for keys at rest */
#define JWK_PBES2_READ_MAX 1000000 /* the default cap when reading: the file is the owner's own */
#define JWK_JWE_MAX        (128 * 1024)

wb_status wb_key_to_encrypted_jwk(const wb_key *key, const char *password, size_t password_len, uint32_t p2c,
                                  char **jwe, wb_error *err) {
  if (jwe == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL jwe");
  *jwe = NULL;
  if (key == NULL || password == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (!key->is_private)
    return wb__fail(err, WB_ERR_INVALID_ARG, "only a private or secret key needs encrypting");
  wb_encrypter *e = NULL;
  char *jwk = NULL;
  wb_status st = wb_encrypter_new_password(&e, password, password_len, WB_JWE_PBES2_HS512_A256KW,
                                           WB_ENC_A256GCM, p2c != 0 ? p2c : JWK_PBES2_P2C, err);
  if (st == WB_OK)
    st = wb_encrypter_set_cty(e, "jwk+json", err);
  if (st == WB_OK)
    st = wb_key_to_jwk(key, WB_KEY_PRIVATE, &jwk, err);
  if (st == WB_OK)
    st = wb_jwe_encrypt(e, (const unsigned char *)jwk, strlen(jwk), jwe, NULL, err);
  wb_string_free(jwk);
  wb_encrypter_free(e);
  return st;
}

wb_status wb_key_from_encrypted_jwk(wb_key **out, const char *jwe, size_t len, const char *password,
                                    size_t password_len, uint32_t max_p2c, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (jwe == NULL || password == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_decrypter *d = NULL;
  unsigned char *pt = NULL;
  size_t pt_len = 0;
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_token_len = JWK_JWE_MAX;
  wb_status st = wb_decrypter_new_password(&d, password, password_len, err);
  if (st == WB_OK)
    st = wb_decrypter_allow_pbes2(d, max_p2c != 0 ? max_p2c : JWK_PBES2_READ_MAX, err);
  if (st == WB_OK)
    st = wb_decrypter_set_limits(d, &lim, err);
  if (st == WB_OK)
    st = wb__jwe_decrypt_compact(d, jwe, len, "jwk+json", &pt, &pt_len, err);
  if (st == WB_OK)
    st = wb_key_from_jwk(out, (const char *)pt, pt_len, err);
  wb_plaintext_free(pt, pt_len);
  wb_decrypter_free(d);
  return st;
}
