/* SPDX-License-Identifier: MIT */
/*
 * lib/jwa.c - the JWS algorithms of RFC 7518 section 3, RFC 8037 (EdDSA) and RFC 8812 (ES256K):
 * the algorithm table, and signing / verifying over OpenSSL 3.
 *
 * Speed: every key owns a small lock-free pool of prepared OpenSSL contexts per (alg, operation)
 * (lib/ctxpool.h): a keyed HMAC context re-initialised without re-keying, an EVP_PKEY_CTX already
 * initialised for sign or verify with its padding set. Digest and MAC implementations are fetched
 * once per process. So the hot path does no algorithm fetch, no key set-up and no allocation of
 * ours. The contexts hold the secret, so they are the key's: wb_key_free wipes and frees them,
 * whichever threads used them (and the SipHash contexts of a verification cache are the cache's).
 *
 * Security: ECDSA signatures must be exactly R||S of the curve's size with 0 < r, s < n
 * (checked here before OpenSSL sees them; DER input is therefore impossible); RSA signatures
 * must be exactly the modulus size; HMAC tags are compared with CRYPTO_memcmp.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <string.h>

#include "internal.h"

static const wb_alg_info alg_table[WB_ALG_COUNT_] = {
    [WB_ALG_HS256] = {WB_ALG_HS256, "HS256", WB_FAMILY_HMAC, WB_KTY_OCT, WB_CRV_NONE, "SHA256", 32, 32},
    [WB_ALG_HS384] = {WB_ALG_HS384, "HS384", WB_FAMILY_HMAC, WB_KTY_OCT, WB_CRV_NONE, "SHA384", 48, 48},
    [WB_ALG_HS512] = {WB_ALG_HS512, "HS512", WB_FAMILY_HMAC, WB_KTY_OCT, WB_CRV_NONE, "SHA512", 64, 64},
    [WB_ALG_RS256] = {WB_ALG_RS256, "RS256", WB_FAMILY_RSA_PKCS1, WB_KTY_RSA, WB_CRV_NONE, "SHA256", 32, 0},
    [WB_ALG_RS384] = {WB_ALG_RS384, "RS384", WB_FAMILY_RSA_PKCS1, WB_KTY_RSA, WB_CRV_NONE, "SHA384", 48, 0},
    [WB_ALG_RS512] = {WB_ALG_RS512, "RS512", WB_FAMILY_RSA_PKCS1, WB_KTY_RSA, WB_CRV_NONE, "SHA512", 64, 0},
    [WB_ALG_PS256] = {WB_ALG_PS256, "PS256", WB_FAMILY_RSA_PSS, WB_KTY_RSA, WB_CRV_NONE, "SHA256", 32, 0},
    [WB_ALG_PS384] = {WB_ALG_PS384, "PS384", WB_FAMILY_RSA_PSS, WB_KTY_RSA, WB_CRV_NONE, "SHA384", 48, 0},
    [WB_ALG_PS512] = {WB_ALG_PS512, "PS512", WB_FAMILY_RSA_PSS, WB_KTY_RSA, WB_CRV_NONE, "SHA512", 64, 0},
    [WB_ALG_ES256] = {WB_ALG_ES256, "ES256", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_P256, "SHA256", 32,
                      WB_ES256_SIG_LEN},
    [WB_ALG_ES384] = {WB_ALG_ES384, "ES384", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_P384, "SHA384", 48,
                      WB_ES384_SIG_LEN},
    [WB_ALG_ES512] = {WB_ALG_ES512, "ES512", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_P521, "SHA512", 64,
                      WB_ES512_SIG_LEN},
    [WB_ALG_ES256K] = {WB_ALG_ES256K, "ES256K", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_SECP256K1, "SHA256", 32,
                       WB_ES256_SIG_LEN},
    [WB_ALG_EDDSA] = {WB_ALG_EDDSA, "EdDSA", WB_FAMILY_EDDSA, WB_KTY_OKP, WB_CRV_NONE, NULL, 0, 0},
};

const wb_alg_info *wb__alg_info(wb_alg alg) {
  if (alg <= WB_ALG_INVALID || alg >= WB_ALG_COUNT_)
    return NULL;
  return &alg_table[alg];
}

const char *wb_alg_name(wb_alg alg) {
  const wb_alg_info *ai = wb__alg_info(alg);
  return ai ? ai->name : NULL;
}

wb_alg wb_alg_from_name(const char *name, size_t len) {
  if (name == NULL)
    return WB_ALG_INVALID;
  for (int a = WB_ALG_INVALID + 1; a < WB_ALG_COUNT_; a++) {
    const char *n = alg_table[a].name;
    if (strlen(n) == len && memcmp(n, name, len) == 0)
      return (wb_alg)a;
  }
  return WB_ALG_INVALID;
}

/* ---- digests fetched once ------------------------------------------------------------------ */

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha384, *md_sha512;
static EVP_MAC *mac_siphash, *mac_hmac;

