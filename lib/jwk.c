/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk.c - the key object: life cycle and reference counting, set-up calls (kid, alg, use),
 * accessors, algorithm fit (wb_key_check_alg, wb_key_default_alg) and the public half of a key
 * (wb_key_public), with the fit helpers the importers share (lib/internal.h).
 *
 * The public contract is include/wristband/key.h. The rest of a key lives beside this file:
 * JWK import in lib/jwk_import.c (key material) and lib/jwk_meta.c (kid, use, key_ops, alg),
 * the checks every key passes in lib/jwk_validate.c, JWK export and thumbprints in
 * lib/jwk_export.c, PEM/DER in lib/jwk_pem.c, generation in lib/jwk_gen.c, sets in lib/keyset.c.
 */
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

/* ---- algorithm fit ------------------------------------------------------------------------- */

const char *wb__kty_name(wb_kty kty) {
  switch (kty) {
  case WB_KTY_OCT:
    return "oct";
  case WB_KTY_RSA:
    return "RSA";
  case WB_KTY_EC:
    return "EC";
  case WB_KTY_OKP:
    return "OKP";
  default:
    return "?";
  }
}

bool wb__jws_fits_key(const wb_alg_info *fit, wb_kty kty, wb_crv crv) {
  if (fit->kty != kty)
    return false;
  if (fit->family == WB_FAMILY_EDDSA)
    return crv == WB_CRV_ED25519 || crv == WB_CRV_ED448;
  return fit->crv == WB_CRV_NONE || fit->crv == crv;
}

wb_status wb__key_check_hmac_len(const wb_key *key, const wb_alg_info *fit, wb_error *err) {
  if (fit->family == WB_FAMILY_HMAC && key->secret_len < fit->hash_len)
    return wb__fail(err, WB_ERR_BAD_KEY, "HMAC key shorter than the hash");
  return WB_OK;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

wb_key *wb__key_alloc(void) {
  wb_key *key = calloc(1, sizeof(*key));
  if (key == NULL)
    return NULL;
  atomic_init(&key->refs, 1);
  atomic_init(&key->frozen, false);
  atomic_init(&key->pool, NULL);
  atomic_init(&key->tp_state, 0);
  return key;
}

wb_key *wb__key_ref(const wb_key *key) {
  wb_key *k = (wb_key *)key; /* the count, the frozen flag and the pool are the mutable part of a key */
  atomic_store(&k->frozen, true);
  atomic_fetch_add(&k->refs, 1);
  return k;
}

void wb_key_free(wb_key *key) {
  if (key == NULL)
    return;
  if (atomic_fetch_sub(&key->refs, 1) != 1)
    return;
  wb__pool_free(&key->pool); /* the prepared contexts hold the secret or a private key reference */
  if (key->secret != NULL) {
    OPENSSL_cleanse(key->secret, key->secret_len);
    free(key->secret);
  }
  EVP_PKEY_free(key->pkey);
  free(key->kid);
  free(key->jwe_alg);
  OPENSSL_cleanse(key, sizeof(*key));
  free(key);
}

/* ---- set-up and inspection ----------------------------------------------------------------- */

/* A key that a set, signer or verifier holds may be read by other threads: it never changes. */
static wb_status refuse_frozen(const wb_key *key, const char *fn, wb_error *err) {
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "%s: NULL key", fn);
  if (atomic_load(&key->frozen))
    return wb__fail(err, WB_ERR_INVALID_ARG, "%s: the key is frozen (a key set, signer or verifier holds it)",
                    fn);
  return WB_OK;
}

