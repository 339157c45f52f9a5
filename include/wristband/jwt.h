/* SPDX-License-Identifier: MIT */
/*
 * wristband/jwt.h - JWT claims (RFC 7519) and the verifier (RFC 8725 policy).
 *
 * A wb_verifier is built once with its keys and policy and then shared: wb_verify() takes it
 * const, never changes it and may run from many threads at once. Claims come out of wb_verify()
 * only; a failed verification returns no claims at all.
 *
 * Claim paths: every getter takes a path. A path that does not start with '/' is a top-level
 * member name ("sub"); one that starts with '/' is an RFC 6901 JSON pointer ("/address/country",
 * "/roles/0").
 */
#ifndef WRISTBAND_JWT_H
#define WRISTBAND_JWT_H

#include "common.h"
#include "jws.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wb_claims wb_claims;
typedef struct wb_verifier wb_verifier;

/** JSON value types, as reported by wb_claims_type. */
typedef enum {
  WB_JSON_ABSENT = 0,
  WB_JSON_NULL,
  WB_JSON_BOOL,
  WB_JSON_INTEGER,
  WB_JSON_REAL,
  WB_JSON_STRING,
  WB_JSON_ARRAY,
  WB_JSON_OBJECT
} wb_json_type;

/* ---- building claims ------------------------------------------------------------------ */