static void fetch_algorithms(void) {
  md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
  md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
  mac_siphash = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
  mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* The digest of an RSA or ECDSA alg, whose hash is SHA-256, SHA-384 or SHA-512 (EdDSA has none). */
static const EVP_MD *alg_md(const wb_alg_info *ai) {
  pthread_once(&md_once, fetch_algorithms);
  return ai->hash_len == 32 ? md_sha256 : ai->hash_len == 48 ? md_sha384 : md_sha512;
}

bool wb__sha256(const void *in, size_t len, unsigned char out[32]) {
  pthread_once(&md_once, fetch_algorithms);
  return EVP_Digest(in, len, out, NULL, md_sha256, NULL) == 1; /* a NULL digest (no SHA-256) fails */
}

/* ---- prepared contexts, owned by the key (lib/ctxpool.h) ------------------------------------- */

/* The pool tag of (alg, operation): never 0. */
static unsigned ctx_tag(wb_alg alg, int sign) {
  return (unsigned)alg * 2u + (unsigned)sign + 1u;
}

/*
 * HMAC through EVP_MAC, keyed once per context and re-initialised without re-keying. (OpenSSL 3.0
 * still allocates inside EVP_MAC_init and EVP_MAC_final, as it does for any digest
 * re-initialisation; the raw limit of bench/ pays the same.)
 */
static wb_status hmac_compute(wb_ctx *c, const unsigned char *msg, size_t len, unsigned char *tag,
                              size_t tag_len, wb_error *err) {
  size_t out = 0;
  if (EVP_MAC_init(c->mac, NULL, 0, NULL) != 1 ||
      /* LCOV_EXCL_BR_START: cov-openssl-infallible */
      EVP_MAC_update(c->mac, msg, len) != 1 || EVP_MAC_final(c->mac, tag, &out, tag_len) != 1 ||
      out != tag_len)
    /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
    return wb__fail(err, WB_ERR_CRYPTO, "HMAC failed");
  return WB_OK;
}

/* RSA and ECDSA: a PKEY context initialised for the operation with its padding, and a digest context. */
static wb_status pkey_prepare(wb_ctx *c, const wb_key *key, const wb_alg_info *ai, int sign, wb_error *err) {
  const EVP_MD *md = alg_md(ai);
  c->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
  c->mdctx = EVP_MD_CTX_new(); /* the message digest, re-initialised per call without allocating */
  if (c->pctx == NULL || c->mdctx == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  int ok = sign ? EVP_PKEY_sign_init(c->pctx) : EVP_PKEY_verify_init(c->pctx);
  ok = ok == 1 && EVP_PKEY_CTX_set_signature_md(c->pctx, md) == 1;
  if (ok && ai->kty == WB_KTY_RSA) {
    int pss = ai->family == WB_FAMILY_RSA_PSS;
    ok = EVP_PKEY_CTX_set_rsa_padding(c->pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1;
    /* RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash. */
    if (ok && pss)
      ok = EVP_PKEY_CTX_set_rsa_mgf1_md(c->pctx, md) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(c->pctx, (int)ai->hash_len) == 1;
  }
  return ok ? WB_OK : wb__fail(err, WB_ERR_CRYPTO, "%s set-up failed", ai->name);
}

/* Prepares an empty context for (key, alg, sign). */
static wb_status ctx_prepare(wb_ctx *c, const wb_key *key, const wb_alg_info *ai, int sign, wb_error *err) {
  pthread_once(&md_once, fetch_algorithms); /* mac_hmac; alg_md() sees to the digests itself */
  if (ai->family == WB_FAMILY_HMAC) {
    c->mac = EVP_MAC_CTX_new(mac_hmac);
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ai->md, 0),
                            OSSL_PARAM_construct_end()};
    if (c->mac == NULL || EVP_MAC_init(c->mac, key->secret, key->secret_len, params) != 1)
      return wb__fail(err, WB_ERR_CRYPTO, "HMAC set-up failed");
    return WB_OK;
  }
  if (ai->family != WB_FAMILY_EDDSA)
    return pkey_prepare(c, key, ai, sign, err);
  /* EdDSA is one-shot and stateless: a context initialised once serves every call. */
  c->mdctx = EVP_MD_CTX_new();
  if (c->mdctx == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  int ok = sign ? EVP_DigestSignInit_ex(c->mdctx, NULL, NULL, NULL, NULL, key->pkey, NULL)
                : EVP_DigestVerifyInit_ex(c->mdctx, NULL, NULL, NULL, NULL, key->pkey, NULL);
  return ok == 1 ? WB_OK : wb__fail(err, WB_ERR_CRYPTO, "EdDSA set-up failed");
}

/* Takes a prepared context for (key, alg, sign) from the key's pool; give it back with ctx_give. */
static wb_status ctx_take(wb_lease *l, const wb_key *key, const wb_alg_info *ai, int sign, wb_error *err) {
  wb_key *k = (wb_key *)key; /* the pool, like the reference count, is the mutable part of a key */
  wb__pool_take(&k->pool, ctx_tag(ai->alg, sign), l);
  if (!l->fresh)
    return WB_OK;
  wb_status st = ctx_prepare(l->ctx, key, ai, sign, err);
  if (st != WB_OK)
    wb__pool_give(l, false);
  return st;
}

/* Gives the context back; it stays prepared unless the operation failed in the backend. */
static void ctx_give(wb_lease *l, wb_status st) {
  wb__pool_give(l, st == WB_OK || st == WB_ERR_BAD_SIGNATURE);
}

wb_status wb__siphash128(wb_pool_ref *pool, const unsigned char key[16], const void *msg, size_t len,
                         unsigned char out[16], wb_error *err) {
  pthread_once(&md_once, fetch_algorithms);
  if (mac_siphash == NULL)                                      /* LCOV_EXCL_BR_LINE: cov-siphash-provider */
    return wb__fail(err, WB_ERR_CRYPTO, "SipHash unavailable"); /* LCOV_EXCL_LINE: cov-siphash-provider */
  wb_lease l;
  wb__pool_take(pool, 1, &l);
  int ok = 1;
  if (l.fresh) { /* key it once: later calls re-initialise without re-keying */
    size_t size = 16;
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                            OSSL_PARAM_construct_end()};
    ok =
        (l.ctx->mac = EVP_MAC_CTX_new(mac_siphash)) != NULL && EVP_MAC_init(l.ctx->mac, key, 16, params) == 1;
  } else {
    ok = EVP_MAC_init(l.ctx->mac, NULL, 0, NULL) == 1;
  }
  size_t n = 0;
  if (ok) {
    /* LCOV_EXCL_BR_START: cov-openssl-infallible */
    ok = EVP_MAC_update(l.ctx->mac, msg, len) == 1 && EVP_MAC_final(l.ctx->mac, out, &n, 16) == 1 && n == 16;
    /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
  }
  wb__pool_give(&l, ok);
  return ok ? WB_OK : wb__fail(err, WB_ERR_CRYPTO, "SipHash failed");
}

/* ---- HMAC ---------------------------------------------------------------------------------- */

/* ---- ECDSA signature format: JOSE R||S <-> DER ------------------------------------------------ */

/* 1 when the big-endian number a[0..len) is zero or >= n (same length). Public data. */
static int scalar_out_of_range(const unsigned char *a, const unsigned char *n, size_t len) {
  size_t i = 0;
  while (i < len && a[i] == 0)
    i++;
  if (i == len)
    return 1;
  return memcmp(a, n, len) >= 0;
}

/* Appends a DER INTEGER holding the unsigned big-endian a[0..len) at out; returns bytes written. */
static size_t der_integer(unsigned char *out, const unsigned char *a, size_t len) {
  while (len > 1 && a[0] == 0) {
    a++;
    len--;
  }
  int pad = (a[0] & 0x80) != 0;
  out[0] = 0x02;
  out[1] = (unsigned char)(len + (size_t)pad);
  out[2] = 0;
  memcpy(out + 2 + pad, a, len);
  return 2 + (size_t)pad + len;
}

/* DER SEQUENCE { r, s } from R||S (each half bytes, <= 66). der needs 2 * 69 + 3 bytes. */
static size_t ecdsa_rs_to_der(unsigned char *der, const unsigned char *sig, size_t half) {
  unsigned char body[2 * 69];
  size_t n = der_integer(body, sig, half);
  n += der_integer(body + n, sig + half, half);
  size_t h = 0;
  der[h++] = 0x30;
  if (n >= 0x80)
    der[h++] = 0x81;
  der[h++] = (unsigned char)n;
  memcpy(der + h, body, n);
  return h + n;
}

static wb_status ecdsa_der_to_rs(const unsigned char *der, size_t der_len, unsigned char *sig, size_t half,
                                 wb_error *err) {
  const unsigned char *p = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  if (es == NULL)
    return wb__fail(err, WB_ERR_CRYPTO, "ECDSA signature decoding failed");
  const BIGNUM *r = NULL, *s = NULL;
  ECDSA_SIG_get0(es, &r, &s);
  /* LCOV_EXCL_BR_START: cov-openssl-infallible */
  int ok =
      BN_bn2binpad(r, sig, (int)half) == (int)half && BN_bn2binpad(s, sig + half, (int)half) == (int)half;
  ECDSA_SIG_free(es);
  return ok ? WB_OK : wb__fail(err, WB_ERR_CRYPTO, "ECDSA signature encoding failed");
  /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
}

/* ---- sign / verify -------------------------------------------------------------------------- */

static wb_status check_key_family(const wb_key *key, const wb_alg_info *ai, wb_error *err) {
  if (ai == NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "unknown algorithm");
  if (key == NULL || key->kty != ai->kty || (ai->crv != WB_CRV_NONE && key->crv != ai->crv))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "%s does not fit the key type", ai->name);
  if (ai->family == WB_FAMILY_EDDSA && key->crv != WB_CRV_ED25519 && key->crv != WB_CRV_ED448)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "EdDSA needs an Ed25519 or Ed448 key");
  if (ai->kty == WB_KTY_OCT ? key->secret == NULL : key->pkey == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "key has no material");
  return WB_OK;
}

