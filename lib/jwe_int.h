/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_int.h - what the JWE files share inside the library (never installed):
 *   lib/jwe.c          the algorithm tables, the encrypter and decrypter objects and their set-up
 *   lib/jwe_encrypt.c  encryption: the compact and JSON serializations written
 *   lib/jwe_decrypt.c  decryption: the serializations parsed, the recipient and key chosen
 *   lib/jwe_content.c  content encryption (RFC 7518 5): AES-CBC-HMAC-SHA2 and AES-GCM
 *   lib/jwe_keymgmt.c  key management (RFC 7518 4): RSA, AES-KW, AES-GCM-KW, PBES2, dir, key fit
 *   lib/jwe_ecdh.c     ECDH-ES (RFC 7518 4.6, RFC 8037 3.2): agreement, ConcatKDF, the epk
 *   lib/jwe_zip.c      "zip": "DEF" (RFC 1951 DEFLATE) with a ceiling enforced while inflating
 * The public contract is include/wristband/jwe.h.
 */
#ifndef WB_JWE_INT_H
#define WB_JWE_INT_H

#include "jose.h"

#define WB_JWE_MAX_CEK        64   /* A256CBC-HS512 */
#define WB_JWE_MAX_IV         16   /* CBC */
#define WB_JWE_MAX_TAG        32   /* A256CBC-HS512 */
#define WB_JWE_MAX_EK         2048 /* RSA-16384 */
#define WB_JWE_MAX_RECIPIENTS 16
#define WB_JWE_GCM_IV         12 /* RFC 7518 5.3: 96-bit IV */
#define WB_JWE_GCM_TAG        16 /* RFC 7518 5.3: 128-bit tag, never shorter */
#define WB_PBES2_SALT_LEN     16 /* p2s written by the encrypter */
#define WB_PBES2_MIN_SALT     8  /* RFC 7518 4.8.1.1: at least 8 octets */

/* ---- algorithm tables (lib/jwe.c) -------------------------------------------------------------- */

typedef enum {
  WB_KM_RSA1_5 = 1,
  WB_KM_RSA_OAEP,
  WB_KM_AESKW,
  WB_KM_DIR,
  WB_KM_ECDH_ES, /* direct when kw_len is 0 */
  WB_KM_AESGCMKW,
  WB_KM_PBES2
} wb_km_kind;

typedef struct wb_jwe_alg_info {
  wb_jwe_alg alg;
  const char *name;
  wb_km_kind kind;
  size_t kw_len;  /* AES key bytes of the wrap (KW, GCMKW, ECDH-ES+KW, PBES2); 0 otherwise */
  const char *md; /* RSA-OAEP and PBES2 digest; NULL otherwise */
} wb_jwe_alg_info;

typedef enum { WB_CE_CBC_HMAC = 1, WB_CE_GCM } wb_ce_kind;

typedef struct wb_enc_info {
  wb_enc enc;
  const char *name;
  wb_ce_kind kind;
  size_t cek_len; /* CBC-HMAC: MAC key || ENC key */
  size_t iv_len;
  size_t tag_len;
  const char *md; /* CBC-HMAC digest name */
} wb_enc_info;

const wb_jwe_alg_info *wb__jwe_alg_info(wb_jwe_alg alg);
const wb_enc_info *wb__enc_info(wb_enc enc);
/** The AES modes JWE uses. */
typedef enum { WB_AES_CBC = 0, WB_AES_GCM, WB_AES_WRAP, WB_AES_ECB } wb_aes_mode;
/** The fetched OpenSSL AES cipher of mode and key size (16, 24, 32), fetched once per process; NULL when
 *  OpenSSL lacks it. */
EVP_CIPHER *wb__jwe_aes(wb_aes_mode mode, size_t key_len);
/** The fetched digest of a name in the tables ("SHA1", "SHA256", "SHA384", "SHA512"). */
EVP_MD *wb__jwe_md(const char *name);
EVP_MAC *wb__jwe_hmac(void);

/* ---- content encryption (lib/jwe_content.c) ----------------------------------------------- */

