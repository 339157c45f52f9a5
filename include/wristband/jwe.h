/* SPDX-License-Identifier: MIT */
/*
 * wristband/jwe.h - JWE (RFC 7516): encryption with the algorithms of RFC 7518 sections 4-5 and
 * RFC 8037 section 3.2, in the compact and both JSON serializations; nested JWTs (RFC 7519
 * section 5.2: signed, then encrypted); and private keys protected by a password (RFC 7517
 * appendix C).
 *
 * A wb_encrypter binds the recipients (a key and a key management algorithm each), the content
 * encryption algorithm and the header members it writes; a wb_decrypter holds the keys (or a
 * password) and the decryption policy. Both are configured by one thread, then immutable: any
 * number of threads may encrypt or decrypt with the same object at once.
 *
 * Secure by default: RSA1_5 (decryption only), PBES2 and compression ("zip": "DEF") are refused
 * unless the decrypter opts in, each with its own call; every decryption failure that depends on
 * a secret (key unwrap, CEK size, authentication tag, padding, RSA decoding) gives the one status
 * WB_ERR_DECRYPT_FAILED through the same work; ECDH-ES ephemeral keys must lie on the
 * recipient's curve; a key bound to signing (use "sig", a JWS "alg", key_ops sign/verify) never
 * decrypts and a key bound to encryption never signs. A JWE says nothing about who wrote it: its
 * plaintext is never a verified claim; use wb_decrypt_verify for nested tokens.
 */
#ifndef WRISTBAND_JWE_H
#define WRISTBAND_JWE_H

#include "common.h"
#include "jws.h"
#include "jwt.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wb_encrypter wb_encrypter;
typedef struct wb_decrypter wb_decrypter;

/** Key management algorithms ("alg", RFC 7518 4.1). Stable: append only. @since 0.1 */
typedef enum {
  WB_JWE_ALG_INVALID = 0,
  WB_JWE_RSA1_5, /* decryption only, and only after wb_decrypter_allow_rsa1_5 */
  WB_JWE_RSA_OAEP,
  WB_JWE_RSA_OAEP_256,
  WB_JWE_RSA_OAEP_384,
  WB_JWE_RSA_OAEP_512,
  WB_JWE_A128KW,
  WB_JWE_A192KW,
  WB_JWE_A256KW,
  WB_JWE_DIR,
  WB_JWE_ECDH_ES,
  WB_JWE_ECDH_ES_A128KW,
  WB_JWE_ECDH_ES_A192KW,
  WB_JWE_ECDH_ES_A256KW,
  WB_JWE_A128GCMKW,
  WB_JWE_A192GCMKW,
  WB_JWE_A256GCMKW,
  WB_JWE_PBES2_HS256_A128KW, /* PBES2: decryption only after wb_decrypter_allow_pbes2 */
  WB_JWE_PBES2_HS384_A192KW,
  WB_JWE_PBES2_HS512_A256KW,
  WB_JWE_ALG_COUNT_ /* not an algorithm */
} wb_jwe_alg;

/** Content encryption algorithms ("enc", RFC 7518 5.1). Stable: append only. @since 0.1 */
typedef enum {
  WB_ENC_INVALID = 0,
  WB_ENC_A128CBC_HS256,
  WB_ENC_A192CBC_HS384,
  WB_ENC_A256CBC_HS512,
  WB_ENC_A128GCM,
  WB_ENC_A192GCM,
  WB_ENC_A256GCM,
  WB_ENC_COUNT_ /* not an algorithm */
} wb_enc;

/** PBES2 iteration counts (p2c): never below the minimum; a decrypter's default ceiling. */
#define WB_PBES2_MIN_P2C     1000
#define WB_PBES2_DEFAULT_P2C 10000    /* what encrypters write, and a decrypter's default cap */
#define WB_PBES2_MAX_P2C     10000000 /* the largest cap a decrypter accepts */
/** The default ceiling of an inflated ("zip": "DEF") plaintext, and the largest one accepted. */
#define WB_ZIP_DEFAULT_MAX (256u * 1024u)
#define WB_ZIP_MAX         (64u * 1024u * 1024u)

