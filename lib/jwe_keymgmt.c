/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_keymgmt.c - JWE key management (RFC 7518 section 4): which keys fit which algorithm
 * for which direction (the one place that binds a key to encryption), and wrapping and recovering
 * the content encryption key (CEK) with RSA-OAEP (4.3) and RSA1_5 (4.2, decryption only), AES key
 * wrap (4.4), dir (4.5), AES-GCM key wrap (4.7) and PBES2 (4.8). ECDH-ES is in lib/jwe_ecdh.c.
 *
 * Recovering a CEK never fails on anything that depends on a secret: the unwrap's integrity
 * check, the RSA padding and the size of the recovered key are folded into one mask, and a random
 * CEK (the decrypter's substitute, drawn when it was made) is selected without branches when it is
 * not all-ones (RFC 7516 11.5), so the content decryption fails exactly as it does for a bad tag. RSA1_5 is
 * decoded here in constant time from the raw RSA result (RSA_NO_PADDING) with the expected CEK length (the
 * Bleichenbacher / Marvin countermeasure of RFC 3218 2.3.2). Contract: lib/jwe_int.h.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "jwe_int.h"

#define P2S_MAX 256 /* bytes of PBES2 salt accepted */

/* ---- which key fits ------------------------------------------------------------------------ */

static const unsigned ops_sig = WB_OPBIT_SIGN | WB_OPBIT_VERIFY;
static const unsigned ops_enc = WB_OPBIT_ENCRYPT | WB_OPBIT_WRAP | WB_OPBIT_DERIVE_KEY | WB_OPBIT_DERIVE_BITS;
static const unsigned ops_dec =
    WB_OPBIT_DECRYPT | WB_OPBIT_UNWRAP | WB_OPBIT_DERIVE_KEY | WB_OPBIT_DERIVE_BITS;

/* use, key_ops and a pinned alg: a key bound to signing never encrypts; a pinned JWE alg holds. */
static wb_status check_binding(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei,
                               wb_jwe_op op, wb_error *err) {
  if (key->alg != WB_ALG_INVALID)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the key is bound to signing (alg %s)",
                    wb_alg_name(key->alg));
  if (key->use == WB_USE_SIG)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the key is bound to signing (use \"sig\")");
  if (key->has_key_ops && (key->key_ops & ops_sig))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the key is bound to signing (key_ops)");
  if (key->has_key_ops && !(key->key_ops & (op == WB_JWE_OP_ENCRYPT ? ops_enc : ops_dec)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the key's key_ops do not allow %s",
                    op == WB_JWE_OP_ENCRYPT ? "encryption" : "decryption");
  if (key->jwe_alg == NULL)
    return WB_OK;
  size_t n = strlen(key->jwe_alg);
  wb_jwe_alg pinned = wb_jwe_alg_from_name(key->jwe_alg, n);
  if (pinned != WB_JWE_ALG_INVALID && pinned != ai->alg)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the key is pinned to %s, not %s", key->jwe_alg, ai->name);
  wb_enc enc = wb_enc_from_name(key->jwe_alg, n); /* a key pinned to an enc is a "dir" key */
  if (enc != WB_ENC_INVALID && (ai->kind != WB_KM_DIR || (ei != NULL && ei->enc != enc)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the key is pinned to dir with %s", key->jwe_alg);
  return WB_OK;
}

static bool dir_size(size_t len, const wb_enc_info *ei) {
  if (ei != NULL)
    return len == ei->cek_len;
  for (int e = WB_ENC_INVALID + 1; e < WB_ENC_COUNT_; e++)
    if (wb__enc_info((wb_enc)e)->cek_len == len)
      return true;
  return false;
}

static bool type_fits(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei) {
  switch (ai->kind) {
  case WB_KM_RSA1_5:
  case WB_KM_RSA_OAEP:
    return key->kty == WB_KTY_RSA;
  case WB_KM_AESKW:
  case WB_KM_AESGCMKW:
    return key->kty == WB_KTY_OCT && key->secret_len == ai->kw_len;
  case WB_KM_DIR:
    return key->kty == WB_KTY_OCT && dir_size(key->secret_len, ei);
  case WB_KM_ECDH_ES:
    return (key->kty == WB_KTY_EC &&
            (key->crv == WB_CRV_P256 || key->crv == WB_CRV_P384 || key->crv == WB_CRV_P521)) ||
           (key->kty == WB_KTY_OKP && (key->crv == WB_CRV_X25519 || key->crv == WB_CRV_X448));
  case WB_KM_PBES2:
  default: /* every kind is listed above */
    return key->kty == WB_KTY_OCT;
  }
}

wb_status wb__jwe_key_fits(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei, wb_jwe_op op,
                           wb_error *err) {
  wb_status st = check_binding(key, ai, ei, op, err);
  if (st != WB_OK)
    return st;
  if (!type_fits(key, ai, ei))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "%s%s%s does not fit this %s key", ai->name,
                    ai->kind == WB_KM_DIR && ei != NULL ? " with " : "",
                    ai->kind == WB_KM_DIR && ei != NULL ? ei->name : "", wb__kty_name(key->kty));
  if (op == WB_JWE_OP_DECRYPT && !key->is_private)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "decryption needs the private key");
  return WB_OK;
}

/* ---- RSA ------------------------------------------------------------------------------------- */

static wb_status rsa_ctx(EVP_PKEY_CTX **out, const wb_key *key, const wb_jwe_alg_info *ai, int encrypt,
                         wb_error *err) {
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
  int ok = ctx != NULL && (encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1;
  if (ok && ai->kind == WB_KM_RSA_OAEP) {
    const EVP_MD *md = wb__jwe_md(ai->md);
    ok = md != NULL && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1;
  } else if (ok) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1; /* RSA1_5: decoded below */
  }
  if (!ok) {
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return wb__fail(err, WB_ERR_CRYPTO, "%s set-up failed", ai->name);
  }
  *out = ctx;
  return WB_OK;
}

/* EME-PKCS1-v1_5 decoding (RFC 8017 7.2.2) of em[0..k) for a message of exactly want bytes,
 * branch-free: 0x00 0x02, at least 8 non-zero padding bytes, 0x00, then the message. */
static unsigned pkcs1_type2_ok(const unsigned char *em, size_t k, size_t want) {
  if (k < want + 11) /* public: the modulus and the enc's key size. LCOV_EXCL_BR_LINE: cov-rsa-size */
    return 0;        /* LCOV_EXCL_LINE: cov-rsa-size */
  size_t sep = k - want - 1;
  unsigned good = wb__ct_eq(em[0], 0) & wb__ct_eq(em[1], 2) & wb__ct_eq(em[sep], 0);
  for (size_t i = 2; i < sep; i++)
    good &= ~wb__ct_eq(em[i], 0);
  return good;
}

static wb_status rsa_unwrap(const wb_key *key, const wb_jwe_alg_info *ai, const wb_km_in *in, size_t want,
                            unsigned char *out, unsigned *good, wb_error *err) {
  EVP_PKEY_CTX *ctx = NULL;
  wb_status st = rsa_ctx(&ctx, key, ai, 0, err);
  if (st != WB_OK)
    return st;
  unsigned char buf[WB_JWE_MAX_EK];
  size_t n = sizeof(buf), k = (size_t)EVP_PKEY_get_size(key->pkey);
  int r = EVP_PKEY_decrypt(ctx, buf, &n, in->ek, in->ek_len);
  ERR_clear_error();
  unsigned ok = wb__ct_eq((size_t)r, 1);
  if (ai->kind == WB_KM_RSA1_5) {
    ok &= wb__ct_eq(n, k) & wb__ct_eq(in->ek_len, k);
    /* LCOV_EXCL_BR_START: cov-rsa-size */
    ok &= pkcs1_type2_ok(buf, k <= sizeof(buf) ? k : 0, want);
    memcpy(out, buf + (k >= want && k <= sizeof(buf) ? k - want : 0), want);
    /* LCOV_EXCL_BR_STOP: cov-rsa-size */
  } else {
    ok &= wb__ct_eq(n, want);
    memcpy(out, buf, want);
  }
  *good = ok;
  OPENSSL_cleanse(buf, k <= sizeof(buf) ? k : sizeof(buf));
  EVP_PKEY_CTX_free(ctx);
  return WB_OK;
}

wb_status wb__km_prepare(const wb_key *key, const wb_jwe_alg_info *ai, EVP_PKEY_CTX **out, wb_error *err) {
  *out = NULL;
  if (ai->kind != WB_KM_RSA_OAEP)
    return WB_OK;
  return rsa_ctx(out, key, ai, 1, err);
}

/* RSA-OAEP encryption of the CEK, with a copy of the encrypter's prepared context when it has one
 * (EVP_PKEY_CTX_dup: the original is shared by every thread and never used itself). */
static wb_status rsa_wrap(const wb_key *key, const wb_jwe_alg_info *ai, EVP_PKEY_CTX *prepared,
                          const unsigned char *cek, size_t len, unsigned char *ek, size_t *ek_len,
                          wb_error *err) {
  EVP_PKEY_CTX *ctx = prepared != NULL ? EVP_PKEY_CTX_dup(prepared) : NULL;
  wb_status st = ctx != NULL ? WB_OK : rsa_ctx(&ctx, key, ai, 1, err);
  if (st != WB_OK)
    return st;
  *ek_len = WB_JWE_MAX_EK;
  if (EVP_PKEY_encrypt(ctx, ek, ek_len, cek, len) != 1) {
    st = wb__fail(err, WB_ERR_CRYPTO, "%s encryption failed", ai->name);
    ERR_clear_error();
  }
  EVP_PKEY_CTX_free(ctx);
  return st;
}

/* ---- AES key wrap (RFC 3394) ---------------------------------------------------------------- */

/*
 * The AES key wrap of RFC 3394 (2.2.1 and 2.2.2) over a[8] (the integrity register) and r[8 * n]
 * (the key data), written out over AES-ECB with AES-NI where the CPU has it (OpenSSL's own wrap
 * mode runs the software AES), and so that the unwrap's integrity check is left to the caller
 * as a mask rather than an error path.
 *
 * The 6n blocks go through EVP_Cipher, which calls the provider's one-shot cipher function
 * directly: EVP_CipherUpdate's buffering and checks cost several times the AES of one block. The
 * ECB context is keyed once: for an A128KW / A192KW / A256KW key it is taken from the key's own
 * pool (lib/ctxpool.h: kept keyed between calls, wiped and freed with the key); for a key
 * encryption key derived per message (ECDH-ES+A*KW, PBES2) it is made for the call and freed.
 */
static EVP_CIPHER_CTX *ecb_new(const unsigned char *kek, size_t kek_len, int enc) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  EVP_CIPHER *c = wb__jwe_aes(WB_AES_ECB, kek_len);
  if (c == NULL || ctx == NULL || EVP_CipherInit_ex2(ctx, c, kek, NULL, enc, NULL) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
  }
  return ctx;
}

