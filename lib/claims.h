/* SPDX-License-Identifier: MIT */
/*
 * lib/claims.h - the layout of wb_claims, shared by lib/claims.c (building, reading) and
 * lib/verifier.c (which fills verified claims without building a JSON tree).
 */
#ifndef WB_CLAIMS_INTERNAL_H
#define WB_CLAIMS_INTERNAL_H

#include "internal.h"

/** A builder member: "name":value at text[off..off+len), the escaped name (quotes included) first. */
typedef struct wb_member {
  size_t off, len, name_len;
} wb_member;

struct wb_claims {
  bool verified;         /* produced by wb_verify: read-only */
  _Atomic(json_t *) dom; /* builder: the object, always set. verified: NULL until a generic getter
                            needs it, then set once (compare-and-swap) and never changed */
  const char *payload;   /* verified: decoded payload text, NUL-terminated, in data[] */
  size_t payload_len;
  const char *iss, *sub, *jti; /* verified: unescaped registered strings in data[], or NULL */
  bool has_exp, has_nbf, has_iat;
  double exp, nbf, iat;
  wb_limits limits; /* verified: the limits the payload passed (re-used to parse it) */
  char *text;       /* builder: "{" and the members, comma-separated; room for "}" + NUL */
  size_t text_len, text_cap;
  wb_member *members; /* builder: one per member, in text order */
  size_t nmembers, members_cap;
  size_t data_cap;
  size_t data_used; /* verified: bytes of data[] in use (payload, NUL, unescaped strings) */
  char data[];      /* verified: payload bytes + NUL, then the unescaped strings */
};

/** A verified claims object able to hold a payload of payload_len bytes (data[] sized for it). */
wb_claims *wb__claims_alloc_verified(size_t payload_len, const wb_limits *lim);

/** Empties verified claims for reuse by the verifier (the buffer is kept). */
void wb__claims_reset_verified(wb_claims *c, const wb_limits *lim);

/** A new copy of verified claims src (without its lazily built tree); NULL on OOM. */
wb_claims *wb__claims_clone(const wb_claims *src);

/** The claims as JSON text: a verified payload, or a builder's members closed with "}". */
const char *wb__claims_text(const wb_claims *c, size_t *len);

/** Copies (unescaping) a registered string into c->data after the payload; returns it. */
const char *wb__claims_store_string(wb_claims *c, size_t *used, const char *raw, size_t len, bool escaped);

#endif
