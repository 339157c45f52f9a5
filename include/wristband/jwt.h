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
typedef struct wb_builder wb_builder;
typedef struct wb_verifier wb_verifier;

/** JSON value types, as reported by wb_claims_type. */
typedef enum {
  WB_JSON_ABSENT = 0,
  WB_JSON_NULL,
  WB_JSON_BOOL,
  WB_JSON_INTEGER, /* a number without fraction or exponent, of any size */
  WB_JSON_REAL,    /* a number with a fraction or an exponent */
  WB_JSON_STRING,
  WB_JSON_ARRAY,
  WB_JSON_OBJECT
} wb_json_type;

/* ---- building claims ------------------------------------------------------------------ */
/*
 * A wb_builder holds the claims of a token to sign, already serialised in insertion order.
 * Thread-safety: the setters need the builder to themselves; once built, any number of threads
 * may sign it (wb_sign), copy it (wb_builder_to_json) and query it (wb_builder_has) at once.
 * The builder never hands out a pointer into itself, so no setter can invalidate one.
 * Values keep the text they were given: strings are escaped once, reals are written in the
 * shortest form that reads back as the same double (0.1 stays 0.1), JSON given as text is
 * validated strictly and kept as written with its whitespace removed (numbers are never
 * rewritten). A failed setter changes nothing. Registered claims keep their RFC 7519 types
 * (exp, nbf, iat numbers; iss, sub, jti strings; aud a string or an array of strings): any
 * other type is WB_ERR_INVALID_ARG, whichever setter or JSON text brings it.
 */

