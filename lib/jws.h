/* SPDX-License-Identifier: MIT */
/*
 * lib/jws.h - internal compact-JWS plumbing shared by lib/jws.c (signing, decoding) and
 * lib/verifier.c (verification): splitting a token and reading its protected header.
 */
#ifndef WB_JWS_INTERNAL_H
#define WB_JWS_INTERNAL_H

#include "internal.h"
#include "jscan.h"

/** The three base64url segments of a compact JWS (spans into the caller's token). */
typedef struct wb_jws_parts {
  const char *h64, *p64, *s64;
  size_t h64_len, p64_len, s64_len;
} wb_jws_parts;

/** What the verifier needs from a protected header; strings point into the decoded header. */
typedef struct wb_jws_header {
  wb_alg alg;
  const char *kid; /* unescaped, NUL-terminated, or NULL */
  size_t kid_len;
  const char *typ; /* unescaped, NUL-terminated, or NULL */
  bool b64;        /* false: the payload is unencoded (RFC 7797, "b64": false with "crit": ["b64"]) */
  bool crit;       /* the header has "crit" (then naming "b64" only) */
} wb_jws_header;

/**
 * Splits token into its three segments after the size limit check. A token with five segments is
 * a JWE (WB_ERR_UNSUPPORTED); any other count is malformed.
 */
wb_status wb__jws_split(const char *token, size_t len, const wb_limits *lim, wb_jws_parts *parts,
                        wb_error *err);

/**
 * Parses the decoded protected header buf[0..len) (modified in place: strings are unescaped)
 * and applies the header policy: alg must be a string naming a known algorithm ("none" is
 * not one: WB_ERR_ALG_NOT_ALLOWED), kid/typ/cty strings; "crit" may name "b64" only
 * (WB_ERR_UNSUPPORTED_CRIT otherwise, lib/jose_header.c), and "b64" needs "crit" naming it
 * (RFC 7797 6). jwk, jku, x5u, x5c and x5t are never used.
 */
wb_status wb__jws_parse_header(char *buf, size_t len, const wb_limits *lim, wb_jws_header *hdr,
                               wb_error *err);

/** The extensions a JWS header may list in "crit": RFC 7797's "b64". */
extern const char *const wb__jws_crit_understood[1];

/** A signer's prepared protected header (base64url) and b64 setting. */
const char *wb__signer_header_b64(const wb_signer *s, size_t *len);
bool wb__signer_b64(const wb_signer *s);

/**
 * Signs input[0..len) (a whole JWS Signing Input) with the signer's key; sig needs WB_MAX_SIG_LEN
 * bytes.
 */
wb_status wb__signer_sign_input(const wb_signer *s, const unsigned char *input, size_t len,
                                unsigned char *sig, size_t *sig_len, wb_error *err);

/**
 * Verifies sig over the JWS Signing Input input[0..len) with v's keys and header policy: the
 * algorithm allowed and bound to the key chosen by kid (else the one that fits), and the typ the
 * verifier expects. For the serializations other than the verifier's own compact path.
 */
wb_status wb__verifier_check(const wb_verifier *v, const wb_jws_header *hdr, const unsigned char *input,
                             size_t len, const unsigned char *sig, size_t sig_len, wb_error *err);
/** The verifier's limits. */
const wb_limits *wb__verifier_limits(const wb_verifier *v);

/** Decodes a base64url segment into a new buffer (NUL-terminated) of at most max bytes. */
wb_status wb__b64url_decode_alloc(const char *in, size_t len, size_t max, char **out, size_t *out_len,
                                  wb_error *err);

#endif
