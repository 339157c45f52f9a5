/* SPDX-License-Identifier: MIT */
/*
 * server/ep_metrics.c - GET /metrics (Prometheus text format, server/metrics.h names the series)
 * and GET /healthz (200 {"status":"ok"} when the store answers, else 503). Unauthenticated, on
 * the same port as the API.
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

void ep_health(srv *s, const http_req *rq, http_reply *rp) {
  (void)rq;
  srv_error err;
  if (s->st->ops->ping(s->st, &err) != SRV_OK) {
    reply_fail(rp, &err);
    return;
  }
  jbuf j;
  jbuf_init(&j, 64);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "status", "ok");
  jbuf_close(&j, '{');
  reply_json(rp, 200, &j);
}
