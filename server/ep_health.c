/* SPDX-License-Identifier: MIT */
/*
 * server/ep_health.c - GET /healthz: 200 {"status":"ok"} when the store answers a query, else the
 * store's failure (503). Unauthenticated, for load balancers and orchestrators.
 */
#include "ep.h"

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