/** An empty claims set to fill and sign. Thread-safety: one thread at a time while building. */
WB_EXPORT wb_status wb_claims_new(wb_claims **out, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Starts from a JSON object (strict parsing, default limits). */
WB_EXPORT wb_status wb_claims_from_json(wb_claims **out, const char *json, size_t len,
                                        wb_error *err) WB_WARN_UNUSED_RESULT;
/* Setters replace any previous value of the member. Verified claims are read-only: setters on
 * them fail with WB_ERR_INVALID_ARG. */
WB_EXPORT wb_status wb_claims_set_string(wb_claims *c, const char *name, const char *value,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_set_int(wb_claims *c, const char *name, int64_t value,
                                      wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_set_real(wb_claims *c, const char *name, double value,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_set_bool(wb_claims *c, const char *name, int value,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_set_null(wb_claims *c, const char *name, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets any JSON value (object, array, ...) given as text, parsed strictly. */
WB_EXPORT wb_status wb_claims_set_json(wb_claims *c, const char *name, const char *json, size_t len,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Appends value to the array member name, creating it. */
WB_EXPORT wb_status wb_claims_append_string(wb_claims *c, const char *name, const char *value,
                                            wb_error *err) WB_WARN_UNUSED_RESULT;
/** Removes a member (no error when absent). */
WB_EXPORT wb_status wb_claims_remove(wb_claims *c, const char *name, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets "jti" to 128 random bits, base64url. */
WB_EXPORT wb_status wb_claims_set_random_jti(wb_claims *c, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Merges every member of a JSON object into c (members of json win). */
WB_EXPORT wb_status wb_claims_merge_json(wb_claims *c, const char *json, size_t len,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;

/** Signs the claims as a compact JWT. *token is new (wb_string_free). */
WB_EXPORT wb_status wb_sign(const wb_signer *s, const wb_claims *c, char **token, size_t *token_len,
                            wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- reading claims ------------------------------------------------------------------ */
/* Getters borrow: returned strings live as long as the claims. A missing member gives
 * WB_ERR_MISSING_CLAIM, a member of another type WB_ERR_CLAIM_MISMATCH; outputs are zeroed then.
 * Thread-safety: a wb_claims may be read from several threads at once. */

WB_EXPORT wb_json_type wb_claims_type(const wb_claims *c, const char *path);
WB_EXPORT wb_status wb_claims_get_string(const wb_claims *c, const char *path, const char **value,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/** Integers only (a JSON number without fraction or exponent that fits int64). */
WB_EXPORT wb_status wb_claims_get_int(const wb_claims *c, const char *path, int64_t *value,
                                      wb_error *err) WB_WARN_UNUSED_RESULT;
/** Any JSON number. */
WB_EXPORT wb_status wb_claims_get_number(const wb_claims *c, const char *path, double *value,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_get_bool(const wb_claims *c, const char *path, int *value,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Number of elements of an array or members of an object. */
WB_EXPORT wb_status wb_claims_get_size(const wb_claims *c, const char *path, size_t *size,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Any value serialised as compact JSON (path NULL or "" = the whole claims object). New string. */
WB_EXPORT wb_status wb_claims_get_json(const wb_claims *c, const char *path, char **json,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** 1 when the string value at path equals value, or when path is an array holding that string. */
WB_EXPORT int wb_claims_has_string(const wb_claims *c, const char *path, const char *value);

/* Registered claims, precomputed by the verifier (no parsing, no allocation). */
/** "iss", "sub", "jti" or NULL when absent. Borrowed. */
WB_EXPORT const char *wb_claims_iss(const wb_claims *c);
WB_EXPORT const char *wb_claims_sub(const wb_claims *c);
WB_EXPORT const char *wb_claims_jti(const wb_claims *c);
/** NumericDate claims: WB_OK and the value (fractions truncated toward -inf) or WB_ERR_MISSING_CLAIM. */
WB_EXPORT wb_status wb_claims_exp(const wb_claims *c, int64_t *t);
WB_EXPORT wb_status wb_claims_nbf(const wb_claims *c, int64_t *t);
WB_EXPORT wb_status wb_claims_iat(const wb_claims *c, int64_t *t);

WB_EXPORT void wb_claims_free(wb_claims *c);

/* ---- verifying ------------------------------------------------------------------------ */

/** A clock: seconds since the epoch. */
typedef int64_t (*wb_clock_fn)(void *ctx);

/**
 * A verifier trusting the keys of set (it takes its own reference to each key).
 * Default policy: algorithms = every alg some key allows (never "none"); exp required;
 * leeway 0; default limits; the system clock.
 */
WB_EXPORT wb_status wb_verifier_new(wb_verifier **out, const wb_keyset *set,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;
/** Same with a single key. */
WB_EXPORT wb_status wb_verifier_new_key(wb_verifier **out, const wb_key *key,
                                        wb_error *err) WB_WARN_UNUSED_RESULT;
/* Policy set-up, before the verifier is shared. */
/** Narrows the allowed algorithms: after the first call only algorithms so named are accepted. */
WB_EXPORT wb_status wb_verifier_allow_alg(wb_verifier *v, wb_alg alg, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_verifier_expect_issuer(wb_verifier *v, const char *iss,
                                              wb_error *err) WB_WARN_UNUSED_RESULT;
/** The token's aud (string or array) must contain one of the expected audiences. */
WB_EXPORT wb_status wb_verifier_expect_audience(wb_verifier *v, const char *aud,
                                                wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_verifier_expect_subject(wb_verifier *v, const char *sub,
                                               wb_error *err) WB_WARN_UNUSED_RESULT;
/** Expected header typ: compared case-insensitively, an "application/" prefix ignored. */
WB_EXPORT wb_status wb_verifier_expect_typ(wb_verifier *v, const char *typ,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;
/** Requires a claim to be present (any type). */
WB_EXPORT wb_status wb_verifier_require_claim(wb_verifier *v, const char *name,
                                              wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_verifier_set_leeway(wb_verifier *v, int64_t seconds,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;
/** Rejects tokens whose iat is older than seconds (iat then becomes required). */
WB_EXPORT wb_status wb_verifier_set_max_age(wb_verifier *v, int64_t seconds,
                                            wb_error *err) WB_WARN_UNUSED_RESULT;
/** Opt out of the exp requirement (exp is still checked when present). */
WB_EXPORT wb_status wb_verifier_allow_missing_exp(wb_verifier *v, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Injects a clock (NULL restores the system clock). */
WB_EXPORT wb_status wb_verifier_set_clock(wb_verifier *v, wb_clock_fn clock, void *ctx,
                                          wb_error *err) WB_WARN_UNUSED_RESULT;
/** Fixes the clock to a constant time. */
WB_EXPORT wb_status wb_verifier_set_now(wb_verifier *v, int64_t now, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_verifier_set_limits(wb_verifier *v, const wb_limits *limits,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Opt-in cache of successful verifications with asymmetric algorithms (RS*, PS*, ES*, EdDSA),
 * holding at most entries results (rounded up to a power of two, at most 2^24), each for a token
 * of at most 8 KiB. Keyed by a keyed cryptographic hash (SipHash-2-4-128, random key) of the
 * whole token and this verifier's policy, and confirmed by comparing the stored token byte for
 * byte; an entry is used only while the token's exp/nbf/iat/max-age window (with the leeway)
 * holds at the current clock; failures are never cached. HMAC tokens are never cached
 * (verifying them costs about as much as a lookup). Call during set-up; a later policy change
 * makes every cached entry stale.
 */
WB_EXPORT wb_status wb_verifier_enable_cache(wb_verifier *v, size_t entries,
                                             wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT void wb_verifier_free(wb_verifier *v);

/**
 * Verifies a compact JWT: size limits, strict base64url and JSON, header policy (alg allowed and
 * bound to the key's type, crit refused, jwk/jku/x5u/x5c ignored for key choice), key choice by
 * kid, the signature, then the claims policy. On success *claims (may be NULL when the caller
 * needs none) is new: wb_claims_free(). On failure *claims is NULL.
 */
WB_EXPORT wb_status wb_verify(const wb_verifier *v, const char *token, size_t len, wb_claims **claims,
                              wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * wb_verify for a steady stream of tokens: *claims is NULL or verified claims returned by an
 * earlier wb_verify / wb_verify_reuse, which are emptied and reused when they have room (claims
 * of up to 1 KiB, or the largest seen so far), so verifying and reading the registered claims
 * allocates nothing. On failure *claims is freed and NULL, exactly as with wb_verify: a failed
 * verification returns no claims at all.
 */
WB_EXPORT wb_status wb_verify_reuse(const wb_verifier *v, const char *token, size_t len, wb_claims **claims,
                                    wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Verifies a compact JWS whose payload need not be a JWT: the header policy and the signature
 * only, no claims checks. *payload (may be NULL) is new (wb_string_free; NUL-terminated for
 * convenience) with *payload_len bytes.
 */
WB_EXPORT wb_status wb_jws_verify(const wb_verifier *v, const char *token, size_t len, char **payload,
                                  size_t *payload_len, wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
