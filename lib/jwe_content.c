/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_content.c - JWE content encryption (RFC 7518 section 5): AES_CBC_HMAC_SHA2 (5.2:
 * A128CBC-HS256, A192CBC-HS384, A256CBC-HS512) and AES-GCM (5.3: A128GCM, A192GCM, A256GCM) over
 * OpenSSL 3, with the ciphers and digests fetched once (lib/jwe.c).
 *
 * Decryption gives one answer for every failure, WB_ERR_DECRYPT_FAILED, and does the same work
 * whichever check failed:
 *   - GCM: the IV must be 12 bytes and the tag exactly 16 (RFC 7518 5.3); OpenSSL checks the tag.
 *   - CBC-HMAC: the tag must be T_LEN bytes; it is recomputed over AAD || IV || ciphertext || AL
 *     and compared over its full length with CRYPTO_memcmp before the ciphertext is decrypted.
 *     The decryption pass (padding off) then runs whatever the tag said, the PKCS#7 padding is
 *     checked without branches, and the plaintext is released only when both held.
 * Contract: lib/jwe_int.h.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <string.h>

#include "jwe_int.h"

#define AES_BLOCK 16

static wb_status decrypt_failed(wb_error *err) {
  return wb__fail(err, WB_ERR_DECRYPT_FAILED, "decryption failed");
}

/* ---- AES-CBC + HMAC-SHA2 (RFC 7518 5.2.2) ------------------------------------------------------ */

/* HMAC(mac_key, aad || iv || ct || AL) truncated to ei->tag_len, into tag. */
static wb_status cbc_hmac_tag(const wb_enc_info *ei, const unsigned char *mac_key, const unsigned char *iv,
                              const unsigned char *aad, size_t aad_len, const unsigned char *ct,
                              size_t ct_len, unsigned char *tag, wb_error *err) {
  unsigned char al[8], full[64];
  uint64_t bits = (uint64_t)aad_len * 8;
  for (int i = 7; i >= 0; i--, bits >>= 8)
    al[i] = (unsigned char)bits;
  size_t key_len = ei->cek_len / 2, n = 0;
  EVP_MAC_CTX *ctx = NULL;
  wb_status st = WB_ERR_CRYPTO;
  ctx = EVP_MAC_CTX_new(wb__jwe_hmac());
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ei->md, 0),
                          OSSL_PARAM_construct_end()};
  if (ctx == NULL || EVP_MAC_init(ctx, mac_key, key_len, params) != 1 ||
      /* LCOV_EXCL_BR_START: cov-openssl-infallible */
      EVP_MAC_update(ctx, aad, aad_len) != 1 || EVP_MAC_update(ctx, iv, ei->iv_len) != 1 ||
      EVP_MAC_update(ctx, ct, ct_len) != 1 || EVP_MAC_update(ctx, al, sizeof(al)) != 1 ||
      EVP_MAC_final(ctx, full, &n, sizeof(full)) != 1 || n < ei->tag_len) {
    /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
    st = wb__fail(err, WB_ERR_CRYPTO, "HMAC failed");
    goto out;
  }
  memcpy(tag, full, ei->tag_len);
  st = WB_OK;
out:
  OPENSSL_cleanse(full, sizeof(full));
  EVP_MAC_CTX_free(ctx);
  return st;
}

/* One AES-CBC pass without padding over in[0..len) (a multiple of the block) into out. */
static wb_status cbc_pass(const wb_enc_info *ei, const unsigned char *key, const unsigned char *iv, int enc,
                          const unsigned char *in, size_t len, unsigned char *out, wb_error *err) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int n1 = 0, n2 = 0;
  wb_status st = WB_OK;
  if (ctx == NULL || len > INT32_MAX ||
      EVP_CipherInit_ex2(ctx, wb__jwe_aes(WB_AES_CBC, ei->cek_len / 2), key, iv, enc, NULL) != 1 ||
      /* LCOV_EXCL_BR_START: cov-openssl-infallible */
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 || EVP_CipherUpdate(ctx, out, &n1, in, (int)len) != 1 ||
      EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1 || (size_t)(n1 + n2) != len)
    /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
    st = wb__fail(err, WB_ERR_CRYPTO, "AES-CBC failed");
  EVP_CIPHER_CTX_free(ctx);
  if (st != WB_OK)
    ERR_clear_error();
  return st;
}

