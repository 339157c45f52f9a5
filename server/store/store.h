/* SPDX-License-Identifier: MIT */
/*
 * server/store/store.h - the storage interface of `wristband serve`: users, sessions (refresh
 * token families), the access-token denylist, login and address counters, signing keys, server
 * secrets and introspection clients. The session logic (server/session.c and friends) talks to
 * this interface only; store_sqlite*.c and store_pg*.c implement it. The store knows neither HTTP nor the
 * tokens' wire format: it keeps rows and decides races.
 *
 * Conventions:
 * - Every call returns an srv_status: SRV_OK, SRV_ERR_NOT_FOUND, SRV_ERR_CONFLICT (a unique name
 *   taken), SRV_ERR_NOMEM or SRV_ERR_STORE, and fills the optional err. A failed call changes
 *   nothing (multi-row changes run in one transaction) and leaves its outputs empty (zeroed
 *   structs, NULL pointers, 0), so the caller may clear them whatever happened.
 *   tests/server/unit/faults_test.c holds every implementation to this with a failing wrapper.
 * - Times are microseconds since the epoch ("_us") or whole seconds ("_s"), as named.
 * - Strings in out-structs are owned by the struct: free them with the matching _clear function.
 * - Ids (user ids = the token's sub, session ids = sid) are short base64url strings made by the
 *   session logic, at most STORE_ID_MAX - 1 characters.
 *
 * Thread-safety: one store handle is shared by every thread; implementations keep per-thread
 * connections (and prepared statements) internally. Calls may block while the database is busy.
 * Durability: writes that hand out or take away credentials (sessions, rotations, revocations,
 * users, keys) are durable when the call returns; counters (lockout, address budget, the DPoP
 * replay cache) may be lost on power failure, which only forgets a few failed attempts (or lets a
 * DPoP proof of the last minute be used once more).
 */
#ifndef WB_SERVER_STORE_H
#define WB_SERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

#define STORE_ID_MAX      48 /* buffer size of ids and kids, NUL included */
#define STORE_ALG_MAX     16 /* buffer size of an algorithm name */
#define STORE_JKT_MAX     48 /* buffer size of a DPoP key thumbprint (43 characters), NUL included */
#define STORE_DPOP_ID_LEN 32 /* bytes of a DPoP proof's replay id */

/** "not set" for optional times (a NULL column). */
#define STORE_UNSET INT64_C(-1)

typedef struct store store;
typedef struct store_ops store_ops;

/** Every implementation's handle starts with this. */
struct store {
  const store_ops *ops;
};

typedef struct store_user {
  char id[STORE_ID_MAX];
  char *name;
  char *password_hash; /* libsodium crypto_pwhash_str string; wiped by the clear */
  char *roles;         /* JSON array of strings */
  char *claims;        /* JSON object of custom claims */
  int disabled;
  int64_t tokens_valid_after_us; /* tokens issued and sessions created before this are dead */
  int64_t created_us;
} store_user;

typedef struct store_session {
  char id[STORE_ID_MAX];
  char user_id[STORE_ID_MAX];
  int64_t counter;      /* counter of the current refresh token */
  int64_t rotated_us;   /* when counter last moved (the grace window starts here) */
  int64_t created_us;   /* login time */
  int64_t last_used_us; /* last login or refresh */
  int64_t revoked_us;   /* STORE_UNSET while alive */
  char *scope;
  char *client_id;              /* may be empty */
  char *user_agent;             /* may be empty */
  char *address;                /* may be empty */
  char dpop_jkt[STORE_JKT_MAX]; /* the DPoP key the session is bound to (RFC 7638 thumbprint), or "" */
} store_session;

/** What an endpoint taking an access token needs, in one read (store_ops.access_check). */
typedef struct store_access {
  int64_t session_created_us;
  int64_t session_revoked_us; /* STORE_UNSET while alive */
  int64_t session_last_used_us;
  char user_id[STORE_ID_MAX];
  int user_disabled;
  int64_t tokens_valid_after_us;
  int jti_denied; /* 1 when the jti is on the denylist */
  /* Filled only when the call asked for the user's fields: */
  char *name;
  char *roles;
  char *claims;
} store_access;

