/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/gcm_pool_threads_test.c - the pooled AES-GCM contexts of one decrypter and of shared
 * encrypters (lib/jwe_content.c: a context keyed with a dir key only takes the next IV) used by
 * several threads at once, with two dir keys of one enc, a dir key of another enc (another pool
 * tag) and a key-wrapped message (random CEK) in one key set. Every thread encrypts with the
 * shared encrypters, opens each token, and checks that a token carrying another token's tag, or
 * opened right after a failure, gives the answer it must. Afterwards every IV drawn is checked
 * to be distinct (no nonce reuse under the IV-only shortcut). Under TSan/ASan this also shows
 * the slots are never shared between threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "check.h"

#define THREADS    4
#define ITERATIONS 100
#define NENC       4

static wb_decrypter *dec;
static wb_encrypter *enc[NENC];
static const char *const msg = "the pooled GCM context message";
static char *ivs[THREADS][ITERATIONS][NENC];
static atomic_int failures;

static char *iv_of(const char *tok) {
  const char *a = strchr(tok, '.');
  a = strchr(a + 1, '.');
  const char *b = strchr(a + 1, '.');
  size_t n = (size_t)(b - a - 1);
  char *s = malloc(n + 1);
  memcpy(s, a + 1, n);
  s[n] = '\0';
  return s;
}

static char *with_tag_of(const char *tok, const char *other) {
  const char *t = strrchr(tok, '.'), *o = strrchr(other, '.');
  size_t head = (size_t)(t - tok), tail = strlen(o);
  char *s = malloc(head + tail + 1);
  memcpy(s, tok, head);
  memcpy(s + head, o, tail + 1);
  return s;
}

static wb_status open_tok(const char *tok, bool *same) {
  unsigned char *pt = NULL;
  size_t n = 0;
  wb_status st = wb_jwe_decrypt(dec, tok, strlen(tok), &pt, &n, NULL);
  *same = st == WB_OK && n == strlen(msg) && memcmp(pt, msg, n) == 0;
  wb_plaintext_free(pt, n);
  return st;
}

static void *worker(void *arg) {
  int t = (int)(intptr_t)arg;
  for (int it = 0; it < ITERATIONS; it++) {
    char *tok[NENC] = {0};
    for (int e = 0; e < NENC; e++) {
      if (wb_jwe_encrypt(enc[e], (const unsigned char *)msg, strlen(msg), &tok[e], NULL, NULL) != WB_OK) {
        atomic_fetch_add(&failures, 1);
        return NULL;
      }
      ivs[t][it][e] = iv_of(tok[e]);
    }
    for (int e = 0; e < NENC; e++) {
      int k = (e + it + t) % NENC;
      bool same = false;
      if (open_tok(tok[k], &same) != WB_OK || !same)
        atomic_fetch_add(&failures, 1);
      char *forged = with_tag_of(tok[k], tok[(k + 1) % NENC]);
      if (open_tok(forged, &same) != WB_ERR_DECRYPT_FAILED)
        atomic_fetch_add(&failures, 1);
      free(forged);
      if (open_tok(tok[k], &same) != WB_OK || !same) /* right after a failed tag */
        atomic_fetch_add(&failures, 1);
    }
    for (int e = 0; e < NENC; e++)
      wb_string_free(tok[e]);
  }
  return NULL;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  wb_key *a = NULL, *b = NULL, *c = NULL, *w = NULL;
  CHECK_ST(wb_key_generate(&a, WB_KTY_OCT, WB_CRV_NONE, 256, NULL), WB_OK);
  CHECK_ST(wb_key_generate(&b, WB_KTY_OCT, WB_CRV_NONE, 256, NULL), WB_OK);
  CHECK_ST(wb_key_generate(&c, WB_KTY_OCT, WB_CRV_NONE, 128, NULL), WB_OK);
  CHECK_ST(wb_key_generate(&w, WB_KTY_OCT, WB_CRV_NONE, 256, NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(a, "a", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(b, "b", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(c, "c", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(w, "w", NULL), WB_OK);
  wb_keyset *set = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, a, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, b, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, c, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, w, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new(&dec, set, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&enc[0], a, WB_JWE_DIR, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&enc[1], b, WB_JWE_DIR, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&enc[2], c, WB_JWE_DIR, WB_ENC_A128GCM, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&enc[3], w, WB_JWE_A256KW, WB_ENC_A256GCM, NULL), WB_OK);
  if (dec == NULL || enc[0] == NULL || enc[1] == NULL || enc[2] == NULL || enc[3] == NULL)
    return CHECK_DONE();
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t) == 0);
  for (int t = 0; t < THREADS; t++)
    pthread_join(th[t], NULL);
  CHECK(atomic_load(&failures) == 0);
  static char *all[THREADS * ITERATIONS * NENC];
  size_t n = 0;
  for (int t = 0; t < THREADS; t++)
    for (int it = 0; it < ITERATIONS; it++)
      for (int e = 0; e < NENC; e++)
        if (ivs[t][it][e] != NULL)
          all[n++] = ivs[t][it][e];
  CHECK(n == THREADS * ITERATIONS * NENC);
  qsort(all, n, sizeof(all[0]), cmp);
  size_t dup = 0;
  for (size_t i = 1; i < n; i++)
    dup += strcmp(all[i - 1], all[i]) == 0;
  CHECK(dup == 0); /* no IV drawn twice */
  for (size_t i = 0; i < n; i++)
    free(all[i]);
  for (int e = 0; e < NENC; e++)
    wb_encrypter_free(enc[e]);
  wb_decrypter_free(dec);
  wb_keyset_free(set);
  wb_key_free(a);
  wb_key_free(b);
  wb_key_free(c);
  wb_key_free(w);
  return CHECK_DONE();
}
