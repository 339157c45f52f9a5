/* SPDX-License-Identifier: MIT */
/*
 * lib/keyview.h - what a verifier derives from its keys (lib/keyview.c): the keys themselves,
 * which algorithms some key allows, and per algorithm the one key a kid-less token may use.
 *
 * A view is immutable once built. A local verifier has one for its whole life; a verifier that
 * follows a remote key set gets a new view for each new key set and swaps it in with
 * lib/rcu.h while others verify (lib/verifier_follow.c). Every view has a serial of its own,
 * never reused: the per-thread header memo and the result cache are keyed by it, so nothing
 * decided under one set of keys (or one policy: set-up calls renew the serial) is reused under
 * another.
 */
#ifndef WB_KEYVIEW_H
#define WB_KEYVIEW_H

#include "internal.h"

typedef struct wb_keyview {
  wb_key **keys; /* own references, in the key set's order */
  size_t nkeys;
  uint32_t allowed_mask;       /* algorithms some key allows, within the verifier's narrow mask */
  uint32_t awaited_mask;       /* a following verifier's: permitted algorithms no key allows yet (a
                                * token of one asks for new keys, like an unknown kid); 0 for a local one */
  int sole_key[WB_ALG_COUNT_]; /* per alg: index of the only key that fits, -1 none, -2 several */
  uint64_t serial;             /* unique: renewed by every set-up call of the verifier */
} wb_keyview;

/** A serial no view has had (process-wide counter). */
uint64_t wb__serial_next(void);

/**
 * A view of keys[0..n) (each gets a reference) under narrow_mask (0: not narrowed). With
 * need_fit, a view in which no key allows any permitted algorithm is refused, as a local
 * verifier must be (WB_ERR_ALG_NOT_ALLOWED, or WB_ERR_BAD_KEY naming why a key is unusable);
 * a remote verifier's view may be empty. On failure *out is NULL.
 */
wb_status wb__keyview_new(wb_keyview **out, wb_key *const *keys, size_t n, uint32_t narrow_mask,
                          bool need_fit, wb_error *err);
/** Drops the view's key references and frees it. NULL-safe. */
void wb__keyview_free(wb_keyview *k);

#endif
