/* SPDX-License-Identifier: MIT */
/*
 * lib/revocation.h - a revocation follower (wb_revocations): the state verifiers read
 * (lib/revocation.c: parsing the feed, the immutable lookup table, the check wb_verify makes)
 * and the thread that polls the feed (lib/revocation_follow.c, which needs libcurl).
 *
 * The feed (GET /oauth/revocations?since=CURSOR&wait=SECONDS of `wristband serve`) answers
 *   {"cursor":"C","more":false,"reset":false,
 *    "sessions":[{"sid":S,"until":T}],"jtis":[{"jti":J,"until":T}],"users":[{"sub":U,"at":A,"until":T}]}
 * with the changes after CURSOR: sessions ended, access-token jtis revoked, users whose tokens
 * issued before A (UNIX seconds) are dead; until is when the last access token concerned
 * expires. "more" asks for the next page at once; "reset" (the cursor is unknown to the server)
 * replaces the state instead of adding to it. Entries are dropped grace_s after their until.
 *
 * The state is immutable once published and replaced whole (copy, then swap) under rv->rcu, so
 * the check in wb_verify takes no lock. Memory is bounded: at most WB_REV_MAX_ENTRIES entries,
 * each leaving once every token it concerns has expired.
 */
#ifndef WB_REVOCATION_H
#define WB_REVOCATION_H

#include <pthread.h>

#include "fetch.h"
#include "rcu.h"

#define WB_REV_MAX_ENTRIES (1u << 20) /* a feed holding more is refused (too_large), the state kept */
#define WB_REV_ID_MAX      255        /* longest sid, jti or sub accepted from the feed */
#define WB_REV_CURSOR_MAX  64

typedef struct wb_revstate wb_revstate;

struct wb_revocations {
  atomic_int refs;                  /* the caller's handle + each verifier following it */
  wb_rcu rcu;                       /* readers of state */
  _Atomic(wb_revstate *) state;     /* never NULL once made */
  atomic_int_fast64_t good_ms;      /* monotonic ms of the last good answer (0: none yet) */
  unsigned max_age_s;               /* 0: never fail closed */
  void (*stop)(wb_revocations *rv); /* set by the follower: stops and joins its thread */
  /* The follower's (lib/revocation_follow.c); strings owned, the secret wiped on free. */
  char *url, *ca_file, *client_id, *client_secret;
  wb_revocation_options opts; /* its strings point at the copies above */
  pthread_mutex_t mu;         /* guards everything below */
  pthread_cond_t wake;        /* to the thread: a poll is asked for, or stop */
  pthread_cond_t done;        /* from the thread: a poll finished */
  pthread_t thread;
  bool started;     /* thread runs (joined by stop) */
  atomic_bool quit; /* stop asked: also cancels the request in flight */
  bool asked, polling;
  uint64_t polls_done;
  wb_status last_st; /* of the last finished poll, for wb_revocations_refresh */
  char last_msg[160];
  char cursor[WB_REV_CURSOR_MAX];
  wb_remote_status status;
};

/** An empty state. NULL on OOM. */
wb_revstate *wb__revstate_empty(void);
void wb__revstate_free(wb_revstate *s);
/** Entries held. */
size_t wb__revstate_count(const wb_revstate *s);

/** One page of the feed, parsed. */
typedef struct wb_revpage {
  char cursor[WB_REV_CURSOR_MAX];
  bool more, reset;
  size_t changes; /* entries in the page */
} wb_revpage;

/**
 * The state after the feed page json[0..len): old's entries (none when the page says reset)
 * still within until + grace at now_s, and the page's. *out is new; on failure (malformed page,
 * too many entries, out of memory) *out is NULL and old is untouched.
 */
wb_status wb__revstate_apply(const wb_revstate *old, const char *json, size_t len, size_t max_len,
                             int64_t now_s, unsigned grace_s, wb_revstate **out, wb_revpage *page,
                             wb_error *err);

/** Publishes s in place of the current state, waits out the readers of the old one, frees it. */
void wb__revocations_publish(wb_revocations *rv, wb_revstate *s);

/** The check wb_verify makes on verified claims c: WB_OK, WB_ERR_REVOKED, or WB_ERR_IO past max_age_s. */
wb_status wb__revocations_check(wb_revocations *rv, const wb_claims *c, wb_error *err);

/** Monotonic milliseconds (the follower's clock). */
int64_t wb__mono_ms(void);

#endif