typedef struct store_key {
  char kid[STORE_ID_MAX];
  char alg[STORE_ALG_MAX];
  char *public_jwk;           /* the public JWK, JSON */
  unsigned char *private_enc; /* the private JWK sealed under the KEK (server/kek.c) */
  size_t private_enc_len;
  int64_t created_us;
  int64_t activated_us; /* first time a server signed with it, or STORE_UNSET */
  int64_t sign_until_s; /* published until (seconds); STORE_UNSET = pending, 0 = never signs */
} store_key;

/** Per-row callbacks of the listing calls; a non-zero return stops the walk. */
typedef int (*store_user_fn)(void *ctx, const store_user *u);
typedef int (*store_session_fn)(void *ctx, const store_session *s);
typedef int (*store_key_fn)(void *ctx, const store_key *k);
/* For copying a whole store (the copy ops below): a denylisted jti, a sealed secret, a client. */
typedef int (*store_deny_fn)(void *ctx, const char *jti, int64_t exp_s);
typedef int (*store_secret_fn)(void *ctx, const char *name, const unsigned char *value, size_t len);
typedef int (*store_client_fn)(void *ctx, const char *name, const unsigned char *hash, size_t len,
                               int64_t created_us);
/* One entry of the revocation feed (store_ops.revocations_since): kind 's', a session ended at at_us;
 * 'u', a user whose tokens issued before at_us are dead; 'j', a jti denylisted at at_us whose token
 * expires at exp_s. */
typedef int (*store_revocation_fn)(void *ctx, char kind, const char *id, int64_t at_us, int64_t exp_s);

struct store_ops {
  const char *scheme; /* "sqlite", "postgres" */
  void (*close)(store *s);

  /* ---- users ---- */
  srv_status (*user_create)(store *s, const store_user *u, srv_error *err);
  srv_status (*user_get_by_name)(store *s, const char *name, store_user *out, srv_error *err);
  srv_status (*user_get_by_id)(store *s, const char *id, store_user *out, srv_error *err);
  srv_status (*user_list)(store *s, store_user_fn fn, void *ctx, srv_error *err);
  /** Replaces the hash only if it is still old_hash (a rehash racing a password change loses). */
  srv_status (*user_rehash)(store *s, const char *id, const char *old_hash, const char *new_hash,
                            srv_error *err);
  /** New password: sets the hash and tokens_valid_after, ends every session of the user. */
  srv_status (*user_set_password)(store *s, const char *id, const char *hash, int64_t now_us, srv_error *err);
  /** Disables (ending every session, moving tokens_valid_after) or enables the user. */
  srv_status (*user_set_disabled)(store *s, const char *id, int disabled, int64_t now_us, srv_error *err);
  srv_status (*user_set_claims)(store *s, const char *id, const char *claims_json, srv_error *err);
  srv_status (*user_set_roles)(store *s, const char *id, const char *roles_json, srv_error *err);

  /* ---- sessions ---- */
  srv_status (*session_create)(store *s, const store_session *sess, srv_error *err);
  srv_status (*session_get)(store *s, const char *sid, store_session *out, srv_error *err);
  /**
   * Moves the session's counter from expected to expected + 1 if it is still expected and the
   * session alive; *rotated = 1 then, 0 when another request moved it first (the race is decided
   * here, in one conditional UPDATE).
   */
  srv_status (*session_rotate)(store *s, const char *sid, int64_t expected, int64_t now_us,
                               const char *user_agent, const char *address, int *rotated, srv_error *err);
  /** Ends one session (no error when it was already ended); *ended = 1 if this call ended it. */
  srv_status (*session_revoke)(store *s, const char *sid, int64_t now_us, int *ended, srv_error *err);
  /**
   * Ends every live session of the user except keep_sid (NULL = all); with move_tva also sets
   * tokens_valid_after to now_us. *count = sessions ended.
   */
  srv_status (*session_revoke_user)(store *s, const char *user_id, const char *keep_sid, int move_tva,
                                    int64_t now_us, int *count, srv_error *err);
  /** The user's live sessions (not revoked, created at or after tokens_valid_after), newest first. */
  srv_status (*session_list)(store *s, const char *user_id, store_session_fn fn, void *ctx, srv_error *err);
  /** Session + user + denylist in one read; SRV_ERR_NOT_FOUND when the session does not exist. */
  srv_status (*access_check)(store *s, const char *sid, const char *jti, int want_user, store_access *out,
                             srv_error *err);

