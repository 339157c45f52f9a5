/* SPDX-License-Identifier: MIT */
/*
 * wristband/dpop.h - DPoP, Demonstrating Proof of Possession (RFC 9449): tokens bound to a key
 * the client keeps, so that a stolen token is useless without that key.
 *
 * Client side: a wb_dpop_signer holds the client's private key and the proof header it prepares
 * once ({"typ":"dpop+jwt","alg":...,"jwk":<the public key>}); wb_dpop_sign makes one proof per
 * request (jti, htm, htu, iat, and ath / nonce when given).
 *
 * Resource and authorization server side: a wb_dpop_verifier holds the policy (algorithms, the
 * iat window, the jti replay cache, optional server nonces); wb_dpop_verify checks a proof sent
 * to a token endpoint and gives the thumbprint of its key (to put in the token's cnf.jkt), and
 * wb_dpop_verify_bound checks a proof sent with a DPoP-bound access token. Every check of RFC 9449
 * section 4.3 is made, each failure with its own status (common.h): the proof's own structure and
 * signature (malformed, claim_mismatch for typ, alg_not_allowed for "none", HMAC and algorithms
 * the policy does not allow, bad_key for a private key or an invalid key in the header,
 * bad_signature), the request (request_mismatch for htm or htu), time (expired for an iat older
 * than the window, iat_in_future), the token (token_mismatch for ath), the key binding
 * (key_mismatch: the key's RFC 7638 thumbprint is not cnf.jkt), the server nonce (use_dpop_nonce)
 * and replays (replayed: a jti already seen within the window).
 *
 * URLs are compared after the normalisation RFC 9449 4.3 asks for (RFC 3986 6.2.2 and 6.2.3):
 * scheme and host lowercase, default port removed, percent-encodings of unreserved characters
 * decoded and the others in upper case, dot segments removed, an empty path "/", and the query
 * and fragment ignored. Only absolute http and https URLs are accepted.
 *
 * Thread-safety: signers and verifiers are configured by one thread, then shared: wb_dpop_sign
 * and wb_dpop_verify* take them const and may run from many threads at once (the built-in replay
 * cache and the verifier's cache of proof keys have their own locks; a caller's replay and nonce
 * callbacks must be thread-safe).
 */
#ifndef WRISTBAND_DPOP_H
#define WRISTBAND_DPOP_H

#include "common.h"
#include "jwt.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wb_dpop_signer wb_dpop_signer;
typedef struct wb_dpop_verifier wb_dpop_verifier;

/** The largest proof a verifier reads, in bytes (a proof with an RSA-16384 key fits). @since 0.1 */
#define WB_DPOP_MAX_PROOF_LEN 16384
/** The longest URL a signer or verifier takes, in bytes. @since 0.1 */
#define WB_DPOP_MAX_URL_LEN 8192
/** Bytes of the id a replay callback is given: SHA-256 of the key's thumbprint and the jti. */
#define WB_DPOP_REPLAY_ID_LEN 32
/** Defaults of a verifier: proofs at most 60 s old, 5 s of clock skew into the future, and a
 *  built-in replay cache of 8192 entries. @since 0.1 */
#define WB_DPOP_DEFAULT_MAX_AGE      60
#define WB_DPOP_DEFAULT_LEEWAY       5
#define WB_DPOP_DEFAULT_REPLAY_CACHE 8192

/**
 * A replay cache: WB_OK when id was not seen before (and is then remembered at least until
 * expires, seconds since the epoch: the first second the proof is stale, plus the verifier's
 * leeway (at least one second) for a cache whose clock reads later or runs ahead of the
 * verifier's), WB_ERR_REPLAYED when it was;
 * any other status (the store is down) fails the verification with that status. Called only for
 * proofs that passed every other check. Must be thread-safe.
 */
typedef wb_status (*wb_dpop_replay_fn)(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN],
                                       int64_t expires, wb_error *err);
/** Server nonces: true when nonce[0..len) is one the server currently accepts. Must be thread-safe. */
typedef bool (*wb_dpop_nonce_fn)(void *ctx, const char *nonce, size_t len);

/* ---- client side ------------------------------------------------------------------------- */

/**
 * A signer of proofs with key, which must hold an asymmetric private key allowed to sign with alg
 * (WB_ALG_INVALID = wb_key_default_alg(key)). The proof header carries the public half as "jwk",
 * its public members only (no kid, alg, use). Takes its own reference to key. On failure *out is NULL.
 */