/** Encrypts pt[0..len) into ct (capacity len + 16; *ct_len set) and tag[ei->tag_len]. */
wb_status wb__ce_encrypt(const wb_enc_info *ei, const unsigned char *cek, const unsigned char *iv,
                         const unsigned char *aad, size_t aad_len, const unsigned char *pt, size_t len,
                         unsigned char *ct, size_t *ct_len, unsigned char *tag, wb_error *err);
/**
 * As wb__ce_encrypt, with AES-GCM's context taken from pool (NULL: one made for the call). The
 * context keeps the last content key's schedule until the next call or the pool's free: pool
 * belongs to an owner whose keys recover that content key anyway (a decrypter; an encrypter
 * whose recipients are all symmetric), never to one holding only public keys.
 *
 * fixed_key: cek is a long-term key used as it is (dir), so a context already keyed with it only
 * takes the new IV. Only then: with any other algorithm the content key comes out of a key
 * recovery that can fail into the decrypter's fixed substitute key, and skipping the key schedule
 * when the key repeats would time apart a failed unwrap (RSA padding, AES-KW integrity) from a
 * failed tag, the oracle the substitute exists to close.
 */
wb_status wb__ce_encrypt_pool(wb_pool_ref *pool, bool fixed_key, const wb_enc_info *ei,
                              const unsigned char *cek, const unsigned char *iv, const unsigned char *aad,
                              size_t aad_len, const unsigned char *pt, size_t len, unsigned char *ct,
                              size_t *ct_len, unsigned char *tag, wb_error *err);
/**
 * Decrypts and authenticates. pt has capacity ct_len. Every failure that depends on the key or
 * the data (IV or tag length, tag, padding) is WB_ERR_DECRYPT_FAILED, with pt wiped; the
 * CBC-HMAC tag is compared over its full length (CRYPTO_memcmp) before the decryption pass, which
 * runs whatever the tag said so that each failure costs the same.
 */
wb_status wb__ce_decrypt(const wb_enc_info *ei, const unsigned char *cek, const unsigned char *iv,
                         size_t iv_len, const unsigned char *aad, size_t aad_len, const unsigned char *ct,
                         size_t ct_len, const unsigned char *tag, size_t tag_len, unsigned char *pt,
                         size_t *pt_len, wb_error *err);
/** As wb__ce_decrypt, with AES-GCM's context from pool and fixed_key as wb__ce_encrypt_pool. */
wb_status wb__ce_decrypt_pool(wb_pool_ref *pool, bool fixed_key, const wb_enc_info *ei,
                              const unsigned char *cek, const unsigned char *iv, size_t iv_len,
                              const unsigned char *aad, size_t aad_len, const unsigned char *ct,
                              size_t ct_len, const unsigned char *tag, size_t tag_len, unsigned char *pt,
                              size_t *pt_len, wb_error *err);

/* ---- key management (lib/jwe_keymgmt.c, lib/jwe_ecdh.c) ----------------------------------- */

typedef enum { WB_JWE_OP_ENCRYPT = 1, WB_JWE_OP_DECRYPT } wb_jwe_op;

/**
 * WB_OK when key may be used with ai (and ei, which may be NULL before enc is known) for op:
 * not bound to signing (a JWS "alg", use "sig", key_ops sign/verify), key_ops naming an operation
 * of op, a pinned JWE "alg" equal to ai (or, for a key pinned to an enc, "dir" with that enc), the
 * type, curve and size ai needs, and private material to decrypt. WB_ERR_ALG_NOT_ALLOWED else.
 */
wb_status wb__jwe_key_fits(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei, wb_jwe_op op,
                           wb_error *err);

/** Header parameters and encrypted key a recipient's key management reads. */
typedef struct wb_km_in {
  const unsigned char *ek;
  size_t ek_len;
  const wb_jose_view *hdr; /* epk, apu, apv, iv, tag, p2s, p2c */
  uint32_t max_p2c;        /* PBES2 ceiling */
  const unsigned char
      *substitute; /* WB_JWE_MAX_CEK random bytes (the decrypter's), or NULL: drawn per call */
} wb_km_in;

