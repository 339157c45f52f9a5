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
WB_EXPORT wb_alg wb_signer_alg(const wb_signer *s);
WB_EXPORT void wb_signer_free(wb_signer *s);

/**
 * Signs payload[0..len) as a compact JWS with the signer's header.
 * *token is new (wb_string_free), NUL-terminated; *token_len (may be NULL) its length.
 */
WB_EXPORT wb_status wb_jws_sign(const wb_signer *s, const unsigned char *payload, size_t len, char **token,
                                size_t *token_len, wb_error *err) WB_WARN_UNUSED_RESULT;

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
