/* SPDX-License-Identifier: MIT */
/*
 * server/status.c - status names and the error helpers of server/status.h.
 */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const names[SRV_STATUS_COUNT_] = {
    [SRV_OK] = "ok",
    [SRV_ERR_INVALID_REQUEST] = "invalid_request",
    [SRV_ERR_INVALID_GRANT] = "invalid_grant",
    [SRV_ERR_INVALID_SCOPE] = "invalid_scope",
    [SRV_ERR_INVALID_TOKEN] = "invalid_token",
    [SRV_ERR_INVALID_CLIENT] = "invalid_client",
    [SRV_ERR_FORBIDDEN] = "insufficient_scope",
    [SRV_ERR_NOT_FOUND] = "not_found",
    [SRV_ERR_CONFLICT] = "conflict",
    [SRV_ERR_RATE_LIMITED] = "slow_down",
    [SRV_ERR_DISABLED] = "access_denied",
    [SRV_ERR_NOMEM] = "nomem",
    [SRV_ERR_STORE] = "store",
    [SRV_ERR_CRYPTO] = "crypto",
    [SRV_ERR_IO] = "io",
    [SRV_ERR_CONFIG] = "config",
    [SRV_ERR_INTERNAL] = "internal",
};

const char *srv_status_name(srv_status s) {
  if ((unsigned)s >= SRV_STATUS_COUNT_)
    return "unknown";
  return names[s];
}

srv_status srv_fail(srv_error *err, srv_status code, const char *fmt, ...) {
  if (err == NULL)
    return code;
  err->code = code;
  err->retry_after = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof(err->message), fmt, ap);
  va_end(ap);
  return code;
}

srv_status srv_ok(srv_error *err) {
  if (err != NULL) {
    err->code = SRV_OK;
    err->retry_after = 0;
    err->message[0] = '\0';
  }
  return SRV_OK;
}
