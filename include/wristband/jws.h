/* SPDX-License-Identifier: MIT */
/*
 * wristband/jws.h - JWS compact serialization (RFC 7515): signers and raw signing.
 *
 * A wb_signer binds one key to one algorithm and the header members it writes (typ, kid,
 * cty). It is immutable after set-up and safe to share between threads.
 * The policy of verification lives in wristband/jwt.h (wb_verifier); wb_jws_verify is here.
 */
#ifndef WRISTBAND_JWS_H
#define WRISTBAND_JWS_H

#include "common.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wb_signer wb_signer;
typedef struct wb_verifier wb_verifier; /* see wristband/jwt.h */

/** The JSON serializations of JWS (RFC 7515 7.2) and JWE (RFC 7516 7.2). @since 0.1 */
typedef enum {
  WB_SER_INVALID = 0,
  WB_SER_FLATTENED, /* one signature or recipient, its members at the top level */
  WB_SER_GENERAL    /* a "signatures" or "recipients" array */
} wb_serialization;

/** How several signatures of a JSON serialization decide (wb_jws_verify_json). @since 0.1 */
typedef enum {
  WB_JWS_POLICY_INVALID = 0,
  WB_JWS_ANY, /* at least one signature verifies with one of the verifier's keys */
  WB_JWS_ALL  /* every signature verifies */
} wb_jws_policy;

/**
 * A signer for key and alg (WB_ALG_INVALID = wb_key_default_alg(key)). The key must pass
 * wb_key_check_alg(key, alg, WB_KEY_OP_SIGN). Header defaults: typ "JWT", kid = the key's kid if it has one.
 */
WB_EXPORT wb_status wb_signer_new(wb_signer **out, const wb_key *key, wb_alg alg,
                                  wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets (or clears with NULL) the "typ" header; default "JWT". The setters refuse a value that is not
 *  UTF-8 (WB_ERR_INVALID_ARG) or longer than 8192 bytes (WB_ERR_TOO_LARGE); a failed call changes nothing. */
WB_EXPORT wb_status wb_signer_set_typ(wb_signer *s, const char *typ, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets (or clears with NULL) the "kid" header; default the key's kid. */
WB_EXPORT wb_status wb_signer_set_kid(wb_signer *s, const char *kid, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Sets (or clears with NULL) the "cty" header; default none. */
WB_EXPORT wb_status wb_signer_set_cty(wb_signer *s, const char *cty, wb_error *err) WB_WARN_UNUSED_RESULT;
/**
 * b64 false: the payload is signed unencoded (RFC 7797); the header gets "b64": false and
 * "crit": ["b64"]. Such a signer never signs a JWT (wb_sign refuses it: RFC 7797 7). Default true.
 */
WB_EXPORT wb_status wb_signer_set_b64(wb_signer *s, bool b64, wb_error *err) WB_WARN_UNUSED_RESULT;
WB_EXPORT wb_alg wb_signer_alg(const wb_signer *s);
WB_EXPORT void wb_signer_free(wb_signer *s);

/**
 * Signs payload[0..len) as a compact JWS with the signer's header.
 * *token is new (wb_string_free), NUL-terminated; *token_len (may be NULL) its length.
 */
WB_EXPORT wb_status wb_jws_sign(const wb_signer *s, const unsigned char *payload, size_t len, char **token,
                                size_t *token_len, wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Signs payload as a compact JWS with a detached payload (RFC 7515 appendix F): the payload
 * segment is empty and the verifier is given the payload separately (wb_jws_verify_detached).
 */
WB_EXPORT wb_status wb_jws_sign_detached(const wb_signer *s, const unsigned char *payload, size_t len,
                                         char **token, size_t *token_len,
                                         wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Signs payload with each of the n signers as a JSON serialization: WB_SER_FLATTENED (n == 1) or
 * WB_SER_GENERAL. Each signature's protected header is its signer's. detached leaves "payload"
 * out. All signers must agree on b64; with b64 false the payload must be valid UTF-8 (it is
 * written as a JSON string). *json is new (wb_string_free); NULL on failure.
 */
WB_EXPORT wb_status wb_jws_sign_json(const wb_signer *const *signers, size_t n, wb_serialization form,
                                     const unsigned char *payload, size_t len, bool detached, char **json,
                                     size_t *json_len, wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Signs with an exact protected header: header_json is base64url-encoded byte for byte (so a
 * given header reproduces a given token). It must be a JSON object whose "alg" is allowed for
 * key (wb_key_check_alg), with no "crit" member.
 */
WB_EXPORT wb_status wb_jws_sign_header(const wb_key *key, const char *header_json, size_t header_len,
                                       const unsigned char *payload, size_t len, char **token,
                                       size_t *token_len, wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Verifies a compact JWS whose payload need not be a JWT, with a verifier (wristband/jwt.h):
 * the header policy and the signature only, no claims checks. *payload (may be NULL) is new
 * (wb_string_free; NUL-terminated for convenience) with *payload_len bytes.
 */
WB_EXPORT wb_status wb_jws_verify(const wb_verifier *v, const char *token, size_t len, char **payload,
                                  size_t *payload_len, wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Verifies a compact JWS whose payload segment is empty against the detached payload[0..len)
 * (RFC 7515 appendix F; with "b64": false the payload is signed as it is, RFC 7797).
 */
WB_EXPORT wb_status wb_jws_verify_detached(const wb_verifier *v, const char *token, size_t len,
                                           const unsigned char *payload, size_t payload_len,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Verifies a JWS in the general or flattened JSON serialization (RFC 7515 7.2) with v's header
 * policy and keys: each signature's header is its protected header joined with its unprotected
 * one ("header"), whose member names must be disjoint; "crit" must be protected and only "b64"
 * is understood; the verifier's expected typ must be in the protected header. policy decides:
 * WB_JWS_ANY (one verifying signature suffices) or WB_JWS_ALL. results (may be NULL) receives up
 * to results_cap statuses, one per signature in order (WB_OK for each that verified), and *nsig
 * (may be NULL) the number of signatures. *payload (may be NULL) is a new copy of the payload
 * (wb_string_free) with *payload_len bytes (may be NULL).
 */
WB_EXPORT wb_status wb_jws_verify_json(const wb_verifier *v, wb_jws_policy policy, const char *json,
                                       size_t len, char **payload, size_t *payload_len, wb_status *results,
                                       size_t results_cap, size_t *nsig, wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * wb_jws_verify_json for a JSON serialization without "payload" (RFC 7515 appendix F): the
 * payload[0..payload_len) given aside is what was signed (as it is when "b64" is false).
 */
WB_EXPORT wb_status wb_jws_verify_json_detached(const wb_verifier *v, wb_jws_policy policy, const char *json,
                                                size_t len, const unsigned char *payload, size_t payload_len,
                                                wb_status *results, size_t results_cap, size_t *nsig,
                                                wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Decodes a compact JWS WITHOUT verifying anything: for debugging only. The header and payload
 * must be base64url JSON objects (strict validation, default limits). *header_json and
 * *payload_json are new (wb_string_free): the decoded bytes exactly as in the token, numbers and
 * whitespace included. On failure both are NULL.
 */
WB_EXPORT wb_status wb_jws_decode_unverified(const char *token, size_t len, char **header_json,
                                             char **payload_json, wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
