/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_dpop_test.c - DPoP proofs when allocations fail (oom_harness.h): a signer made
 * and a proof signed for an access token with a nonce; a verifier with its own replay cache and
 * a nonce check, which verifies the proof bound to the token, a second proof by the same key
 * (from its cache of proof keys), and refuses the replay (never accepted, whatever failed).
 * Pass 1 fails every allocation, OpenSSL's included; pass 2 only wristband's and jansson's, and
 * nothing may leak. Every failure must leave the out-parameters
 * NULL or empty; the run that meets no failure must succeed whole.
 */
#include <stdio.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

#define URL   "https://api.example/r?x=1"
#define TOKEN "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
#define NOW   INT64_C(1700000000)

static wb_key *key;
static char jkt[WB_THUMBPRINT_LEN];

static int64_t fixed_clock(void *ctx) {
  (void)ctx;
  return NOW;
}

static bool nonce_n1(void *ctx, const char *nonce, size_t len) {
  (void)ctx;
  return len == 2 && memcmp(nonce, "n1", 2) == 0;
}

/* A clean outcome of a step that met the failure: nomem when it was ours or jansson's; when it
 * was OpenSSL's, any error (OpenSSL out of memory while checking a point or a signature says only
 * "not valid": the proof is refused, fail closed), never success. */
static int clean(wb_status st) {
  return oom_skip_libcrypto ? st == WB_ERR_NOMEM : st != WB_OK;
}

static int scenario(void) {
  wb_dpop_signer *s = NULL;
  wb_dpop_verifier *v = NULL;
  char *p1 = NULL, *p2 = NULL;
  int ok = 0;
  wb_status st;
  if ((st = wb_dpop_signer_new(&s, key, WB_ALG_ES256, NULL)) != WB_OK) {
    EXPECT(clean(st) && s == NULL);
    goto out;
  }
  if (wb_dpop_signer_set_clock(s, fixed_clock, NULL, NULL) != WB_OK)
    goto out;
  if ((st = wb_dpop_sign(s, "POST", URL, TOKEN, strlen(TOKEN), "n1", &p1, NULL, NULL)) != WB_OK) {
    EXPECT(clean(st) && p1 == NULL);
    goto out;
  }
  if ((st = wb_dpop_sign(s, "POST", URL, TOKEN, strlen(TOKEN), "n1", &p2, NULL, NULL)) != WB_OK) {
    EXPECT(clean(st) && p2 == NULL);
    goto out;
  }
  if ((st = wb_dpop_verifier_new(&v, NULL)) != WB_OK) {
    EXPECT(clean(st) && v == NULL);
    goto out;
  }
  if (wb_dpop_verifier_set_now(v, NOW, NULL) != WB_OK ||
      wb_dpop_verifier_require_nonce(v, nonce_n1, NULL, NULL) != WB_OK)
    goto out;
  if ((st = wb_dpop_verifier_set_replay_cache(v, 64, NULL)) != WB_OK) {
    EXPECT(clean(st));
    goto out;
  }
  for (int i = 0; i < 2; i++) { /* the second proof's key comes from the verifier's cache */
    const char *p = i == 0 ? p1 : p2;
    st = wb_dpop_verify_bound(v, p, strlen(p), "POST", URL, TOKEN, strlen(TOKEN), jkt, NULL);
    if (st != WB_OK) {
      EXPECT(clean(st));
      goto out;
    }
  }
  st = wb_dpop_verify_bound(v, p1, strlen(p1), "POST", URL, TOKEN, strlen(TOKEN), jkt, NULL);
  if (st != WB_ERR_REPLAYED) {
    EXPECT(clean(st));
    goto out;
  }
  ok = 1;
out:
  wb_string_free(p1);
  wb_string_free(p2);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  return ok;
}

int main(void) {
  EXPECT(wb_key_generate_for_alg(&key, WB_ALG_ES256, WB_CRV_NONE, 0, NULL) == WB_OK);
  EXPECT(wb_key_thumbprint(key, jkt, NULL) == WB_OK);
  for (int i = 0; i < 3; i++) /* warm up OpenSSL's lazy state and the key's contexts */
    EXPECT(scenario() == 1);
  long all = oom_inject_all(scenario);
  EXPECT(scenario() == 1);
  printf("pass 1: failures at 0..%ld (OpenSSL included): no crash\n", all - 1);
  oom_skip_libcrypto = 1;
  long baseline = oom_live();
  long ours = oom_inject_all(scenario);
  EXPECT(scenario() == 1);
  long leaked = oom_live() - baseline;
  printf("pass 2: failures at 0..%ld outside libcrypto; live heap blocks %ld before, %ld after\n", ours - 1,
         baseline, baseline + leaked);
  EXPECT(leaked == 0);
  wb_key_free(key);
  return oom_report();
}
