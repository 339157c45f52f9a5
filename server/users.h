/* SPDX-License-Identifier: MIT */
/*
 * server/users.h - accounts and introspection clients: creating users (the admin command and
 * POST /users), disabling them, new passwords, roles and custom claims, and client secrets.
 * The validation of names, roles and claims lives here, once.
 *
 * Names: 1-64 characters of A-Z a-z 0-9 . _ @ + -, starting with a letter or digit, unique
 * whatever their case (the store's index).
 * Roles: 1-64 characters of A-Z a-z 0-9 . _ : -; at most USERS_MAX_ROLES.
 * Custom claims: a JSON object (at most USERS_MAX_CLAIMS bytes) whose names are not the ones the
 * server sets itself (iss, sub, aud, exp, nbf, iat, jti, sid, scope, roles, client_id,
 * preferred_username) or only it could know (acr, amr, auth_time, cnf, act, may_act, azp,
 * nonce); they go into every access token and into /oauth/userinfo.
 * Thread-safety: any thread.
 */
#ifndef WB_SERVER_USERS_H
#define WB_SERVER_USERS_H

#include <stddef.h>

#include "srv.h"

#define USERS_NAME_MAX   64
#define USERS_MAX_ROLES  32
#define USERS_MAX_CLAIMS 4096
#define USERS_SECRET_LEN 43 /* a client secret: 256 bits, base64url */

srv_status users_check_name(const char *name, srv_error *err);
srv_status users_check_role(const char *role, srv_error *err);

/** Creates a user with a password and roles; the new user id (sub) is copied to sub. */
srv_status users_add(srv *s, const char *name, const char *password, size_t password_len,
                     const char *const *roles, size_t n_roles, char sub[STORE_ID_MAX], srv_error *err);

/** Disables a user (ending every session) or enables them again. */
srv_status users_set_disabled(srv *s, const char *name, int disabled, srv_error *err);

/** A new password: every session ends and earlier access tokens stop working here. */
srv_status users_set_password(srv *s, const char *name, const char *password, size_t password_len,
                              srv_error *err);

/** Sets the custom claim key to a JSON value; the value null removes it. */
srv_status users_set_claim(srv *s, const char *name, const char *key, const char *json, srv_error *err);

/** Replaces the user's roles. */
srv_status users_set_roles(srv *s, const char *name, const char *const *roles, size_t n_roles,
                           srv_error *err);

/** Registers an introspection client; its secret (shown once) is copied to secret. */
srv_status users_add_client(srv *s, const char *name, char secret[USERS_SECRET_LEN + 1], srv_error *err);

#endif
