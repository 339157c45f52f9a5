/* SPDX-License-Identifier: MIT */
/*
 * lib/claims.h - the layout of verified claims (wb_claims), shared by lib/claims.c (the getters),
 * lib/verifier.c (which fills them without building any tree) and lib/vcache.c (which copies them).
 * Claims being built are another type, wb_builder (lib/builder.c).
 */
#ifndef WB_CLAIMS_INTERNAL_H
#define WB_CLAIMS_INTERNAL_H

#include "jscan.h"

struct wb_claims {
  _Atomic(wb_jtape *) tape; /* NULL until a generic getter needs it, then set once (compare-and-
                               swap) and never changed: the index of every value of the payload */
  const char *payload;      /* the decoded payload text, NUL-terminated, at data[0] */
  size_t payload_len;
  const char *iss, *sub, *jti; /* unescaped registered strings in data[] after the payload, or NULL */
  const char *sid;             /* likewise, only for a verifier that follows revocations */
  bool has_exp, has_nbf, has_iat;
  double exp, nbf, iat;
  wb_limits limits; /* the limits the payload passed (re-used to index it) */
  size_t data_cap;  /* bytes of data[] */
  size_t data_used; /* bytes of data[] in use (payload, NUL, unescaped strings) */
  char data[];
};

/** Claims able to hold a payload of payload_len bytes (data[] sized for it); NULL on OOM. */
wb_claims *wb__claims_alloc(size_t payload_len, const wb_limits *lim);

/** Empties claims for reuse by the verifier (the buffer is kept, the index freed). */
void wb__claims_reset(wb_claims *c, const wb_limits *lim);

/** A new copy of c (without its index); NULL on OOM. */
wb_claims *wb__claims_clone(const wb_claims *src);

/** Copies (unescaping) a registered string into c->data after the payload; returns it. */
const char *wb__claims_store_string(wb_claims *c, size_t *used, const char *raw, size_t len, bool escaped);

#endif
