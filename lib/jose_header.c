/* SPDX-License-Identifier: MIT */
/*
 * lib/jose_header.c - the JOSE Header view (lib/jose.h): the union of a protected, a shared
 * unprotected and an own header object with disjoint member names, the types of the members the
 * library reads, "crit" (RFC 7515 4.1.11), and the growable string the JSON writers share.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "jose.h"

/* The members the view knows, in WB_JH_* order, with the JSON type each must have. */
static const struct {
  const char *name;
  wb_json_type type;
} known[WB_JH_COUNT] = {
    [WB_JH_ALG] = {"alg", WB_JSON_STRING},  [WB_JH_ENC] = {"enc", WB_JSON_STRING},
    [WB_JH_ZIP] = {"zip", WB_JSON_STRING},  [WB_JH_KID] = {"kid", WB_JSON_STRING},
    [WB_JH_TYP] = {"typ", WB_JSON_STRING},  [WB_JH_CTY] = {"cty", WB_JSON_STRING},
    [WB_JH_CRIT] = {"crit", WB_JSON_ARRAY}, [WB_JH_B64] = {"b64", WB_JSON_BOOL},
    [WB_JH_EPK] = {"epk", WB_JSON_OBJECT},  [WB_JH_APU] = {"apu", WB_JSON_STRING},
    [WB_JH_APV] = {"apv", WB_JSON_STRING},  [WB_JH_IV] = {"iv", WB_JSON_STRING},
    [WB_JH_TAG] = {"tag", WB_JSON_STRING},  [WB_JH_P2S] = {"p2s", WB_JSON_STRING},
    [WB_JH_P2C] = {"p2c", WB_JSON_INTEGER},
};

/* Header Parameter names registered by RFC 7515-7518: "crit" may not list them (RFC 7515 4.1.11). */
static const char *const registered[] = {"alg",      "jku", "jwk", "kid",  "x5u", "x5c", "x5t",
                                         "x5t#S256", "typ", "cty", "crit", "enc", "zip", "epk",
                                         "apu",      "apv", "iv",  "tag",  "p2s", "p2c"};

#define NAME_STACK 128

