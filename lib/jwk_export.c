/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_export.c - JWK export (wb_key_to_jwk, public or private members) and RFC 7638 thumbprints
 * with their RFC 9278 URI form. One writer serves both: it puts the RFC 7638 required members
 * first, in lexicographic order, so without private and metadata members its output is the
 * canonical thumbprint input. Buffers that may hold private members are wiped as they grow and
 * when freed.
 * Contract: include/wristband/key.h.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

/* ---- writer --------------------------------------------------------------------------------- */

/* A growable string whose old buffers are wiped: it may hold private key members. */
typedef struct {
  char *p;
  size_t len, cap;
  bool failed;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = malloc(cap);
    if (p == NULL) {
      b->failed = true;
      return;
    }
    if (b->p != NULL) {
      memcpy(p, b->p, b->len);
      OPENSSL_cleanse(b->p, b->cap);
      free(b->p);
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) {
  sb_put(b, s, strlen(s));
}

/* Appends ,"name":"value" (the leading comma unless first); value needs no escaping. */
static void sb_member(sbuf *b, const char *name, const char *value) {
  sb_str(b, b->len > 1 ? ",\"" : "\"");
  sb_str(b, name);
  sb_str(b, "\":\"");
  sb_str(b, value);
  sb_str(b, "\"");
}

static void sb_member_b64(sbuf *b, const char *name, const unsigned char *v, size_t n) {
  char *s = wb__b64url_encode_alloc(v, n, NULL);
  if (s == NULL) {
    b->failed = true;
    return;
  }
  sb_member(b, name, s);
  wb_string_free(s);
}

/*
 * Appends a BIGNUM parameter as base64url, left-padded to pad bytes (0 = minimal). Absent:
 * nothing, unless the key must have it (required): OpenSSL says "absent" also when it could not
 * allocate, and a JWK or thumbprint without "n" is another key, so that fails the export.
 */
static void sb_member_bn(sbuf *b, const EVP_PKEY *pkey, const char *param, const char *name, size_t pad,
                         bool required) {
  BIGNUM *bn = NULL;
  unsigned char buf[2048];
  if (!EVP_PKEY_get_bn_param(pkey, param, &bn)) {
    b->failed |= required;
    return;
  }
  size_t n = pad ? pad : (size_t)BN_num_bytes(bn);
  if (n > sizeof(buf) || BN_bn2binpad(bn, buf, (int)n) < 0) /* LCOV_EXCL_BR_LINE: cov-buffer-bound */
    b->failed = true;                                       /* LCOV_EXCL_LINE: cov-buffer-bound */
  else
    sb_member_b64(b, name, buf, n);
  OPENSSL_cleanse(buf, sizeof(buf));
  BN_clear_free(bn);
}

static void write_rsa(sbuf *b, const wb_key *key, bool priv) {
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_RSA_E, "e", 0, true);
  sb_member(b, "kty", "RSA");
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_RSA_N, "n", 0, true);
  for (size_t i = 2; priv && i < WB_RSA_MEMBERS; i++) /* d, then the optional CRT members */
    sb_member_bn(b, key->pkey, wb__rsa_params[i], wb__rsa_members[i], 0, i == 2);
}

static void write_ec(sbuf *b, const wb_key *key, const wb_curve_info *c, bool priv) {
  sb_member(b, "crv", c->jwk_name);
  sb_member(b, "kty", "EC");
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, "x", c->pub_len, true);
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, "y", c->pub_len, true);
  if (priv)
    sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, "d", c->priv_len, true);
}

static void write_okp(sbuf *b, const wb_key *key, const wb_curve_info *c, bool priv) {
  unsigned char raw[WB_OKP_MAX_LEN];
  size_t len = sizeof(raw);
  sb_member(b, "crv", c->jwk_name);
  sb_member(b, "kty", "OKP");
  if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &len) != 1)
    b->failed = true;
  else
    sb_member_b64(b, "x", raw, len);
  len = sizeof(raw);
  if (priv) { /* not EVP_PKEY_get_raw_private_key: see internal.h; okp_validate found the key here */
    if (!wb__okp_private_raw(key->pkey, raw, sizeof(raw), &len)) /* LCOV_EXCL_BR_LINE: cov-okp-private */
      b->failed = true;                                          /* LCOV_EXCL_LINE: cov-okp-private */
    else
      sb_member_b64(b, "d", raw, len);
  }
  OPENSSL_cleanse(raw, sizeof(raw));
}

static void write_meta(sbuf *b, const wb_key *key) {
  if (key->kid != NULL) { /* UTF-8, checked when it was set: wb__json_escape writes it */
    size_t len = strlen(key->kid);
    char *q = malloc(6 * len + 3);
    if (q == NULL)
      b->failed = true;
    else
      q[wb__json_escape(key->kid, len, q)] = '\0';
    sb_str(b, ",\"kid\":");
    sb_str(b, q != NULL ? q : "");
    free(q);
  }
  const wb_alg_info *fit = wb__alg_info(key->alg);
  if (fit != NULL || key->jwe_alg != NULL)
    sb_member(b, "alg", fit != NULL ? fit->name : key->jwe_alg);
  if (key->use != WB_USE_ANY)
    sb_member(b, "use", key->use == WB_USE_SIG ? "sig" : "enc");
  if (!key->has_key_ops)
    return;
  sb_str(b, ",\"key_ops\":[");
  for (size_t i = 0, n = 0; i < WB_OPBIT_COUNT; i++) {
    if (!(key->key_ops & (1u << i)))
      continue;
    sb_str(b, n++ ? ",\"" : "\"");
    sb_str(b, wb__op_names[i]);
    sb_str(b, "\"");
  }
  sb_str(b, "]");
}

