/* SPDX-License-Identifier: MIT */
/*
 * lib/claims.c - JWT claims sets (RFC 7519 section 4): the builder used for signing and the
 * read-only claims returned by wb_verify, with typed getters addressed by member name or
 * RFC 6901 JSON pointer. Building is in lib/claims_build.c.
 *
 * Verified claims keep the payload text and the registered claims the verifier already
 * extracted; the jansson tree for custom claims is built only on first use (lock-free: a
 * compare-and-swap publishes it), so a caller reading only iss/sub/exp pays for no parsing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "jscan.h"

wb_claims *wb__claims_alloc_verified(size_t payload_len, const wb_limits *lim) {
  if (payload_len > SIZE_MAX / 2 - sizeof(wb_claims) - 8)
    return NULL;
  size_t cap = 2 * payload_len + 8; /* payload + NUL, then unescaped strings (never longer) */
  wb_claims *c = malloc(sizeof(*c) + cap);
  if (c == NULL)
    return NULL;
  memset(c, 0, sizeof(*c));
  atomic_init(&c->dom, NULL);
  c->verified = true;
  c->payload = c->data;
  c->data_cap = cap;
  c->limits = *lim;
  return c;
}

const char *wb__claims_store_string(wb_claims *c, size_t *used, const char *raw, size_t len, bool escaped) {
  char *out = c->data + *used;
  size_t n = wb__jstr_decode(raw, len, escaped, out);
  *used += n + 1;
  c->data_used = *used;
  return out;
}

void wb__claims_reset_verified(wb_claims *c, const wb_limits *lim) {
  json_decref(atomic_exchange(&c->dom, NULL));
  c->payload_len = 0;
  c->data_used = 0;
  c->iss = c->sub = c->jti = NULL;
  c->has_exp = c->has_nbf = c->has_iat = false;
  c->limits = *lim;
}

wb_claims *wb__claims_clone(const wb_claims *src) {
  wb_claims *c = malloc(sizeof(*c) + src->data_used); /* only what is in use: cache hits copy this */
  if (c == NULL)
    return NULL;
  memcpy(c, src, sizeof(*c) + src->data_used);
  c->data_cap = src->data_used;
  atomic_init(&c->dom, NULL);
  c->payload = c->data;
  const char **strs[3] = {&c->iss, &c->sub, &c->jti};
  for (int i = 0; i < 3; i++)
    if (*strs[i] != NULL)
      *strs[i] = c->data + (*strs[i] - src->data);
  return c;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* The jansson tree (parsed once for verified claims); NULL only when out of memory. */
static json_t *dom(const wb_claims *c) {
  wb_claims *m = (wb_claims *)c; /* the tree is a cache: publishing it changes no observable value */
  json_t *j = atomic_load(&m->dom);
  if (j != NULL)
    return j;
  size_t len;
  const char *text = wb__claims_text(c, &len);
  json_t *parsed = wb__json_parse(text, len, &c->limits, 0, true, NULL);
  if (parsed == NULL)
    return NULL;
  json_t *expected = NULL;
  if (!atomic_compare_exchange_strong(&m->dom, &expected, parsed)) {
    json_decref(parsed); /* another thread won; use its tree */
    return expected;
  }
  return parsed;
}

/* RFC 6901: the next reference token of ptr into buf (unescaped); advances *ptr. */
static int pointer_token(const char **ptr, char *buf, size_t cap) {
  const char *p = *ptr + 1; /* skip '/' */
  size_t n = 0;
  for (; *p != '\0' && *p != '/'; p++) {
    char ch = *p;
    if (ch == '~') {
      if (p[1] != '0' && p[1] != '1')
        return -1;
      ch = p[1] == '0' ? '~' : '/';
      p++;
    }
    if (n + 1 >= cap)
      return -1;
    buf[n++] = ch;
  }
  buf[n] = '\0';
  *ptr = p;
  return 0;
}

static json_t *array_index(json_t *arr, const char *tok) {
  size_t n = strlen(tok);
  if (n == 0 || n > 9 || (tok[0] == '0' && n > 1) || strspn(tok, "0123456789") != n)
    return NULL;
  return json_array_get(arr, (size_t)strtoul(tok, NULL, 10));
}

/* The value at path (member name or JSON pointer), borrowed, or NULL. */
static json_t *lookup(const wb_claims *c, const char *path) {
  json_t *j = c ? dom(c) : NULL;
  if (j == NULL || path == NULL)
    return NULL;
  if (path[0] != '/')
    return path[0] == '\0' ? j : json_object_get(j, path);
  char tok[256];
  while (*path == '/' && j != NULL) {
    if (pointer_token(&path, tok, sizeof(tok)) != 0)
      return NULL;
    j = json_is_object(j) ? json_object_get(j, tok) : json_is_array(j) ? array_index(j, tok) : NULL;
  }
  return j;
}

wb_json_type wb_claims_type(const wb_claims *c, const char *path) {
  json_t *j = lookup(c, path);
  if (j == NULL)
    return WB_JSON_ABSENT;
  switch (json_typeof(j)) {
  case JSON_OBJECT:
    return WB_JSON_OBJECT;
  case JSON_ARRAY:
    return WB_JSON_ARRAY;
  case JSON_STRING:
    return WB_JSON_STRING;
  case JSON_INTEGER:
    return WB_JSON_INTEGER;
  case JSON_REAL:
    return WB_JSON_REAL;
  case JSON_TRUE:
  case JSON_FALSE:
    return WB_JSON_BOOL;
  case JSON_NULL:
    return WB_JSON_NULL;
  }
  return WB_JSON_ABSENT;
}

/* The value at path when it has one of the wanted types; else the error. */
static wb_status typed(const wb_claims *c, const char *path, int (*is)(const json_t *), json_t **out,
                       wb_error *err) {
  *out = NULL;
  json_t *j = lookup(c, path);
  if (j == NULL)
    return wb__fail(err, WB_ERR_MISSING_CLAIM, "claim \"%.60s\" is absent", path ? path : "");
  if (!is(j))
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "claim \"%.60s\" has another type", path);
  *out = j;
  return wb__ok(err);
}

