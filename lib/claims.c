/* SPDX-License-Identifier: MIT */
/*
 * lib/claims.c - verified JWT claims (RFC 7519 section 4): what wb_verify returns, read-only,
 * with typed getters addressed by member name or RFC 6901 JSON pointer.
 *
 * Verified claims keep the payload text and the registered claims the verifier already
 * extracted. Custom claims are read through a tape (lib/jscan.h) built on first use and published
 * with a compare-and-swap, so a caller reading only iss/sub/exp pays for no indexing, and
 * threads may read one claims object at once. Every number keeps the text the token has; every
 * comparison with a caller's string is byte for byte against the token's decoded value.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"

wb_claims *wb__claims_alloc(size_t payload_len, const wb_limits *lim) {
  if (payload_len > SIZE_MAX / 2 - sizeof(wb_claims) - 8)
    return NULL;
  size_t cap = 2 * payload_len + 8; /* payload + NUL, then unescaped strings (never longer) */
  wb_claims *c = malloc(sizeof(*c) + cap);
  if (c == NULL)
    return NULL;
  memset(c, 0, sizeof(*c));
  atomic_init(&c->tape, NULL);
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

void wb__claims_reset(wb_claims *c, const wb_limits *lim) {
  wb__jtape_free(atomic_exchange(&c->tape, NULL)); /* data[] is overwritten next; wiped by the free */
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
  atomic_init(&c->tape, NULL);
  c->payload = c->data;
  const char **strs[3] = {&c->iss, &c->sub, &c->jti};
  for (int i = 0; i < 3; i++)
    if (*strs[i] != NULL)
      *strs[i] = c->data + (*strs[i] - src->data);
  return c;
}

void wb_claims_free(wb_claims *c) {
  if (c == NULL)
    return;
  wb__jtape_free(atomic_load(&c->tape));
  OPENSSL_cleanse(c->data, c->data_cap); /* all of it: a reused buffer may hold an older, longer payload */
  free(c);
}

/* ---- finding a value ------------------------------------------------------------------------- */

/* The tape of c, built once; NULL (and err set) only when out of memory. */
static const wb_jtape *tape_of(const wb_claims *c, wb_error *err) {
  wb_claims *m = (wb_claims *)c; /* the index is a cache: publishing it changes no observable value */
  wb_jtape *t = atomic_load(&m->tape);
  if (t != NULL)
    return t;
  wb_jtape *built = NULL;
  wb_status st = wb__jtape_build(&built, c->payload, c->payload_len, &c->limits, true, err);
  if (st != WB_OK) /* the payload passed the same scan when verified: only memory can fail */
    return NULL;
  wb_jtape *expected = NULL;
  /* LCOV_EXCL_START: cov-lost-race */
  if (!atomic_compare_exchange_strong(&m->tape, &expected, built)) {
    wb__jtape_free(built); /* another thread won; use its tape */
    return expected;
  }
  /* LCOV_EXCL_STOP: cov-lost-race */
  return built;
}

/* RFC 6901: the next reference token of *ptr (after its '/'), unescaped into a new string.
 * NULL with *len SIZE_MAX for an invalid token, with *len 0 when out of memory. */
static char *pointer_token(const char **ptr, size_t *len) {
  const char *p = *ptr + 1, *end = p + strcspn(p, "/");
  *len = 0;
  char *tok = malloc((size_t)(end - p) + 1);
  if (tok == NULL)
    return NULL;
  size_t n = 0;
  for (; p < end; p++) {
    char ch = *p;
    if (ch == '~') {
      if (p + 1 >= end || (p[1] != '0' && p[1] != '1')) {
        free(tok);
        *len = SIZE_MAX; /* an invalid pointer names nothing */
        return NULL;
      }
      ch = p[1] == '0' ? '~' : '/';
      p++;
    }
    tok[n++] = ch;
  }
  tok[n] = '\0';
  *len = n;
  *ptr = end;
  return tok;
}

/* RFC 6901 array index: digits without a leading zero; SIZE_MAX when it is not one. */
static size_t array_index(const char *tok, size_t n) {
  if (n == 0 || n > 9 || (tok[0] == '0' && n > 1) || strspn(tok, "0123456789") != n)
    return SIZE_MAX;
  return (size_t)strtoul(tok, NULL, 10);
}