/* true when object node b of tape tb has a member named like member node m of tape ta. */
static wb_status name_in(const wb_jtape *ta, const wb_jnode *m, const wb_jtape *tb, uint32_t b, bool *found,
                         wb_error *err) {
  char stack[NAME_STACK], *name = stack;
  if (m->name_len >= sizeof(stack) && (name = malloc((size_t)m->name_len + 1)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  size_t n = wb__jstr_decode(ta->text + m->name_off, m->name_len, m->name_escaped, name);
  *found = wb__jtape_member(tb, b, name, n) != 0;
  if (name != stack)
    free(name);
  return WB_OK;
}

/* Pairwise, for headers of few members: no allocation. */
static wb_status check_disjoint_small(const wb_jose_part *parts, size_t n, wb_error *err) {
  for (size_t i = 0; i < n; i++) {
    const wb_jtape *t = parts[i].tape;
    const wb_jnode *o = &t->nodes[parts[i].node];
    for (uint32_t k = parts[i].node + 1; k < o->next; k = t->nodes[k].next) {
      for (size_t j = i + 1; j < n; j++) {
        bool found = false;
        wb_status st = name_in(t, &t->nodes[k], parts[j].tape, parts[j].node, &found, err);
        if (st != WB_OK)
          return st;
        if (found)
          return wb__fail(err, WB_ERR_MALFORMED, "a header member appears in more than one of the headers");
      }
    }
  }
  return WB_OK;
}

/* A member name (unescaped) and the header part it is in. */
typedef struct name_ref {
  const char *s;
  size_t len, part;
} name_ref;

static int name_ref_cmp(const void *a, const void *b) {
  const name_ref *x = a, *y = b;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return memcmp(x->s, y->s, x->len);
}

#define DISJOINT_SMALL 32 /* members in all: the pairwise check is cheaper than sorting */

/*
 * RFC 7515 7.2.1 / RFC 7516 7.2.1: the member names of the header parts are disjoint. Pairwise
 * comparison costs the product of the parts' sizes, which a JSON JWE pays again for every
 * recipient that shares its protected and unprotected headers; beyond a few members the names
 * are sorted instead, and a name in two parts is two neighbours (a part repeats no name: strict
 * JSON).
 */
static wb_status check_disjoint(const wb_jose_part *parts, size_t n, wb_error *err) {
  size_t total = 0, escaped = 0;
  for (size_t i = 0; i < n; i++) {
    const wb_jtape *t = parts[i].tape;
    for (uint32_t k = parts[i].node + 1; k < t->nodes[parts[i].node].next; k = t->nodes[k].next) {
      total++;
      escaped += t->nodes[k].name_escaped ? (size_t)t->nodes[k].name_len + 1 : 0;
    }
  }
  if (total <= DISJOINT_SMALL)
    return check_disjoint_small(parts, n, err);
  name_ref *refs = malloc(total * sizeof(*refs));
  char *arena = escaped > 0 ? malloc(escaped) : NULL;
  if (refs == NULL || (escaped > 0 && arena == NULL)) {
    free(refs);
    free(arena);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  size_t r = 0, pos = 0;
  for (size_t i = 0; i < n; i++) {
    const wb_jtape *t = parts[i].tape;
    for (uint32_t k = parts[i].node + 1; k < t->nodes[parts[i].node].next; k = t->nodes[k].next, r++) {
      const wb_jnode *m = &t->nodes[k];
      refs[r].part = i;
      refs[r].s = t->text + m->name_off;
      refs[r].len = m->name_len;
      if (m->name_escaped) {
        refs[r].s = arena + pos;
        refs[r].len = wb__jstr_decode(t->text + m->name_off, m->name_len, true, arena + pos);
        pos += (size_t)m->name_len + 1;
      }
    }
  }
  qsort(refs, total, sizeof(*refs), name_ref_cmp);
  wb_status st = WB_OK;
  for (size_t k = 1; k < total && st == WB_OK; k++)
    if (refs[k].part != refs[k - 1].part && name_ref_cmp(&refs[k], &refs[k - 1]) == 0)
      st = wb__fail(err, WB_ERR_MALFORMED, "a header member appears in more than one of the headers");
  free(refs);
  free(arena);
  return st;
}

wb_status wb__jose_view_build(wb_jose_view *v, const wb_jose_part *parts, size_t n, wb_error *err) {
  memset(v, 0, sizeof(*v));
  for (size_t i = 0; i < n; i++)
    if (parts[i].tape->nodes[parts[i].node].type != WB_JSON_OBJECT)
      return wb__fail(err, WB_ERR_MALFORMED, "a header must be a JSON object");
  wb_status st = check_disjoint(parts, n, err);
  if (st != WB_OK)
    return st;
  for (int w = 0; w < WB_JH_COUNT; w++) {
    for (size_t i = 0; i < n && v->m[w].node == 0; i++) {
      uint32_t k = wb__jtape_member(parts[i].tape, parts[i].node, known[w].name, strlen(known[w].name));
      if (k == 0)
        continue;
      if (parts[i].tape->nodes[k].type != known[w].type)
        return wb__fail(err, WB_ERR_MALFORMED, "header \"%s\" has the wrong JSON type", known[w].name);
      v->m[w].tape = parts[i].tape;
      v->m[w].node = k;
      v->m[w].src = parts[i].src;
    }
  }
  if (v->m[WB_JH_CRIT].node != 0 && v->m[WB_JH_CRIT].src != WB_JH_PROTECTED)
    return wb__fail(err, WB_ERR_MALFORMED, "header \"crit\" must be integrity protected");
  return WB_OK;
}

const wb_jnode *wb__jose_node(const wb_jose_view *v, int which) {
  if (v->m[which].node == 0)
    return NULL;
  return &v->m[which].tape->nodes[v->m[which].node];
}

const char *wb__jose_str(const wb_jose_view *v, int which, size_t *len) {
  const wb_jnode *nd = wb__jose_node(v, which);
  if (nd == NULL || nd->type != WB_JSON_STRING) {
    if (len != NULL)
      *len = 0;
    return NULL;
  }
  const char *s = v->m[which].tape->arena + nd->str;
  if (len != NULL)
    *len = strlen(s);
  return s;
}

wb_status wb__jose_b64(const wb_jose_view *v, int which, unsigned char *out, size_t cap, size_t *len,
                       bool *present, wb_error *err) {
  size_t n = 0;
  const char *s = wb__jose_str(v, which, &n);
  *len = 0;
  if (present != NULL)
    *present = s != NULL;
  if (s == NULL)
    return WB_OK;
  if (WB_B64URL_DECODED_LEN(n) > cap || wb_b64url_decode(out, cap, s, n, len, NULL) != WB_OK)
    return wb__fail(err, WB_ERR_MALFORMED, "header \"%s\" is not base64url of the right size",
                    known[which].name);
  return WB_OK;
}

static bool in_list(const char *s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0)
      return true;
  return false;
}

/* The i-th string of crit (already known to be an array); NULL when it is not a string. */
static const char *crit_name(const wb_jose_view *v, uint32_t arr, size_t i) {
  const wb_jtape *t = v->m[WB_JH_CRIT].tape;
  uint32_t k = wb__jtape_element(t, arr, i);
  return t->nodes[k].type == WB_JSON_STRING ? t->arena + t->nodes[k].str : NULL;
}

wb_status wb__jose_check_crit(const wb_jose_view *v, const char *const *understood, size_t n, wb_error *err) {
  const wb_jnode *c = wb__jose_node(v, WB_JH_CRIT);
  if (c == NULL)
    return WB_OK;
  const wb_jtape *t = v->m[WB_JH_CRIT].tape;
  uint32_t arr = v->m[WB_JH_CRIT].node;
  if (c->count == 0)
    return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "header \"crit\" is empty");
  for (size_t i = 0; i < c->count; i++) {
    const char *name = crit_name(v, arr, i);
    if (name == NULL || name[0] == '\0')
      return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "header \"crit\" must list member names");
    if (in_list(name, registered, sizeof(registered) / sizeof(registered[0])))
      return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "header \"crit\" lists the registered name \"%.20s\"",
                      name);
    for (size_t j = 0; j < i; j++)
      if (strcmp(crit_name(v, arr, j), name) == 0)
        return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "header \"crit\" lists \"%.20s\" twice", name);
    /* the named member must be in the header: the protected part, where crit itself is */
    if (wb__jtape_member(t, 0, name, strlen(name)) == 0)
      return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT,
                      "header \"crit\" names \"%.20s\", which is not in the protected header", name);
    if (!in_list(name, understood, n))
      return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT,
                      "header \"crit\" names the unsupported extension \"%.20s\"", name);
  }
  return WB_OK;
}

