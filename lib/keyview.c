/* SPDX-License-Identifier: MIT */
/*
 * lib/keyview.c - building a verifier's key view (lib/keyview.h): everything that does not
 * depend on the token is resolved here once, so that wb_verify only looks things up.
 */
#include <stdlib.h>

#include "keyview.h"

static atomic_uint_fast64_t serials = 1;

uint64_t wb__serial_next(void) {
  return atomic_fetch_add(&serials, 1);
}

/* Fills allowed_mask and sole_key; *why is the most telling reason a key was refused. */
static void resolve(wb_keyview *k, uint32_t narrow_mask, wb_error *why) {
  k->allowed_mask = 0;
  for (int a = WB_ALG_INVALID + 1; a < WB_ALG_COUNT_; a++) {
    k->sole_key[a] = -1;
    if (narrow_mask != 0 && !(narrow_mask & (1u << a)))
      continue;
    for (size_t i = 0; i < k->nkeys; i++) {
      wb_error e;
      if (wb_key_check_alg(k->keys[i], (wb_alg)a, WB_KEY_OP_VERIFY, &e) != WB_OK) {
        if (why->code == WB_OK || e.code == WB_ERR_BAD_KEY)
          *why = e;
        continue;
      }
      k->sole_key[a] = k->sole_key[a] == -1 ? (int)i : -2;
      k->allowed_mask |= 1u << a;
    }
  }
}

wb_status wb__keyview_new(wb_keyview **out, wb_key *const *keys, size_t n, uint32_t narrow_mask,
                          bool need_fit, wb_error *err) {
  *out = NULL;
  wb_keyview *k = calloc(1, sizeof(*k));
  if (k == NULL || (n > 0 && (k->keys = calloc(n, sizeof(*k->keys))) == NULL)) {
    free(k);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++)
    k->keys[k->nkeys++] = wb__key_ref(keys[i]);
  k->serial = wb__serial_next();
  wb_error why = {WB_OK, ""};
  resolve(k, narrow_mask, &why);
  if (!need_fit) { /* following: asymmetric algorithms only (a remote key set holds no secrets) */
    const uint32_t hmac = (1u << WB_ALG_HS256) | (1u << WB_ALG_HS384) | (1u << WB_ALG_HS512);
    uint32_t all = ((1u << WB_ALG_COUNT_) - 1) & ~(1u << WB_ALG_INVALID);
    k->awaited_mask = (narrow_mask != 0 ? narrow_mask : all) & ~hmac & ~k->allowed_mask;
  }
  if (!need_fit || k->allowed_mask != 0) {
    *out = k;
    return WB_OK;
  }
  wb__keyview_free(k);
  if (why.code == WB_ERR_BAD_KEY)
    return wb__fail(err, WB_ERR_BAD_KEY, "no usable key: %s", why.message);
  return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "no key allows any of the permitted algorithms");
}

void wb__keyview_free(wb_keyview *k) {
  if (k == NULL)
    return;
  for (size_t i = 0; i < k->nkeys; i++)
    wb_key_free(k->keys[i]);
  free(k->keys);
  free(k);
}