WB_EXPORT wb_status wb_dpop_signer_new(wb_dpop_signer **out, const wb_key *key, wb_alg alg,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Injects the clock that gives the proofs' iat (NULL restores the system clock). Set-up only. */
WB_EXPORT wb_status wb_dpop_signer_set_clock(wb_dpop_signer *s, wb_clock_fn clock, void *ctx,
                                             wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * A proof for one request: method (an RFC 9110 token, "GET"), url (absolute http or https; the
 * proof's htu is its normalised form, without query and fragment), access_token (NULL: none;
 * else ath = base64url(SHA-256(access_token))) and nonce (NULL: none; the server's DPoP-Nonce).
 * *proof is new (wb_string_free), *proof_len (may be NULL) its length.
 */
WB_EXPORT wb_status wb_dpop_sign(const wb_dpop_signer *s, const char *method, const char *url,
                                 const char *access_token, size_t access_token_len, const char *nonce,
                                 char **proof, size_t *proof_len, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT void wb_dpop_signer_free(wb_dpop_signer *s);

/* ---- server side ------------------------------------------------------------------------- */

/**
 * A verifier with the default policy: every asymmetric algorithm (RS*, PS*, ES*, EdDSA), iat at
 * most WB_DPOP_DEFAULT_MAX_AGE seconds old and WB_DPOP_DEFAULT_LEEWAY in the future, the system
 * clock, a built-in replay cache of WB_DPOP_DEFAULT_REPLAY_CACHE entries, no nonces.
 */
WB_EXPORT wb_status wb_dpop_verifier_new(wb_dpop_verifier **out, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Narrows the algorithms: after the first call only those so named are accepted. HMAC algorithms
 *  are refused (WB_ERR_ALG_NOT_ALLOWED): a proof must be signed with a key only the client has. */
WB_EXPORT wb_status wb_dpop_verifier_allow_alg(wb_dpop_verifier *v, wb_alg alg,
                                               wb_error *err) WB_WARN_UNUSED_RESULT;
/** true when v accepts proofs signed with alg. */
WB_EXPORT bool wb_dpop_verifier_allows(const wb_dpop_verifier *v, wb_alg alg);
/** Proofs whose iat is more than seconds old are stale (1 second to 1 day). */
WB_EXPORT wb_status wb_dpop_verifier_set_max_age(wb_dpop_verifier *v, int64_t seconds,
                                                 wb_error *err) WB_WARN_UNUSED_RESULT;
/** Clock skew allowed into the future: iat up to seconds after now (0 to 1 hour). */
WB_EXPORT wb_status wb_dpop_verifier_set_leeway(wb_dpop_verifier *v, int64_t seconds,
                                                wb_error *err) WB_WARN_UNUSED_RESULT;
/** Injects a clock (NULL restores the system clock). */
WB_EXPORT wb_status wb_dpop_verifier_set_clock(wb_dpop_verifier *v, wb_clock_fn clock, void *ctx,
                                               wb_error *err) WB_WARN_UNUSED_RESULT;
/** Fixes the clock to a constant time. */
WB_EXPORT wb_status wb_dpop_verifier_set_now(wb_dpop_verifier *v, int64_t now,
                                             wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Replaces the replay cache with a built-in one of at most entries jtis (rounded up to a power of
 * two; 16 to 2^24). It never forgets a jti before its proof is stale: when it has no room left it
 * refuses new proofs (WB_ERR_TOO_LARGE) rather than let one be replayed. Size it for the proofs
 * accepted within max age.
 */
WB_EXPORT wb_status wb_dpop_verifier_set_replay_cache(wb_dpop_verifier *v, size_t entries,
                                                      wb_error *err) WB_WARN_UNUSED_RESULT;
/** Replaces the replay cache with the caller's (a store shared by several servers). */
WB_EXPORT wb_status wb_dpop_verifier_set_replay_fn(wb_dpop_verifier *v, wb_dpop_replay_fn fn, void *ctx,
                                                   wb_error *err) WB_WARN_UNUSED_RESULT;
/** Requires a "nonce" claim that fn accepts (RFC 9449 8, 9); without one: WB_ERR_USE_DPOP_NONCE. */
WB_EXPORT wb_status wb_dpop_verifier_require_nonce(wb_dpop_verifier *v, wb_dpop_nonce_fn fn, void *ctx,
                                                   wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT void wb_dpop_verifier_free(wb_dpop_verifier *v);

/**
 * Checks a proof sent without an access token (to a token endpoint) against the request's method
 * and url: on success jkt holds the RFC 7638 thumbprint of the proof's key, for the cnf.jkt of the
 * tokens issued. A proof carrying ath is refused here (WB_ERR_TOKEN_MISMATCH). On failure jkt is "".
 */
WB_EXPORT wb_status wb_dpop_verify(const wb_dpop_verifier *v, const char *proof, size_t len,
                                   const char *method, const char *url, char jkt[WB_THUMBPRINT_LEN],
                                   wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * Checks a proof sent with the DPoP-bound access_token (verified by the caller) whose cnf.jkt is
 * jkt: the request, the window, ath = base64url(SHA-256(access_token)), the key's thumbprint
 * equal to jkt, the nonce and the replay cache.
 */
WB_EXPORT wb_status wb_dpop_verify_bound(const wb_dpop_verifier *v, const char *proof, size_t len,
                                         const char *method, const char *url, const char *access_token,
                                         size_t access_token_len, const char *jkt,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