wb_status wb__jose_check_crit_text(const char *hdr, size_t len, const wb_limits *lim,
                                   const char *const *understood, size_t n, wb_error *err) {
  wb_jtape *t = NULL;
  wb_status st = wb__jtape_build(&t, hdr, len, lim, true, err);
  if (st != WB_OK)
    return st;
  wb_jose_part part = {t, 0, WB_JH_PROTECTED};
  wb_jose_view v;
  st = wb__jose_view_build(&v, &part, 1, err);
  if (st == WB_OK)
    st = wb__jose_check_crit(&v, understood, n, err);
  wb__jtape_free(t);
  return st;
}

/* ---- growable string -------------------------------------------------------------------- */

void wb__sb_init(wb_strbuf *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

/* Makes room for extra more bytes and the NUL; false (b->st set) when over the ceiling or OOM. */
static bool sb_reserve(wb_strbuf *b, size_t extra) {
  if (b->st != WB_OK)
    return false;
  if (extra > b->max || b->len > b->max - extra) {
    b->st = WB_ERR_TOO_LARGE;
    return false;
  }
  if (b->len + extra + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *p = malloc(cap);
  if (p == NULL) {
    b->st = WB_ERR_NOMEM;
    return false;
  }
  if (b->p != NULL) {
    memcpy(p, b->p, b->len);
    OPENSSL_cleanse(b->p, b->cap);
    free(b->p);
  }
  b->p = p;
  b->cap = cap;
  return true;
}

void wb__sb_put(wb_strbuf *b, const void *s, size_t n) {
  if (!sb_reserve(b, n))
    return;
  if (n > 0)
    memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void wb__sb_str(wb_strbuf *b, const char *s) {
  wb__sb_put(b, s, strlen(s));
}

void wb__sb_b64(wb_strbuf *b, const unsigned char *v, size_t n) {
  if (n > SIZE_MAX / 2) {
    b->st = b->st != WB_OK ? b->st : WB_ERR_TOO_LARGE;
    return;
  }
  if (!sb_reserve(b, WB_B64URL_ENCODED_LEN(n)))
    return;
  b->len += wb__b64url_encode_to(b->p + b->len, v, n); /* sb_reserve made room for it */
  b->p[b->len] = '\0';
}

void wb__sb_json_string(wb_strbuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  wb__sb_put(b, "\"", 1);
  while (p < end && b->st == WB_OK) {
    size_t k = *p < 0x80 ? 1 : wb__utf8_len(p, end);
    if (k == 0 || *p == 0) {
      b->st = WB_ERR_INVALID_ARG;
      return;
    }
    if (*p == '"' || *p == '\\') {
      char e[2] = {'\\', (char)*p};
      wb__sb_put(b, e, 2);
    } else if (*p < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
      wb__sb_put(b, e, 6);
    } else {
      wb__sb_put(b, p, k);
    }
    p += k;
  }
  wb__sb_put(b, "\"", 1);
}

wb_status wb__sb_done(wb_strbuf *b, wb_error *err) {
  wb__sb_put(b, NULL, 0);
  switch (b->st) {
  case WB_OK:
    return WB_OK;
  case WB_ERR_TOO_LARGE:
    return wb__fail(err, b->st, "output larger than %zu bytes", b->max);
  case WB_ERR_INVALID_ARG:
    return wb__fail(err, b->st, "a string is not valid UTF-8 (or holds NUL)");
  default:
    return wb__fail(err, b->st, "out of memory");
  }
}

void wb__sb_free(wb_strbuf *b) {
  if (b->p != NULL) {
    OPENSSL_cleanse(b->p, b->cap);
    free(b->p);
  }
  memset(b, 0, sizeof(*b));
}
