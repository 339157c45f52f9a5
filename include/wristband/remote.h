/* SPDX-License-Identifier: MIT */
/*
 * wristband/remote.h - verifiers that keep up by themselves: a key set that follows an issuer's
 * published JWKS (by URL, or by OpenID Connect discovery), and a follower of the wristband
 * server's revocation feed (GET /oauth/revocations).
 *
 * Both fetch over HTTPS with libcurl (plain http only when allowed), in a background thread of
 * their own, with a bounded response size and time, and never follow a redirect to another
 * origin. A failed fetch keeps what was fetched before (keys for at most stale_s seconds, the
 * revocation state forever, its age reported) and is recorded in the status. Built without
 * libcurl (CMake -DWB_REMOTE=OFF), the constructors return WB_ERR_UNSUPPORTED.
 *
 * A verifier built on a remote key set (wb_verifier_new_remote) swaps in each new key set
 * atomically while other threads verify: wb_verify takes no lock and does the same work as with
 * a local key set. A token whose kid is unknown makes it fetch again, at most once per
 * cooldown_s, and retry once. A verifier that follows a revocation feed
 * (wb_verifier_follow_revocations) rejects, with WB_ERR_REVOKED, tokens whose sid was ended,
 * whose jti was revoked, or whose iat is before their user's tokens-valid-after.
 *
 * Thread-safety: a wb_remote_keyset and a wb_revocations are safe to use from any thread once
 * made; they are reference counted, so verifiers built on them keep them (and their thread)
 * alive after the caller's wb_*_free. Their threads stop when the last reference goes.
 */
#ifndef WRISTBAND_REMOTE_H
#define WRISTBAND_REMOTE_H

#include "common.h"
#include "jwt.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wb_remote_keyset wb_remote_keyset;
typedef struct wb_revocations wb_revocations;

/** true when this libwristband was built with libcurl (remote key sets and feeds work). @since 0.1 */
WB_EXPORT bool wb_remote_supported(void);

/**
 * How a remote key set fetches and caches. wb_remote_options_default() fills the defaults given
 * per field; the strings are copied by the constructor. @since 0.1
 */
typedef struct wb_remote_options {
  bool allow_http;          /* accept http:// URLs (false: https only) */
  const char *ca_file;      /* PEM file of the CAs to trust instead of the system's (NULL) */
  unsigned timeout_ms;      /* one whole request, connecting included (5000) */
  size_t max_bytes;         /* largest response body (1 MiB) */
  unsigned min_ttl_s;       /* Cache-Control max-age is raised to at least this (60) */
  unsigned max_ttl_s;       /* ... and lowered to at most this (86400) */
  unsigned default_ttl_s;   /* freshness when the response gives no max-age (300) */
  unsigned cooldown_s;      /* an unknown kid makes it fetch at most once per this (30) */
  unsigned stale_s;         /* keys are kept this long after the last good fetch (86400) */
  const char *persist_file; /* where to keep the last good key set across restarts (NULL: nowhere) */
} wb_remote_options;

WB_EXPORT void wb_remote_options_default(wb_remote_options *opts);

/**
 * What a remote key set or a revocation follower has been doing. Times are UNIX seconds
 * (0: never). @since 0.1
 */
typedef struct wb_remote_status {
  uint64_t requests;    /* HTTP requests made */
  uint64_t failures;    /* fetches that failed (their last error below) */
  uint64_t changes;     /* times new keys / new revocations were taken in */
  int64_t last_success; /* the last good answer (new content or not modified) */
  int64_t last_attempt; /* the last fetch that finished, good or bad */
  int64_t age;          /* seconds since what is in use was fetched; -1: nothing fetched yet */
  size_t items;         /* keys trusted / revocation entries held */
  bool from_file;       /* the keys in use came from the persistence file */
  wb_status last_error; /* of the last fetch: WB_OK when it succeeded */
  char message[160];    /* what went wrong ("" when nothing did) */
} wb_remote_status;

/* ---- remote key sets ---------------------------------------------------------------------------- */

/**
 * A key set that follows the JWKS at url (https, or http when opts->allow_http). Loads the
 * persistence file when there is one (keys fetched at most stale_s seconds ago, for this URL),
 * else fetches once before returning; then refreshes in the background ahead of expiry. A fetch
 * that fails is no error here: the status says why, and the thread keeps trying. opts NULL: the
 * defaults. On failure *out is NULL.
 */