/* The pool tag of an ECB context keyed with a key's secret (kek_len bytes) for wrap or unwrap:
 * above the signature tags of lib/jwa.c (at most 2 * WB_ALG_COUNT_). */
static unsigned kw_tag(size_t kek_len, int enc) {
  return 256u + (unsigned)kek_len * 2u + (unsigned)enc;
}

/* b[0..8) ^= t, big-endian (RFC 3394's A ^ t). */
static void xor_be64(unsigned char *b, uint64_t t) {
  for (int k = 7; k >= 0; k--, t >>= 8)
    b[k] ^= (unsigned char)t;
}

/* 0 on success, -1 when OpenSSL fails. Two nested loops rather than one over 6n steps: no
 * 64-bit division per block to split a step into (j, i). */
static int aeskw_rounds(EVP_CIPHER_CTX *ctx, int enc, unsigned char a[8], unsigned char *r, size_t n) {
  unsigned char b[16];
  int ok = ctx != NULL;
  for (size_t step = 0; ok && step < 6; step++) {
    size_t j = enc ? step : 5 - step; /* wrap counts j and i up, unwrap down */
    for (size_t k = 0; ok && k < n; k++) {
      size_t i = enc ? k + 1 : n - k;
      uint64_t t = (uint64_t)(n * j + i);
      memcpy(b, a, 8);
      memcpy(b + 8, r + 8 * (i - 1), 8);
      if (!enc) /* unwrap: B = AES-1(K, (A ^ t) | R[i]) */
        xor_be64(b, t);
      ok = EVP_Cipher(ctx, b, b, 16) > 0; /* a provider's cipher: the bytes written, or -1 */
      if (enc)                            /* wrap: A = MSB(64, AES(K, A | R[i])) ^ t */
        xor_be64(b, t);
      memcpy(a, b, 8);
      memcpy(r + 8 * (i - 1), b + 8, 8);
    }
  }
  OPENSSL_cleanse(b, sizeof(b));
  if (!ok)
    ERR_clear_error();
  return ok ? 0 : -1;
}