static wb_status cbc_encrypt(const wb_enc_info *ei, const unsigned char *cek, const unsigned char *iv,
                             const unsigned char *aad, size_t aad_len, const unsigned char *pt, size_t len,
                             unsigned char *ct, size_t *ct_len, unsigned char *tag, wb_error *err) {
  size_t key_len = ei->cek_len / 2, pad = AES_BLOCK - len % AES_BLOCK, full = len - len % AES_BLOCK;
  /* PKCS#7: the plaintext's whole blocks go straight through, the last block is padded here. */
  unsigned char last[AES_BLOCK];
  memcpy(last, pt + full, len - full);
  memset(last + (len - full), (int)pad, pad);
  memcpy(ct, pt, full);
  memcpy(ct + full, last, AES_BLOCK);
  OPENSSL_cleanse(last, sizeof(last));
  *ct_len = full + AES_BLOCK;
  wb_status st = cbc_pass(ei, cek + key_len, iv, 1, ct, *ct_len, ct, err);
  if (st == WB_OK)
    st = cbc_hmac_tag(ei, cek, iv, aad, aad_len, ct, *ct_len, tag, err);
  if (st != WB_OK) { /* ct may still hold the plaintext copied in above */
    OPENSSL_cleanse(ct, *ct_len);
    *ct_len = 0;
  }
  return st;
}

/* All ones when a < b, else 0 (a, b small: below 2^31). */
static unsigned ct_lt(unsigned a, unsigned b) {
  return 0u - ((a - b) >> (sizeof(unsigned) * 8 - 1));
}

/* PKCS#7 padding of the last block, without branches on its bytes: the pad length, or 0 when bad. */
static size_t pkcs7_pad_len(const unsigned char *block) {
  unsigned pad = block[AES_BLOCK - 1];
  unsigned good = ~wb__ct_eq(pad, 0) & ~ct_lt(AES_BLOCK, pad); /* 1 <= pad <= 16 */
  for (unsigned i = 0; i < AES_BLOCK; i++) {
    unsigned in_pad = ct_lt(AES_BLOCK - 1 - i, pad); /* among the last pad bytes */
    good &= ~in_pad | wb__ct_eq(block[i], pad);
  }
  return (size_t)(pad & good);
}

static wb_status cbc_decrypt(const wb_enc_info *ei, const unsigned char *cek, const unsigned char *iv,
                             const unsigned char *aad, size_t aad_len, const unsigned char *ct, size_t ct_len,
                             const unsigned char *tag, unsigned char *pt, size_t *pt_len, wb_error *err) {
  size_t key_len = ei->cek_len / 2;
  unsigned char want[WB_JWE_MAX_TAG];
  if (ct_len == 0 || ct_len % AES_BLOCK != 0)
    return decrypt_failed(err); /* public: the length is on the wire */
  wb_status st = cbc_hmac_tag(ei, cek, iv, aad, aad_len, ct, ct_len, want, err);
  if (st != WB_OK)
    return st;
  unsigned tag_ok = wb__ct_eq((size_t)CRYPTO_memcmp(want, tag, ei->tag_len), 0);
  OPENSSL_cleanse(want, sizeof(want));
  /* The decryption pass runs whatever the tag said: every failure costs the same. */
  st = cbc_pass(ei, cek + key_len, iv, 0, ct, ct_len, pt, err);
  if (st != WB_OK)
    return st;
  size_t pad = pkcs7_pad_len(pt + ct_len - AES_BLOCK);
  unsigned ok = tag_ok & ~wb__ct_eq(pad, 0);
  if (ok == 0) {
    OPENSSL_cleanse(pt, ct_len);
    return decrypt_failed(err);
  }
  *pt_len = ct_len - pad;
  return WB_OK;
}

/* ---- AES-GCM (RFC 7518 5.3) --------------------------------------------------------------------- */

/* Whether the context remembers key k (n: 16, 24 or 32 bytes): without branches on the bytes, and
 * by words, as this runs on every message. */
static bool keyed_with(const wb_ctx *c, const unsigned char *k, size_t n) {
  uint64_t diff = c->cipher_key_len ^ n;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t x, y;
    memcpy(&x, c->cipher_key + i, 8);
    memcpy(&y, k + i, 8);
    diff |= x ^ y;
  }
  return diff == 0;
}

