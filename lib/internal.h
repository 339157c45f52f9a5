/* SPDX-License-Identifier: MIT */
/*
 * lib/internal.h - definitions shared inside libwristband only (never installed).
 *
 * Holds the layout of wb_key and wb_keyset, the helpers the key files share (lib/jwk*.c), the
 * algorithm table (lib/jwa.c), the error helper (lib/err.c) and the strict JSON helpers (lib/json.c). The
 * public contract is in include/.
 */
#ifndef WB_INTERNAL_H
#define WB_INTERNAL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ctxpool.h"
#include "wristband/wristband.h"

/* ---- errors (lib/err.c) ---------------------------------------------------------------- */

/** Fills err (if not NULL) with code and a printf-style message; returns code. */
wb_status wb__fail(wb_error *err, wb_status code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/** Clears err to WB_OK with an empty message; returns WB_OK. */
wb_status wb__ok(wb_error *err);
/* The wall clock in seconds, as issuers write iat: CLOCK_REALTIME, never time(), which reads a
 * coarse clock that lags a tick behind at the start of each second. The library's default clock. */
int64_t wb__now_s(void);
/**
 * WB_ERR_INVALID_ARG unless limits is usable: no field 0 (common.h) and max_depth at most
 * WB_MAX_DEPTH_LIMIT, which also keeps every document the scanner lets through within
 * jansson's own depth cap.
 */
wb_status wb__limits_check(const wb_limits *limits, wb_error *err);

/* ---- algorithms (lib/jwa.c) ------------------------------------------------------------- */

typedef enum {
  WB_FAMILY_HMAC = 1,
  WB_FAMILY_RSA_PKCS1,
  WB_FAMILY_RSA_PSS,
  WB_FAMILY_ECDSA,
  WB_FAMILY_EDDSA
} wb_family;

typedef struct wb_alg_info {
  wb_alg alg;
  const char *name;
  wb_family family;
  wb_kty kty;
  wb_crv crv;      /* ECDSA: the one curve; others WB_CRV_NONE */
  const char *md;  /* OpenSSL digest name, NULL for EdDSA */
  size_t hash_len; /* digest bytes (0 for EdDSA) */
  size_t sig_len;  /* ECDSA: the fixed R||S length; 0 for the others (by hash, key size or curve) */
} wb_alg_info;

/** Table entry for alg or NULL. */
const wb_alg_info *wb__alg_info(wb_alg alg);
/** SHA-256 of in[0..len) into out, with the digest fetched once (EVP_sha256() fetches on every
 *  call in OpenSSL 3). False when OpenSSL failed. */
bool wb__sha256(const void *in, size_t len, unsigned char out[32]);

/** Largest signature we ever accept or produce: RSA of WB_RSA_MAX_BITS. */
#define WB_MAX_SIG_LEN (WB_RSA_MAX_BITS / 8)

/* Fixed signature sizes: ECDSA R||S, each the size of the curve's order (RFC 7518 3.4, RFC 8812
 * 3.2), and EdDSA (RFC 8032 5.1.6 and 5.2.6). */
#define WB_ES256_SIG_LEN   64 /* P-256, and secp256k1 (ES256K) */
#define WB_ES384_SIG_LEN   96
#define WB_ES512_SIG_LEN   132 /* P-521: two 66-byte halves */
#define WB_ED25519_SIG_LEN 64
#define WB_ED448_SIG_LEN   114

/** Largest key text accepted (JWK, PEM or DER): an RSA-16384 private key is about 16 KiB as a JWK. */
#define WB_KEY_TEXT_MAX 65536

/** Signs msg with key under alg into sig (capacity WB_MAX_SIG_LEN); JOSE format (R||S for ECDSA). */
wb_status wb__sign(const wb_key *key, wb_alg alg, const unsigned char *msg, size_t msg_len,
                   unsigned char *sig, size_t *sig_len, wb_error *err);
/** Verifies a JOSE-format signature; WB_ERR_BAD_SIGNATURE when it does not match. Thread-safe. */
wb_status wb__verify(const wb_key *key, wb_alg alg, const unsigned char *msg, size_t msg_len,
                     const unsigned char *sig, size_t sig_len, wb_error *err);

/** The most bytes wb__random_msg serves from its buffer (larger draws go to RAND_bytes). */
#define WB_RANDOM_MSG_MAX 128
/**
 * n random bytes for one message (a content key, an IV), from this thread's buffer of RAND_bytes
 * output (lib/randbuf.c: each byte given once and wiped, the buffer wiped in a forked child and
 * with its thread); straight from RAND_bytes when n > WB_RANDOM_MSG_MAX or no buffer can be had.
 * Never for long-term keys (wb_random).
 */
wb_status wb__random_msg(unsigned char *out, size_t n, wb_error *err);
/** true when this thread's wb__random_msg draws come from a buffer (Linux with MADV_WIPEONFORK). */
bool wb__random_msg_buffered(void);

/**
 * SipHash-2-4 with a 128-bit tag (a keyed cryptographic hash) under key, with a context from
 * pool, which belongs to the owner of key and holds contexts keyed with that key only: they stay
 * keyed between calls, and the owner frees them (wb__pool_free) with the key.
 */
wb_status wb__siphash128(wb_pool_ref *pool, const unsigned char key[16], const void *msg, size_t len,
                         unsigned char out[16], wb_error *err);

/* ---- keys (lib/jwk*.c, lib/keyset.c) ------------------------------------------------------ */

/* key_ops bits (RFC 7517 4.3); not the public wb_key_op, which names one operation to check */
enum {
  WB_OPBIT_SIGN = 1u << 0,
  WB_OPBIT_VERIFY = 1u << 1,
  WB_OPBIT_ENCRYPT = 1u << 2,
  WB_OPBIT_DECRYPT = 1u << 3,
  WB_OPBIT_WRAP = 1u << 4,
  WB_OPBIT_UNWRAP = 1u << 5,
  WB_OPBIT_DERIVE_KEY = 1u << 6,
  WB_OPBIT_DERIVE_BITS = 1u << 7
};
#define WB_OPBIT_COUNT 8
/** The "key_ops" name of WB_OPBIT_* bit i is wb__op_names[i] (lib/jwk_meta.c). */
extern const char *const wb__op_names[WB_OPBIT_COUNT];

struct wb_key {
  atomic_int refs;    /* owners: caller handle + each set/signer/verifier holding it */
  atomic_bool frozen; /* set when a set, signer or verifier takes it: wb_key_set_* refuse from then on */
  wb_pool_ref pool;   /* prepared contexts holding this key (lib/jwa.c), wiped and freed with the key */
  wb_kty kty;
  wb_crv crv;       /* EC / OKP only */
  wb_alg alg;       /* pinned alg or WB_ALG_INVALID */
  wb_use use;       /* WB_USE_ANY when absent */
  unsigned key_ops; /* WB_OPBIT_* bits; meaningful only when has_key_ops */
  bool has_key_ops;
  bool is_private;       /* secret (oct) or private half present */
  unsigned bits;         /* RSA modulus bits, curve bits, or secret bits */
  char *kid;             /* NUL-terminated, or NULL */
  unsigned char *secret; /* oct only: secret_len bytes, wiped on free */
  size_t secret_len;
  EVP_PKEY *pkey;          /* RSA / EC / OKP; NULL for oct */
  unsigned char order[66]; /* EC: group order n, big-endian, coord_len bytes (for 0 < r,s < n) */
  size_t coord_len;        /* EC: field element bytes (32, 48, 66), also the order's; OKP: public key bytes */
  char *jwe_alg;           /* "alg" naming a JWE algorithm (RSA-OAEP, A128KW, ...), kept for export;
                              such a key never signs or verifies (alg stays WB_ALG_INVALID) */
  atomic_int tp_state;     /* thumbprint memo: 0 none, 1 being written, 2 ready (lib/jwk_export.c) */
  char tp[WB_THUMBPRINT_LEN]; /* the RFC 7638 thumbprint once tp_state is 2; the key never changes */
};

struct wb_keyset {
  wb_key **keys; /* owned references */
  size_t count, cap;
};

/** A new key set of the keys of the parsed JWKS j (lib/keyset.c; wb_keyset_from_jwks's rules,
 *  at most max_keys keys): for a JWKS that is part of a larger document already parsed. */
wb_status wb__keyset_from_json(wb_keyset **out, const json_t *j, unsigned max_keys, wb_error *err);

/* -- the key object (lib/jwk.c) -- */

/** Allocates a zeroed key with refs = 1. */
wb_key *wb__key_alloc(void);
/** Takes one more reference for a key set, signer or verifier, and freezes the key; returns key. */
wb_key *wb__key_ref(const wb_key *key);
/** The JWK "kty" name of kty ("oct", "RSA", "EC", "OKP"), "?" for others. */
const char *wb__kty_name(wb_kty kty);
/** True when a key of this type and curve may be used with the JWS alg described by fit. */
bool wb__jws_fits_key(const wb_alg_info *fit, wb_kty kty, wb_crv crv);
/** Refuses (WB_ERR_BAD_KEY) an HMAC alg whose hash is longer than the key's secret. */
wb_status wb__key_check_hmac_len(const wb_key *key, const wb_alg_info *fit, wb_error *err);

/* -- checks every key passes, and the supported curves (lib/jwk_validate.c) -- */

/** A supported curve. pub_len is the EC coordinate or OKP "x" size, priv_len the exact "d" size
 *  (RFC 7518 6.2.2.1 and RFC 8037 2 require the full length). */
typedef struct wb_curve_info {
  wb_crv crv;
  wb_kty kty;
  const char *jwk_name;
  const char *ossl_name;
  size_t pub_len;
  size_t priv_len;
  unsigned bits;
} wb_curve_info;

/**
 * Refuses (WB_ERR_BAD_KEY) an Ed25519 or Ed448 public key (RFC 8032 encoding, len bytes) that is
 * not canonical, not on the curve, or of small order (lib/jwk_eddsa.c).
 */
wb_status wb__eddsa_check_public(wb_crv crv, const unsigned char *pub, size_t len, wb_error *err);
/**
 * Reads the raw private key of an OKP pkey into buf (cap bytes; buf NULL only asks whether there
 * is one) straight from the provider's key, and sets *len. False for a public-only key. Use it
 * instead of EVP_PKEY_get_raw_private_key, which on OpenSSL 3.0 exports the key through a
 * parameter block that is freed without being wiped: a copy of the private key left in the heap.
 */
bool wb__okp_private_raw(const EVP_PKEY *pkey, unsigned char *buf, size_t cap, size_t *len);
/** The largest OKP key, public or private, in bytes: Ed448's (RFC 8032 5.2.5). */
#define WB_OKP_MAX_LEN 57

/** The curve crv, or NULL when unsupported. */
const wb_curve_info *wb__curve_by_crv(wb_crv crv);
/** The curve of key type kty whose JWK "crv" is name, or NULL. */
const wb_curve_info *wb__curve_by_jwk_name(wb_kty kty, const char *name);
/** RSA public checks: 2048..16384 bits, odd exponent of 2..64 bits, no small factor, no ROCA. */
wb_status wb__rsa_check_public(const BIGNUM *n, const BIGNUM *e, wb_error *err);
/**
 * Makes key (fresh from wb__key_alloc) hold pkey and validates it as every import does: type and
 * curve supported, RSA size/exponent/ROCA/CRT consistency, EC point on the curve, private halves
 * matching public ones. pkey is not NULL (every caller checks what OpenSSL returned); the key
 * takes it on every path (it is freed with the key).
 */
wb_status wb__key_adopt_pkey(wb_key *key, EVP_PKEY *pkey, wb_error *err);
/** A new key holding pkey (not NULL), validated by wb__key_adopt_pkey; takes pkey. On failure *out is NULL.
 */
wb_status wb__key_from_pkey(wb_key **out, EVP_PKEY *pkey, wb_error *err);

/* -- JWK import (lib/jwk_import.c, lib/jwk_meta.c) -- */

/** RSA members in JWK order with their OpenSSL names: 0 n and 1 e public, 2 d, 3..7 the CRT values. */
#define WB_RSA_MEMBERS 8
extern const char *const wb__rsa_members[WB_RSA_MEMBERS];
extern const char *const wb__rsa_params[WB_RSA_MEMBERS];

/** Builds a validated key from a parsed JWK object. On failure *out is NULL. */
wb_status wb__key_from_json(wb_key **out, const json_t *jwk, wb_error *err);
/**
 * Reads member name of j as a string: *out is borrowed from j, NULL when absent. A present member
 * that is not a string is WB_ERR_MALFORMED; an absent required one WB_ERR_BAD_KEY.
 */
wb_status wb__jwk_get_str(const json_t *j, const char *name, bool required, const char **out, wb_error *err);
/** Reads and checks "kid", "use", "key_ops" and "alg" into key, whose material is already set. */
wb_status wb__jwk_read_meta(wb_key *key, const json_t *j, wb_error *err);

/* ---- strict JSON (lib/json.c) ------------------------------------------------------------ */

/**
 * Parses JSON text strictly (the scanner's rules: no duplicate names, valid UTF-8, no NUL in
 * strings), depth (at most WB_MAX_DEPTH_LIMIT) and member counts within limits (NULL = defaults),
 * total size <= max_len (0 = no size bound beyond the limits). Must be an object when
 * want_object. Returns a new tree to free with wb__json_free, or NULL with err set
 * (WB_ERR_MALFORMED, WB_ERR_TOO_LARGE or WB_ERR_NOMEM).
 */
json_t *wb__json_parse(const char *text, size_t len, const wb_limits *limits, size_t max_len,
                       bool want_object, wb_error *err);
/** Wipes every string of a tree from wb__json_parse (a JWK's secrets) and releases it. NULL-safe. */
void wb__json_free(json_t *j);

/* ---- base64url helpers (lib/b64url.c) ---------------------------------------------------- */

/** Exact decoded length of n base64url characters (for input the decoder accepts). */
#define WB_B64URL_DECODED_LEN(n) (((n) / 4) * 3 + ((n) % 4 ? (n) % 4 - 1 : 0))

/**
 * Encodes in[0..len) at out, which the caller sized for it (WB_B64URL_ENCODED_LEN(len) + 1 bytes),
 * and NUL-terminates it; returns the characters written. No checks: for buffers sized by
 * construction. wb_b64url_encode is the checked form.
 */
size_t wb__b64url_encode_to(char *out, const unsigned char *in, size_t len);
/** Allocating encoder: new NUL-terminated string (free()) or NULL on OOM (or len too large). */
char *wb__b64url_encode_alloc(const unsigned char *in, size_t len, size_t *out_len);

#endif
