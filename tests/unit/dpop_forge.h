/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/dpop_forge.h - DPoP proofs of the test's own making (dpop_test.c, dpop_gaps_test.c):
 * any header and payload, signed with any key and alg, as an attacker would make them.
 */
#ifndef WB_TEST_DPOP_FORGE_H
#define WB_TEST_DPOP_FORGE_H

#include "check.h"
#include "internal.h"

/* A proof with exactly this header and payload, signed by key with alg (the attacker's own
 * making: nothing checks the header, crit and all). */
static inline char *forge_alg(const wb_key *key, wb_alg alg, const char *header, const char *payload) {
  size_t hl = strlen(header), pl = strlen(payload);
  char *t = malloc(WB_B64URL_ENCODED_LEN(hl) + WB_B64URL_ENCODED_LEN(pl) + 2 + 2 * WB_MAX_SIG_LEN);
  size_t n = wb__b64url_encode_to(t, (const unsigned char *)header, hl);
  t[n++] = '.';
  n += wb__b64url_encode_to(t + n, (const unsigned char *)payload, pl);
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0;
  CHECK_ST(wb__sign(key, alg, (const unsigned char *)t, n, sig, &sig_len, NULL), WB_OK);
  t[n++] = '.';
  wb__b64url_encode_to(t + n, sig, sig_len);
  return t;
}

static inline char *forge(const wb_key *key, const char *header, const char *payload) {
  return forge_alg(key, wb_key_default_alg(key) != WB_ALG_INVALID ? wb_key_default_alg(key) : WB_ALG_RS256,
                   header, payload);
}

#endif
