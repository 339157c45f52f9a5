/* SPDX-License-Identifier: MIT */
/*
 * lib/jwa.c - the JWS algorithms of RFC 7518 section 3, RFC 8037 (EdDSA) and RFC 8812 (ES256K):
 * the algorithm table, and signing / verifying over OpenSSL 3.
 *
 * Speed: every thread keeps a small cache of prepared OpenSSL contexts keyed by (key serial,
 * alg, operation): a keyed HMAC context re-initialised without re-keying, and an EVP_PKEY_CTX
 * already initialised for sign or verify with its padding set. Digest implementations are
 * fetched once per process. So the hot path does no algorithm fetch and no key set-up.
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
    [WB_ALG_ES256] = {WB_ALG_ES256, "ES256", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_P256, "SHA256", 32, 64},
    [WB_ALG_ES384] = {WB_ALG_ES384, "ES384", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_P384, "SHA384", 48, 96},
    [WB_ALG_ES512] = {WB_ALG_ES512, "ES512", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_P521, "SHA512", 64, 132},
    [WB_ALG_ES256K] = {WB_ALG_ES256K, "ES256K", WB_FAMILY_ECDSA, WB_KTY_EC, WB_CRV_SECP256K1, "SHA256", 32,
                       64},
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

static const EVP_MD *alg_md(const wb_alg_info *ai) {
  pthread_once(&md_once, fetch_algorithms);
  switch (ai->hash_len) {
  case 32:
    return md_sha256;
  case 48:
    return md_sha384;
  case 64:
    return md_sha512;
  default:
    return NULL;
  }
}

/* ---- per-thread context cache ------------------------------------------------------------- */

#define CACHE_SLOTS 8

typedef struct ctx_slot {
  uint64_t serial; /* key serial; 0 = empty slot */
  wb_alg alg;
  int sign;           /* 1 = prepared for signing, 0 = for verifying */
  EVP_MAC_CTX *mac;   /* HMAC: keyed context */
  EVP_PKEY_CTX *pctx; /* RSA / ECDSA: initialised with padding */
  EVP_MD_CTX *mdctx;  /* EdDSA: initialised for the key; RSA / ECDSA: the message digest */
} ctx_slot;

typedef struct ctx_cache {
  ctx_slot slot[CACHE_SLOTS];
  unsigned next;    /* round-robin eviction */
  EVP_MAC_CTX *sip; /* for wb__siphash128 */
  uint64_t sip_id;  /* the key sip is keyed with (0 = none) */
} ctx_cache;

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;

static void slot_clear(ctx_slot *s) {
  EVP_MAC_CTX_free(s->mac);
  EVP_PKEY_CTX_free(s->pctx);
  EVP_MD_CTX_free(s->mdctx);
  memset(s, 0, sizeof(*s));
}

/* Thread exit: free the thread's contexts. */
static void cache_destroy(void *p) {
  ctx_cache *c = p;
  for (unsigned i = 0; i < CACHE_SLOTS; i++)
    slot_clear(&c->slot[i]);
  EVP_MAC_CTX_free(c->sip);
  OPENSSL_free(c);
}

static void cache_key_create(void) {
  (void)pthread_key_create(&cache_key, cache_destroy);
}

static ctx_cache *thread_cache(void) {
  pthread_once(&cache_once, cache_key_create);
  ctx_cache *c = pthread_getspecific(cache_key);
  if (c != NULL)
    return c;
  c = OPENSSL_zalloc(sizeof(*c));
  if (c == NULL)
    return NULL;
  if (pthread_setspecific(cache_key, c) != 0) {
    OPENSSL_free(c);
    return NULL;
  }
  return c;
}

static ctx_slot *cache_find(ctx_cache *c, const wb_key *key, wb_alg alg, int sign) {
  for (unsigned i = 0; i < CACHE_SLOTS; i++) {
    ctx_slot *s = &c->slot[i];
    if (s->serial == key->serial && s->alg == alg && s->sign == sign)
      return s;
  }
  return NULL;
}

static ctx_slot *cache_victim(ctx_cache *c) {
  ctx_slot *s = &c->slot[c->next];
  c->next = (c->next + 1) % CACHE_SLOTS;
  slot_clear(s);
  return s;
}

/*
 * HMAC through EVP_MAC, keyed once per thread and re-initialised without re-keying. (OpenSSL 3.0
 * still allocates inside EVP_MAC_init and EVP_MAC_final, as it does for any digest
 * re-initialisation; the raw limit of bench/ pays the same.)
 */
