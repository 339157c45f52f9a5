/* SPDX-License-Identifier: MIT */
/*
 * server/users.c - accounts and introspection clients (users.h). Custom claims are edited with
 * jansson here, on the admin path; the hot paths splice the stored JSON as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "clock.h"
#include "users.h"

/* The claims the server sets, and those only it could know: how the user logged in (RFC 9068
 * 2.2.1: acr, amr, auth_time), key binding (RFC 7800 cnf), delegation (RFC 8693 act, may_act),
 * the party it was issued to (azp, nonce). */
static const char *const reserved_claims[] = {
    "iss",  "sub",   "aud",       "exp", "nbf",        "iat",       "jti",
    "sid",  "scope", "roles",     "typ", "token_type", "client_id", "preferred_username",
    "acr",  "amr",   "auth_time", "cnf", "act",        "may_act",   "azp",
    "nonce"};

static int in_set(char c, const char *extra) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr(extra, c) != NULL);
}

static int valid_word(const char *s, size_t max, const char *extra) {
  size_t n = s != NULL ? strlen(s) : 0;
  if (n == 0 || n > max)
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (!in_set(s[i], extra))
      return 0;
  }
  return 1;
}

srv_status users_check_name(const char *name, srv_error *err) {
  if (!valid_word(name, USERS_NAME_MAX, "._@+-") || !in_set(name[0], ""))
    return srv_fail(
        err, SRV_ERR_INVALID_REQUEST,
        "user names are 1-64 characters of A-Z a-z 0-9 . _ @ + -, starting with a letter or digit");
  return SRV_OK;
}

srv_status users_check_role(const char *role, srv_error *err) {
  if (!valid_word(role, 64, "._:-"))
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "roles are 1-64 characters of A-Z a-z 0-9 . _ : -");
  return SRV_OK;
}

/* The roles as a JSON array; they are checked first, so no character needs escaping. */
static srv_status roles_json(const char *const *roles, size_t n, char **out, srv_error *err) {
  *out = NULL;
  if (n > USERS_MAX_ROLES)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "at most %d roles", USERS_MAX_ROLES);
  size_t cap = 3;
  for (size_t i = 0; i < n; i++) {
    srv_status st = users_check_role(roles[i], err);
    if (st != SRV_OK)
      return st;
    cap += strlen(roles[i]) + 3;
  }
  char *json = malloc(cap);
  if (json == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  size_t used = 0;
  json[used++] = '[';
  for (size_t i = 0; i < n; i++)
    used += (size_t)snprintf(json + used, cap - used, "%s\"%s\"", i > 0 ? "," : "", roles[i]);
  json[used++] = ']';
  json[used] = '\0';
  *out = json;
  return SRV_OK;
}

srv_status users_add(srv *s, const char *name, const char *password, size_t password_len,
                     const char *const *roles, size_t n_roles, char sub[STORE_ID_MAX], srv_error *err) {
  sub[0] = '\0';
  srv_status st = users_check_name(name, err);
  if (st == SRV_OK)
    st = pw_check_new(password, password_len, err);
  if (st != SRV_OK)
    return st;
  store_user u;
  memset(&u, 0, sizeof(u));
  char hash[PW_HASH_MAX];
  char id[TOK_JTI_MAX];
  st = roles_json(roles, n_roles, &u.roles, err);
  if (st == SRV_OK)
    st = tok_random_id(id, err);
  if (st == SRV_OK)
    st = pw_hash(&s->pw, password, password_len, hash, err);
  if (st == SRV_OK) {
    snprintf(u.id, sizeof(u.id), "%s", id);
    u.name = (char *)name;
    u.password_hash = hash;
    u.claims = (char *)"{}";
    u.created_us = clock_now_us();
    st = s->st->ops->user_create(s->st, &u, err);
  }
  if (st == SRV_ERR_CONFLICT)
    st = srv_fail(err, SRV_ERR_CONFLICT, "user %s already exists", name);
  if (st == SRV_OK)
    snprintf(sub, STORE_ID_MAX, "%s", id);
  OPENSSL_cleanse(hash, sizeof(hash));
  free(u.roles);
  return st;
}

/* Looks the user up by name (SRV_ERR_NOT_FOUND names them). */
static srv_status find_user(srv *s, const char *name, store_user *u, srv_error *err) {
  srv_status st = s->st->ops->user_get_by_name(s->st, name, u, err);
  if (st == SRV_ERR_NOT_FOUND)
    return srv_fail(err, SRV_ERR_NOT_FOUND, "no user %s", name);
  return st;
}

srv_status users_set_disabled(srv *s, const char *name, int disabled, srv_error *err) {
  store_user u;
  srv_status st = find_user(s, name, &u, err);
  if (st == SRV_OK)
    st = s->st->ops->user_set_disabled(s->st, u.id, disabled, clock_now_us(), err);
  store_user_clear(&u);
  return st;
}