/* The rounds under kek: with owner's pooled context when owner (whose secret kek is) is given,
 * else with a context made for this call. */
static int aeskw_run(const wb_key *owner, const unsigned char *kek, size_t kek_len, int enc,
                     unsigned char a[8], unsigned char *r, size_t n) {
  if (owner == NULL) {
    EVP_CIPHER_CTX *ctx = ecb_new(kek, kek_len, enc);
    int rc = aeskw_rounds(ctx, enc, a, r, n);
    EVP_CIPHER_CTX_free(ctx);
    return rc;
  }
  wb_lease l;
  wb__pool_take(&((wb_key *)owner)->pool, kw_tag(kek_len, enc), &l); /* the pool is a key's mutable part */
  if (l.fresh)
    l.ctx->cipher = ecb_new(kek, kek_len, enc);
  int rc = aeskw_rounds(l.ctx->cipher, enc, a, r, n);
  wb__pool_give(&l, rc == 0);
  return rc;
}

static wb_status aeskw_wrap_with(const wb_key *owner, const unsigned char *kek, size_t kek_len,
                                 const unsigned char *in, size_t len, unsigned char *out, wb_error *err) {
  if (len % 8 != 0 || len < 16 || len > WB_JWE_MAX_EK - 8)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "AES key wrap: the key must be 16 or more bytes, a multiple of 8");
  memset(out, 0xA6, 8); /* the default initial value */
  memcpy(out + 8, in, len);
  if (aeskw_run(owner, kek, kek_len, 1, out, out + 8, len / 8) != 0) {
    OPENSSL_cleanse(out, len + 8);
    return wb__fail(err, WB_ERR_CRYPTO, "AES key wrap failed");
  }
  return WB_OK;
}