static wb_status hmac_compute(ctx_slot *s, const unsigned char *msg, size_t len, unsigned char *tag,
                              size_t tag_len, wb_error *err) {
  size_t out = 0;
  if (EVP_MAC_init(s->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(s->mac, msg, len) != 1 ||
      EVP_MAC_final(s->mac, tag, &out, tag_len) != 1 || out != tag_len)
    return wb__fail(err, WB_ERR_CRYPTO, "HMAC failed");
  return WB_OK;
}

/* Prepares a fresh slot for (key, alg, sign). */
static wb_status slot_prepare(ctx_slot *s, const wb_key *key, const wb_alg_info *ai, int sign,
                              wb_error *err) {
  const EVP_MD *md = alg_md(ai);
  if (ai->family == WB_FAMILY_HMAC) {
    s->mac = EVP_MAC_CTX_new(mac_hmac);
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ai->md, 0),
                            OSSL_PARAM_construct_end()};
    if (s->mac == NULL || EVP_MAC_init(s->mac, key->secret, key->secret_len, params) != 1)
      return wb__fail(err, WB_ERR_CRYPTO, "HMAC set-up failed");
  } else if (ai->family == WB_FAMILY_EDDSA) {
    /* EdDSA is one-shot and stateless: a context initialised once serves every call. */
    s->mdctx = EVP_MD_CTX_new();
    if (s->mdctx == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    int ok = sign ? EVP_DigestSignInit_ex(s->mdctx, NULL, NULL, NULL, NULL, key->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(s->mdctx, NULL, NULL, NULL, NULL, key->pkey, NULL);
    if (ok != 1)
      return wb__fail(err, WB_ERR_CRYPTO, "EdDSA set-up failed");
  } else {
    s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    s->mdctx = EVP_MD_CTX_new(); /* the message digest, re-initialised per call without allocating */
    if (s->pctx == NULL || s->mdctx == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    int ok = sign ? EVP_PKEY_sign_init(s->pctx) : EVP_PKEY_verify_init(s->pctx);
    ok = ok == 1 && EVP_PKEY_CTX_set_signature_md(s->pctx, md) == 1;
    if (ok && ai->kty == WB_KTY_RSA) {
      int pss = ai->family == WB_FAMILY_RSA_PSS;
      ok = EVP_PKEY_CTX_set_rsa_padding(s->pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1;
      /* RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash. */
      if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_mgf1_md(s->pctx, md) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(s->pctx, (int)ai->hash_len) == 1;
    }
    if (!ok)
      return wb__fail(err, WB_ERR_CRYPTO, "%s set-up failed", ai->name);
  }
  s->serial = key->serial;
  s->alg = ai->alg;
  s->sign = sign;
  return WB_OK;
}

/* The thread's prepared slot for (key, alg, sign), created on first use. */
static wb_status get_slot(ctx_slot **out, const wb_key *key, const wb_alg_info *ai, int sign, wb_error *err) {
  ctx_cache *c = thread_cache();
  if (c == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  *out = cache_find(c, key, ai->alg, sign);
  if (*out != NULL)
    return WB_OK;
  ctx_slot *s = cache_victim(c);
  wb_status st = slot_prepare(s, key, ai, sign, err);
  if (st != WB_OK) {
    slot_clear(s);
    return st;
  }
  *out = s;
  return WB_OK;
}

wb_status wb__siphash128(const unsigned char key[16], uint64_t key_id, const void *msg, size_t len,
                         unsigned char out[16], wb_error *err) {
  ctx_cache *c = thread_cache();
  if (c == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  pthread_once(&md_once, fetch_algorithms);
  if (c->sip == NULL && (mac_siphash == NULL || (c->sip = EVP_MAC_CTX_new(mac_siphash)) == NULL))
    return wb__fail(err, WB_ERR_CRYPTO, "SipHash unavailable");
  size_t size = 16, n = 0;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                          OSSL_PARAM_construct_end()};
  int ok = c->sip_id == key_id ? EVP_MAC_init(c->sip, NULL, 0, NULL) /* same key: no re-keying */
                               : EVP_MAC_init(c->sip, key, 16, params);
  c->sip_id = ok == 1 ? key_id : 0;
  if (ok != 1 || EVP_MAC_update(c->sip, msg, len) != 1 || EVP_MAC_final(c->sip, out, &n, 16) != 1 || n != 16)
    return wb__fail(err, WB_ERR_CRYPTO, "SipHash failed");
  return WB_OK;
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
  int ok =
      BN_bn2binpad(r, sig, (int)half) == (int)half && BN_bn2binpad(s, sig + half, (int)half) == (int)half;
  ECDSA_SIG_free(es);
  return ok ? WB_OK : wb__fail(err, WB_ERR_CRYPTO, "ECDSA signature encoding failed");
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
    return 2 * key->coord_len;
  case WB_FAMILY_EDDSA:
    return key->crv == WB_CRV_ED25519 ? 64 : 114;
  default:
    return (size_t)EVP_PKEY_get_size(key->pkey);
  }
}

static wb_status eddsa_verify(ctx_slot *s, const unsigned char *msg, size_t len, const unsigned char *sig,
                              size_t sig_len, wb_error *err) {
  if (EVP_DigestVerify(s->mdctx, sig, sig_len, msg, len) != 1)
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
    if (key->order_len != key->coord_len || scalar_out_of_range(sig, key->order, key->coord_len) ||
        scalar_out_of_range(sig + key->coord_len, key->order, key->coord_len))
      return wb__fail(err, WB_ERR_BAD_SIGNATURE, "ECDSA r or s out of range");
  }
  ctx_slot *s = NULL;
  st = get_slot(&s, key, ai, 0, err);
  if (st != WB_OK)
    return st;
  if (ai->family == WB_FAMILY_HMAC) {
    unsigned char tag[64];
    st = hmac_compute(s, msg, msg_len, tag, ai->hash_len, err);
    if (st == WB_OK && CRYPTO_memcmp(tag, sig, ai->hash_len) != 0)
      st = wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature does not verify");
    OPENSSL_cleanse(tag, sizeof(tag));
    return st;
  }
  if (ai->family == WB_FAMILY_EDDSA)
    return eddsa_verify(s, msg, msg_len, sig, sig_len, err);
  unsigned char hash[64], der[2 * 69 + 3];
  if (EVP_DigestInit_ex(s->mdctx, alg_md(ai), NULL) != 1 || EVP_DigestUpdate(s->mdctx, msg, msg_len) != 1 ||
      EVP_DigestFinal_ex(s->mdctx, hash, NULL) != 1)
    return wb__fail(err, WB_ERR_CRYPTO, "digest failed");
  if (ai->family == WB_FAMILY_ECDSA) {
    sig_len = ecdsa_rs_to_der(der, sig, key->coord_len);
    sig = der;
  }
  if (EVP_PKEY_verify(s->pctx, sig, sig_len, hash, ai->hash_len) != 1)
    return wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature does not verify");
  return WB_OK;
}

static wb_status eddsa_sign(ctx_slot *s, const unsigned char *msg, size_t len, unsigned char *sig,
                            size_t *sig_len, wb_error *err) {
  size_t n = WB_MAX_SIG_LEN;
  if (EVP_DigestSign(s->mdctx, sig, &n, msg, len) != 1)
    return wb__fail(err, WB_ERR_CRYPTO, "EdDSA signing failed");
  *sig_len = n;
  return WB_OK;
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
  if (signature_length(key, ai) > WB_MAX_SIG_LEN)
    return wb__fail(err, WB_ERR_BAD_KEY, "key too large");
  ctx_slot *s = NULL;
  st = get_slot(&s, key, ai, 1, err);
  if (st != WB_OK)
    return st;
  if (ai->family == WB_FAMILY_HMAC) {
    st = hmac_compute(s, msg, msg_len, sig, ai->hash_len, err);
    if (st == WB_OK)
      *sig_len = ai->hash_len;
    return st;
  }
  if (ai->family == WB_FAMILY_EDDSA)
    return eddsa_sign(s, msg, msg_len, sig, sig_len, err);
  unsigned char hash[64], der[2 * 69 + 3];
  if (EVP_DigestInit_ex(s->mdctx, alg_md(ai), NULL) != 1 || EVP_DigestUpdate(s->mdctx, msg, msg_len) != 1 ||
      EVP_DigestFinal_ex(s->mdctx, hash, NULL) != 1)
    return wb__fail(err, WB_ERR_CRYPTO, "digest failed");
  unsigned char *out = ai->family == WB_FAMILY_ECDSA ? der : sig;
  size_t n = ai->family == WB_FAMILY_ECDSA ? sizeof(der) : WB_MAX_SIG_LEN;
  if (EVP_PKEY_sign(s->pctx, out, &n, hash, ai->hash_len) != 1)
    return wb__fail(err, WB_ERR_CRYPTO, "%s signing failed", ai->name);
  if (ai->family == WB_FAMILY_ECDSA) {
    st = ecdsa_der_to_rs(der, n, sig, key->coord_len, err);
    n = 2 * key->coord_len;
  }
  if (st == WB_OK)
    *sig_len = n;
  return st;
}