/** An empty claims set. On failure *out is NULL. */
WB_EXPORT wb_status wb_builder_new(wb_builder **out, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Starts from a JSON object, its members in the order written. On failure *out is NULL. */
WB_EXPORT wb_status wb_builder_from_json(wb_builder **out, const char *json, size_t len,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/* Setters replace any previous value of the member, which moves to the end. */
WB_EXPORT wb_status wb_builder_set_string(wb_builder *b, const char *name, const char *value,
                                          wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_builder_set_int(wb_builder *b, const char *name, int64_t value,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** A finite double, written in the shortest form that reads back as the same value. */
WB_EXPORT wb_status wb_builder_set_real(wb_builder *b, const char *name, double value,
                                        wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_builder_set_bool(wb_builder *b, const char *name, bool value,
                                        wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_builder_set_null(wb_builder *b, const char *name, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets any JSON value given as text: validated strictly, kept as written minus whitespace. */
WB_EXPORT wb_status wb_builder_set_json(wb_builder *b, const char *name, const char *json, size_t len,
                                        wb_error *err) WB_WARN_UNUSED_RESULT;
/** Appends value to the array member name, creating it; WB_ERR_CLAIM_MISMATCH when it is no array. */
WB_EXPORT wb_status wb_builder_append_string(wb_builder *b, const char *name, const char *value,
                                             wb_error *err) WB_WARN_UNUSED_RESULT;
/** Removes a member (no error when absent). */
WB_EXPORT wb_status wb_builder_remove(wb_builder *b, const char *name, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets "jti" to 128 random bits, base64url. */
WB_EXPORT wb_status wb_builder_set_random_jti(wb_builder *b, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets every member of a JSON object, in its order (members of json win). All or nothing. */
WB_EXPORT wb_status wb_builder_merge_json(wb_builder *b, const char *json, size_t len,
                                          wb_error *err) WB_WARN_UNUSED_RESULT;
/** true when the builder has a member called name. */
WB_EXPORT bool wb_builder_has(const wb_builder *b, const char *name);
/** The claims as compact JSON, exactly the bytes wb_sign signs. *json is new (wb_string_free). */
WB_EXPORT wb_status wb_builder_to_json(const wb_builder *b, char **json, size_t *len,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Frees the builder, wiping its text. NULL-safe. */
WB_EXPORT void wb_builder_free(wb_builder *b);

/** Signs the claims as a compact JWT. *token is new (wb_string_free); NULL on failure. */
WB_EXPORT wb_status wb_sign(const wb_signer *s, const wb_builder *b, char **token, size_t *token_len,
                            wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- reading verified claims ----------------------------------------------------------------- */
/*
 * wb_claims come out of wb_verify only and are read-only. Getters borrow: returned strings live
 * as long as the claims. A missing member gives WB_ERR_MISSING_CLAIM, a member of another type
 * WB_ERR_CLAIM_MISMATCH, a number that does not fit the C type WB_ERR_OUT_OF_RANGE; outputs are
 * zeroed (NULL) on every failure. Paths and expected values are plain text compared byte for
 * byte with the token's decoded values. Thread-safety: a wb_claims may be read from several
 * threads at once (the index of custom claims is built once, on first use, without a lock).
 */

/** The type of the value at path; WB_JSON_ABSENT when there is none (or c, path is NULL). */
WB_EXPORT wb_json_type wb_claims_type(const wb_claims *c, const char *path);
WB_EXPORT wb_status wb_claims_get_string(const wb_claims *c, const char *path, const char **value,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/** Integers (no fraction or exponent); WB_ERR_OUT_OF_RANGE beyond int64. */
WB_EXPORT wb_status wb_claims_get_int(const wb_claims *c, const char *path, int64_t *value,
                                      wb_error *err) WB_WARN_UNUSED_RESULT;
/** Any JSON number as the nearest double; WB_ERR_OUT_OF_RANGE beyond DBL_MAX. */
WB_EXPORT wb_status wb_claims_get_number(const wb_claims *c, const char *path, double *value,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;
/** Any JSON number as written in the token (*text borrowed, *len bytes, not NUL-terminated). */
WB_EXPORT wb_status wb_claims_get_number_text(const wb_claims *c, const char *path, const char **text,
                                              size_t *len, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_get_bool(const wb_claims *c, const char *path, bool *value,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Number of elements of an array or members of an object. */
WB_EXPORT wb_status wb_claims_get_size(const wb_claims *c, const char *path, size_t *size,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Any value as compact JSON, as written in the token minus whitespace (path NULL or "" = the
 * whole claims object). *json is new (wb_string_free).
 */
WB_EXPORT wb_status wb_claims_get_json(const wb_claims *c, const char *path, char **json,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** true when the string value at path equals value, or when path is an array holding that string. */
WB_EXPORT bool wb_claims_has_string(const wb_claims *c, const char *path, const char *value);

/* Registered claims, precomputed by the verifier (no parsing, no allocation). */
/** "iss", "sub", "jti" or NULL when absent. Borrowed. */
WB_EXPORT const char *wb_claims_iss(const wb_claims *c);
WB_EXPORT const char *wb_claims_sub(const wb_claims *c);
WB_EXPORT const char *wb_claims_jti(const wb_claims *c);
/**
 * NumericDate claims: the value, fractions truncated toward -inf. WB_ERR_MISSING_CLAIM when
 * absent, WB_ERR_OUT_OF_RANGE when it does not fit int64 (*t is 0 then).
 */
WB_EXPORT wb_status wb_claims_exp(const wb_claims *c, int64_t *t, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_nbf(const wb_claims *c, int64_t *t, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_status wb_claims_iat(const wb_claims *c, int64_t *t, wb_error *err) WB_WARN_UNUSED_RESULT;

/** Frees verified claims, wiping them. NULL-safe. */
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
/**
 * The token's aud (string or array) must contain one of the expected audiences. Without an
 * expected audience, a token that carries "aud" is rejected (RFC 7519 4.1.3: a recipient that
 * does not identify itself with the audience must reject the token) unless the verifier was told
 * to accept any audience.
 */
WB_EXPORT wb_status wb_verifier_expect_audience(wb_verifier *v, const char *aud,
                                                wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Accepts tokens whatever their "aud" says, when no audience is expected: for a verifier that
 * really serves every audience (a debugging tool, a gateway that checks aud later). Expected
 * audiences, when set, are still enforced.
 */
WB_EXPORT wb_status wb_verifier_accept_any_audience(wb_verifier *v, wb_error *err) WB_WARN_UNUSED_RESULT;
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
/** Every field must be non-zero; max_depth at most WB_MAX_DEPTH_LIMIT. */
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

/** Counters of a verifier's result cache since it was enabled (all zero without a cache). */
typedef struct wb_cache_stats {
  uint64_t lookups; /* verifications that consulted the cache */
  uint64_t hits;    /* answered from the cache */
  uint64_t stores;  /* results stored (each may evict an older one) */
} wb_cache_stats;

/** Reads the cache counters (relaxed atomic reads: exact once the verifying threads are idle). */
WB_EXPORT wb_status wb_verifier_cache_stats(const wb_verifier *v, wb_cache_stats *stats,
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

#ifdef __cplusplus
}
#endif
#endif
