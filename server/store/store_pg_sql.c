/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_pg_sql.c - the SQL of every statement of the PostgreSQL store, in pg_id
 * order (store_pg.h). They follow store_sqlite.c's statement for statement; where SQLite needs a
 * transaction around several statements, PostgreSQL runs one statement with data-modifying CTEs
 * (atomic, one round trip). Parameters carry explicit casts so that their types never depend on
 * inference. Names and other request-supplied strings are bytea columns (migrations_pg/), so
 * any byte sequence a client sends is stored and compared byte for byte, as in SQLite.
 */
#include "store_cols.h"
#include "store_pg.h"

#define USER_COLS "id, name, password_hash, roles, claims, disabled, tokens_valid_after_us, created_us"
#define BUMP_KEYS_IF(cte)                                                                                    \
  "UPDATE meta SET value = value + 1 WHERE name = 'keys_version' AND EXISTS(SELECT 1 FROM " cte ")"
/* The lockout's restart condition: the window has passed or the lock has ended. */
#define LOCK_RESTART                                                                                         \
  "($2::bigint - lf.first_failure_s >= $3::bigint OR (lf.locked_until_s > 0 AND lf.locked_until_s <= "       \
  "$2::bigint))"
#define LOCK_FIRST "(CASE WHEN $4::bigint <= 1 THEN $2::bigint + $5::bigint ELSE 0 END)"