/* Expected signature length for key under ai. */
static size_t signature_length(const wb_key *key, const wb_alg_info *ai) {
  switch (ai->family) {
  case WB_FAMILY_HMAC:
    return ai->hash_len;
  case WB_FAMILY_ECDSA:
    return ai->sig_len; /* R || S, each key->coord_len bytes */
  case WB_FAMILY_EDDSA:
    return key->crv == WB_CRV_ED25519 ? WB_ED25519_SIG_LEN : WB_ED448_SIG_LEN;
  default:
    return (size_t)EVP_PKEY_get_size(key->pkey);
  }
}

/* The message digest of msg under ai's hash, with the context's digest (RSA and ECDSA). */
static wb_status digest(wb_ctx *c, const wb_alg_info *ai, const unsigned char *msg, size_t len,
                        unsigned char hash[EVP_MAX_MD_SIZE], wb_error *err) {
  if (EVP_DigestInit_ex(c->mdctx, alg_md(ai), NULL) != 1 ||
      /* LCOV_EXCL_BR_START: cov-openssl-infallible */
      EVP_DigestUpdate(c->mdctx, msg, len) != 1 || EVP_DigestFinal_ex(c->mdctx, hash, NULL) != 1)
    /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
    return wb__fail(err, WB_ERR_CRYPTO, "digest failed");
  return WB_OK;
}