  /* ---- denylist ---- */
  srv_status (*deny_add)(store *s, const char *jti, int64_t exp_s, int64_t now_us, srv_error *err);

  /* ---- counters (not durable) ---- */
  /** Counts one hit in bucket's fixed window of window_s seconds: *count hits so far in the
   * window that started at *window_start_s. */
  srv_status (*rate_hit)(store *s, const char *bucket, int64_t now_s, int64_t window_s, int64_t *count,
                         int64_t *window_start_s, srv_error *err);
  /** *locked_until_s: when the name's lockout ends (0 when not locked). */
  srv_status (*lockout_get)(store *s, const char *name, int64_t now_s, int64_t *locked_until_s,
                            srv_error *err);
  /** Records a failed password: after max_failures within window_s the name locks for lock_s. */
  srv_status (*lockout_fail)(store *s, const char *name, int64_t now_s, int64_t window_s,
                             int64_t max_failures, int64_t lock_s, int64_t *locked_until_s, srv_error *err);
  srv_status (*lockout_clear)(store *s, const char *name, srv_error *err);

  /* ---- signing keys ---- */
  /** Adds a key (new kid) and bumps the keys version. */
  srv_status (*key_add)(store *s, const store_key *k, srv_error *err);
  /**
   * Adds k as key_add does, unless the store already holds a key that can sign (a private part,
   * sign_until_s not 0): then nothing changes, SRV_OK. Decided by the database, so that servers
   * starting at once on an empty store add one first key between them.
   */
  srv_status (*key_add_first)(store *s, const store_key *k, srv_error *err);
  /** Every key, oldest first (private_enc filled). */
  srv_status (*key_list)(store *s, store_key_fn fn, void *ctx, srv_error *err);
  /**
   * A server starts signing with kid: sets activated_us if unset and sign_until_s to at least
   * sign_until_s; keys never activated and older than kid can no longer sign (sign_until_s = 0);
   * bumps the keys version when the published set changed.
   */
  srv_status (*key_activate)(store *s, const char *kid, int64_t now_us, int64_t sign_until_s, srv_error *err);
  /**
   * Extends sign_until_s of the key a server signs with (never shortens it). SRV_ERR_NOT_FOUND
   * when the store holds no activated key kid (removed, or a restored backup predates it).
   */
  srv_status (*key_heartbeat)(store *s, const char *kid, int64_t sign_until_s, srv_error *err);
  /** A counter that changes whenever the set of keys changes (cheap: one row). */
  srv_status (*keys_version)(store *s, int64_t *version, srv_error *err);

  /* ---- secrets and clients ---- */
  /** The sealed secret named name; SRV_ERR_NOT_FOUND when absent. *value is new (free()). */
  srv_status (*secret_get)(store *s, const char *name, unsigned char **value, size_t *len, srv_error *err);
  /** Stores it unless one exists (then SRV_ERR_CONFLICT and nothing changes). */
  srv_status (*secret_put)(store *s, const char *name, const unsigned char *value, size_t len,
                           srv_error *err);
  srv_status (*client_create)(store *s, const char *name, const unsigned char *secret_hash, size_t len,
                              int64_t now_us, srv_error *err);
  /** The client's secret hash into hash[cap]; *len its length. */
  srv_status (*client_get)(store *s, const char *name, unsigned char *hash, size_t cap, size_t *len,
                           srv_error *err);

  /* ---- upkeep ---- */
  /** Deletes expired denylist entries, stale counters, long-dead sessions and expired keys. */
  srv_status (*purge)(store *s, int64_t now_us, int64_t session_max_us, srv_error *err);
  /** A cheap read proving the store answers (health checks). */
  srv_status (*ping)(store *s, srv_error *err);

