/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/vcache_test.c - lib/vcache.c, the verification-result cache, under its own API: a
 * hit needs the same digest, the same serial and byte for byte the same token (the digest alone
 * is never trusted: a token of another length or other bytes under a colliding digest is a
 * miss), inside the stored window; a hit hands out a copy of the claims; a token longer than
 * WB_VCACHE_MAX_TOKEN is not stored and its claims are freed (ASan sees a leak otherwise); the
 * counters count. The digest is SipHash under the cache's random key: two caches digest apart.
 * How the verifier uses it: verifier_test.c and jwt_test.c.
 */
#include "check.h"
#include "vcache.h"

static wb_claims *claims_with_sub(const char *sub, const wb_limits *lim) {
  wb_claims *c = wb__claims_alloc(16, lim);
  size_t used = 0;
  if (c != NULL)
    c->sub = wb__claims_store_string(c, &used, sub, strlen(sub), false);
  return c;
}

static void lookups(void) {
  wb_limits lim;
  wb_limits_default(&lim);
  wb_vcache *c = wb__vcache_new(1); /* one slot: every digest lands in it */
  CHECK(c != NULL);
  if (c == NULL)
    return;
  unsigned char d[16] = {1}, other[16] = {2};
  wb_vc_window w = {100, 200, 150};
  wb_status st = WB_ERR_CRYPTO;
  wb_claims *got = (wb_claims *)1;
  CHECK(!wb__vcache_lookup(c, d, "tok", 3, 7, 120, &got, &st)); /* empty */
  CHECK(st == WB_OK);
  wb__vcache_store(c, d, "tok", 3, 7, &w, claims_with_sub("alice", &lim));
  got = NULL;
  CHECK(wb__vcache_lookup(c, d, "tok", 3, 7, 120, &got, &st) == 1 && st == WB_OK);
  CHECK(got != NULL && strcmp(wb_claims_sub(got), "alice") == 0); /* a copy, the caller's */
  wb_claims_free(got);
  CHECK(wb__vcache_lookup(c, d, "tok", 3, 7, 120, NULL, &st) == 1); /* without a copy */
  got = (wb_claims *)1;
  CHECK(!wb__vcache_lookup(c, d, "tom", 3, 7, 120, &got, &st));  /* same digest, other bytes */
  CHECK(!wb__vcache_lookup(c, d, "toke", 4, 7, 120, &got, &st)); /* same digest, other length */
  CHECK(!wb__vcache_lookup(c, other, "tok", 3, 7, 120, &got, &st));
  CHECK(!wb__vcache_lookup(c, d, "tok", 3, 8, 120, &got, &st)); /* another verifier set-up */
  CHECK(!wb__vcache_lookup(c, d, "tok", 3, 7, 99, &got, &st));  /* before the window */
  CHECK(!wb__vcache_lookup(c, d, "tok", 3, 7, 200, &got, &st)); /* until is exclusive */
  CHECK(!wb__vcache_lookup(c, d, "tok", 3, 7, 151, &got, &st)); /* past until_inclusive */
  CHECK(wb__vcache_lookup(c, d, "tok", 3, 7, 150, NULL, &st) == 1);
  CHECK(got == (wb_claims *)1); /* a miss leaves the output alone */
  wb_cache_stats stats;
  wb__vcache_stats(c, &stats);
  CHECK(stats.lookups == 11 && stats.hits == 3 && stats.stores == 1);
  /* too long to cache: not stored, the claims freed */
  size_t big = WB_VCACHE_MAX_TOKEN + 1;
  char *tok = malloc(big);
  memset(tok, 't', big);
  wb__vcache_store(c, other, tok, big, 7, &w, claims_with_sub("bob", &lim));
  wb__vcache_stats(c, &stats);
  CHECK(stats.stores == 1 && wb__vcache_lookup(c, d, "tok", 3, 7, 120, NULL, &st) == 1);
  wb__vcache_store(c, other, tok, big - 1, 7, &w, claims_with_sub("bob", &lim)); /* the largest */
  CHECK(wb__vcache_lookup(c, other, tok, big - 1, 7, 120, NULL, &st) == 1);
  CHECK(!wb__vcache_lookup(c, d, "tok", 3, 7, 120, NULL, &st)); /* evicted from the one slot */
  free(tok);
  wb__vcache_free(c);
  wb__vcache_free(NULL);
}

static void digests(void) {
  wb_vcache *a = wb__vcache_new(4), *b = wb__vcache_new(4);
  unsigned char da[16], da2[16], db[16];
  CHECK_ST(wb__vcache_digest(a, "token", 5, da, NULL), WB_OK);
  CHECK_ST(wb__vcache_digest(a, "token", 5, da2, NULL), WB_OK);
  CHECK_ST(wb__vcache_digest(b, "token", 5, db, NULL), WB_OK);
  CHECK(memcmp(da, da2, 16) == 0 && memcmp(da, db, 16) != 0); /* keyed per cache */
  CHECK_ST(wb__vcache_digest(a, "tokem", 5, da2, NULL), WB_OK);
  CHECK(memcmp(da, da2, 16) != 0);
  wb__vcache_free(a);
  wb__vcache_free(b);
}

int main(void) {
  lookups();
  digests();
  return CHECK_DONE();
}
