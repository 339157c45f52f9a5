/* SPDX-License-Identifier: MIT */
/*
 * wristband/key.h - keys (RFC 7517 JWK, RFC 7518 section 6, RFC 8037) and key sets (JWKS).
 *
 * A wb_key is built by an import or a generation call, optionally adjusted with the
 * wb_key_set_* calls, and then frozen: once a key set, a signer or a verifier has taken it, the
 * wb_key_set_* calls refuse it (WB_ERR_INVALID_ARG) and change nothing, for the rest of its life.
 * Frozen keys are immutable and safe to share between threads. Keys are reference counted
 * internally: a key set, signer or verifier keeps its own reference, so the caller may free its
 * handle at any time ("nothing steals").
 *
 * Secrets die with the key: the secret or private key, and every OpenSSL context prepared from it
 * for signing or verifying (by whichever threads used the key), are wiped and freed when the last
 * reference goes.
 *
 * Import validates everything: RSA modulus >= 2048 bits, odd public exponent >= 3, no ROCA
 * fingerprint, CRT parameters consistent with n/d when present; EC points on the curve and
 * private scalars matching them; OKP key sizes; "use", "key_ops" and "alg" well-formed and
 * consistent with the key type.
 */
#ifndef WRISTBAND_KEY_H
#define WRISTBAND_KEY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wb_key wb_key;
typedef struct wb_keyset wb_keyset;

/** Key types ("kty"). */
typedef enum { WB_KTY_INVALID = 0, WB_KTY_OCT, WB_KTY_RSA, WB_KTY_EC, WB_KTY_OKP } wb_kty;

/** Curves ("crv"). X25519/X448 keys parse and export (for JWE); they never sign. */
typedef enum {
  WB_CRV_NONE = 0,
  WB_CRV_P256,
  WB_CRV_P384,
  WB_CRV_P521,
  WB_CRV_SECP256K1,
  WB_CRV_ED25519,
  WB_CRV_ED448,
  WB_CRV_X25519,
  WB_CRV_X448
} wb_crv;

/** Intended use ("use"). */
typedef enum { WB_USE_ANY = 0, WB_USE_SIG, WB_USE_ENC } wb_use;

/** Which members an export writes. Zero is not a part: it is refused (WB_ERR_INVALID_ARG). @since 0.1 */
typedef enum {
  WB_KEY_PART_INVALID = 0,
  WB_KEY_PUBLIC, /* the public members only (refused for oct keys: they have no public half) */
  WB_KEY_PRIVATE /* the private or secret members too, when the key holds them */
} wb_key_part;

/** The operation wb_key_check_alg checks a key for. Zero is refused (WB_ERR_INVALID_ARG). @since 0.1 */
typedef enum { WB_KEY_OP_INVALID = 0, WB_KEY_OP_SIGN, WB_KEY_OP_VERIFY } wb_key_op;

/** RSA modulus sizes accepted for import and generation, in bits (smaller keys are weak; larger
 *  ones make one verification cost seconds). @since 0.1 */
#define WB_RSA_MIN_BITS 2048
#define WB_RSA_MAX_BITS 16384

/** Length of a base64url SHA-256 thumbprint (43) plus NUL. */
#define WB_THUMBPRINT_LEN 44
/** Length of an RFC 9278 thumbprint URI plus NUL. */
#define WB_THUMBPRINT_URI_LEN (sizeof("urn:ietf:params:oauth:jwk-thumbprint:sha-256:") - 1 + 43 + 1)

/* ---- import ---------------------------------------------------------------------- */