const char *const pg_sql[PG_COUNT_] = {
    [PG_USER_INSERT] =
        "INSERT INTO users(" USER_COLS ") "
        "VALUES($1::text, $2::bytea, $3::text, $4::text, $5::text, $6::int <> 0, $7::bigint, $8::bigint)",
    [PG_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE name = $1::bytea",
    [PG_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = $1::text",
    [PG_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY name",
    [PG_USER_REHASH] =
        "UPDATE users SET password_hash = $3::text WHERE id = $1::text AND password_hash = $2::text",
    /* $1 id, $2 hash, $3 now: one statement sets the password and ends the user's sessions. */
    [PG_USER_SET_PASSWORD] =
        "WITH u AS (UPDATE users SET password_hash = $2::text, "
        "tokens_valid_after_us = GREATEST(tokens_valid_after_us, $3::bigint) WHERE id = $1::text RETURNING "
        "id), "
        "e AS (UPDATE sessions SET revoked_us = $3::bigint WHERE user_id IN (SELECT id FROM u) "
        "AND revoked_us IS NULL) SELECT count(*) FROM u",
    /* $1 id, $2 disabled, $3 now. */
    [PG_USER_SET_DISABLED] =
        "WITH u AS (UPDATE users SET disabled = $2::int <> 0, tokens_valid_after_us = CASE WHEN $2::int <> 0 "
        "THEN GREATEST(tokens_valid_after_us, $3::bigint) ELSE tokens_valid_after_us END WHERE id = $1::text "
        "RETURNING id), e AS (UPDATE sessions SET revoked_us = $3::bigint WHERE $2::int <> 0 "
        "AND user_id IN (SELECT id FROM u) AND revoked_us IS NULL) SELECT count(*) FROM u",
    [PG_USER_SET_CLAIMS] = "UPDATE users SET claims = $2::text WHERE id = $1::text",
    [PG_USER_SET_ROLES] = "UPDATE users SET roles = $2::text WHERE id = $1::text",
    [PG_SESSION_INSERT] =
        "INSERT INTO sessions(id, user_id, counter, rotated_us, created_us, last_used_us, "
        "revoked_us, scope, client_id, user_agent, address, dpop_jkt) VALUES($1::text, $2::text, "
        "$3::bigint, $4::bigint, $5::bigint, $6::bigint, NULL, $7::text, $8::bytea, $9::bytea, "
        "$10::bytea, $11::text)",
    [PG_SESSION_GET] = "SELECT " SESSION_COLS " FROM sessions s WHERE s.id = $1::text",
    [PG_SESSION_ROTATE] = "UPDATE sessions SET counter = counter + 1, rotated_us = $3::bigint, "
                          "last_used_us = $3::bigint, user_agent = $4::bytea, address = $5::bytea "
                          "WHERE id = $1::text AND counter = $2::bigint AND revoked_us IS NULL",
    [PG_SESSION_REVOKE] =
        "UPDATE sessions SET revoked_us = $2::bigint WHERE id = $1::text AND revoked_us IS NULL",
    /* $1 user, $2 the session to keep (NULL: none), $3 move tokens-valid-after, $4 now. */
    [PG_SESSION_REVOKE_USER] =
        "WITH t AS (UPDATE users SET tokens_valid_after_us = GREATEST(tokens_valid_after_us, $4::bigint) "
        "WHERE $3::int <> 0 AND id = $1::text), e AS (UPDATE sessions SET revoked_us = $4::bigint "
        "WHERE user_id = $1::text AND revoked_us IS NULL AND id IS DISTINCT FROM $2::text RETURNING 1) "
        "SELECT count(*) FROM e",
    [PG_SESSION_LIST] =
        "SELECT " SESSION_COLS " FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.user_id = $1::text AND s.revoked_us IS NULL "
        "AND s.created_us >= u.tokens_valid_after_us ORDER BY s.created_us DESC, s.id COLLATE \"C\"",
    [PG_SESSION_LIST_ALL] =
        "SELECT " SESSION_COLS " FROM sessions s ORDER BY s.created_us, s.id COLLATE \"C\"",
    [PG_ACCESS_CHECK] = "SELECT s.created_us, s.revoked_us, s.last_used_us, s.user_id, u.disabled, "
                        "u.tokens_valid_after_us, EXISTS(SELECT 1 FROM denylist WHERE jti = $2::bytea), "
                        "u.name, u.roles, u.claims FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.id = $1::text",
    [PG_DENY_ADD] =
        "INSERT INTO denylist AS d (jti, exp_s, added_us) VALUES($1::bytea, $2::bigint, $3::bigint) "
        "ON CONFLICT(jti) DO UPDATE SET exp_s = GREATEST(d.exp_s, excluded.exp_s), "
        "added_us = excluded.added_us",
    [PG_DENY_LIST] = "SELECT jti, exp_s FROM denylist ORDER BY jti",
    [PG_REV_SESSIONS] = "SELECT id, revoked_us, 0::bigint FROM sessions WHERE revoked_us > $1::bigint "
                        "ORDER BY revoked_us",
    [PG_REV_USERS] = "SELECT id, tokens_valid_after_us, 0::bigint FROM users "
                     "WHERE tokens_valid_after_us > $1::bigint ORDER BY tokens_valid_after_us",
    [PG_REV_JTIS] = "SELECT jti, added_us, exp_s FROM denylist WHERE added_us > $1::bigint "
                    "AND exp_s >= $2::bigint ORDER BY added_us",
    [PG_RATE_HIT] =
        "INSERT INTO rate_limits AS r (bucket, window_start_s, hits) VALUES($1::bytea, $2::bigint, 1) "
        "ON CONFLICT(bucket) DO UPDATE SET "
        "hits = CASE WHEN r.window_start_s = excluded.window_start_s THEN r.hits + 1 ELSE 1 END, "
        "window_start_s = excluded.window_start_s RETURNING hits, window_start_s",
    [PG_LOCKOUT_GET] =
        "SELECT locked_until_s FROM login_failures WHERE name = $1::bytea AND locked_until_s > $2::bigint",
    /* $1 name, $2 now, $3 window, $4 max failures, $5 lock seconds (as in store_sqlite.c). */
    [PG_LOCKOUT_FAIL] =
        "INSERT INTO login_failures AS lf (name, first_failure_s, failures, locked_until_s) "
        "VALUES($1::bytea, $2::bigint, 1, " LOCK_FIRST ") ON CONFLICT(name) DO UPDATE SET "
        "failures = CASE WHEN " LOCK_RESTART " THEN 1 ELSE lf.failures + 1 END, "
        "first_failure_s = CASE WHEN " LOCK_RESTART " THEN $2::bigint ELSE lf.first_failure_s END, "
        "locked_until_s = CASE WHEN " LOCK_RESTART " THEN " LOCK_FIRST " "
        "WHEN lf.failures + 1 >= $4::bigint THEN $2::bigint + $5::bigint ELSE lf.locked_until_s END "
        "RETURNING locked_until_s",
    [PG_LOCKOUT_CLEAR] = "DELETE FROM login_failures WHERE name = $1::bytea",
    [PG_KEY_INSERT] =
        "WITH k AS (INSERT INTO signing_keys(kid, alg, public_jwk, private_enc, created_us, "
        "activated_us, sign_until_s) VALUES($1::text, $2::text, $3::text, $4::bytea, $5::bigint, "
        "NULL, NULL) RETURNING 1) " BUMP_KEYS_IF("k"),
    /* Run holding FIRST_KEY_LOCK (store_pg.c), in a statement begun after it was granted. */
    [PG_KEY_INSERT_FIRST] =
        "WITH k AS (INSERT INTO signing_keys(kid, alg, public_jwk, private_enc, created_us, "
        "activated_us, sign_until_s) SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bigint, NULL, NULL "
        "WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE COALESCE(sign_until_s, 1) <> 0 "
        "AND octet_length(private_enc) > 0) RETURNING 1) " BUMP_KEYS_IF("k"),
    [PG_KEY_IMPORT] =
        "WITH k AS (INSERT INTO signing_keys(kid, alg, public_jwk, private_enc, created_us, "
        "activated_us, sign_until_s) VALUES($1::text, $2::text, $3::text, $4::bytea, $5::bigint, "
        "$6::bigint, $7::bigint) RETURNING 1) " BUMP_KEYS_IF("k"),
    [PG_KEY_LIST] = "SELECT kid, alg, public_jwk, private_enc, created_us, activated_us, sign_until_s "
                    "FROM signing_keys ORDER BY created_us, kid COLLATE \"C\"",
    /* $1 kid, $2 now, $3 sign until: activate it, keys older than it that never signed never will. */
    [PG_KEY_ACTIVATE] =
        "WITH a AS (UPDATE signing_keys SET activated_us = COALESCE(activated_us, $2::bigint), "
        "sign_until_s = GREATEST(COALESCE(sign_until_s, 0), $3::bigint) WHERE kid = $1::text RETURNING "
        "created_us), "
        "o AS (UPDATE signing_keys SET sign_until_s = 0 WHERE activated_us IS NULL AND sign_until_s IS NULL "
        "AND created_us < (SELECT created_us FROM a)), b AS (" BUMP_KEYS_IF("a") ") SELECT count(*) FROM a",
    [PG_KEY_HEARTBEAT] = "UPDATE signing_keys SET sign_until_s = GREATEST(sign_until_s, $2::bigint) "
                         "WHERE kid = $1::text AND activated_us IS NOT NULL",
    [PG_KEYS_VERSION] = "SELECT value FROM meta WHERE name = 'keys_version'",
    [PG_SECRET_GET] = "SELECT value_enc FROM secrets WHERE name = $1::text",
    [PG_SECRET_PUT] = "INSERT INTO secrets(name, value_enc) VALUES($1::text, $2::bytea)",
    [PG_SECRET_LIST] = "SELECT name, value_enc FROM secrets ORDER BY name COLLATE \"C\"",
    [PG_CLIENT_INSERT] =
        "INSERT INTO clients(name, secret_hash, created_us) VALUES($1::bytea, $2::bytea, $3::bigint)",
    [PG_CLIENT_GET] = "SELECT secret_hash FROM clients WHERE name = $1::bytea",
    [PG_CLIENT_LIST] = "SELECT name, secret_hash, created_us FROM clients ORDER BY name",
    /* $1 now (s), $2 now (us), $3 the sessions' absolute lifetime (us): as store_sqlite.c's purge. */
    [PG_PURGE] =
        "WITH a AS (DELETE FROM denylist WHERE exp_s < $1::bigint), "
        "b AS (DELETE FROM rate_limits WHERE window_start_s < $1::bigint - 3600), "
        "c AS (DELETE FROM login_failures WHERE first_failure_s < $1::bigint - 86400 "
        "AND locked_until_s < $1::bigint), "
        "d AS (DELETE FROM sessions WHERE (revoked_us IS NOT NULL AND revoked_us < $2::bigint - 86400000000) "
        "OR created_us < $2::bigint - $3::bigint - 86400000000), "
        "j AS (DELETE FROM dpop_jtis WHERE exp_s <= $1::bigint), "
        "k AS (DELETE FROM signing_keys WHERE sign_until_s IS NOT NULL AND sign_until_s < $1::bigint - 86400 "
        "RETURNING 1) " BUMP_KEYS_IF("k"),
    [PG_PING] = "SELECT 1",
    [PG_SCHEMA_VERSION] = "SELECT COALESCE(max(version), 0) FROM wristband_migrations",
    /* $1 id, $2 expiry, $3 now: a row comes back when the id was new (or its row had expired). The
     * unique index decides between servers: the second insert waits for the first and updates
     * nothing. */
    [PG_DPOP_JTI_USE] =
        "INSERT INTO dpop_jtis AS d (id, exp_s) VALUES($1::bytea, $2::bigint) ON CONFLICT(id) "
        "DO UPDATE SET exp_s = excluded.exp_s WHERE d.exp_s <= $3::bigint RETURNING 1",
};
