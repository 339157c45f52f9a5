/* SPDX-License-Identifier: MIT */
/*
 * server/clock.c - the wall clock (CLOCK_REALTIME) for the shipped `wristband` binary. The test
 * binary links server/clock_test.c instead; nothing else differs between them.
 */
#include <time.h>

#include "clock.h"

int64_t clock_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_now_s(void) {
  return clock_now_us() / 1000000;
}

int clock_is_test(void) {
  return 0;
}
