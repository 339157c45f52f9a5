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
 * not one: WB_ERR_ALG_NOT_ALLOWED), kid/typ/cty strings, any "crit" or "b64": false
 * WB_ERR_UNSUPPORTED_CRIT. jwk, jku, x5u, x5c and x5t are never used.
 */
wb_status wb__jws_parse_header(char *buf, size_t len, const wb_limits *lim, wb_jws_header *hdr,
                               wb_error *err);

/** Decodes a base64url segment into a new buffer (NUL-terminated) of at most max bytes. */
wb_status wb__b64url_decode_alloc(const char *in, size_t len, size_t max, char **out, size_t *out_len,
                                  wb_error *err);

#endif
