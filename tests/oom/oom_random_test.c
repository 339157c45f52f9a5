/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_random_test.c - the random bytes the library asks OpenSSL for, when OpenSSL
 * cannot give them. RAND_bytes fails when it cannot set up a thread's generator: OpenSSL 3
 * allocates one per thread on the thread's first call. So each call that needs randomness runs
 * as the first one of a fresh thread, while oom_harness.c fails the Nth allocation: wb_random,
 * generating an oct key, enabling a verifier's result cache (its SipHash key), a random jti, a
 * JWE decrypter (the random key that stands in for a failed unwrap).
 * Every failure must be reported (crypto when RAND_bytes failed, nomem when an allocation of
 * ours did) and change nothing: no key, the verifier without a cache, the builder as it was, no
 * decrypter.
 * Plain builds only (label no-asan).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

static wb_verifier *verifier; /* made before any failure is injected */
static wb_builder *builder;

/* 1 when st is a failure a missing random generator or allocation explains, told in err. */
static int explained(wb_status st, const wb_error *err) {
  return (st == WB_ERR_CRYPTO || st == WB_ERR_NOMEM) && err->code == st && err->message[0] != '\0';
}

static void *random_bytes(void *ok) {
  unsigned char buf[32] = {0}, zero[32] = {0};
  wb_error err;
  wb_status st = wb_random(buf, sizeof(buf), &err);
  if (st == WB_OK)
    *(int *)ok = memcmp(buf, zero, sizeof(buf)) != 0;
  else
    EXPECT(st == WB_ERR_CRYPTO && strcmp(err.message, "random: RAND_bytes failed") == 0);
  return NULL;
}

static void *oct_key(void *ok) {
  wb_key *k = (wb_key *)1;
  wb_error err;
  wb_status st = wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 0, &err);
  if (st == WB_OK)
    *(int *)ok = wb_key_bits(k) == 256;
  else
    EXPECT(explained(st, &err) && k == NULL);
  wb_key_free(k);
  return NULL;
}

static void *cache(void *ok) {
  wb_error err;
  wb_cache_stats stats;
  wb_status st = wb_verifier_enable_cache(verifier, 8, &err);
  if (st == WB_OK)
    *(int *)ok = wb_verifier_cache_stats(verifier, &stats, NULL) == WB_OK;
  else
    EXPECT(explained(st, &err));
  return NULL;
}

static void *jti(void *ok) {
  wb_error err;
  wb_status st = wb_builder_remove(builder, "jti", &err);
  if (st == WB_OK)
    st = wb_builder_set_random_jti(builder, &err);
  if (st == WB_OK)
    *(int *)ok = wb_builder_has(builder, "jti");
  else
    EXPECT(explained(st, &err) && !wb_builder_has(builder, "jti"));
  return NULL;
}

static wb_key *dir_key; /* a 16-byte secret, made before any failure is injected */

static void *decrypter(void *ok) {
  wb_decrypter *d = (wb_decrypter *)1;
  wb_error err;
  wb_status st = wb_decrypter_new_key(&d, dir_key, &err); /* draws its substitute key */
  if (st == WB_OK)
    *(int *)ok = d != NULL;
  else
    EXPECT(explained(st, &err) && d == NULL);
  wb_decrypter_free(d);
  return NULL;
}

/* Runs each call as the first of its own thread; 1 when all succeeded. */
static int scenario(void) {
  void *(*const calls[])(void *) = {random_bytes, oct_key, cache, jti, decrypter};
  int all = 1;
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
    int ok = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, calls[i], &ok) != 0)
      return 0; /* the failure hit the thread's own set-up */
    pthread_join(t, NULL);
    all &= ok;
  }
  return all;
}

int main(void) {
  wb_key *key = NULL;
  if (wb_key_generate(&key, WB_KTY_EC, WB_CRV_P256, 0, NULL) != WB_OK ||
      wb_verifier_new_key(&verifier, key, NULL) != WB_OK || wb_builder_new(&builder, NULL) != WB_OK) {
    fprintf(stderr, "set-up failed\n");
    return 1;
  }
  wb_key_free(key);
  static const unsigned char secret[16] = "0123456789abcdef";
  if (wb_key_from_secret(&dir_key, secret, sizeof(secret), NULL) != WB_OK) {
    fprintf(stderr, "set-up failed\n");
    return 1;
  }
  EXPECT(scenario() == 1);
  long runs = oom_inject_all(scenario);
  printf("pass 1: %ld runs, allocation failures injected everywhere (OpenSSL included)\n", runs);
  oom_skip_libcrypto = 1;
  EXPECT(scenario() == 1);
  long baseline = oom_live();
  runs = oom_inject_all(scenario);
  EXPECT(scenario() == 1);
  long leaked = oom_live() - baseline;
  printf("pass 2: %ld runs, failures outside libcrypto; live heap blocks %ld before, %ld after\n", runs,
         baseline, baseline + leaked);
  EXPECT(leaked == 0);
  wb_builder_free(builder);
  wb_verifier_free(verifier);
  wb_key_free(dir_key);
  return oom_report();
}