/**
 * Recovers the content encryption key for ei into cek[ei->cek_len]. Public problems (a header
 * parameter missing or malformed, p2c over max_p2c, an epk off the curve, a non-empty encrypted
 * key for dir or ECDH-ES) are reported at once. Anything that depends on a secret (unwrap
 * integrity, RSA padding, the unwrapped size) is not: cek then holds random bytes (in->substitute,
 * or bytes drawn for the call when it is NULL), *good is 0 and the call returns WB_OK, so that the
 * content decryption fails as it would for a bad tag (RFC 7516 11.5). The selection is branch-free.
 */
wb_status wb__km_unwrap(const wb_key *key, const wb_jwe_alg_info *ai, const wb_enc_info *ei,
                        const wb_km_in *in, unsigned char *cek, unsigned *good, wb_error *err);

/**
 * Wraps cek for key (or, for dir and direct ECDH-ES, makes cek[ei->cek_len]) into ek (capacity
 * WB_JWE_MAX_EK, *ek_len set, 0 for the direct algorithms) and appends the header parameters it
 * generates (",\"epk\":{...}", ",\"iv\":..,\"tag\":..", ",\"p2s\":..,\"p2c\":..") to params.
 */
wb_status wb__km_wrap(const wb_key *key, const wb_jwe_alg_info *ai, EVP_PKEY_CTX *prepared,
                      const wb_enc_info *ei, uint32_t p2c, unsigned char *cek, unsigned char *ek,
                      size_t *ek_len, wb_strbuf *params, wb_error *err);

/** The PBES2 key (PBKDF2 of the password pw with UTF8(alg) || 0x00 || p2s) into kek[ai->kw_len]. */
wb_status wb__pbes2_kek(const wb_key *pw, const wb_jwe_alg_info *ai, const unsigned char *p2s, size_t p2s_len,
                        uint32_t p2c, unsigned char *kek, wb_error *err);
/**
 * The context an encrypter prepares once for key and ai (RSA-OAEP: initialised with its padding
 * and digests), copied for each message by wb__km_wrap; *out NULL for the other algorithms.
 */
wb_status wb__km_prepare(const wb_key *key, const wb_jwe_alg_info *ai, EVP_PKEY_CTX **out, wb_error *err);
/** AES key wrap (RFC 3394) of in[0..len) under kek[kek_len]: out needs len + 8 bytes. */
wb_status wb__aeskw_wrap(const unsigned char *kek, size_t kek_len, const unsigned char *in, size_t len,
                         unsigned char *out, wb_error *err);

/**
 * ECDH-ES for the encrypter: a fresh ephemeral key on the recipient's curve, Z, and the
 * ConcatKDF of RFC 7518 4.6.2 (algid = enc name when direct, else alg name; no apu/apv) into
 * derived[keylen]. Appends ,"epk":{...} to params.
 */
wb_status wb__ecdh_send(const wb_key *recipient, const char *algid, size_t keylen, unsigned char *derived,
                        wb_strbuf *params, wb_error *err);
/**
 * ECDH-ES for the recipient key: the header's epk must be a public key of key's curve, a point
 * on it (not the identity); Z must not be all zero (X25519/X448 small-order points). Then the
 * ConcatKDF with the header's apu and apv. WB_ERR_MALFORMED / WB_ERR_BAD_KEY on a bad epk.
 */
wb_status wb__ecdh_receive(const wb_key *key, const wb_jose_view *hdr, const char *algid, size_t keylen,
                           unsigned char *derived, wb_error *err);
/** The raw shared secret of priv (private) and peer (public) into z (capacity 66); all-zero refused. */
wb_status wb__ecdh_z(EVP_PKEY *priv, EVP_PKEY *peer, unsigned char *z, size_t *z_len, wb_error *err);
/** ConcatKDF (NIST SP 800-56A 5.8.1, SHA-256) as RFC 7518 4.6.2 uses it. */
wb_status wb__concat_kdf(const unsigned char *z, size_t z_len, const char *algid, const unsigned char *apu,
                         size_t apu_len, const unsigned char *apv, size_t apv_len, size_t keylen,
                         unsigned char *out, wb_error *err);

/* ---- compression (lib/jwe_zip.c) ---------------------------------------------------------- */

/** Raw DEFLATE of in[0..len) into a new buffer (*out, free with wb_plaintext_free(*out, *out_len)). */
wb_status wb__deflate(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                      wb_error *err);
/**
 * Inflates raw DEFLATE in[0..len) into a new buffer of at most max bytes, checked while
 * inflating: more is WB_ERR_TOO_LARGE, a broken stream or trailing bytes WB_ERR_MALFORMED.
 */
