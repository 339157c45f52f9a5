/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/ctxpool_test.c - the lock-free pool of prepared contexts (lib/ctxpool.c) that keys
 * and verification caches own.
 *
 * Single thread: a fresh pool hands out WB_POOL_SLOTS empty slots, then private contexts; a
 * context given back prepared comes back prepared for the same tag only; a slot of another tag
 * is re-purposed (cleared) when no slot is free; a context given back unsound is cleared. The
 * "preparation" is a digest context initialised with the tag's hash, so the test can see which
 * tag a context was prepared for.
 * Threads: THREADS threads (more than slots) take and give contexts of three tags; every lease is
 * held by one thread at a time (an ownership flag per slot) and always holds its own tag's
 * preparation. Run under ThreadSanitizer by tests/install/tsan_test.sh.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "check.h"
#include "ctxpool.h"

#define THREADS    24
#define ITERATIONS 2000
#define TAGS       3

static const EVP_MD *md_of(unsigned tag) {
  return tag == 1 ? EVP_sha256() : tag == 2 ? EVP_sha384() : EVP_sha512();
}

/* What the caller of wb__pool_take does with a fresh context. */
static bool prepare(wb_ctx *c, unsigned tag) {
  c->mdctx = EVP_MD_CTX_new();
  return c->mdctx != NULL && EVP_DigestInit_ex(c->mdctx, md_of(tag), NULL) == 1;
}

static bool prepared_for(const wb_ctx *c, unsigned tag) {
  return c->mdctx != NULL && EVP_MD_get_type(EVP_MD_CTX_get0_md(c->mdctx)) == EVP_MD_get_type(md_of(tag));
}

static void test_single_thread(void) {
  wb_pool_ref pool;
  atomic_init(&pool, NULL);
  wb_lease l[WB_POOL_SLOTS + 2];
  for (int i = 0; i < WB_POOL_SLOTS + 2; i++) { /* all taken at once */
    wb__pool_take(&pool, 1, &l[i]);
    CHECK(l[i].fresh && l[i].ctx->mdctx == NULL && prepare(l[i].ctx, 1));
    CHECK((l[i].slot != NULL) == (i < WB_POOL_SLOTS)); /* then private contexts */
  }
  for (int i = 0; i < WB_POOL_SLOTS + 2; i++)
    wb__pool_give(&l[i], true);
  CHECK(atomic_load(&pool) != NULL);

  wb_lease a, b;
  wb__pool_take(&pool, 1, &a); /* prepared before: comes back prepared */
  CHECK(!a.fresh && a.slot != NULL && prepared_for(a.ctx, 1));
  wb__pool_take(&pool, 2, &b); /* every slot holds tag 1: one is re-purposed, cleared */
  CHECK(b.fresh && b.slot != NULL && b.slot != a.slot && b.ctx->mdctx == NULL && prepare(b.ctx, 2));
  wb__pool_give(&b, true);
  wb__pool_take(&pool, 2, &b);
  CHECK(!b.fresh && prepared_for(b.ctx, 2));
  wb__pool_give(&b, false); /* unsound: cleared, the slot is empty again */
  wb__pool_take(&pool, 3, &b);
  CHECK(b.fresh && b.ctx->mdctx == NULL);
  wb__pool_give(&b, false);
  wb__pool_give(&a, true);
  wb__pool_free(&pool);
  CHECK(atomic_load(&pool) == NULL);
  wb__pool_free(&pool); /* freeing an empty reference does nothing */
}

/* ---- threads ---------------------------------------------------------------------------------- */

static wb_pool_ref shared;
static atomic_int owners[WB_POOL_SLOTS + 1]; /* per slot address order: 1 while a thread holds it */
static void *slot_addr[WB_POOL_SLOTS];
static atomic_int errors, privates;

/* The index of slot s among those seen so far (slots never move while the pool lives). */
static int slot_index(void *s) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  int i = 0;
  pthread_mutex_lock(&lock);
  while (i < WB_POOL_SLOTS && slot_addr[i] != NULL && slot_addr[i] != s)
    i++;
  if (i < WB_POOL_SLOTS && slot_addr[i] == NULL)
    slot_addr[i] = s;
  pthread_mutex_unlock(&lock);
  return i;
}

static void *worker(void *arg) {
  unsigned seed = (unsigned)(size_t)arg;
  for (int i = 0; i < ITERATIONS; i++) {
    unsigned tag = 1 + (seed + (unsigned)i) % TAGS;
    wb_lease l;
    wb__pool_take(&shared, tag, &l);
    int idx = l.slot != NULL ? slot_index(l.slot) : WB_POOL_SLOTS;
    if (l.slot == NULL)
      atomic_fetch_add(&privates, 1);
    else if (atomic_exchange(&owners[idx], 1) != 0)
      atomic_fetch_add(&errors, 1); /* two threads hold one slot */
    bool ok = l.fresh ? prepare(l.ctx, tag) : prepared_for(l.ctx, tag);
    if (!ok)
      atomic_fetch_add(&errors, 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    ok = ok && EVP_DigestInit_ex(l.ctx->mdctx, NULL, NULL) == 1 &&
         EVP_DigestUpdate(l.ctx->mdctx, "x", 1) == 1 && EVP_DigestFinal_ex(l.ctx->mdctx, md, NULL) == 1 &&
         EVP_DigestInit_ex(l.ctx->mdctx, md_of(tag), NULL);
    if (i % 3 == 0)
      sched_yield(); /* hold it across a reschedule: other threads must find the slots busy */
    if (l.slot != NULL)
      atomic_store(&owners[idx], 0);
    wb__pool_give(&l, ok && (i % 97) != 0); /* now and then an unsound context: cleared */
  }
  return NULL;
}

static void test_threads(void) {
  pthread_t t[THREADS];
  atomic_init(&shared, NULL);
  for (size_t i = 0; i < THREADS; i++)
    CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
  for (size_t i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  CHECK(atomic_load(&errors) == 0);
  printf("threads: %d of %d leases were private contexts (every slot busy)\n", atomic_load(&privates),
         THREADS * ITERATIONS);
  wb__pool_free(&shared);
}

int main(void) {
  test_single_thread();
  test_threads();
  return CHECK_DONE();
}
