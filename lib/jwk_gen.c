/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_gen.c - key generation: oct secrets from the CSPRNG, RSA (2048 bits by default, never
 * less), EC on P-256/P-384/P-521/secp256k1, and Ed25519/Ed448/X25519/X448, all through
 * EVP_PKEY_Q_keygen. Generated keys pass the same checks as imported ones (wb__key_adopt_pkey).
 * wb_key_generate_for_alg also pins alg, sets use "sig" and kid = RFC 7638 thumbprint.
 * Contract: include/wristband/key.h.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdlib.h>

#include "internal.h"

#define OCT_DEFAULT_BITS 256
#define OCT_MIN_BITS     128
#define OCT_MAX_BITS     8192
#define RSA_DEFAULT_BITS WB_RSA_MIN_BITS

static wb_status gen_oct(wb_key **out, unsigned bits, wb_error *err) {
  if (bits == 0)
    bits = OCT_DEFAULT_BITS;
  if (bits % 8 != 0 || bits < OCT_MIN_BITS || bits > OCT_MAX_BITS)
    return wb__fail(err, WB_ERR_INVALID_ARG, "oct key size must be a multiple of 8 in %d..%d bits",
                    OCT_MIN_BITS, OCT_MAX_BITS);
  unsigned char buf[OCT_MAX_BITS / 8];
  wb_status st = wb_random(buf, bits / 8, err);
  if (st == WB_OK)
    st = wb_key_from_secret(out, buf, bits / 8, err);
  OPENSSL_cleanse(buf, sizeof(buf));
  return st;
}

static wb_status gen_pkey(wb_key **out, wb_kty kty, wb_crv crv, unsigned bits, wb_error *err) {
  EVP_PKEY *pkey = NULL;
  if (kty == WB_KTY_RSA) {
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
  } else {
    const wb_curve_info *c = wb__curve_by_crv(crv);
    if (c == NULL)
      return wb__fail(err, WB_ERR_INVALID_ARG, "unknown curve");
    if (c->kty != kty)
      return wb__fail(err, WB_ERR_INVALID_ARG, "curve does not belong to the key type");
    /* EC: the OpenSSL group name; OKP: the OpenSSL key type name */
    pkey = kty == WB_KTY_EC ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->ossl_name)
                            : EVP_PKEY_Q_keygen(NULL, NULL, c->ossl_name);
  }
  ERR_clear_error();
  if (pkey == NULL)
    return wb__fail(err, WB_ERR_CRYPTO, "key generation failed");
  return wb__key_from_pkey(out, pkey, err);
}

wb_status wb_key_generate(wb_key **out, wb_kty kty, wb_crv crv, unsigned bits, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_generate: NULL out");
  *out = NULL;
  switch (kty) {
  case WB_KTY_OCT:
    if (crv != WB_CRV_NONE)
      return wb__fail(err, WB_ERR_INVALID_ARG, "oct keys have no curve");
    return gen_oct(out, bits, err);
  case WB_KTY_RSA:
    if (crv != WB_CRV_NONE)
      return wb__fail(err, WB_ERR_INVALID_ARG, "RSA keys have no curve");
    if (bits == 0)
      bits = RSA_DEFAULT_BITS;
    if (bits < WB_RSA_MIN_BITS)
      return wb__fail(err, WB_ERR_BAD_KEY, "RSA key under %d bits", WB_RSA_MIN_BITS);
    if (bits > WB_RSA_MAX_BITS)
      return wb__fail(err, WB_ERR_INVALID_ARG, "RSA key over %d bits", WB_RSA_MAX_BITS);
    return gen_pkey(out, kty, crv, bits, err);
  case WB_KTY_EC:
  case WB_KTY_OKP:
    if (bits != 0)
      return wb__fail(err, WB_ERR_INVALID_ARG, "EC and OKP sizes come from the curve: bits must be 0");
    return gen_pkey(out, kty, crv, 0, err);
  default:
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown key type");
  }
}

/* The key type, curve and size wb_key_generate needs for alg (table: lib/jwa.c). */
static wb_status params_for_alg(wb_alg alg, wb_crv *crv, unsigned *bits, wb_kty *kty, wb_error *err) {
  const wb_alg_info *ai = wb__alg_info(alg);
  if (ai == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown algorithm");
  *kty = ai->kty;
  if (ai->family == WB_FAMILY_EDDSA) {
    if (*crv == WB_CRV_NONE)
      *crv = WB_CRV_ED25519;
    if (*crv != WB_CRV_ED25519 && *crv != WB_CRV_ED448)
      return wb__fail(err, WB_ERR_INVALID_ARG, "EdDSA keys are Ed25519 or Ed448");
    return WB_OK;
  }
  if (*crv != WB_CRV_NONE && *crv != ai->crv)
    return wb__fail(err, WB_ERR_INVALID_ARG, "curve does not fit the algorithm");
  *crv = ai->crv;
  if (ai->family != WB_FAMILY_HMAC)
    return WB_OK;
  if (*bits == 0)
    *bits = (unsigned)(ai->hash_len * 8);
  if (*bits < ai->hash_len * 8)
    return wb__fail(err, WB_ERR_INVALID_ARG, "HMAC key shorter than the hash");
  return WB_OK;
}

static wb_status label_for_alg(wb_key *key, wb_alg alg, wb_error *err) {
  char kid[WB_THUMBPRINT_LEN];
  key->alg = alg; /* the key was generated to fit alg (params_for_alg): nothing to check */
  key->use = WB_USE_SIG;
  wb_status st = wb_key_thumbprint(key, kid, err);
  if (st == WB_OK)
    st = wb_key_set_kid(key, kid, err);
  return st;
}

wb_status wb_key_generate_for_alg(wb_key **out, wb_alg alg, wb_crv crv, unsigned bits, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_generate_for_alg: NULL out");
  *out = NULL;
  wb_kty kty = WB_KTY_INVALID;
  wb_status st = params_for_alg(alg, &crv, &bits, &kty, err);
  if (st != WB_OK)
    return st;
  wb_key *key = NULL;
  st = wb_key_generate(&key, kty, crv, bits, err);
  if (st == WB_OK)
    st = label_for_alg(key, alg, err);
  if (st != WB_OK) {
    wb_key_free(key);
    return st;
  }
  *out = key;
  return WB_OK;
}
