/* SPDX-License-Identifier: MIT */
/*
 * lib/randbuf.c - per-thread buffered randomness for the small draws made for every message (the
 * content key and IV of a JWE, an AES-GCM key wrap's IV): one RAND_bytes call fills a page that
 * many messages then take from. Contract: lib/internal.h (wb__random_msg).
 *
 * Why: OpenSSL 3.0's RAND_bytes costs about the same for 44 bytes as for 4 KiB (its CTR-DRBG
 * re-keys AES after every call, behind the provider layer): for 44 bytes it was a quarter of an
 * A256KW+A256GCM encryption. Drawing 4 KiB at once makes a draw about 30 times cheaper.
 *
 * The bytes are the same DRBG's output, drawn earlier; the rules that keep them as good:
 *   - a byte is given out once: it is wiped in the page as it is taken;
 *   - a fork never duplicates the page: it is mapped with MADV_WIPEONFORK, so a child (whatever
 *     made it: fork(), a raw clone) finds it zeroed, hence empty, and refills it from RAND_bytes,
 *     which reseeds after a fork itself (as BoringSSL detects forks);
 *   - the page dies with its thread: wiped and unmapped by a thread-specific destructor;
 *   - where MADV_WIPEONFORK is not available (not Linux, or a kernel before 4.14), or the page
 *     cannot be had, every draw goes straight to RAND_bytes, as before.
 * Never used for long-term secrets (keys are generated with wb_random).
 */
#define _DEFAULT_SOURCE /* MADV_WIPEONFORK and MAP_ANONYMOUS, beside the build's _POSIX_C_SOURCE */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__linux__) && defined(MADV_WIPEONFORK)

#define PAGE 4096

typedef struct rand_page {
  size_t left;                                /* bytes not yet given: the last `left` of bytes */
  unsigned char bytes[PAGE - sizeof(size_t)]; /* zeroed in a forked child: left is then 0 */
} rand_page;

static pthread_once_t page_once = PTHREAD_ONCE_INIT;
static pthread_key_t page_key;
static bool page_key_ok;
static _Thread_local rand_page *page;

static void page_destroy(void *p) {
  OPENSSL_cleanse(p, PAGE);
  munmap(p, PAGE);
  page = NULL; /* a destructor that runs later in this thread and draws gets a new page */
}

static void page_key_init(void) {
  page_key_ok = pthread_key_create(&page_key, page_destroy) == 0;
}

/* This thread's page, mapped and marked on first use; NULL when that is not possible. */
static rand_page *page_get(void) {
  if (page != NULL)
    return page;
  pthread_once(&page_once, page_key_init);
  void *p = page_key_ok ? mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                        : MAP_FAILED; /* LCOV_EXCL_BR_LINE: cov-randbuf-refused */
  /* LCOV_EXCL_START: cov-randbuf-refused */
  if (p == MAP_FAILED)
    return NULL;
  if (madvise(p, PAGE, MADV_WIPEONFORK) != 0 || pthread_setspecific(page_key, p) != 0) {
    munmap(p, PAGE);
    return NULL;
  }
  /* LCOV_EXCL_STOP: cov-randbuf-refused */
  page = p;
  return page;
}

wb_status wb__random_msg(unsigned char *out, size_t n, wb_error *err) {
  rand_page *p = n <= WB_RANDOM_MSG_MAX ? page_get() : NULL;
  if (p == NULL)
    return wb_random(out, n, err);
  if (p->left < n) { /* empty, nearly, or zeroed by the kernel in a forked child */
    OPENSSL_cleanse(p->bytes, sizeof(p->bytes));
    p->left = 0;
    if (RAND_bytes(p->bytes, (int)sizeof(p->bytes)) != 1) /* LCOV_EXCL_BR_LINE: cov-randbuf-refused */
      return wb_random(out, n, err);                      /* LCOV_EXCL_LINE: cov-randbuf-refused */
    p->left = sizeof(p->bytes);
  }
  unsigned char *from = p->bytes + sizeof(p->bytes) - p->left;
  memcpy(out, from, n);
  OPENSSL_cleanse(from, n);
  p->left -= n;
  return WB_OK;
}

bool wb__random_msg_buffered(void) {
  return page_get() != NULL;
}

#else

wb_status wb__random_msg(unsigned char *out, size_t n, wb_error *err) {
  return wb_random(out, n, err);
}

bool wb__random_msg_buffered(void) {
  return false;
}

#endif