static int is_string(const json_t *j) {
  return json_is_string(j);
}
static int is_integer(const json_t *j) {
  return json_is_integer(j);
}
static int is_number(const json_t *j) {
  return json_is_number(j);
}
static int is_bool(const json_t *j) {
  return json_is_boolean(j);
}
static int is_container(const json_t *j) {
  return json_is_array(j) || json_is_object(j);
}
static int is_any(const json_t *j) {
  return j != NULL;
}

wb_status wb_claims_get_string(const wb_claims *c, const char *path, const char **value, wb_error *err) {
  json_t *j;
  wb_status st = typed(c, path, is_string, &j, err);
  *value = j ? json_string_value(j) : NULL;
  return st;
}

wb_status wb_claims_get_int(const wb_claims *c, const char *path, int64_t *value, wb_error *err) {
  json_t *j;
  wb_status st = typed(c, path, is_integer, &j, err);
  *value = j ? (int64_t)json_integer_value(j) : 0;
  return st;
}

wb_status wb_claims_get_number(const wb_claims *c, const char *path, double *value, wb_error *err) {
  json_t *j;
  wb_status st = typed(c, path, is_number, &j, err);
  *value = j ? json_number_value(j) : 0;
  return st;
}

wb_status wb_claims_get_bool(const wb_claims *c, const char *path, int *value, wb_error *err) {
  json_t *j;
  wb_status st = typed(c, path, is_bool, &j, err);
  *value = j ? json_is_true(j) : 0;
  return st;
}

wb_status wb_claims_get_size(const wb_claims *c, const char *path, size_t *size, wb_error *err) {
  json_t *j;
  wb_status st = typed(c, path, is_container, &j, err);
  *size = j == NULL ? 0 : json_is_array(j) ? json_array_size(j) : json_object_size(j);
  return st;
}

wb_status wb_claims_get_json(const wb_claims *c, const char *path, char **json, wb_error *err) {
  if (json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  json_t *j;
  wb_status st = typed(c, path ? path : "", is_any, &j, err);
  *json = NULL;
  if (st != WB_OK)
    return st;
  *json = wb__json_dump(j);
  return *json ? WB_OK : wb__fail(err, WB_ERR_NOMEM, "out of memory");
}

int wb_claims_has_string(const wb_claims *c, const char *path, const char *value) {
  json_t *j = lookup(c, path);
  if (value == NULL || j == NULL)
    return 0;
  if (json_is_string(j))
    return strcmp(json_string_value(j), value) == 0;
  size_t i;
  json_t *e;
  json_array_foreach(j, i, e) {
    if (json_is_string(e) && strcmp(json_string_value(e), value) == 0)
      return 1;
  }
  return 0;
}

/* Registered string claims: precomputed for verified claims, looked up for built ones. */
static const char *registered_string(const wb_claims *c, const char *verified_value, const char *name) {
  if (c == NULL)
    return NULL;
  if (c->verified)
    return verified_value;
  return json_string_value(json_object_get(dom(c), name));
}

const char *wb_claims_iss(const wb_claims *c) {
  return registered_string(c, c ? c->iss : NULL, "iss");
}

const char *wb_claims_sub(const wb_claims *c) {
  return registered_string(c, c ? c->sub : NULL, "sub");
}

const char *wb_claims_jti(const wb_claims *c) {
  return registered_string(c, c ? c->jti : NULL, "jti");
}

static wb_status registered_date(const wb_claims *c, bool has, double v, const char *name, int64_t *t) {
  *t = 0;
  if (c == NULL)
    return WB_ERR_INVALID_ARG;
  if (!c->verified) {
    json_t *j = json_object_get(dom(c), name);
    has = json_is_number(j);
    v = has ? json_number_value(j) : 0;
  }
  if (!has)
    return WB_ERR_MISSING_CLAIM;
  double f = floor(v);
  if (!(f >= -9.2e18 && f <= 9.2e18))
    return WB_ERR_CLAIM_MISMATCH;
  *t = (int64_t)f;
  return WB_OK;
}

wb_status wb_claims_exp(const wb_claims *c, int64_t *t) {
  return registered_date(c, c && c->has_exp, c ? c->exp : 0, "exp", t);
}

wb_status wb_claims_nbf(const wb_claims *c, int64_t *t) {
  return registered_date(c, c && c->has_nbf, c ? c->nbf : 0, "nbf", t);
}

wb_status wb_claims_iat(const wb_claims *c, int64_t *t) {
  return registered_date(c, c && c->has_iat, c ? c->iat : 0, "iat", t);
}

void wb_claims_free(wb_claims *c) {
  if (c == NULL)
    return;
  json_decref(atomic_load(&c->dom));
  if (c->verified)
    OPENSSL_cleanse(c->data, c->data_used);
  if (c->text != NULL)
    OPENSSL_cleanse(c->text, c->text_len);
  free(c->text);
  free(c->members);
  free(c);
}
