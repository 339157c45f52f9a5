/* SPDX-License-Identifier: MIT */
/*
 * server/status.h - the one way every layer below HTTP reports failure: an srv_status and an
 * optional, caller-owned srv_error (as the library's wb_status + wb_error). The HTTP layer maps a
 * status to an RFC 6749 / RFC 6750 error reply in one place (server/reply.c).
 *
 * Messages are for operators and clients: they never hold a password, a key, a whole token or a
 * refresh token. Thread-safety: stateless.
 */
#ifndef WB_SERVER_STATUS_H
#define WB_SERVER_STATUS_H

#include <stdint.h>

typedef enum {
  SRV_OK = 0,
  SRV_ERR_INVALID_REQUEST, /* malformed or missing input: 400 invalid_request */
  SRV_ERR_INVALID_GRANT,   /* bad credentials or refresh token: 400 invalid_grant */
  SRV_ERR_INVALID_SCOPE,   /* scope outside the grant: 400 invalid_scope */
  SRV_ERR_INVALID_TOKEN,   /* bearer token rejected: 401 invalid_token */
  SRV_ERR_INVALID_CLIENT,  /* client authentication failed: 401 invalid_client */
  SRV_ERR_FORBIDDEN,       /* authenticated, but a role is missing: 403 */
  SRV_ERR_NOT_FOUND,       /* no such user, session, key or client */
  SRV_ERR_CONFLICT,        /* already exists (user name, client name) */
  SRV_ERR_RATE_LIMITED,    /* lockout or address budget: 429, retry_after set */
  SRV_ERR_DISABLED,        /* a feature switched off by configuration */
  SRV_ERR_NOMEM,           /* out of memory */
  SRV_ERR_STORE,           /* the database failed (I/O, corruption, busy too long) */
  SRV_ERR_CRYPTO,          /* a cryptographic backend or key failed */
  SRV_ERR_IO,              /* a file or system call failed */
  SRV_ERR_CONFIG,          /* invalid configuration */
  SRV_ERR_INTERNAL,        /* a broken invariant: a bug */
  SRV_STATUS_COUNT_        /* not a status */
} srv_status;

typedef struct srv_error {
  srv_status code;
  int64_t retry_after; /* seconds, for SRV_ERR_RATE_LIMITED; 0 otherwise */
  char message[200];
} srv_error;

/** A stable lower-case word for a status ("invalid_grant", "store", ...). */
const char *srv_status_name(srv_status s);

/** Fills err (when not NULL) and returns code, so callers write `return srv_fail(err, ...)`. */
srv_status srv_fail(srv_error *err, srv_status code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Clears err (when not NULL) and returns SRV_OK. */
srv_status srv_ok(srv_error *err);

#endif