  /* ---- copying a whole store (`wristband store copy`, server/store_copy.c) ---- */
  /** The database's schema version (the number of the last migration applied). */
  srv_status (*schema_version)(store *s, int *version, srv_error *err);
  /** Every session, revoked or not, oldest first. */
  srv_status (*session_list_all)(store *s, store_session_fn fn, void *ctx, srv_error *err);
  srv_status (*deny_list)(store *s, store_deny_fn fn, void *ctx, srv_error *err);
  srv_status (*secret_list)(store *s, store_secret_fn fn, void *ctx, srv_error *err);
  srv_status (*client_list)(store *s, store_client_fn fn, void *ctx, srv_error *err);
  /** Adds a key with every field as given (activated_us, sign_until_s), bumping the keys version. */
  srv_status (*key_import)(store *s, const store_key *k, srv_error *err);
  /**
   * The calling thread's store calls between import_begin and import_end form one transaction
   * (commit != 0 commits, else everything since import_begin is undone). Only for the copy: no
   * other thread may write meanwhile, and the calls in between must be the single-row ones the
   * copy makes (user_create, session_create, session_revoke, deny_add, secret_put,
   * client_create, key_import).
   */
  srv_status (*import_begin)(store *s, srv_error *err);
  srv_status (*import_end)(store *s, int commit, srv_error *err);

  /* ---- DPoP (RFC 9449) ---- */
  /**
   * The proofs' replay cache: records id (STORE_DPOP_ID_LEN bytes) until exp_s; *fresh = 1 when
   * it was not there (or only past its exp_s at now_s), 0 when it was: a replayed proof. Decided
   * atomically across every server on the store (PostgreSQL: one statement on an UNLOGGED table;
   * SQLite: a shared table in the file PATH-dpop, server/store/replay_table.h), so two servers
   * given the same proof at once tell one of them it is fresh. Not durable: a crash may forget
   * the last proofs, which are stale a minute later.
   */
  srv_status (*dpop_jti_use)(store *s, const unsigned char *id, int64_t exp_s, int64_t now_s, int *fresh,
                             srv_error *err);

  /* ---- the revocation feed (GET /oauth/revocations, server/ep_revocations.c) ---- */
  /** The sessions ended, users' tokens-valid-after moved and jtis denylisted after after_us (the
   *  jtis only while their exp_s >= now_s), sessions first, then users, then jtis. */
  srv_status (*revocations_since)(store *s, int64_t after_us, int64_t now_s, store_revocation_fn fn,
                                  void *ctx, srv_error *err);

  /** Optional (NULL: nothing to do): readies the DPoP replay cache now, so that a server that
   *  cannot have one says so at start rather than at its first proof (SQLite: opens PATH-dpop). */
  srv_status (*dpop_ready)(store *s, srv_error *err);
};

/**
 * Opens the store named by url: "sqlite:PATH" (the database file is created, with its directory,
 * and migrated) or "postgres://..." / "postgresql://..." (a libpq connection URI: the schema is
 * migrated under an advisory lock, server/store/store_pg.c). *out is NULL on failure.
 */
srv_status store_open(store **out, const char *url, srv_error *err);
/**
 * How long a write waits for a database another process holds locked; past it the call fails
 * with SRV_ERR_STORE and err->retry_after set (the server answers 503 with Retry-After). Call
 * right after store_open, before other threads use s. A store without such a wait ignores it.
 */
void store_set_busy_timeout(store *s, int64_t ms);
/**
 * The schema version of the store at url, read without creating or changing anything: 0 when
 * the SQLite file or the PostgreSQL database holds no wristband store; SRV_ERR_NOT_FOUND when the
 * SQLite file does not exist. For reading a store that must already be one (`store copy --from`).
 */
srv_status store_probe(const char *url, int *version, srv_error *err);

/** Closes every connection. NULL-safe. Call after every thread using it has stopped. */
void store_close(store *s);

/** 1 for a "postgres://" or "postgresql://" url. */
int store_is_pg(const char *url);

/** url for messages: a PostgreSQL URL's password (user:PASSWORD@, password=...) becomes "***". */
void store_url_redacted(const char *url, char *buf, size_t cap);

/** For a "sqlite:PATH" url: PATH (borrowed from url), else NULL. */
const char *store_sqlite_path(const char *url);
/** mkdir -p for the directory of the file path (a SQLite database, its kek), new directories 0700. */
srv_status store_sqlite_make_dirs(const char *path, srv_error *err);

void store_user_clear(store_user *u);
void store_session_clear(store_session *s);
void store_access_clear(store_access *a);
void store_key_clear(store_key *k);

#endif