/** "RSA-OAEP", ...; NULL for WB_JWE_ALG_INVALID or out of range. */
WB_EXPORT const char *wb_jwe_alg_name(wb_jwe_alg alg);
/** Exact, case-sensitive lookup; WB_JWE_ALG_INVALID for unknown names. */
WB_EXPORT wb_jwe_alg wb_jwe_alg_from_name(const char *name, size_t len);
/** "A256GCM", ...; NULL for WB_ENC_INVALID or out of range. */
WB_EXPORT const char *wb_enc_name(wb_enc enc);
/** Exact, case-sensitive lookup; WB_ENC_INVALID for unknown names. */
WB_EXPORT wb_enc wb_enc_from_name(const char *name, size_t len);

/* ---- keys for encryption ---------------------------------------------------------------- */

/**
 * Generates a key for alg: RSA (bits, 0 = 2048) for RSA-OAEP*, an oct key of the wrap size for
 * AES-KW and AES-GCM-KW, of enc's size for dir (enc WB_ENC_INVALID = A256GCM), crv (0 = P-256;
 * P-384, P-521, X25519, X448) for ECDH-ES*. The key is bound to encryption: "use": "enc", "alg"
 * the JWE algorithm (for dir the enc), kid = its RFC 7638 thumbprint. On failure *out is NULL.
 */