wb_status wb__aeskw_wrap(const unsigned char *kek, size_t kek_len, const unsigned char *in, size_t len,
                         unsigned char *out, wb_error *err) {
  return aeskw_wrap_with(NULL, kek, kek_len, in, len, out, err);
}

/* The unwrap: *good is all ones when the IV is 0xA6A6A6A6A6A6A6A6 and the key is want bytes. */
static wb_status aeskw_unwrap(const wb_key *owner, const unsigned char *kek, size_t kek_len,
                              const wb_km_in *in, size_t want, unsigned char *out, unsigned *good,
                              wb_error *err) {
  size_t n = in->ek_len / 8 - 1; /* 64-bit blocks of key data */
  *good = 0;
  if (in->ek_len % 8 != 0 || in->ek_len < 24 || in->ek_len > WB_JWE_MAX_EK || n * 8 < want)
    return WB_OK; /* public: the length is on the wire; the random CEK takes over */
  unsigned char a[8], r[WB_JWE_MAX_EK];
  memcpy(a, in->ek, 8);
  memcpy(r, in->ek + 8, n * 8);
  wb_status st = WB_OK;
  if (aeskw_run(owner, kek, kek_len, 0, a, r, n) != 0) {
    st = wb__fail(err, WB_ERR_CRYPTO, "AES key unwrap failed");
  } else {
    unsigned char diff = 0;
    for (int k = 0; k < 8; k++)
      diff |= (unsigned char)(a[k] ^ 0xA6);
    *good = wb__ct_eq(diff, 0) & wb__ct_eq(n * 8, want);
    memcpy(out, r, want);
  }
  OPENSSL_cleanse(r, n * 8);
  OPENSSL_cleanse(a, sizeof(a));
  return st;
}

/* ---- AES-GCM key wrap (RFC 7518 4.7) ----------------------------------------------------------- */

