/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_test.c - allocation-failure ("anomaly") test, after SQLite's: the Nth heap
 * allocation of the process fails, for N = 1, 2, 3, ... until a whole scenario runs without
 * meeting the failure. Every call must then return a status (never crash), leave its out-param
 * NULL on failure, and the final outcome must be either full success or a clean error.
 *
 * The failing allocator is oom_harness.c's. Plain builds only (label no-asan).
 *
 * Two passes. The first fails any allocation, OpenSSL's included: no crash, out-params NULL on
 * failure, and a full success afterwards. The second fails only allocations made outside
 * libcrypto (wristband's and jansson's) and also requires that nothing leaks: OpenSSL 3.0 itself
 * leaks a block on a few of its own out-of-memory paths (EC_GROUP_new_by_curve_name_ex,
 * OSSL_ENCODER_CTX_new_for_pkey), which is not ours to fix.
 */
#include <stdio.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

static const char es256_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","
                                "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                                "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
                                "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}";
static const char hs_jwks[] =
    "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoq"
    "Q-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}]}";

/* One end-to-end story; returns 1 when every step succeeded. Out-params are checked on failure. */
static int scenario(void) {
  wb_key *key = NULL, *pub = NULL;
  wb_keyset *set = NULL;
  wb_signer *signer = NULL;
  wb_builder *claims = NULL;
  wb_claims *got = NULL;
  wb_verifier *v = NULL, *hv = NULL;
  char *tok = NULL, *json = NULL, *pem = NULL;
  int ok = 0;
  wb_status st;
  if ((st = wb_key_from_jwk(&key, es256_jwk, strlen(es256_jwk), NULL)) != WB_OK) {
    EXPECT(key == NULL);
    goto out;
  }
  if ((st = wb_key_public(&pub, key, NULL)) != WB_OK) {
    EXPECT(pub == NULL);
    goto out;
  }
  if (wb_key_to_pem(pub, WB_KEY_PUBLIC, &pem, NULL) != WB_OK) {
    EXPECT(pem == NULL);
    goto out;
  }
  if (wb_keyset_from_jwks(&set, hs_jwks, strlen(hs_jwks), NULL, NULL) != WB_OK) {
    EXPECT(set == NULL);
    goto out;
  }
  if (wb_signer_new(&signer, key, WB_ALG_INVALID, NULL) != WB_OK) {
    EXPECT(signer == NULL);
    goto out;
  }
  if (wb_builder_new(&claims, NULL) != WB_OK) {
    EXPECT(claims == NULL);
    goto out;
  }
  if (wb_builder_set_string(claims, "sub", "alice", NULL) != WB_OK ||
      wb_builder_set_int(claims, "exp", 1700000100, NULL) != WB_OK ||
      wb_builder_set_json(claims, "roles", "[\"a\",\"b\"]", 9, NULL) != WB_OK ||
      wb_builder_append_string(claims, "aud", "api", NULL) != WB_OK)
    goto out;
  if (wb_sign(signer, claims, &tok, NULL, NULL) != WB_OK) {
    EXPECT(tok == NULL);
    goto out;
  }
  if (wb_verifier_new_key(&v, pub, NULL) != WB_OK) {
    EXPECT(v == NULL);
    goto out;
  }
  if (wb_verifier_set_now(v, 1700000000, NULL) != WB_OK ||
      wb_verifier_expect_audience(v, "api", NULL) != WB_OK || wb_verifier_enable_cache(v, 8, NULL) != WB_OK)
    goto out;
  for (int i = 0; i < 2; i++) { /* a miss, then a cache hit */
    wb_claims_free(got);
    got = NULL;
    if (wb_verify(v, tok, strlen(tok), &got, NULL) != WB_OK) {
      EXPECT(got == NULL);
      goto out;
    }
  }
  if (wb_claims_get_json(got, "roles", &json, NULL) != WB_OK) {
    EXPECT(json == NULL);
    goto out;
  }
  if (wb_verifier_new(&hv, set, NULL) != WB_OK) {
    EXPECT(hv == NULL);
    goto out;
  }
  ok = strcmp(json, "[\"a\",\"b\"]") == 0 && strcmp(wb_claims_sub(got), "alice") == 0;
out:
  wb_string_free(json);
  wb_string_free(pem);
  wb_string_free(tok);
  wb_verifier_free(hv);
  wb_verifier_free(v);
  wb_claims_free(got);
  wb_builder_free(claims);
  wb_signer_free(signer);
  wb_keyset_free(set);
  wb_key_free(pub);
  wb_key_free(key);
  return ok;
}

/* Runs the scenario until the per-thread context slots have settled, proving it still works. */
static void settle(void) {
  for (int i = 0; i < 12; i++)
    EXPECT(scenario() == 1);
}

int main(void) {
  settle(); /* warm up OpenSSL's and the library's lazy state, and prove the story */
  long all = oom_inject_all(scenario);
  settle(); /* nothing was left broken */
  printf("pass 1: allocation failures injected at 0..%ld (OpenSSL included): no crash\n", all - 1);

  oom_skip_libcrypto = 1;
  long baseline = oom_live();
  long ours = oom_inject_all(scenario);
  settle();
  long leaked = oom_live() - baseline;
  printf("pass 2: failures at 0..%ld outside libcrypto; live heap blocks %ld before, %ld after\n", ours - 1,
         baseline, baseline + leaked);
  EXPECT(leaked == 0); /* every failure path freed what it had allocated */
  return oom_report();
}