/* The node at path (member name or JSON pointer), 0 when absent; WB_ERR_NOMEM in *st on OOM. */
static uint32_t resolve(const wb_jtape *t, const char *path, wb_status *st) {
  *st = WB_OK;
  if (path[0] != '/')
    return path[0] == '\0' ? 0 : wb__jtape_member(t, 0, path, strlen(path));
  uint32_t node = 0;
  while (*path == '/') {
    size_t n;
    char *tok = pointer_token(&path, &n);
    if (tok == NULL) {
      *st = n == SIZE_MAX ? WB_OK : WB_ERR_NOMEM;
      return 0;
    }
    const wb_jnode *nd = &t->nodes[node];
    node = nd->type == WB_JSON_OBJECT  ? wb__jtape_member(t, node, tok, n)
           : nd->type == WB_JSON_ARRAY ? wb__jtape_element(t, node, array_index(tok, n))
                                       : 0;
    free(tok);
    if (node == 0)
      return 0;
  }
  return node;
}

/* The node at path, or NULL with the status: invalid_arg, nomem or missing_claim. */
static wb_status find(const wb_claims *c, const char *path, const wb_jtape **tp, const wb_jnode **out,
                      wb_error *err) {
  *out = NULL;
  if (c == NULL || path == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  const wb_jtape *t = tape_of(c, err);
  if (t == NULL)
    return WB_ERR_NOMEM;
  wb_status st;
  uint32_t node = resolve(t, path, &st);
  if (st != WB_OK)
    return wb__fail(err, st, "out of memory");
  if (node == 0 && path[0] != '\0')
    return wb__fail(err, WB_ERR_MISSING_CLAIM, "claim \"%.60s\" is absent", path);
  *tp = t;
  *out = &t->nodes[node];
  return WB_OK;
}

/* The node at path when its type is one of the mask's (1 << wb_json_type); else the error. */
static wb_status typed(const wb_claims *c, const char *path, unsigned mask, const wb_jtape **tp,
                       const wb_jnode **out, wb_error *err) {
  const wb_jnode *nd;
  wb_status st = find(c, path, tp, &nd, err);
  *out = NULL;
  if (st != WB_OK)
    return st;
  if (!(mask & (1u << nd->type)))
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "claim \"%.60s\" has another type", path);
  *out = nd;
  return wb__ok(err);
}

#define T_NUMBER ((1u << WB_JSON_INTEGER) | (1u << WB_JSON_REAL))

/* ---- getters ---------------------------------------------------------------------------------- */

wb_json_type wb_claims_type(const wb_claims *c, const char *path) {
  const wb_jtape *t;
  const wb_jnode *nd;
  return find(c, path, &t, &nd, NULL) == WB_OK ? (wb_json_type)nd->type : WB_JSON_ABSENT;
}

wb_status wb_claims_get_string(const wb_claims *c, const char *path, const char **value, wb_error *err) {
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = typed(c, path, 1u << WB_JSON_STRING, &t, &nd, err);
  *value = st == WB_OK ? t->arena + nd->str : NULL;
  return st;
}

