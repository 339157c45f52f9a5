/* SPDX-License-Identifier: MIT */
/*
 * server/clock_test.c - the movable clock of the test binary `wristband-testclock` (never
 * installed, never linked into `wristband`). When WRISTBAND_TEST_CLOCK_FILE names a file, its
 * content is a whole number of seconds added to the wall clock, read on every call, so a test
 * can jump past a grace window, a lockout or a token lifetime without sleeping. A missing or
 * unreadable file means an offset of 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

static int64_t offset_us(void) {
  const char *path = getenv("WRISTBAND_TEST_CLOCK_FILE");
  if (path == NULL || path[0] == '\0')
    return 0;
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  long long seconds = 0;
  if (fscanf(f, "%lld", &seconds) != 1)
    seconds = 0;
  fclose(f);
  return (int64_t)seconds * 1000000;
}

int64_t clock_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + offset_us();
}

int64_t clock_now_s(void) {
  return clock_now_us() / 1000000;
}

int clock_is_test(void) {
  return 1;
}