static const wb_enc_info *gcm_of(size_t kw_len) {
  return wb__enc_info(kw_len == 16 ? WB_ENC_A128GCM : kw_len == 24 ? WB_ENC_A192GCM : WB_ENC_A256GCM);
}

static wb_status gcmkw_unwrap(const wb_key *key, const wb_jwe_alg_info *ai, const wb_km_in *in, size_t want,
                              unsigned char *out, unsigned *good, wb_error *err) {
  unsigned char iv[WB_JWE_GCM_IV] = {0}, tag[WB_JWE_GCM_TAG] = {0}, buf[WB_JWE_MAX_EK];
  size_t iv_len = 0, tag_len = 0, n = 0;
  bool have_iv = false, have_tag = false;
  wb_status st = wb__jose_b64(in->hdr, WB_JH_IV, iv, sizeof(iv), &iv_len, &have_iv, err);
  if (st == WB_OK)
    st = wb__jose_b64(in->hdr, WB_JH_TAG, tag, sizeof(tag), &tag_len, &have_tag, err);
  if (st == WB_OK && (!have_iv || !have_tag))
    st = wb__fail(err, WB_ERR_MALFORMED, "%s needs the header members \"iv\" and \"tag\"", ai->name);
  if (st != WB_OK)
    return st;
  st = wb__ce_decrypt(gcm_of(ai->kw_len), key->secret, iv, iv_len, NULL, 0, in->ek, in->ek_len, tag, tag_len,
                      buf, &n, NULL);
  *good = wb__ct_eq((size_t)st, WB_OK) & wb__ct_eq(n, want);
  memcpy(out, buf, want);
  OPENSSL_cleanse(buf, in->ek_len < sizeof(buf) ? in->ek_len : sizeof(buf));
  return st == WB_OK || st == WB_ERR_DECRYPT_FAILED ? WB_OK : wb__fail(err, st, "AES-GCM key unwrap failed");
}

static wb_status gcmkw_wrap(const wb_key *key, const wb_jwe_alg_info *ai, const unsigned char *cek,
                            size_t len, unsigned char *ek, size_t *ek_len, wb_strbuf *params, wb_error *err) {
  unsigned char iv[WB_JWE_GCM_IV], tag[WB_JWE_GCM_TAG];
  wb_status st = wb__random_msg(iv, sizeof(iv), err);
  if (st == WB_OK)
    st = wb__ce_encrypt(gcm_of(ai->kw_len), key->secret, iv, NULL, 0, cek, len, ek, ek_len, tag, err);
  if (st != WB_OK)
    return st;
  wb__sb_str(params, ",\"iv\":\"");
  wb__sb_b64(params, iv, sizeof(iv));
  wb__sb_str(params, "\",\"tag\":\"");
  wb__sb_b64(params, tag, sizeof(tag));
  wb__sb_str(params, "\"");
  return WB_OK;
}

/* ---- PBES2 (RFC 7518 4.8) -------------------------------------------------------------------- */

/* PBKDF2 with the salt UTF8(alg) || 0x00 || p2s, into kek[ai->kw_len]. */
wb_status wb__pbes2_kek(const wb_key *pw, const wb_jwe_alg_info *ai, const unsigned char *p2s, size_t p2s_len,
                        uint32_t p2c, unsigned char *kek, wb_error *err) {
  unsigned char salt[32 + 1 + P2S_MAX];
  size_t name_len = strlen(ai->name);
  if (p2s_len > P2S_MAX)
    return wb__fail(err, WB_ERR_MALFORMED, "PBES2 salt longer than %d bytes", P2S_MAX);
  memcpy(salt, ai->name, name_len);
  salt[name_len] = 0;
  memcpy(salt + name_len + 1, p2s, p2s_len);
  const EVP_MD *md = wb__jwe_md(ai->md);
  if (md == NULL || pw->secret_len > INT32_MAX ||
      PKCS5_PBKDF2_HMAC((const char *)pw->secret, (int)pw->secret_len, salt, (int)(name_len + 1 + p2s_len),
                        (int)p2c, md, (int)ai->kw_len, kek) != 1) {
    ERR_clear_error();
    return wb__fail(err, WB_ERR_CRYPTO, "PBKDF2 failed");
  }
  return WB_OK;
}

