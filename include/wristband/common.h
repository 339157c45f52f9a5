/* SPDX-License-Identifier: MIT */
/*
 * wristband/common.h - status codes, the error struct, algorithms, limits and
 * memory helpers shared by every part of libwristband.
 *
 * Every fallible call returns a wb_status (WB_OK == 0) and fills an optional,
 * caller-owned wb_error. Status values are stable: append only, never renumber.
 * Thread-safety: everything in this header is stateless and safe from any thread.
 */
#ifndef WRISTBAND_COMMON_H
#define WRISTBAND_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WB_BUILDING) && defined(__GNUC__)
#define WB_EXPORT __attribute__((visibility("default")))
#else
#define WB_EXPORT
#endif

#ifdef __GNUC__
#define WB_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define WB_WARN_UNUSED_RESULT
#endif

#define WB_VERSION_STRING "0.1.0"

/** Status codes. Stable: append only, never renumber or reuse. @since 0.1 */
typedef enum {
  WB_OK = 0,
  WB_ERR_MALFORMED = 1,         /* "malformed": bad base64url, JSON, segments, nesting, dates */
  WB_ERR_BAD_SIGNATURE = 2,     /* "bad_signature" */
  WB_ERR_ALG_NOT_ALLOWED = 3,   /* "alg_not_allowed": alg not permitted by key or policy */
  WB_ERR_EXPIRED = 4,           /* "expired": exp passed */
  WB_ERR_NOT_YET_VALID = 5,     /* "not_yet_valid": nbf in the future */
  WB_ERR_IAT_IN_FUTURE = 6,     /* "iat_in_future" */
  WB_ERR_MISSING_CLAIM = 7,     /* "missing_claim": a required claim is absent */
  WB_ERR_CLAIM_MISMATCH = 8,    /* "claim_mismatch": iss, aud, sub, typ, max-age, claim type */
  WB_ERR_UNSUPPORTED_CRIT = 9,  /* "unsupported_crit" */
  WB_ERR_KEY_NOT_FOUND = 10,    /* "key_not_found": no key for kid, or no single key fits */
  WB_ERR_TOO_LARGE = 11,        /* "too_large": over a resource limit */
  WB_ERR_BAD_KEY = 12,          /* "bad_key": unusable, weak, off-curve or inconsistent key */
  WB_ERR_NOMEM = 13,            /* "nomem" */
  WB_ERR_INVALID_ARG = 14,      /* "invalid_arg": API misuse (NULL, wrong alg for key, ...) */
  WB_ERR_IO = 15,               /* "io": file or system call failed */
  WB_ERR_CRYPTO = 16,           /* "crypto": the crypto backend failed unexpectedly */
  WB_ERR_UNSUPPORTED = 17,      /* "unsupported": valid input this version does not handle */
  WB_ERR_OUT_OF_RANGE = 18,     /* "out_of_range": a valid value that does not fit the C type asked for */
  WB_ERR_DECRYPT_FAILED = 19,   /* "decrypt_failed": a JWE does not decrypt (one answer for every cause) */
  WB_ERR_REPLAYED = 20,         /* "replayed": a DPoP proof whose jti was seen before (dpop.h) */
  WB_ERR_REQUEST_MISMATCH = 21, /* "request_mismatch": a DPoP proof made for another method or URL */
  WB_ERR_TOKEN_MISMATCH = 22,   /* "token_mismatch": a DPoP proof's ath is not the access token's hash */
  WB_ERR_KEY_MISMATCH = 23,     /* "key_mismatch": the proof's key is not the one the token is bound to */
  WB_ERR_USE_DPOP_NONCE = 24,   /* "use_dpop_nonce": the proof lacks the nonce the server requires */
  WB_STATUS_COUNT_              /* not a status: one past the last */
} wb_status;

/** Per-call error details. Messages never contain key material or whole tokens. */
typedef struct wb_error {
  wb_status code;
  char message[160];
} wb_error;

/** The stable reason word of a status ("bad_signature"); "unknown" for others. */
WB_EXPORT const char *wb_status_name(wb_status s);

/**
 * JWS algorithms (RFC 7518 3.1, RFC 8037, RFC 8812). "none" has no value:
 * it cannot be named, so it cannot be allowed. Stable: append only.
 */
typedef enum {
  WB_ALG_INVALID = 0,
  WB_ALG_HS256,
  WB_ALG_HS384,
  WB_ALG_HS512,
  WB_ALG_RS256,
  WB_ALG_RS384,
  WB_ALG_RS512,
  WB_ALG_PS256,
  WB_ALG_PS384,
  WB_ALG_PS512,
  WB_ALG_ES256,
  WB_ALG_ES384,
  WB_ALG_ES512,
  WB_ALG_ES256K,
  WB_ALG_EDDSA,
  WB_ALG_COUNT_ /* not an algorithm */
} wb_alg;

/** "HS256" ... ; NULL for WB_ALG_INVALID or out of range. */
WB_EXPORT const char *wb_alg_name(wb_alg alg);
/** Exact, case-sensitive lookup; WB_ALG_INVALID for unknown names and for "none". */
WB_EXPORT wb_alg wb_alg_from_name(const char *name, size_t len);

/** The default of wb_limits.max_token_len: a compact token of at most 64 KiB. @since 0.1 */
#define WB_DEFAULT_MAX_TOKEN_LEN 65536

/**
 * Resource limits applied before any work is done on untrusted input.
 * wb_limits_default() fills the defaults given per field; a field set to 0 is refused.
 */
typedef struct wb_limits {
  size_t max_token_len;  /* whole compact token, bytes (WB_DEFAULT_MAX_TOKEN_LEN) */
  size_t max_header_len; /* decoded protected header, bytes (8192) */
  size_t max_claims_len; /* decoded payload, bytes (49152) */
  unsigned max_depth;    /* JSON nesting, top object is level 1 (64; at most WB_MAX_DEPTH_LIMIT) */
  unsigned max_members;  /* members per object / elements per array (1024) */
  unsigned max_keys;     /* keys in a key set (256) */
} wb_limits;

/** The largest max_depth a verifier accepts: deeper JSON is never a legitimate token. */
#define WB_MAX_DEPTH_LIMIT 256

WB_EXPORT void wb_limits_default(wb_limits *limits);

/** Frees a string returned by the library, wiping it first (it may hold a private key). NULL-safe. */
WB_EXPORT void wb_string_free(char *s);

/** Fills buf with n cryptographically secure random bytes (OpenSSL RAND_bytes). */
WB_EXPORT wb_status wb_random(unsigned char *buf, size_t n, wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