WB_EXPORT wb_status wb_key_generate_for_jwe(wb_key **out, wb_jwe_alg alg, wb_enc enc, wb_crv crv,
                                            unsigned bits, wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- encrypting ----------------------------------------------------------------------- */

/**
 * An encrypter to key with alg and enc. alg WB_JWE_ALG_INVALID takes the key's own JWE "alg",
 * else RSA-OAEP-256 for RSA keys, ECDH-ES for EC (P-256, P-384, P-521) and X25519/X448 keys, and
 * A128KW/A192KW/A256KW for oct keys of 16/24/32 bytes. enc WB_ENC_INVALID takes the key's own
 * "alg" when it names an enc (a "dir" key), else A256GCM (for dir: the GCM or CBC-HMAC enc of the
 * key's size). The key must fit (type, curve, size, use/key_ops/alg not bound to signing); RSA1_5
 * and PBES2 are refused (wb_encrypter_new_password encrypts with a password). Header: "alg",
 * "enc", "kid" (the key's), "typ" and "cty" when set. On failure *out is NULL.
 */
WB_EXPORT wb_status wb_encrypter_new(wb_encrypter **out, const wb_key *key, wb_jwe_alg alg, wb_enc enc,
                                     wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * An encrypter to a password with PBES2 (alg WB_JWE_ALG_INVALID = PBES2-HS512+A256KW), a fresh
 * 16-byte salt per message and p2c iterations (0 = WB_PBES2_DEFAULT_P2C; at least
 * WB_PBES2_MIN_P2C, at most WB_PBES2_MAX_P2C). The password is copied (wiped on free).
 */
WB_EXPORT wb_status wb_encrypter_new_password(wb_encrypter **out, const char *password, size_t len,
                                              wb_jwe_alg alg, wb_enc enc, uint32_t p2c,
                                              wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Adds a recipient (general JSON serialization): the same content encryption key is wrapped for
 * key with alg (as in wb_encrypter_new). "dir" and "ECDH-ES" (without key wrapping) make the key
 * themselves and cannot share it: they are refused with other recipients. At most 16 recipients.
 */
WB_EXPORT wb_status wb_encrypter_add_recipient(wb_encrypter *e, const wb_key *key, wb_jwe_alg alg,
                                               wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets (or clears with NULL) the "typ" header; default none. */
WB_EXPORT wb_status wb_encrypter_set_typ(wb_encrypter *e, const char *typ,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets (or clears with NULL) the "cty" header; default none. */
WB_EXPORT wb_status wb_encrypter_set_cty(wb_encrypter *e, const char *cty,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/** Compresses the plaintext with DEFLATE before encrypting ("zip": "DEF"); default off. */
WB_EXPORT wb_status wb_encrypter_set_zip(wb_encrypter *e, bool zip, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Drops the caller's reference to the keys and wipes the password. NULL-safe. */
WB_EXPORT void wb_encrypter_free(wb_encrypter *e);

/**
 * Encrypts plaintext[0..len) as a compact JWE (one recipient). *token is new (wb_string_free),
 * NUL-terminated; *token_len (may be NULL) its length. On failure *token is NULL.
 */
WB_EXPORT wb_status wb_jwe_encrypt(const wb_encrypter *e, const unsigned char *plaintext, size_t len,
                                   char **token, size_t *token_len, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Encrypts as a JSON serialization: WB_SER_FLATTENED (one recipient) or WB_SER_GENERAL. aad
 * (may be NULL when aad_len is 0) is additional authenticated data carried in "aad". *json is
 * new (wb_string_free). With one recipient every header member is in "protected"; with several,
 * "enc" (and zip, typ, cty) are protected and each recipient's "alg", "kid" and algorithm
 * parameters are in its "header".
 */
WB_EXPORT wb_status wb_jwe_encrypt_json(const wb_encrypter *e, wb_serialization form,
                                        const unsigned char *plaintext, size_t len, const unsigned char *aad,
                                        size_t aad_len, char **json, size_t *json_len,
                                        wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- decrypting ------------------------------------------------------------------------- */

/**
 * A decrypter holding every key of set (private or secret keys). Default policy: every algorithm
 * a key fits except RSA1_5 and PBES2, every enc, no compression, the default wb_limits. A token
 * with a "kid" uses the key with that kid; without, the one key that fits its alg and enc.
 */
WB_EXPORT wb_status wb_decrypter_new(wb_decrypter **out, const wb_keyset *set,
                                     wb_error *err) WB_WARN_UNUSED_RESULT;
/** Same with a single key. */
WB_EXPORT wb_status wb_decrypter_new_key(wb_decrypter **out, const wb_key *key,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * A decrypter for PBES2 tokens made with a password (copied; wiped on free): PBES2 is allowed
 * with the default cap WB_PBES2_DEFAULT_P2C (wb_decrypter_allow_pbes2 changes it).
 */
WB_EXPORT wb_status wb_decrypter_new_password(wb_decrypter **out, const char *password, size_t len,
                                              wb_error *err) WB_WARN_UNUSED_RESULT;
/* Policy set-up, before the decrypter is shared. A failed call changes nothing. */
/** Narrows the key management algorithms: after the first call only those named are accepted. */
WB_EXPORT wb_status wb_decrypter_allow_alg(wb_decrypter *d, wb_jwe_alg alg,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;
/** Narrows the content encryption algorithms: after the first call only those named are accepted. */
WB_EXPORT wb_status wb_decrypter_allow_enc(wb_decrypter *d, wb_enc enc, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * WARNING: accepts RSA1_5 (RSAES-PKCS1-v1_5), whose padding oracles (Bleichenbacher, Marvin) have
 * broken many decrypters. wristband decodes it in constant time and continues with a random key
 * on any padding error (RFC 7516 11.5), but prefer RSA-OAEP-256. Never used to encrypt.
 */
WB_EXPORT wb_status wb_decrypter_allow_rsa1_5(wb_decrypter *d, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Accepts PBES2 with at most max_p2c iterations (0 = WB_PBES2_DEFAULT_P2C; between
 * WB_PBES2_MIN_P2C and WB_PBES2_MAX_P2C). p2c is checked before any key derivation work: a token
 * asking for more is refused (WB_ERR_TOO_LARGE) at once; salts must have at least 8 bytes.
 */
WB_EXPORT wb_status wb_decrypter_allow_pbes2(wb_decrypter *d, uint32_t max_p2c,
                                             wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Accepts compressed plaintexts ("zip": "DEF") that inflate to at most max_inflated bytes
 * (0 = WB_ZIP_DEFAULT_MAX; at most WB_ZIP_MAX), enforced while inflating.
 */
WB_EXPORT wb_status wb_decrypter_allow_zip(wb_decrypter *d, size_t max_inflated,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;
/** Every field must be non-zero; max_depth at most WB_MAX_DEPTH_LIMIT. max_token_len bounds the
 *  whole compact token or JSON text. */
WB_EXPORT wb_status wb_decrypter_set_limits(wb_decrypter *d, const wb_limits *limits,
                                            wb_error *err) WB_WARN_UNUSED_RESULT;
/** Drops the decrypter's key references and wipes the password. NULL-safe. */
WB_EXPORT void wb_decrypter_free(wb_decrypter *d);

/**
 * Decrypts a compact JWE (5 segments; a JWS is refused with WB_ERR_UNSUPPORTED). On success
 * *plaintext is new (free with wb_plaintext_free; NUL-terminated for convenience) with
 * *plaintext_len bytes (may be NULL). On failure *plaintext is NULL and *plaintext_len 0.
 */
WB_EXPORT wb_status wb_jwe_decrypt(const wb_decrypter *d, const char *token, size_t len,
                                   unsigned char **plaintext, size_t *plaintext_len,
                                   wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Decrypts a JWE in the general or flattened JSON serialization. With several recipients the
 * first one that names the kid of one of the decrypter's keys is used (or, when none names a
 * known kid, the first whose alg and enc one key fits); more than 64 recipients is
 * WB_ERR_TOO_LARGE. *aad (may be NULL) receives a new copy of
 * the "aad" member's bytes (wb_plaintext_free), or NULL when there is none. On failure every
 * output is NULL / 0.
 */
WB_EXPORT wb_status wb_jwe_decrypt_json(const wb_decrypter *d, const char *json, size_t len,
                                        unsigned char **plaintext, size_t *plaintext_len, unsigned char **aad,
                                        size_t *aad_len, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Wipes len bytes of a plaintext returned by the library and frees it. NULL-safe. */
WB_EXPORT void wb_plaintext_free(unsigned char *plaintext, size_t len);

/* ---- nested JWT (RFC 7519 5.2) ------------------------------------------------------------- */

/**
 * Signs the claims (wb_sign) and encrypts the compact JWS with e, with "cty": "JWT": one call, a
 * compact JWE. *token is new (wb_string_free); NULL on failure.
 */
WB_EXPORT wb_status wb_sign_encrypt(const wb_signer *s, const wb_encrypter *e, const wb_builder *claims,
                                    char **token, size_t *token_len, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Decrypts a compact JWE with d (its policy), requires "cty": "JWT" and a compact JWS inside,
 * then verifies that with v (signature and claims policy, as wb_verify). On success *claims (may
 * be NULL) is new: wb_claims_free. A plain JWS or a JWE without a signed JWT inside is refused.
 */
WB_EXPORT wb_status wb_decrypt_verify(const wb_decrypter *d, const wb_verifier *v, const char *token,
                                      size_t len, wb_claims **claims, wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- encrypted JWK (RFC 7517 appendix C) --------------------------------------------------- */

/**
 * The private (or secret) key as a compact JWE protected by password: PBES2-HS512+A256KW,
 * A256GCM, "cty": "jwk+json", p2c iterations (0 = 210000, the OWASP figure for PBKDF2-HMAC-SHA512;
 * at least WB_PBES2_MIN_P2C). *jwe is
 * new (wb_string_free). Keys without private material are refused.
 */
WB_EXPORT wb_status wb_key_to_encrypted_jwk(const wb_key *key, const char *password, size_t password_len,
                                            uint32_t p2c, char **jwe, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Reads a key written by wb_key_to_encrypted_jwk (or any PBES2 JWE whose cty is "jwk+json", as
 * RFC 7517 appendix C): p2c at most max_p2c (0 = 1000000). A wrong password gives
 * WB_ERR_DECRYPT_FAILED. On failure *out is NULL.
 */
WB_EXPORT wb_status wb_key_from_encrypted_jwk(wb_key **out, const char *jwe, size_t len, const char *password,
                                              size_t password_len, uint32_t max_p2c,
                                              wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