wb_status wb__inflate(const unsigned char *in, size_t len, size_t max, unsigned char **out, size_t *out_len,
                      wb_error *err);

/* ---- the objects (lib/jwe.c) ----------------------------------------------------------------- */

typedef struct wb_jwe_recipient {
  wb_key *key; /* own reference; for a password, an internal oct key holding it */
  const wb_jwe_alg_info *ai;
  EVP_PKEY_CTX *prepared; /* wb__km_prepare's context, or NULL; copied per message, never used itself */
  char *kid_json;         /* the key's kid as a JSON string, quotes included, or NULL */
} wb_jwe_recipient;

struct wb_encrypter {
  const wb_enc_info *ei;
  wb_jwe_recipient rcpt[WB_JWE_MAX_RECIPIENTS];
  size_t n;
  uint32_t p2c;              /* PBES2 iterations */
  char *typ_json, *cty_json; /* JSON strings, quotes included, or NULL */
  bool zip;
  char *hdr_b64; /* the protected header prepared at set-up when nothing in it varies per message
                    (one recipient; dir, AES key wrap or RSA-OAEP), else NULL */
  size_t hdr_b64_len;
  wb_pool_ref pool; /* AES-GCM contexts, used only when every recipient is symmetric; freed with it */
};

struct wb_decrypter {
  uint64_t serial; /* renewed by every set-up call: keys the per-thread header memo (lib/jwe_decrypt.c) */
  wb_key **keys;   /* own references */
  size_t nkeys;
  bool password;       /* keys[0] holds a password: PBES2 only */
  uint32_t alg_mask;   /* algorithms named by wb_decrypter_allow_alg; 0 = not narrowed */
  uint32_t enc_mask;   /* encs named by wb_decrypter_allow_enc; 0 = not narrowed */
  bool rsa1_5;         /* wb_decrypter_allow_rsa1_5 */
  uint32_t max_p2c;    /* 0: PBES2 refused */
  size_t max_inflated; /* 0: zip refused */
  wb_limits limits;
  /* The CEK that replaces one whose recovery failed (RFC 7516 11.5): random, drawn once when the
   * decrypter is made (not per message: RAND_bytes cost a quarter of an A256KW decryption), never
   * used for anything but a content decryption that must fail; wiped with the decrypter. */
  unsigned char substitute[WB_JWE_MAX_CEK];
  wb_pool_ref pool; /* AES-GCM contexts (wb__ce_decrypt_pool), wiped and freed with the decrypter */
};

/** The encrypter's protected header for recipient 0's params (n == 1) or none; cty overrides. */
wb_status wb__jwe_protected(const wb_encrypter *e, const char *params, const char *cty_json, wb_strbuf *out,
                            wb_error *err);

/** The decrypter's verdict on a token's alg and enc (policy only, no key): WB_OK or why not. */
wb_status wb__jwe_policy(const wb_decrypter *d, const wb_jwe_alg_info *ai, const wb_enc_info *ei,
                         wb_error *err);

/**
 * A compact JWE encrypted with e, with "cty" cty_json when not NULL (a JSON string with quotes:
 * nested JWTs). As wb_jwe_encrypt.
 */
wb_status wb__jwe_encrypt_compact(const wb_encrypter *e, const char *cty_json, const unsigned char *pt,
                                  size_t len, char **token, size_t *token_len, wb_error *err);

/**
 * Decrypts a compact JWE and, when want_cty is not NULL, requires its "cty" to equal it
 * (case-insensitively, "application/" optional). As wb_jwe_decrypt otherwise.
 */
wb_status wb__jwe_decrypt_compact(const wb_decrypter *d, const char *token, size_t len, const char *want_cty,
                                  unsigned char **pt, size_t *pt_len, wb_error *err);

/** Branch-free helpers: all-ones when a == b (0 else), and dst = mask ? a : b over n bytes. */
unsigned wb__ct_eq(size_t a, size_t b);
void wb__ct_select(unsigned char *dst, const unsigned char *a, const unsigned char *b, size_t n,
                   unsigned mask);

#endif