/** Parses one JWK (a JSON object). On failure *out is NULL. */
WB_EXPORT wb_status wb_key_from_jwk(wb_key **out, const char *json, size_t len,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;
/** Parses PEM: SPKI "PUBLIC KEY", PKCS#8 "PRIVATE KEY", PKCS#1 "RSA (PUBLIC|PRIVATE) KEY", SEC1 "EC PRIVATE
 * KEY". */
WB_EXPORT wb_status wb_key_from_pem(wb_key **out, const char *pem, size_t len,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;
/** Parses DER in the same formats as wb_key_from_pem. */
WB_EXPORT wb_status wb_key_from_der(wb_key **out, const unsigned char *der, size_t len,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;
/** Makes an oct key from raw secret bytes (copied). Empty secrets are refused. */
WB_EXPORT wb_status wb_key_from_secret(wb_key **out, const unsigned char *secret, size_t len,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Sniffs the text: a JSON object with "keys" is refused here (use wb_keyset_parse), a JSON
 * object is a JWK, "-----BEGIN" is PEM, anything else is tried as DER.
 */
WB_EXPORT wb_status wb_key_parse(wb_key **out, const char *data, size_t len,
                                 wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- generation ------------------------------------------------------------------ */

/**
 * Generates a key. kty OCT: bits is the secret size (0 = 256). RSA: bits (0 = 2048, < 2048 refused).
 * EC and OKP: crv selects the curve, bits must be 0. The key has no kid, alg or use until set.
 */
WB_EXPORT wb_status wb_key_generate(wb_key **out, wb_kty kty, wb_crv crv, unsigned bits,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Generates a signing key for alg: oct of the hash size for HS*, RSA 2048 (or bits) for RS and PS,
 * the alg's curve for ES*, crv (0 = Ed25519) for EdDSA. Sets alg, use "sig" and kid = thumbprint.
 */
WB_EXPORT wb_status wb_key_generate_for_alg(wb_key **out, wb_alg alg, wb_crv crv, unsigned bits,
                                            wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- set-up (before the key is shared) ---------------------------------------------- */
/* Each returns WB_ERR_INVALID_ARG and changes nothing once the key is frozen (a key set, signer or
 * verifier took it). Not thread-safe: only the thread that built the key may call them. */

/** Sets or clears (NULL) the kid. */
WB_EXPORT wb_status wb_key_set_kid(wb_key *key, const char *kid, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Pins the key to one algorithm; it must fit the key type and curve. WB_ALG_INVALID unpins. */
WB_EXPORT wb_status wb_key_set_alg(wb_key *key, wb_alg alg, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_key_set_use(wb_key *key, wb_use use, wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- inspection ------------------------------------------------------------------- */

WB_EXPORT wb_kty wb_key_kty(const wb_key *key);
WB_EXPORT wb_crv wb_key_crv(const wb_key *key);
/** The pinned alg, or WB_ALG_INVALID. */
WB_EXPORT wb_alg wb_key_alg(const wb_key *key);
/** The kid (borrowed, valid while the key lives) or NULL. */
WB_EXPORT const char *wb_key_kid(const wb_key *key);
WB_EXPORT wb_use wb_key_use(const wb_key *key);
/** 1 when the key holds private (or secret) material. */
WB_EXPORT int wb_key_is_private(const wb_key *key);
/** RSA modulus bits, curve size in bits, or secret bits. */
WB_EXPORT unsigned wb_key_bits(const wb_key *key);
/**
 * The algorithm to use with this key when the caller names none: the pinned alg, else the only
 * alg its type allows (ES256/ES384/ES512/ES256K by curve, EdDSA for Ed25519/Ed448), else
 * WB_ALG_INVALID (RSA and oct keys without alg are ambiguous).
 */
WB_EXPORT wb_alg wb_key_default_alg(const wb_key *key);
/**
 * WB_OK when key may be used with alg for op (WB_KEY_OP_SIGN or WB_KEY_OP_VERIFY): type and curve
 * fit, the pinned alg (if any) equals alg, "use" is not "enc", "key_ops" allows the operation,
 * HMAC keys are at least the hash size, and signing needs private material. Else
 * WB_ERR_ALG_NOT_ALLOWED (or WB_ERR_BAD_KEY for a weak key); WB_ERR_INVALID_ARG for a NULL key or
 * an op that is neither.
 */
WB_EXPORT wb_status wb_key_check_alg(const wb_key *key, wb_alg alg, wb_key_op op,
                                     wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- export ------------------------------------------------------------------------ */

/**
 * Serialises the key as a JWK JSON object (members in a stable order). part WB_KEY_PUBLIC gives
 * the public key (refused for oct keys: WB_ERR_INVALID_ARG), WB_KEY_PRIVATE the private members
 * too when the key has them. *json is new: wb_string_free().
 */
WB_EXPORT wb_status wb_key_to_jwk(const wb_key *key, wb_key_part part, char **json,
                                  wb_error *err) WB_WARN_UNUSED_RESULT;
/** PEM: SPKI for WB_KEY_PUBLIC, PKCS#8 for WB_KEY_PRIVATE (of a private key; a public-only key
 *  gives SPKI). oct keys are refused. *pem is new: wb_string_free(). */
WB_EXPORT wb_status wb_key_to_pem(const wb_key *key, wb_key_part part, char **pem,
                                  wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * A new key holding only the public half, with the same kid, alg and use; its key_ops are the
 * public counterparts of the key's ("sign" gives "verify", "decrypt" "encrypt", "unwrapKey"
 * "wrapKey"; "verify", "encrypt" and "wrapKey" stay; "deriveKey" and "deriveBits" need the
 * private half and are dropped). oct keys are refused. The new key is not frozen.
 */
WB_EXPORT wb_status wb_key_public(wb_key **out, const wb_key *key, wb_error *err) WB_WARN_UNUSED_RESULT;
/** RFC 7638 SHA-256 thumbprint, base64url, into out[WB_THUMBPRINT_LEN]. */
WB_EXPORT wb_status wb_key_thumbprint(const wb_key *key, char out[WB_THUMBPRINT_LEN],
                                      wb_error *err) WB_WARN_UNUSED_RESULT;
/** RFC 9278 URI "urn:ietf:params:oauth:jwk-thumbprint:sha-256:<thumbprint>". */
WB_EXPORT wb_status wb_key_thumbprint_uri(const wb_key *key, char out[WB_THUMBPRINT_URI_LEN],
                                          wb_error *err) WB_WARN_UNUSED_RESULT;

/** Drops the caller's reference; the key is wiped when the last reference goes. NULL-safe. */
WB_EXPORT void wb_key_free(wb_key *key);

/* ---- key sets ---------------------------------------------------------------------- */

/** An empty key set. Thread-safety: immutable once shared with a verifier; share freely. */
WB_EXPORT wb_status wb_keyset_new(wb_keyset **out, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Parses a JWKS {"keys":[...]}. Every key must be valid; kids must be unique; at most
 * limits->max_keys keys (limits may be NULL for the defaults; a zero field or a max_depth over
 * WB_MAX_DEPTH_LIMIT is WB_ERR_INVALID_ARG). On failure *out is NULL.
 */
WB_EXPORT wb_status wb_keyset_from_jwks(wb_keyset **out, const char *json, size_t len,
                                        const wb_limits *limits, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sniffs: a JWKS, else one key (JWK, PEM or DER) wrapped in a set of one. */
WB_EXPORT wb_status wb_keyset_parse(wb_keyset **out, const char *data, size_t len,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Adds key: the set takes its own reference and the key is frozen from then on. A duplicate kid,
 * or a key that would mix symmetric and asymmetric or private and public-only keys, is refused
 * (WB_ERR_BAD_KEY) and changes nothing.
 */
WB_EXPORT wb_status wb_keyset_add(wb_keyset *set, const wb_key *key, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT size_t wb_keyset_count(const wb_keyset *set);
/** The i-th key, borrowed (valid while the set lives); NULL when out of range. */
WB_EXPORT const wb_key *wb_keyset_get(const wb_keyset *set, size_t i);
/**
 * The first key matching every given criterion: kid (NULL = any), kty (WB_KTY_INVALID = any),
 * alg (WB_ALG_INVALID = any; else wb_key_check_alg for verification must pass), use (WB_USE_ANY =
 * any; keys without "use" match). Borrowed; NULL when none.
 */
WB_EXPORT const wb_key *wb_keyset_find(const wb_keyset *set, const char *kid, wb_kty kty, wb_alg alg,
                                       wb_use use);
/** JWKS JSON, each key as wb_key_to_jwk writes it: WB_KEY_PUBLIC gives public keys and refuses
 *  sets holding oct keys. */
WB_EXPORT wb_status wb_keyset_to_jwks(const wb_keyset *set, wb_key_part part, char **json,
                                      wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT void wb_keyset_free(wb_keyset *set);

#ifdef __cplusplus
}
#endif
#endif
