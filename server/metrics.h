/* SPDX-License-Identifier: MIT */
/*
 * server/metrics.h - the server's counters and the request-latency histogram, rendered in the
 * Prometheus text format (version 0.0.4) by GET /metrics. Names are a contract (issue 8):
 *   wristband_logins_total{result="ok"|"failed"}, wristband_refresh_total,
 *   wristband_refresh_reuse_detected_total, wristband_revocations_total,
 *   wristband_http_request_duration_seconds (histogram).
 * Thread-safety: every update is one relaxed atomic add; render may run at any time.
 */
#ifndef WB_SERVER_METRICS_H
#define WB_SERVER_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_BUCKETS 12

typedef struct metrics {
  atomic_ullong logins_ok;
  atomic_ullong logins_failed;
  atomic_ullong refreshes;
  atomic_ullong reuse_detected;
  atomic_ullong revocations;
  atomic_ullong duration_us;              /* histogram _sum, in microseconds */
  atomic_ullong buckets[METRICS_BUCKETS]; /* requests at most le[i] (not cumulative here) */
} metrics;

void metrics_init(metrics *m);
void metrics_add(atomic_ullong *counter);
/** Records one request's duration. */
void metrics_observe_us(metrics *m, int64_t us);
/** The Prometheus text into buf[cap]; the length written, or 0 when cap is too small. */
size_t metrics_render(const metrics *m, char *buf, size_t cap);

#endif