/* A context keyed already takes the message's IV (and params) alone. */
static EVP_CIPHER_CTX *iv_only(EVP_CIPHER_CTX *ctx, const unsigned char *iv, int enc,
                               const OSSL_PARAM *params) {
  int ok = EVP_CipherInit_ex2(ctx, NULL, NULL, iv, enc, params);
  return ok == 1 ? ctx : NULL; /* LCOV_EXCL_BR_LINE: cov-openssl-infallible */
}

/*
 * AES-GCM over in[0..len). With a pool, the context is the owner's and is kept unless OpenSSL
 * itself failed. Pool tags: 1 + the enc. With fixed_key (dir: one key for every message; why only
 * then: lib/jwe_int.h), a context already keyed with this very key only takes the new IV: no key
 * schedule, no GHASH table. Otherwise it is re-keyed (EVP_CipherInit_ex2 without a cipher keeps
 * the provider's context: no allocation, no fetch). The key comparison does not branch on the
 * key's bytes; the decryption tag is set on every call, with the IV, so nothing of the previous
 * message is reused but the key. params (the tag to check, when decrypting) go to the provider
 * with the IV, in the same call.
 */
static EVP_CIPHER_CTX *gcm_ctx(wb_pool_ref *pool, bool fixed_key, const wb_enc_info *ei,
                               const unsigned char *cek, const unsigned char *iv, int enc,
                               const OSSL_PARAM *params, wb_lease *l) {
  EVP_CIPHER *cipher = wb__jwe_aes(WB_AES_GCM, ei->cek_len);
  if (pool == NULL) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx != NULL && EVP_CipherInit_ex2(ctx, cipher, cek, iv, enc, params) != 1) {
      EVP_CIPHER_CTX_free(ctx);
      ctx = NULL;
    }
    return ctx;
  }
  wb__pool_take(pool, 1u + (unsigned)ei->enc, l);
  wb_ctx *c = l->ctx;
  if (l->fresh)
    c->cipher = EVP_CIPHER_CTX_new();
  else if (fixed_key && keyed_with(c, cek, ei->cek_len))
    return iv_only(c->cipher, iv, enc, params);
  else
    cipher = NULL; /* prepared: the same cipher, re-keyed */
  OPENSSL_cleanse(c->cipher_key, sizeof(c->cipher_key));
  c->cipher_key_len = 0;
  if (c->cipher == NULL || EVP_CipherInit_ex2(c->cipher, cipher, cek, iv, enc, params) != 1)
    return NULL;
  if (fixed_key) {
    memcpy(c->cipher_key, cek, ei->cek_len); /* cek_len <= 32 for every GCM enc */
    c->cipher_key_len = ei->cek_len;
  }
  return c->cipher;
}

static wb_status gcm_run(wb_pool_ref *pool, bool fixed_key, const wb_enc_info *ei, const unsigned char *cek,
                         const unsigned char *iv, int enc, const unsigned char *aad, size_t aad_len,
                         const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag,
                         wb_error *err) {
  wb_lease l = {0};
  EVP_CIPHER_CTX *ctx = NULL;
  int n = 0, fin = 0;
  wb_status st = WB_ERR_CRYPTO;
  OSSL_PARAM check[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, WB_JWE_GCM_TAG),
                         OSSL_PARAM_construct_end()};
  if (len > INT32_MAX || aad_len > INT32_MAX) /* before any context is taken */
    return wb__fail(err, WB_ERR_CRYPTO, "AES-GCM failed");
  if ((ctx = gcm_ctx(pool, fixed_key, ei, cek, iv, enc, enc ? NULL : check, &l)) == NULL) {
    st = wb__fail(err, WB_ERR_CRYPTO, "AES-GCM failed");
    goto out;
  }
  /* LCOV_EXCL_BR_START: cov-openssl-infallible */
  if ((aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
      EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) {
    st = wb__fail(err, WB_ERR_CRYPTO, "AES-GCM failed");
    goto out;
  }
  /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
  fin = EVP_CipherFinal_ex(ctx, out + n, &n);
  if (fin != 1 && !enc) { /* the tag */
    st = decrypt_failed(err);
    goto out;
  }
  /* LCOV_EXCL_BR_START: cov-openssl-infallible */
  if (fin != 1 || (enc && EVP_CIPHER_CTX_get_params(ctx, check) != 1)) { /* the tag, read back */
    st = wb__fail(err, WB_ERR_CRYPTO, "AES-GCM failed");
    goto out;
  }
  /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
  st = WB_OK;
out:
  if (pool != NULL)
    wb__pool_give(&l, st == WB_OK || st == WB_ERR_DECRYPT_FAILED);
  else
    EVP_CIPHER_CTX_free(ctx);
  if (st != WB_OK)
    ERR_clear_error(); /* a failed tag leaves an error on this thread's queue */
  return st;
}

