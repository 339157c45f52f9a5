/* SPDX-License-Identifier: MIT */
/*
 * server/ep_metrics.c - GET /metrics: the Prometheus text format (server/metrics.h names the
 * series). Unauthenticated, on the same port as the API.
 */
#include <stdlib.h>

#include "ep.h"

#define METRICS_MAX 8192

void ep_metrics(srv *s, const http_req *rq, http_reply *rp) {
  (void)rq;
  char *body = malloc(METRICS_MAX);
  size_t len = body != NULL ? metrics_render(&s->metrics, body, METRICS_MAX) : 0;
  if (len == 0) {
    free(body);
    reply_error(rp, 500, "server_error", "metrics unavailable");
    return;
  }
  reply_body(rp, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}
