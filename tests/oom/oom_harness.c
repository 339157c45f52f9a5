/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_harness.c - the failing allocator and the injection loop of the OOM tests
 * (oom_harness.h says how they work). malloc and friends forward to glibc's __libc_* functions.
 */
#define _GNU_SOURCE
#include "oom_harness.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

static atomic_long countdown = -1; /* allocations left before one fails; -1 = never */
static atomic_long failures;
static atomic_long live; /* blocks allocated and not yet freed */
static long failures_at_run_start;
static const void *failed_caller; /* the code that asked for the allocation that failed last */

long oom_current;
int oom_skip_libcrypto;
int oom_skip_libcurl;

/* 1 when the allocation was requested by code in the library whose file name holds name. */
static int from_library(const void *caller, const char *name) {
  Dl_info info;
  return dladdr(caller, &info) != 0 && info.dli_fname != NULL && strstr(info.dli_fname, name) != NULL;
}

static int should_fail(const void *caller) {
  long n = atomic_load(&countdown);
  if (n < 0)
    return 0;
  if (oom_skip_libcrypto && from_library(caller, "libcrypto"))
    return 0;
  if (oom_skip_libcurl && from_library(caller, "libcurl"))
    return 0;
  if (atomic_fetch_sub(&countdown, 1) == 0) {
    atomic_fetch_add(&failures, 1);
    errno = ENOMEM; /* as glibc's malloc does */
    failed_caller = caller;
    return 1;
  }
  return 0;
}

static void *counted(void *p) {
  if (p != NULL)
    atomic_fetch_add(&live, 1);
  return p;
}
void *malloc(size_t n) {
  return should_fail(__builtin_return_address(0)) ? NULL : counted(__libc_malloc(n));
}
void *calloc(size_t a, size_t b) {
  return should_fail(__builtin_return_address(0)) ? NULL : counted(__libc_calloc(a, b));
}
void *realloc(void *p, size_t n) {
  if (should_fail(__builtin_return_address(0)))
    return NULL;
  void *q = __libc_realloc(p, n);
  if (p == NULL)
    return counted(q);
  if (q != NULL && n == 0)
    atomic_fetch_sub(&live, 1);
  return q;
}
void free(void *p) {
  if (p != NULL)
    atomic_fetch_sub(&live, 1);
  __libc_free(p);
}

static int passed, failed;

void oom_expect(int ok, const char *cond, const char *file, int line) {
  if (ok) {
    passed++;
    return;
  }
  failed++;
  fprintf(stderr, "%s:%d: %s (fail at allocation %ld)\n", file, line, cond, oom_current);
}

int oom_failed_in_run(void) {
  return atomic_load(&failures) != failures_at_run_start;
}

long oom_inject_all(int (*scenario)(void)) {
  long n;
  int clean = 0;
  for (n = 0; n < 20000 && !clean; n++) {
    oom_current = n;
    failures_at_run_start = atomic_load(&failures);
    atomic_store(&countdown, n);
    int ok = scenario();
    atomic_store(&countdown, -1);
    if (!oom_failed_in_run()) { /* the failure point is past the end: done */
      EXPECT(ok == 1);
      clean = 1;
    }
  }
  EXPECT(clean);
  return n;
}

static long paused_countdown = -1;

void oom_pause(void) {
  paused_countdown = atomic_exchange(&countdown, -1);
}

void oom_resume(void) {
  atomic_store(&countdown, paused_countdown);
}

const char *oom_failed_library(void) {
  Dl_info info;
  if (failed_caller == NULL || dladdr(failed_caller, &info) == 0 || info.dli_fname == NULL)
    return "";
  return info.dli_fname;
}

long oom_live(void) {
  return atomic_load(&live);
}

int oom_report(void) {
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