wb_status wb_claims_get_number_text(const wb_claims *c, const char *path, const char **text, size_t *len,
                                    wb_error *err) {
  if (text != NULL) /* both outputs are cleared on every failure, this one included */
    *text = NULL;
  if (len != NULL)
    *len = 0;
  if (text == NULL || len == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = typed(c, path, T_NUMBER, &t, &nd, err);
  *text = st == WB_OK ? t->text + nd->off : NULL;
  *len = st == WB_OK ? nd->len : 0;
  return st;
}

/* Converts the number node nd of t. */
static wb_status number_of(const wb_jtape *t, const wb_jnode *nd, double *d, int64_t *i, wb_jnum_kind *kind,
                           wb_error *err) {
  wb_status st = wb__jnum_parse(t->text + nd->off, nd->len, d, i, kind);
  return st == WB_OK ? WB_OK : wb__fail(err, st, "out of memory");
}

wb_status wb_claims_get_int(const wb_claims *c, const char *path, int64_t *value, wb_error *err) {
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *value = 0;
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = typed(c, path, 1u << WB_JSON_INTEGER, &t, &nd, err);
  double d;
  int64_t i;
  wb_jnum_kind kind;
  if (st == WB_OK)
    st = number_of(t, nd, &d, &i, &kind, err);
  if (st != WB_OK)
    return st;
  if (kind != WB_JNUM_INT)
    return wb__fail(err, WB_ERR_OUT_OF_RANGE, "claim \"%.60s\" is an integer beyond 64 bits", path);
  *value = i;
  return WB_OK;
}

wb_status wb_claims_get_number(const wb_claims *c, const char *path, double *value, wb_error *err) {
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *value = 0;
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = typed(c, path, T_NUMBER, &t, &nd, err);
  double d;
  int64_t i;
  wb_jnum_kind kind;
  if (st == WB_OK)
    st = number_of(t, nd, &d, &i, &kind, err);
  if (st != WB_OK)
    return st;
  if (!isfinite(d))
    return wb__fail(err, WB_ERR_OUT_OF_RANGE, "claim \"%.60s\" is beyond the range of a double", path);
  *value = d;
  return WB_OK;
}

wb_status wb_claims_get_bool(const wb_claims *c, const char *path, bool *value, wb_error *err) {
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = typed(c, path, 1u << WB_JSON_BOOL, &t, &nd, err);
  *value = st == WB_OK && t->text[nd->off] == 't';
  return st;
}

wb_status wb_claims_get_size(const wb_claims *c, const char *path, size_t *size, wb_error *err) {
  if (size == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = typed(c, path, (1u << WB_JSON_ARRAY) | (1u << WB_JSON_OBJECT), &t, &nd, err);
  *size = st == WB_OK ? nd->count : 0;
  return st;
}

wb_status wb_claims_get_json(const wb_claims *c, const char *path, char **json, wb_error *err) {
  if (json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *json = NULL;
  const wb_jtape *t;
  const wb_jnode *nd;
  wb_status st = find(c, path ? path : "", &t, &nd, err);
  if (st != WB_OK)
    return st;
  const char *text = t->text + nd->off;
  size_t len = nd->len;
  if (nd->type == WB_JSON_STRING) { /* the span of a string is its content: add the quotes */
    text--;
    len += 2;
  }
  char *out = malloc(len + 1);
  if (out == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  out[wb__json_minify(text, len, out)] = '\0';
  *json = out;
  return wb__ok(err);
}

bool wb_claims_has_string(const wb_claims *c, const char *path, const char *value) {
  const wb_jtape *t;
  const wb_jnode *nd;
  if (value == NULL || find(c, path, &t, &nd, NULL) != WB_OK)
    return false;
  if (nd->type == WB_JSON_STRING)
    return strcmp(t->arena + nd->str, value) == 0;
  if (nd->type != WB_JSON_ARRAY)
    return false;
  uint32_t self = (uint32_t)(nd - t->nodes);
  for (uint32_t i = self + 1; i < nd->next; i = t->nodes[i].next)
    if (t->nodes[i].type == WB_JSON_STRING && strcmp(t->arena + t->nodes[i].str, value) == 0)
      return true;
  return false;
}

/* ---- registered claims ------------------------------------------------------------------------- */

const char *wb_claims_iss(const wb_claims *c) {
  return c ? c->iss : NULL;
}

const char *wb_claims_sub(const wb_claims *c) {
  return c ? c->sub : NULL;
}

const char *wb_claims_jti(const wb_claims *c) {
  return c ? c->jti : NULL;
}

static wb_status registered_date(const wb_claims *c, bool has, double v, const char *name, int64_t *t,
                                 wb_error *err) {
  if (t != NULL) /* 0 on every failure, a NULL c included */
    *t = 0;
  if (t == NULL || c == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (!has)
    return wb__fail(err, WB_ERR_MISSING_CLAIM, "token has no \"%s\" claim", name);
  double f = floor(v);
  if (!(f >= -9.2e18 && f <= 9.2e18))
    return wb__fail(err, WB_ERR_OUT_OF_RANGE, "\"%s\" does not fit a 64-bit time", name);
  *t = (int64_t)f;
  return wb__ok(err);
}

wb_status wb_claims_exp(const wb_claims *c, int64_t *t, wb_error *err) {
  return registered_date(c, c && c->has_exp, c ? c->exp : 0, "exp", t, err);
}

wb_status wb_claims_nbf(const wb_claims *c, int64_t *t, wb_error *err) {
  return registered_date(c, c && c->has_nbf, c ? c->nbf : 0, "nbf", t, err);
}

wb_status wb_claims_iat(const wb_claims *c, int64_t *t, wb_error *err) {
  return registered_date(c, c && c->has_iat, c ? c->iat : 0, "iat", t, err);
}
