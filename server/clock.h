/* SPDX-License-Identifier: MIT */
/*
 * server/clock.h - the server's one clock. Every time the server stores, signs or compares comes
 * from here, so that a test build can move it (server/clock_test.c) while the shipped binary
 * links the wall clock (server/clock.c). Thread-safety: safe from any thread.
 */
#ifndef WB_SERVER_CLOCK_H
#define WB_SERVER_CLOCK_H

#include <stdint.h>

/** Microseconds since the epoch. */
int64_t clock_now_us(void);

/** Whole seconds since the epoch (clock_now_us rounded down). */
int64_t clock_now_s(void);

/** 1 in the test build (the clock can be moved), 0 in the shipped one. */
int clock_is_test(void);

#endif