/* ---- entry points ------------------------------------------------------------------------------ */

/* Whether OpenSSL has the AES cipher of ei (the default provider always has). */
static bool cipher_available(const wb_enc_info *ei, wb_error *err) {
  if (wb__jwe_aes(ei->kind == WB_CE_GCM ? WB_AES_GCM : WB_AES_CBC,
                  ei->kind == WB_CE_GCM ? ei->cek_len : ei->cek_len / 2) != NULL)
    return true;
  wb__fail(err, WB_ERR_CRYPTO, "the AES cipher of %s is not available in OpenSSL", ei->name);
  return false;
}

wb_status wb__ce_encrypt(const wb_enc_info *ei, const unsigned char *cek, const unsigned char *iv,
                         const unsigned char *aad, size_t aad_len, const unsigned char *pt, size_t len,
                         unsigned char *ct, size_t *ct_len, unsigned char *tag, wb_error *err) {
  return wb__ce_encrypt_pool(NULL, false, ei, cek, iv, aad, aad_len, pt, len, ct, ct_len, tag, err);
}

wb_status wb__ce_encrypt_pool(wb_pool_ref *pool, bool fixed_key, const wb_enc_info *ei,
                              const unsigned char *cek, const unsigned char *iv, const unsigned char *aad,
                              size_t aad_len, const unsigned char *pt, size_t len, unsigned char *ct,
                              size_t *ct_len, unsigned char *tag, wb_error *err) {
  *ct_len = 0;
  if (!cipher_available(ei, err))
    return WB_ERR_CRYPTO;
  if (ei->kind == WB_CE_CBC_HMAC)
    return cbc_encrypt(ei, cek, iv, aad, aad_len, pt, len, ct, ct_len, tag, err);
  wb_status st = gcm_run(pool, fixed_key, ei, cek, iv, 1, aad, aad_len, pt, len, ct, tag, err);
  if (st == WB_OK)
    *ct_len = len;
  return st;
}

wb_status wb__ce_decrypt(const wb_enc_info *ei, const unsigned char *cek, const unsigned char *iv,
                         size_t iv_len, const unsigned char *aad, size_t aad_len, const unsigned char *ct,
                         size_t ct_len, const unsigned char *tag, size_t tag_len, unsigned char *pt,
                         size_t *pt_len, wb_error *err) {
  return wb__ce_decrypt_pool(NULL, false, ei, cek, iv, iv_len, aad, aad_len, ct, ct_len, tag, tag_len, pt,
                             pt_len, err);
}

wb_status wb__ce_decrypt_pool(wb_pool_ref *pool, bool fixed_key, const wb_enc_info *ei,
                              const unsigned char *cek, const unsigned char *iv, size_t iv_len,
                              const unsigned char *aad, size_t aad_len, const unsigned char *ct,
                              size_t ct_len, const unsigned char *tag, size_t tag_len, unsigned char *pt,
                              size_t *pt_len, wb_error *err) {
  *pt_len = 0;
  if (!cipher_available(ei, err))
    return WB_ERR_CRYPTO;
  if (iv_len != ei->iv_len || tag_len != ei->tag_len) /* GCM: IV 12 and tag 16 exactly */
    return decrypt_failed(err);
  if (ei->kind == WB_CE_CBC_HMAC)
    return cbc_decrypt(ei, cek, iv, aad, aad_len, ct, ct_len, tag, pt, pt_len, err);
  wb_status st =
      gcm_run(pool, fixed_key, ei, cek, iv, 0, aad, aad_len, ct, ct_len, pt, (unsigned char *)tag, err);
  if (st != WB_OK) {
    OPENSSL_cleanse(pt, ct_len);
    return st;
  }
  *pt_len = ct_len;
  return WB_OK;
}