/* p2c of the header: present, an integer, at least the minimum, at most the cap. Checked before any work. */
static wb_status pbes2_p2c(const wb_km_in *in, uint32_t *p2c, wb_error *err) {
  const wb_jnode *nd = wb__jose_node(in->hdr, WB_JH_P2C);
  if (nd == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "PBES2 needs the header member \"p2c\"");
  double d;
  int64_t i = 0;
  wb_jnum_kind kind;
  if (wb__jnum_parse(in->hdr->m[WB_JH_P2C].tape->text + nd->off, nd->len, &d, &i, &kind) != WB_OK)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (kind != WB_JNUM_INT || i < 0)
    return wb__fail(err, WB_ERR_TOO_LARGE, "PBES2 p2c is out of range");
  if (i < WB_PBES2_MIN_P2C)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "PBES2 p2c %lld is below %d", (long long)i,
                    WB_PBES2_MIN_P2C);
  if ((uint64_t)i > in->max_p2c)
    return wb__fail(err, WB_ERR_TOO_LARGE, "PBES2 p2c %lld is over the decrypter's cap of %u", (long long)i,
                    (unsigned)in->max_p2c);
  *p2c = (uint32_t)i;
  return WB_OK;
}

static wb_status pbes2_unwrap(const wb_key *key, const wb_jwe_alg_info *ai, const wb_km_in *in, size_t want,
                              unsigned char *out, unsigned *good, wb_error *err) {
  unsigned char p2s[P2S_MAX], kek[32];
  size_t p2s_len = 0;
  uint32_t p2c = 0;
  bool have = false;
  wb_status st = pbes2_p2c(in, &p2c, err);
  if (st == WB_OK)
    st = wb__jose_b64(in->hdr, WB_JH_P2S, p2s, sizeof(p2s), &p2s_len, &have, err);
  if (st == WB_OK && (!have || p2s_len < WB_PBES2_MIN_SALT))
    st =
        wb__fail(err, WB_ERR_MALFORMED, "PBES2 needs a \"p2s\" salt of at least %d bytes", WB_PBES2_MIN_SALT);
  if (st == WB_OK)
    st = wb__pbes2_kek(key, ai, p2s, p2s_len, p2c, kek, err);
  if (st == WB_OK)
    st = aeskw_unwrap(NULL, kek, ai->kw_len, in, want, out, good, err);
  OPENSSL_cleanse(kek, sizeof(kek));
  return st;
}