/* Verifies with a prepared context. */
static wb_status verify_with(wb_ctx *c, const wb_key *key, const wb_alg_info *ai, const unsigned char *msg,
                             size_t msg_len, const unsigned char *sig, size_t sig_len, wb_error *err) {
  unsigned char buf[EVP_MAX_MD_SIZE], der[2 * 69 + 3];
  wb_status st = WB_OK;
  if (ai->family == WB_FAMILY_HMAC) {
    st = hmac_compute(c, msg, msg_len, buf, ai->hash_len, err);
    if (st == WB_OK && CRYPTO_memcmp(buf, sig, ai->hash_len) != 0)
      st = wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature does not verify");
    OPENSSL_cleanse(buf, sizeof(buf)); /* the right tag for this message */
    return st;
  }
  if (ai->family == WB_FAMILY_EDDSA)
    return EVP_DigestVerify(c->mdctx, sig, sig_len, msg, msg_len) == 1
               ? WB_OK
               : wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature does not verify");
  st = digest(c, ai, msg, msg_len, buf, err);
  if (st != WB_OK)
    return st;
  if (ai->family == WB_FAMILY_ECDSA) {
    sig_len = ecdsa_rs_to_der(der, sig, key->coord_len);
    sig = der;
  }
  if (EVP_PKEY_verify(c->pctx, sig, sig_len, buf, ai->hash_len) != 1)
    return wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature does not verify");
  return WB_OK;
}