WB_EXPORT wb_status wb_remote_keyset_new(wb_remote_keyset **out, const char *url,
                                         const wb_remote_options *opts, wb_error *err) WB_WARN_UNUSED_RESULT;
/** The same, for the issuer's keys found by OpenID Connect discovery (issuer + "/.well-known/openid-
 * configuration", then its jwks_uri; the document's issuer must be issuer). */
WB_EXPORT wb_status wb_remote_keyset_discover(wb_remote_keyset **out, const char *issuer,
                                              const wb_remote_options *opts,
                                              wb_error *err) WB_WARN_UNUSED_RESULT;
/** Fetches now (or waits for the fetch in flight) and returns that fetch's status. */
WB_EXPORT wb_status wb_remote_keyset_refresh(wb_remote_keyset *r, wb_error *err) WB_WARN_UNUSED_RESULT;
/** A copy of the keys trusted now (*out new: wb_keyset_free; empty when there are none). */
WB_EXPORT wb_status wb_remote_keyset_keys(const wb_remote_keyset *r, wb_keyset **out,
                                          wb_error *err) WB_WARN_UNUSED_RESULT;
/** Fills *status. */
WB_EXPORT wb_status wb_remote_keyset_status(const wb_remote_keyset *r, wb_remote_status *status,
                                            wb_error *err) WB_WARN_UNUSED_RESULT;
/** Drops the caller's reference; the thread stops when the last verifier built on it is freed. NULL-safe. */
WB_EXPORT void wb_remote_keyset_free(wb_remote_keyset *r);

/**
 * A verifier trusting whatever keys r trusts at the moment (it takes a reference to r). The
 * default policy is wb_verifier_new's; wb_verifier_allow_alg narrows it without needing a key
 * that fits now. On a discovered key set (wb_remote_keyset_discover) it also expects iss to be
 * that issuer, trailing slashes aside as in discovery (RFC 8725 3.8); wb_verifier_expect_issuer
 * names another (compared exactly).
 */
WB_EXPORT wb_status wb_verifier_new_remote(wb_verifier **out, wb_remote_keyset *r,
                                           wb_error *err) WB_WARN_UNUSED_RESULT;

/* ---- revocation feeds -------------------------------------------------------------------------- */

/** How a revocation follower polls. wb_revocation_options_default() fills the defaults. @since 0.1 */
typedef struct wb_revocation_options {
  bool allow_http;           /* accept http:// URLs (false: https only) */
  const char *ca_file;       /* PEM file of the CAs to trust (NULL: the system's) */
  unsigned timeout_ms;       /* one request, on top of the long-poll wait (5000) */
  size_t max_bytes;          /* largest response body (4 MiB) */
  unsigned interval_s;       /* how often to ask; the server answers at once on a change (5) */
  unsigned max_age_s;        /* reject every token while the state is older than this (0: never) */
  unsigned grace_s;          /* entries are kept this long after their tokens expired (300) */
  const char *client_id;     /* HTTP Basic credentials of a client of the server (NULL: none) */
  const char *client_secret; /* copied, wiped when freed */
} wb_revocation_options;

WB_EXPORT void wb_revocation_options_default(wb_revocation_options *opts);

/**
 * A follower of the revocation feed at url: polls once before returning (the status says how
 * that went), then every interval_s in the background. opts NULL: the defaults (no client
 * credentials). On failure *out is NULL.
 */
WB_EXPORT wb_status wb_revocations_new(wb_revocations **out, const char *url,
                                       const wb_revocation_options *opts,
                                       wb_error *err) WB_WARN_UNUSED_RESULT;
/** Polls now (or waits for the poll in flight) and returns that poll's status. */
WB_EXPORT wb_status wb_revocations_refresh(wb_revocations *rv, wb_error *err) WB_WARN_UNUSED_RESULT;
/** Fills *status (items: the entries held; age: seconds since the last good poll). */
WB_EXPORT wb_status wb_revocations_status(const wb_revocations *rv, wb_remote_status *status,
                                          wb_error *err) WB_WARN_UNUSED_RESULT;
/** Drops the caller's reference; the thread stops when the last verifier following it is freed. NULL-safe. */
WB_EXPORT void wb_revocations_free(wb_revocations *rv);

/**
 * Set-up: v rejects tokens the feed revoked (WB_ERR_REVOKED), and every token while the state is
 * older than max_age_s (WB_ERR_IO). v takes a reference to rv; one feed may serve several verifiers.
 */
WB_EXPORT wb_status wb_verifier_follow_revocations(wb_verifier *v, wb_revocations *rv,
                                                   wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
