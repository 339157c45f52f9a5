/* SPDX-License-Identifier: MIT */
/*
 * bench/timing.h - the one timing harness shared by every C benchmark program: warm-up, then
 * BENCH_REPS repetitions of a fixed duration (BENCH_SECONDS each), and the median ops/s.
 * Also the multi-threaded variant (N threads run the same operation at once; their rates add up).
 *
 * Environment (all optional): BENCH_SECONDS (1.0), BENCH_WARMUP (0.3 s), BENCH_REPS (3, at least 3).
 * The clock is read once per batch; a batch grows until it lasts about a millisecond, so the
 * clock costs nothing measurable even for sub-microsecond operations.
 * Header-only; nothing here asserts a time: programs print figures, nobody checks them.
 */
#ifndef WB_BENCH_TIMING_H
#define WB_BENCH_TIMING_H

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/** One operation under test; returns 0 on success. Any failure aborts the measurement. */
typedef int (*bench_op_fn)(void *ctx);

typedef struct bench_config {
  double seconds; /* duration of one repetition */
  double warmup;  /* warm-up before the first repetition */
  int reps;       /* repetitions; the median is reported */
} bench_config;

#define BENCH_MAX_REPS 99

static inline double bench_env_double(const char *name, double dflt) {
  const char *s = getenv(name);
  char *end = NULL;
  double v = s ? strtod(s, &end) : dflt;
  return (s && (end == s || v <= 0)) ? dflt : v;
}

static inline bench_config bench_config_from_env(void) {
  bench_config c;
  c.seconds = bench_env_double("BENCH_SECONDS", 1.0);
  c.warmup = bench_env_double("BENCH_WARMUP", 0.3);
  c.reps = (int)bench_env_double("BENCH_REPS", 3);
  if (c.reps < 3)
    c.reps = 3;
  if (c.reps > BENCH_MAX_REPS)
    c.reps = BENCH_MAX_REPS;
  return c;
}

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/** Runs op for at least `seconds`; returns the achieved ops/s, or -1 when an op failed. */
static inline double bench_timed_loop(bench_op_fn op, void *ctx, double seconds) {
  unsigned long long ops = 0;
  unsigned long batch = 1;
  double start = bench_now(), last = start, now;
  for (;;) {
    for (unsigned long i = 0; i < batch; i++)
      if (op(ctx) != 0)
        return -1;
    ops += batch;
    now = bench_now();
    if (now - start >= seconds)
      break;
    if (now - last < 1e-3 && batch < (1ul << 24))
      batch *= 2;
    last = now;
  }
  return (double)ops / (now - start);
}

static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static inline double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** Warm-up, cfg->reps timed repetitions, median ops/s; -1 when an op failed. */
static inline double bench_measure(const bench_config *cfg, bench_op_fn op, void *ctx) {
  double rates[BENCH_MAX_REPS];
  if (bench_timed_loop(op, ctx, cfg->warmup) < 0)
    return -1;
  for (int r = 0; r < cfg->reps; r++)
    if ((rates[r] = bench_timed_loop(op, ctx, cfg->seconds)) < 0)
      return -1;
  return bench_median(rates, cfg->reps);
}

/* ---- several threads running the same operation ------------------------------------- */

typedef struct bench_thread_arg {
  const bench_config *cfg;
  bench_op_fn op;
  void *ctx;
  pthread_barrier_t *barrier;
  double rate;
} bench_thread_arg;

static inline void *bench_thread_main(void *p) {
  bench_thread_arg *a = p;
  a->rate = bench_timed_loop(a->op, a->ctx, a->cfg->warmup);
  pthread_barrier_wait(a->barrier); /* all threads warm, then all start together */
  if (a->rate >= 0)
    a->rate = bench_timed_loop(a->op, a->ctx, a->cfg->seconds);
  return NULL;
}

#define BENCH_MAX_THREADS 64

/**
 * nthreads threads call op(ctx) concurrently (ctx is shared: op must be thread-safe) for each
 * repetition; a repetition's rate is the sum of the threads' rates. Median over repetitions,
 * -1 on any failure.
 */
static inline double bench_measure_threads(const bench_config *cfg, bench_op_fn op, void *ctx, int nthreads) {
  double rates[BENCH_MAX_REPS];
  bench_thread_arg args[BENCH_MAX_THREADS];
  pthread_t tids[BENCH_MAX_THREADS];
  pthread_barrier_t barrier;
  if (nthreads < 1 || nthreads > BENCH_MAX_THREADS)
    return -1;
  for (int r = 0; r < cfg->reps; r++) {
    pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
    for (int t = 0; t < nthreads; t++) {
      args[t] = (bench_thread_arg){cfg, op, ctx, &barrier, 0};
      if (pthread_create(&tids[t], NULL, bench_thread_main, &args[t]) != 0)
        return -1; /* cannot happen with a handful of threads; nothing to clean up sensibly */
    }
    rates[r] = 0;
    for (int t = 0; t < nthreads; t++) {
      pthread_join(tids[t], NULL);
      if (args[t].rate < 0 || rates[r] < 0)
        rates[r] = -1;
      else
        rates[r] += args[t].rate;
    }
    pthread_barrier_destroy(&barrier);
    if (rates[r] < 0)
      return -1;
  }
  return bench_median(rates, cfg->reps);
}

#endif