srv_status users_set_password(srv *s, const char *name, const char *password, size_t password_len,
                              srv_error *err) {
  srv_status st = pw_check_new(password, password_len, err);
  if (st != SRV_OK)
    return st;
  store_user u;
  char hash[PW_HASH_MAX];
  st = find_user(s, name, &u, err);
  if (st == SRV_OK)
    st = pw_hash(&s->pw, password, password_len, hash, err);
  if (st == SRV_OK)
    st = s->st->ops->user_set_password(s->st, u.id, hash, clock_now_us(), err);
  OPENSSL_cleanse(hash, sizeof(hash));
  store_user_clear(&u);
  return st;
}

static srv_status check_claim_name(const char *key, srv_error *err) {
  if (key == NULL || key[0] == '\0' || strlen(key) > 256)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "a claim name is 1-256 characters");
  for (const char *p = key; *p != '\0'; p++) {
    if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || *p == '"' || *p == '\\')
      return srv_fail(err, SRV_ERR_INVALID_REQUEST, "a claim name is printable ASCII without quotes");
  }
  for (size_t i = 0; i < sizeof(reserved_claims) / sizeof(reserved_claims[0]); i++) {
    if (strcmp(key, reserved_claims[i]) == 0)
      return srv_fail(err, SRV_ERR_INVALID_REQUEST, "%s is set by the server, not a custom claim", key);
  }
  return SRV_OK;
}

/* claims with key set to value (or removed when value is null), as compact JSON. */
static srv_status edit_claims(const char *claims, const char *key, const char *json, char **out,
                              srv_error *err) {
  *out = NULL;
  json_error_t je, ve;
  json_t *obj = json_loads(claims, JSON_REJECT_DUPLICATES, &je);
  json_t *value = json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &ve);
  srv_status st = SRV_OK;
  /* Out of memory while parsing says nothing about the text. */
  if ((obj == NULL && json_error_code(&je) == json_error_out_of_memory) ||
      (value == NULL && json_error_code(&ve) == json_error_out_of_memory))
    st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  else if (value == NULL)
    st = srv_fail(err, SRV_ERR_INVALID_REQUEST, "the claim value is not JSON: %s", ve.text);
  else if (obj == NULL || !json_is_object(obj))
    st = srv_fail(err, SRV_ERR_STORE, "the stored claims are not a JSON object");
  else if (json_is_null(value))
    json_object_del(obj, key);
  else if (json_object_set(obj, key, value) != 0)
    st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  if (st == SRV_OK) {
    *out = json_dumps(obj, JSON_COMPACT);
    if (*out == NULL)
      st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
    else if (strlen(*out) > USERS_MAX_CLAIMS) {
      st = srv_fail(err, SRV_ERR_INVALID_REQUEST, "custom claims over %d bytes", USERS_MAX_CLAIMS);
      free(*out);
      *out = NULL;
    }
  }
  json_decref(obj);
  json_decref(value);
  return st;
}

srv_status users_set_claim(srv *s, const char *name, const char *key, const char *json, srv_error *err) {
  srv_status st = check_claim_name(key, err);
  if (st != SRV_OK)
    return st;
  store_user u;
  char *claims = NULL;
  st = find_user(s, name, &u, err);
  if (st == SRV_OK)
    st = edit_claims(u.claims, key, json, &claims, err);
  if (st == SRV_OK)
    st = s->st->ops->user_set_claims(s->st, u.id, claims, err);
  free(claims);
  store_user_clear(&u);
  return st;
}

srv_status users_set_roles(srv *s, const char *name, const char *const *roles, size_t n_roles,
                           srv_error *err) {
  store_user u;
  char *json = NULL;
  srv_status st = roles_json(roles, n_roles, &json, err);
  if (st == SRV_OK)
    st = find_user(s, name, &u, err);
  else
    memset(&u, 0, sizeof(u));
  if (st == SRV_OK)
    st = s->st->ops->user_set_roles(s->st, u.id, json, err);
  free(json);
  store_user_clear(&u);
  return st;
}

srv_status users_add_client(srv *s, const char *name, char secret[USERS_SECRET_LEN + 1], srv_error *err) {
  secret[0] = '\0';
  srv_status st = users_check_name(name, err);
  if (st != SRV_OK)
    return st;
  unsigned char raw[32], hash[32];
  unsigned int n = 0;
  char text[USERS_SECRET_LEN + 1];
  /* LCOV_EXCL_START: cov-server-random */
  if (wb_random(raw, sizeof(raw), NULL) != WB_OK ||
      wb_b64url_encode(text, sizeof(text), raw, sizeof(raw), NULL, NULL) != WB_OK ||
      EVP_Digest(text, USERS_SECRET_LEN, hash, &n, EVP_sha256(), NULL) != 1)
    st = srv_fail(err, SRV_ERR_CRYPTO, "cannot make a client secret");
  /* LCOV_EXCL_STOP: cov-server-random */
  if (st == SRV_OK)
    st = s->st->ops->client_create(s->st, name, hash, sizeof(hash), clock_now_us(), err);
  if (st == SRV_ERR_CONFLICT)
    st = srv_fail(err, SRV_ERR_CONFLICT, "client %s already exists", name);
  if (st == SRV_OK)
    memcpy(secret, text, sizeof(text));
  OPENSSL_cleanse(raw, sizeof(raw));
  OPENSSL_cleanse(text, sizeof(text));
  return st;
}