wb_status wb__verify(const wb_key *key, wb_alg alg, const unsigned char *msg, size_t msg_len,
                     const unsigned char *sig, size_t sig_len, wb_error *err) {
  const wb_alg_info *ai = wb__alg_info(alg);
  wb_status st = check_key_family(key, ai, err);
  if (st != WB_OK)
    return st;
  if (sig_len != signature_length(key, ai)) /* lengths are public: fixed by key and alg */
    return wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature has the wrong length for %s", ai->name);
  if (ai->family == WB_FAMILY_ECDSA) {
    if (scalar_out_of_range(sig, key->order, key->coord_len) ||
        scalar_out_of_range(sig + key->coord_len, key->order, key->coord_len))
      return wb__fail(err, WB_ERR_BAD_SIGNATURE, "ECDSA r or s out of range");
  }
  wb_lease l;
  st = ctx_take(&l, key, ai, 0, err);
  if (st != WB_OK)
    return st;
  st = verify_with(l.ctx, key, ai, msg, msg_len, sig, sig_len, err);
  ctx_give(&l, st);
  return st;
}

/* Signs with a prepared context into sig (WB_MAX_SIG_LEN bytes). */
static wb_status sign_with(wb_ctx *c, const wb_key *key, const wb_alg_info *ai, const unsigned char *msg,
                           size_t msg_len, unsigned char *sig, size_t *sig_len, wb_error *err) {
  unsigned char hash[EVP_MAX_MD_SIZE], der[2 * 69 + 3];
  size_t n = WB_MAX_SIG_LEN;
  if (ai->family == WB_FAMILY_HMAC) {
    *sig_len = ai->hash_len;
    return hmac_compute(c, msg, msg_len, sig, ai->hash_len, err);
  }
  if (ai->family == WB_FAMILY_EDDSA) {
    if (EVP_DigestSign(c->mdctx, sig, &n, msg, msg_len) != 1)
      return wb__fail(err, WB_ERR_CRYPTO, "EdDSA signing failed");
    *sig_len = n;
    return WB_OK;
  }
  wb_status st = digest(c, ai, msg, msg_len, hash, err);
  if (st != WB_OK)
    return st;
  bool ecdsa = ai->family == WB_FAMILY_ECDSA;
  n = ecdsa ? sizeof(der) : WB_MAX_SIG_LEN;
  if (EVP_PKEY_sign(c->pctx, ecdsa ? der : sig, &n, hash, ai->hash_len) != 1)
    return wb__fail(err, WB_ERR_CRYPTO, "%s signing failed", ai->name);
  if (ecdsa) {
    st = ecdsa_der_to_rs(der, n, sig, key->coord_len, err);
    n = ai->sig_len;
  }
  *sig_len = n;
  return st;
}

wb_status wb__sign(const wb_key *key, wb_alg alg, const unsigned char *msg, size_t msg_len,
                   unsigned char *sig, size_t *sig_len, wb_error *err) {
  *sig_len = 0;
  const wb_alg_info *ai = wb__alg_info(alg);
  wb_status st = check_key_family(key, ai, err);
  if (st != WB_OK)
    return st;
  if (!key->is_private)
    return wb__fail(err, WB_ERR_INVALID_ARG, "signing needs a private key");
  if (signature_length(key, ai) > WB_MAX_SIG_LEN)          /* LCOV_EXCL_BR_LINE: cov-buffer-bound */
    return wb__fail(err, WB_ERR_BAD_KEY, "key too large"); /* LCOV_EXCL_LINE: cov-buffer-bound */
  wb_lease l;
  st = ctx_take(&l, key, ai, 1, err);
  if (st != WB_OK)
    return st;
  size_t n = 0;
  st = sign_with(l.ctx, key, ai, msg, msg_len, sig, &n, err);
  ctx_give(&l, st);
  if (st == WB_OK)
    *sig_len = n;
  return st;
}