wb_status wb_key_set_kid(wb_key *key, const char *kid, wb_error *err) {
  wb_status st = refuse_frozen(key, "wb_key_set_kid", err);
  if (st != WB_OK)
    return st;
  char *copy = NULL;
  if (kid != NULL) {
    if (!wb__utf8_valid(kid, strlen(kid))) /* the kid must serialise */
      return wb__fail(err, WB_ERR_INVALID_ARG, "kid is not valid UTF-8");
    if ((copy = strdup(kid)) == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  free(key->kid);
  key->kid = copy;
  return wb__ok(err);
}

wb_status wb_key_set_alg(wb_key *key, wb_alg alg, wb_error *err) {
  wb_status st = refuse_frozen(key, "wb_key_set_alg", err);
  if (st != WB_OK)
    return st;
  if (alg == WB_ALG_INVALID) {
    key->alg = WB_ALG_INVALID;
    return wb__ok(err);
  }
  const wb_alg_info *fit = wb__alg_info(alg);
  if (fit == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown algorithm");
  if (!wb__jws_fits_key(fit, key->kty, key->crv))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "%s does not fit this %s key", fit->name,
                    wb__kty_name(key->kty));
  st = wb__key_check_hmac_len(key, fit, err);
  if (st != WB_OK)
    return st;
  free(key->jwe_alg);
  key->jwe_alg = NULL;
  key->alg = alg;
  return wb__ok(err);
}

wb_status wb_key_set_use(wb_key *key, wb_use use, wb_error *err) {
  wb_status st = refuse_frozen(key, "wb_key_set_use", err);
  if (st != WB_OK)
    return st;
  if (use != WB_USE_ANY && use != WB_USE_SIG && use != WB_USE_ENC)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_set_use: unknown use");
  key->use = use;
  return wb__ok(err);
}

wb_kty wb_key_kty(const wb_key *key) {
  return key != NULL ? key->kty : WB_KTY_INVALID;
}

wb_crv wb_key_crv(const wb_key *key) {
  return key != NULL ? key->crv : WB_CRV_NONE;
}

wb_alg wb_key_alg(const wb_key *key) {
  return key != NULL ? key->alg : WB_ALG_INVALID;
}

const char *wb_key_kid(const wb_key *key) {
  return key != NULL ? key->kid : NULL;
}

wb_use wb_key_use(const wb_key *key) {
  return key != NULL ? key->use : WB_USE_ANY;
}

int wb_key_is_private(const wb_key *key) {
  return key != NULL && key->is_private;
}

unsigned wb_key_bits(const wb_key *key) {
  return key != NULL ? key->bits : 0;
}

wb_alg wb_key_default_alg(const wb_key *key) {
  if (key == NULL || key->jwe_alg != NULL)
    return WB_ALG_INVALID;
  if (key->alg != WB_ALG_INVALID)
    return key->alg;
  switch (key->crv) {
  case WB_CRV_P256:
    return WB_ALG_ES256;
  case WB_CRV_P384:
    return WB_ALG_ES384;
  case WB_CRV_P521:
    return WB_ALG_ES512;
  case WB_CRV_SECP256K1:
    return WB_ALG_ES256K;
  case WB_CRV_ED25519:
  case WB_CRV_ED448:
    return WB_ALG_EDDSA;
  default:
    return WB_ALG_INVALID; /* RSA and oct: several algs fit; X25519/X448: none */
  }
}

wb_status wb_key_check_alg(const wb_key *key, wb_alg alg, wb_key_op op, wb_error *err) {
  const wb_alg_info *fit = wb__alg_info(alg);
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_check_alg: NULL key");
  if (op != WB_KEY_OP_SIGN && op != WB_KEY_OP_VERIFY)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "wb_key_check_alg: op must be WB_KEY_OP_SIGN or WB_KEY_OP_VERIFY");
  bool sign = op == WB_KEY_OP_SIGN;
  if (fit == NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "unknown algorithm");
  if (key->jwe_alg != NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key is for encryption (alg %s)", key->jwe_alg);
  if (!wb__jws_fits_key(fit, key->kty, key->crv))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "%s does not fit this %s key", fit->name,
                    wb__kty_name(key->kty));
  if (key->alg != WB_ALG_INVALID && key->alg != alg)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key is pinned to another algorithm than %s", fit->name);
  if (key->use == WB_USE_ENC)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key \"use\" is \"enc\"");
  if (key->has_key_ops && !(key->key_ops & (sign ? WB_OPBIT_SIGN : WB_OPBIT_VERIFY)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key \"key_ops\" does not allow %s",
                    sign ? "sign" : "verify");
  wb_status st = wb__key_check_hmac_len(key, fit, err);
  if (st != WB_OK)
    return st;
  if (sign && !key->is_private)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "signing needs a private key");
  return wb__ok(err);
}

/* ---- public half ---------------------------------------------------------------------------- */

static EVP_PKEY *public_pkey(const EVP_PKEY *pkey) {
  OSSL_PARAM *params = NULL;
  EVP_PKEY *pub = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, EVP_PKEY_get0_type_name(pkey), NULL);
  if (ctx != NULL && EVP_PKEY_todata(pkey, EVP_PKEY_PUBLIC_KEY, &params) == 1 &&
      EVP_PKEY_fromdata_init(ctx) == 1)
    (void)EVP_PKEY_fromdata(ctx, &pub, EVP_PKEY_PUBLIC_KEY, params);
  OSSL_PARAM_free(params);
  EVP_PKEY_CTX_free(ctx);
  return pub;
}

/*
 * The key_ops of a public half: each private operation becomes its public counterpart (RFC 7517
 * 4.3 pairs them: sign/verify, decrypt/encrypt, unwrapKey/wrapKey); the public ones stay; and
 * deriveKey/deriveBits, which need the private half, go. A public key's ["sign"] could verify
 * nothing; its ["verify"] can.
 */
static unsigned public_key_ops(unsigned ops) {
  unsigned pub = ops & (WB_OPBIT_VERIFY | WB_OPBIT_ENCRYPT | WB_OPBIT_WRAP);
  if (ops & WB_OPBIT_SIGN)
    pub |= WB_OPBIT_VERIFY;
  if (ops & WB_OPBIT_DECRYPT)
    pub |= WB_OPBIT_ENCRYPT;
  if (ops & WB_OPBIT_UNWRAP)
    pub |= WB_OPBIT_WRAP;
  return pub;
}

static wb_status copy_meta(wb_key *dst, const wb_key *src, wb_error *err) {
  dst->alg = src->alg;
  dst->use = src->use;
  dst->key_ops = public_key_ops(src->key_ops);
  dst->has_key_ops = src->has_key_ops; /* even when none is left: never widen what a key may do */
  if (src->kid != NULL && (dst->kid = strdup(src->kid)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (src->jwe_alg != NULL && (dst->jwe_alg = strdup(src->jwe_alg)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  return WB_OK;
}

wb_status wb_key_public(wb_key **out, const wb_key *key, wb_error *err) {
  if (out != NULL) /* NULL on every failure, a NULL input included */
    *out = NULL;
  if (out == NULL || key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_public: NULL argument");
  if (key->kty == WB_KTY_OCT) /* every other key holds a pkey (wb__key_adopt_pkey) */
    return wb__fail(err, WB_ERR_INVALID_ARG, "an oct key has no public half");
  wb_key *pub = wb__key_alloc();
  if (pub == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  EVP_PKEY *pk = public_pkey(key->pkey);
  wb_status st =
      pk != NULL ? wb__key_adopt_pkey(pub, pk, err) : wb__fail(err, WB_ERR_CRYPTO, "public key copy failed");
  if (st == WB_OK)
    st = copy_meta(pub, key, err);
  if (st != WB_OK) {
    wb_key_free(pub);
    return st;
  }
  *out = pub;
  return wb__ok(err);
}
