/* SPDX-License-Identifier: MIT */
/*
 * server/reply.h - building replies: JSON bodies, extra headers, and the one mapping from an
 * srv_status to an HTTP error (RFC 6749 5.2 JSON {"error","error_description"}; RFC 6750
 * WWW-Authenticate on bearer failures; 429 with Retry-After). Server-side failures are logged
 * with their detail and answered with a generic 500 server_error.
 */
#ifndef WB_SERVER_REPLY_H
#define WB_SERVER_REPLY_H

#include "http.h"
#include "jbuf.h"

#define REPLY_JSON_MAX (256u * 1024u) /* the largest JSON reply a writer may build */

/** Takes j's text as a JSON body with status (500 when the writer failed). */
void reply_json(http_reply *rp, unsigned status, jbuf *j);
/** Takes body (malloc'd) as is. */
void reply_body(http_reply *rp, unsigned status, const char *ctype, char *body, size_t len);
void reply_empty(http_reply *rp, unsigned status);
/** Adds a header (value copied); 0 when there is no room. */
int reply_header(http_reply *rp, const char *name, const char *value);

/** An RFC 6749 5.2 error body. */
void reply_error(http_reply *rp, unsigned status, const char *code, const char *description);
/** The reply for a failed call (status, code, extra headers as the status needs). */
void reply_fail(http_reply *rp, const srv_error *e);
/** 401 for a request without a bearer token: WWW-Authenticate: Bearer realm="wristband". */
void reply_no_bearer(http_reply *rp);

#endif