/*
 * Writes the JWK: the RFC 7638 required members in lexicographic order, then (priv) the private
 * members, then (meta) kid, alg, use, key_ops. With priv and meta false it is the canonical
 * thumbprint input. The caller owns b->p (wipe it with wb_string_free).
 */
static wb_status write_jwk(sbuf *b, const wb_key *key, bool priv, bool meta, wb_error *err) {
  const wb_curve_info *c = wb__curve_by_crv(key->crv);
  sb_str(b, "{");
  if (key->kty == WB_KTY_OCT) {
    sb_member_b64(b, "k", key->secret, key->secret_len);
    sb_member(b, "kty", "oct");
  } else if (key->kty == WB_KTY_RSA) {
    write_rsa(b, key, priv);
  } else if (key->kty == WB_KTY_EC) { /* an EC or OKP key's curve is in the table (jwk_validate.c) */
    write_ec(b, key, c, priv);
  } else { /* every key that exists is oct, RSA, EC or OKP (wb__key_adopt_pkey) */
    write_okp(b, key, c, priv);
  }
  if (meta)
    write_meta(b, key);
  sb_str(b, "}");
  return b->failed ? wb__fail(err, WB_ERR_NOMEM, "JWK export: out of memory") : WB_OK;
}

/* ---- JWK export ----------------------------------------------------------------------------- */

wb_status wb_key_to_jwk(const wb_key *key, wb_key_part part, char **json, wb_error *err) {
  if (json != NULL)
    *json = NULL;
  if (key == NULL || json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_to_jwk: NULL argument");
  if (part != WB_KEY_PUBLIC && part != WB_KEY_PRIVATE)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_to_jwk: part must be WB_KEY_PUBLIC or WB_KEY_PRIVATE");
  if (part == WB_KEY_PUBLIC && key->kty == WB_KTY_OCT)
    return wb__fail(err, WB_ERR_INVALID_ARG, "an oct key has no public half");
  sbuf b = {0};
  wb_status st = write_jwk(&b, key, part == WB_KEY_PRIVATE && key->is_private, true, err);
  if (st != WB_OK) {
    wb_string_free(b.p);
    return st;
  }
  *json = b.p;
  return wb__ok(err);
}

/* ---- thumbprints ---------------------------------------------------------------------------- */

/*
 * The thumbprint is computed once per key and kept in it: a key never changes after it is made,
 * and exporting an EC point costs a field inversion (a DPoP verifier asks for the proof key's
 * thumbprint on every request). The first thread to finish publishes it (0 -> 1, write, 1 -> 2
 * with release); the others read it once it is ready, or compute their own meanwhile.
 */
static wb_status thumbprint_of(const wb_key *key, char out[WB_THUMBPRINT_LEN], wb_error *err) {
  unsigned char md[32];
  sbuf b = {0};
  wb_status st = write_jwk(&b, key, false, false, err);
  if (st == WB_OK && !wb__sha256(b.p, b.len, md))
    st = wb__fail(err, WB_ERR_CRYPTO, "SHA-256 failed");
  if (st == WB_OK)
    st = wb_b64url_encode(out, WB_THUMBPRINT_LEN, md, sizeof(md), NULL, err);
  wb_string_free(b.p); /* for oct keys it holds the secret */
  return st;
}

wb_status wb_key_thumbprint(const wb_key *key, char out[WB_THUMBPRINT_LEN], wb_error *err) {
  if (out != NULL) /* "" on every failure, a NULL key included */
    out[0] = '\0';
  if (key == NULL || out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_thumbprint: NULL argument");
  wb_key *k = (wb_key *)key; /* only the memo changes */
  if (atomic_load_explicit(&k->tp_state, memory_order_acquire) == 2) {
    memcpy(out, k->tp, WB_THUMBPRINT_LEN);
    return wb__ok(err);
  }
  wb_status st = thumbprint_of(key, out, err);
  int none = 0;
  if (st == WB_OK && atomic_compare_exchange_strong_explicit(&k->tp_state, &none, 1, memory_order_acquire,
                                                             memory_order_relaxed)) {
    memcpy(k->tp, out, WB_THUMBPRINT_LEN);
    atomic_store_explicit(&k->tp_state, 2, memory_order_release);
  }
  return st;
}

wb_status wb_key_thumbprint_uri(const wb_key *key, char out[WB_THUMBPRINT_URI_LEN], wb_error *err) {
  static const char prefix[] = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:";
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_thumbprint_uri: NULL argument");
  out[0] = '\0';
  char tp[WB_THUMBPRINT_LEN];
  wb_status st = wb_key_thumbprint(key, tp, err);
  if (st != WB_OK)
    return st;
  memcpy(out, prefix, sizeof(prefix) - 1);
  memcpy(out + sizeof(prefix) - 1, tp, strlen(tp) + 1);
  return WB_OK;
}
