/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_harness.h - the allocation-failure harness of the OOM tests, after SQLite's
 * anomaly tests: oom_harness.c replaces malloc, calloc, realloc and free (glibc supports
 * replacing them in the executable; jansson and OpenSSL then allocate through them too) so that
 * the Nth allocation of the process fails. oom_inject_all runs a scenario with N = 0, 1, 2, ...
 * until a run meets no failure. Replacing malloc cannot work under AddressSanitizer, which owns
 * it: the OOM tests are built only in plain builds (label no-asan).
 */
#ifndef WB_OOM_HARNESS_H
#define WB_OOM_HARNESS_H

/* The allocation that fails in the current run (0 = the first). */
extern long oom_current;
/* When set, allocations requested by libcrypto never fail: only wristband's and jansson's do. */
extern int oom_skip_libcrypto;
/* When set, allocations requested by libcurl never fail either (libcurl 7.88 leaks a block on some
 * of its own out-of-memory paths inside a transfer, which is not ours to fix). */
extern int oom_skip_libcurl;

/* Records a check; a failure is printed with the allocation that failed. */
void oom_expect(int ok, const char *cond, const char *file, int line);
#define EXPECT(cond) oom_expect((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

/* Runs scenario (returns 1 when every step succeeded) failing allocation n = 0, 1, 2, ... until
 * a run meets no failure, which must then succeed; returns the number of runs. */
long oom_inject_all(int (*scenario)(void));
/* 1 when an allocation failure was injected since the last call to oom_inject_all's run began. */
int oom_failed_in_run(void);
/* Suspends injection (the countdown stops) until oom_resume: for a scenario's own checks, which
 * must not meet the failure meant for the code under test. Not nested. */
void oom_pause(void);
void oom_resume(void);
/* The file (executable or shared library) whose code asked for the allocation that failed last. */
const char *oom_failed_library(void);
/* Heap blocks allocated and not yet freed. */
long oom_live(void);
/* Prints "N passed, N failed"; returns the exit status. */
int oom_report(void);

#endif