static wb_status pbes2_wrap(const wb_key *key, const wb_jwe_alg_info *ai, uint32_t p2c,
                            const unsigned char *cek, size_t len, unsigned char *ek, size_t *ek_len,
                            wb_strbuf *params, wb_error *err) {
  unsigned char p2s[WB_PBES2_SALT_LEN], kek[32];
  wb_status st = wb_random(p2s, sizeof(p2s), err);
  if (st == WB_OK)
    st = wb__pbes2_kek(key, ai, p2s, sizeof(p2s), p2c, kek, err);
  if (st == WB_OK)
    st = wb__aeskw_wrap(kek, ai->kw_len, cek, len, ek, err);
  OPENSSL_cleanse(kek, sizeof(kek));
  if (st != WB_OK)
    return st;
  *ek_len = len + 8;
  char num[16];
  snprintf(num, sizeof(num), "%u", (unsigned)p2c);
  wb__sb_str(params, ",\"p2s\":\"");
  wb__sb_b64(params, p2s, sizeof(p2s));
  wb__sb_str(params, "\",\"p2c\":");
  wb__sb_str(params, num);
  return WB_OK;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

/* The CEK (or, for key wrapping, the KEK-unwrapped CEK) into out; *good as wb__km_unwrap says. */
static wb_status unwrap_kind(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei,
                             const wb_km_in *in, unsigned char *out, unsigned *good, wb_error *err) {
  size_t want = ei->cek_len;
  bool direct = ai->kind == WB_KM_DIR || (ai->kind == WB_KM_ECDH_ES && ai->kw_len == 0);
  if (direct && in->ek_len != 0)
    return wb__fail(err, WB_ERR_MALFORMED, "%s has an empty encrypted key", ai->name);
  *good = ~0u;
  switch (ai->kind) {
  case WB_KM_RSA1_5:
  case WB_KM_RSA_OAEP:
    return rsa_unwrap(key, ai, in, want, out, good, err);
  case WB_KM_AESKW:
    return aeskw_unwrap(key, key->secret, ai->kw_len, in, want, out, good, err);
  case WB_KM_AESGCMKW:
    return gcmkw_unwrap(key, ai, in, want, out, good, err);
  case WB_KM_PBES2:
    return pbes2_unwrap(key, ai, in, want, out, good, err);
  case WB_KM_DIR:
    memcpy(out, key->secret, want); /* the key fit checked its size */
    return WB_OK;
  case WB_KM_ECDH_ES:
  default: /* every kind is listed above */
    break;
  }
  unsigned char kek[32];
  wb_status st = wb__ecdh_receive(key, in->hdr, direct ? ei->name : ai->name, direct ? want : ai->kw_len,
                                  direct ? out : kek, err);
  if (st == WB_OK && !direct)
    st = aeskw_unwrap(NULL, kek, ai->kw_len, in, want, out, good, err);
  OPENSSL_cleanse(kek, sizeof(kek));
  return st;
}

wb_status wb__km_unwrap(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei,
                        const wb_km_in *in, unsigned char *cek, unsigned *good, wb_error *err) {
  unsigned char got[WB_JWE_MAX_CEK], rnd[WB_JWE_MAX_CEK];
  bool direct = ai->kind == WB_KM_DIR || (ai->kind == WB_KM_ECDH_ES && ai->kw_len == 0);
  *good = 0;
  if (direct) /* nothing is unwrapped, nothing can fail in secret: the agreed or given key is the CEK */
    return unwrap_kind(key, ai, ei, in, cek, good, err);
  wb_status st = WB_OK;
  if (in->substitute != NULL) /* ready whatever happens next: the same work */
    memcpy(rnd, in->substitute, ei->cek_len);
  else
    st = wb_random(rnd, ei->cek_len, err);
  if (st == WB_OK)
    st = unwrap_kind(key, ai, ei, in, got, good, err);
  if (st == WB_OK)
    wb__ct_select(cek, got, rnd, ei->cek_len, *good);
  OPENSSL_cleanse(got, ei->cek_len);
  OPENSSL_cleanse(rnd, ei->cek_len);
  return st;
}

wb_status wb__km_wrap(const wb_key *key, const wb_jwe_alg_info *ai, EVP_PKEY_CTX *prepared,
                      const wb_enc_info *ei, uint32_t p2c, unsigned char *cek, unsigned char *ek,
                      size_t *ek_len, wb_strbuf *params, wb_error *err) {
  size_t len = ei->cek_len;
  *ek_len = 0;
  switch (ai->kind) {
  case WB_KM_RSA1_5:
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "RSA1_5 is never used to encrypt");
  case WB_KM_RSA_OAEP:
    return rsa_wrap(key, ai, prepared, cek, len, ek, ek_len, err);
  case WB_KM_AESKW:
    *ek_len = len + 8;
    return aeskw_wrap_with(key, key->secret, ai->kw_len, cek, len, ek, err);
  case WB_KM_AESGCMKW:
    return gcmkw_wrap(key, ai, cek, len, ek, ek_len, params, err);
  case WB_KM_PBES2:
    return pbes2_wrap(key, ai, p2c, cek, len, ek, ek_len, params, err);
  case WB_KM_DIR:
    memcpy(cek, key->secret, len);
    return WB_OK;
  case WB_KM_ECDH_ES:
  default: /* every kind is listed above */
    break;
  }
  if (ai->kw_len == 0)
    return wb__ecdh_send(key, ei->name, len, cek, params, err);
  unsigned char kek[32];
  wb_status st = wb__ecdh_send(key, ai->name, ai->kw_len, kek, params, err);
  if (st == WB_OK) {
    *ek_len = len + 8;
    st = wb__aeskw_wrap(kek, ai->kw_len, cek, len, ek, err);
  }
  OPENSSL_cleanse(kek, sizeof(kek));
  return st;
}
