/* SPDX-License-Identifier: MIT */
/*
 * server/metrics.c - counters, the latency histogram and their Prometheus rendering (metrics.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "metrics.h"

/* Upper bounds of the histogram buckets, in seconds (the last bucket is +Inf). */
static const double bucket_le[METRICS_BUCKETS - 1] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0};

void metrics_init(metrics *m) {
  atomic_init(&m->logins_ok, 0);
  atomic_init(&m->logins_failed, 0);
  atomic_init(&m->refreshes, 0);
  atomic_init(&m->reuse_detected, 0);
  atomic_init(&m->revocations, 0);
  atomic_init(&m->duration_us, 0);
  for (int i = 0; i < METRICS_BUCKETS; i++)
    atomic_init(&m->buckets[i], 0);
}

void metrics_add(atomic_ullong *counter) {
  atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

void metrics_observe_us(metrics *m, int64_t us) {
  if (us < 0)
    us = 0;
  double seconds = (double)us / 1e6;
  int i = 0;
  while (i < METRICS_BUCKETS - 1 && seconds > bucket_le[i])
    i++;
  atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&m->duration_us, (unsigned long long)us, memory_order_relaxed);
}

/* A bounded appender: once full, every later append is dropped and *ok becomes 0. */
typedef struct out {
  char *buf;
  size_t cap;
  size_t used;
  int ok;
} out;

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
static void
put(out *o, const char *fmt, ...) {
  if (!o->ok)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->used, o->cap - o->used, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= o->cap - o->used)
    o->ok = 0;
  else
    o->used += (size_t)n;
}

static unsigned long long get(const atomic_ullong *a) {
  return atomic_load_explicit(a, memory_order_relaxed);
}

static void counter(out *o, const char *name, const char *help, unsigned long long v) {
  put(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

size_t metrics_render(const metrics *m, char *buf, size_t cap) {
  out o = {buf, cap, 0, cap > 0};
  put(&o,
      "# HELP wristband_logins_total Password logins by result.\n# TYPE wristband_logins_total counter\n");
  put(&o, "wristband_logins_total{result=\"ok\"} %llu\n", get(&m->logins_ok));
  put(&o, "wristband_logins_total{result=\"failed\"} %llu\n", get(&m->logins_failed));
  counter(&o, "wristband_refresh_total", "Refresh-token grants answered with tokens.", get(&m->refreshes));
  counter(&o, "wristband_refresh_reuse_detected_total",
          "Reused refresh tokens (their sessions were revoked).", get(&m->reuse_detected));
  counter(&o, "wristband_revocations_total", "Sessions ended and access tokens revoked.",
          get(&m->revocations));
  const char *h = "wristband_http_request_duration_seconds";
  put(&o, "# HELP %s Time from request start to response completion.\n# TYPE %s histogram\n", h, h);
  unsigned long long cumulative = 0;
  for (int i = 0; i < METRICS_BUCKETS; i++) {
    cumulative += get(&m->buckets[i]);
    if (i < METRICS_BUCKETS - 1)
      put(&o, "%s_bucket{le=\"%g\"} %llu\n", h, bucket_le[i], cumulative);
    else
      put(&o, "%s_bucket{le=\"+Inf\"} %llu\n", h, cumulative);
  }
  put(&o, "%s_sum %.6f\n%s_count %llu\n", h, (double)get(&m->duration_us) / 1e6, h, cumulative);
  return o.ok ? o.used : 0;
}
