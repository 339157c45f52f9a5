/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/check.h - the tiny assertion kit of the unit tests: CHECK(cond) and
 * CHECK_ST(call, status) record failures with file:line and keep going; main() ends with
 * CHECK_DONE(), which prints "N passed, N failed" and returns the exit status.
 */
#ifndef WB_TEST_CHECK_H
#define WB_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wristband/wristband.h"

static int check_passed_, check_failed_;

#define CHECK(cond)                                                                                          \
  do {                                                                                                       \
    if (cond) {                                                                                              \
      check_passed_++;                                                                                       \
    } else {                                                                                                 \
      check_failed_++;                                                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                               \
    }                                                                                                        \
  } while (0)

/* Runs call (which returns wb_status) and checks it returned want. */
#define CHECK_ST(call, want)                                                                                 \
  do {                                                                                                       \
    wb_status got_ = (call);                                                                                 \
    if (got_ == (want)) {                                                                                    \
      check_passed_++;                                                                                       \
    } else {                                                                                                 \
      check_failed_++;                                                                                       \
      fprintf(stderr, "%s:%d: %s returned %s, want %s\n", __FILE__, __LINE__, #call, wb_status_name(got_),   \
              wb_status_name(want));                                                                         \
    }                                                                                                        \
  } while (0)

#define CHECK_DONE() (printf("%d passed, %d failed\n", check_passed_, check_failed_), check_failed_ ? 1 : 0)

#endif
