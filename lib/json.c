/* SPDX-License-Identifier: MIT */
/*
 * lib/json.c - strict JSON as a jansson tree where a tree is the right tool (keys, key sets).
 * The text is validated by the scanner (lib/jscan.c), which builds a tape of it: the same
 * grammar, duplicate-name, UTF-8, depth and member rules as everywhere else in the library,
 * checked without recursion. The tree is then made from the tape with jansson's constructors;
 * jansson never parses the text.
 *
 * Why not json_loadb: a JWK's text holds its secret ("k", "d", the RSA primes) in base64url, and
 * jansson's lexer copies every string through a token buffer that grows by allocating a new block
 * and freeing the old one, none of them wiped: after the key was imported and freed, copies of
 * its secret stayed in the heap. Here the strings are copied exactly once, from the tape (wiped
 * when freed) into the tree's string values, which wb__json_free wipes. (jansson's lexer also
 * ignored failed allocations and could truncate a string; a constructor that fails returns NULL,
 * which is out of memory.)
 *
 * Its serialiser is no better (jansson 2.14 dump.c ignores a failed append of an object key and
 * goes on with invalid JSON), so the JSON text wristband writes itself (claims, protected
 * headers, a kid) is escaped here, as jansson escapes, and never goes through json_dumps.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

/*
 * The jansson value of tape node i and everything in it; NULL when out of memory, or with *st
 * WB_ERR_MALFORMED for a number jansson cannot hold (an integer beyond int64, a real beyond
 * DBL_MAX: no key or header has one). Recursive: the tape's depth is at most WB_MAX_DEPTH_LIMIT.
 */
static json_t *value_of(const wb_jtape *t, uint32_t i, wb_status *st) {
  const wb_jnode *nd = &t->nodes[i];
  const char *raw = t->text + nd->off;
  double d;
  int64_t n;
  wb_jnum_kind kind;
  json_t *j = NULL;
  *st = WB_ERR_NOMEM;
  switch (nd->type) {
  case WB_JSON_NULL:
    return json_null();
  case WB_JSON_BOOL:
    return raw[0] == 't' ? json_true() : json_false();
  case WB_JSON_INTEGER:
  case WB_JSON_REAL:
    if (wb__jnum_parse(raw, nd->len, &d, &n, &kind) != WB_OK)
      return NULL;
    if (kind == WB_JNUM_BIGINT || !isfinite(d)) {
      *st = WB_ERR_MALFORMED;
      return NULL;
    }
    return kind == WB_JNUM_INT ? json_integer(n) : json_real(d);
  case WB_JSON_STRING: {
    const char *v = t->arena + nd->str; /* unescaped; no NUL inside (the scanner refuses \u0000) */
    return json_stringn_nocheck(v, strlen(v));
  }
  case WB_JSON_ARRAY:
    j = json_array();
    for (uint32_t c = i + 1; j != NULL && c < nd->next; c = t->nodes[c].next) {
      json_t *v = value_of(t, c, st);
      if (v == NULL || json_array_append_new(j, v) != 0) { /* jansson released v */
        wb__json_free(j);
        return NULL;
      }
    }
    return j;
  default: /* an object: members in the order of the text */
    j = json_object();
    for (uint32_t c = i + 1; j != NULL && c < nd->next; c = t->nodes[c].next) {
      const wb_jnode *m = &t->nodes[c];
      char *name = malloc((size_t)m->name_len + 1);
      size_t name_len =
          name != NULL ? wb__jstr_decode(t->text + m->name_off, m->name_len, m->name_escaped, name) : 0;
      json_t *v = name != NULL ? value_of(t, c, st) : NULL;
      int rc = v != NULL ? json_object_setn_new_nocheck(j, name, name_len, v) : -1;
      free(name);
      if (rc != 0) { /* *st: the member's failure, else out of memory (jansson released v) */
        wb__json_free(j);
        return NULL;
      }
    }
    return j;
  }
}

json_t *wb__json_parse(const char *text, size_t len, const wb_limits *limits, size_t max_len,
                       bool want_object, wb_error *err) {
  wb_limits lim;
  if (limits == NULL)
    wb_limits_default(&lim);
  else
    lim = *limits;
  if (lim.max_depth > WB_MAX_DEPTH_LIMIT) /* bounds the recursion of value_of and wb__json_free */
    lim.max_depth = WB_MAX_DEPTH_LIMIT;
  if (text == NULL) {
    wb__fail(err, WB_ERR_INVALID_ARG, "JSON: NULL input");
    return NULL;
  }
  if (max_len != 0 && len > max_len) {
    wb__fail(err, WB_ERR_TOO_LARGE, "JSON text longer than %zu bytes", max_len);
    return NULL;
  }
  wb_jtape *tape = NULL;
  if (wb__jtape_build(&tape, text, len, &lim, want_object, err) != WB_OK)
    return NULL;
  wb_status st = WB_OK;
  json_t *j = value_of(tape, 0, &st);
  wb__jtape_free(tape);
  if (j == NULL && st == WB_ERR_MALFORMED)
    wb__fail(err, st, "invalid JSON: a number too large for a key or header");
  else if (j == NULL)
    wb__fail(err, WB_ERR_NOMEM, "JSON: out of memory");
  return j;
}

void wb__json_free(json_t *j) {
  if (j == NULL)
    return;
  json_type type = json_typeof(j); /* j is not NULL: no json_is_* (each tests for NULL again) */
  if (type == JSON_STRING) {
    OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
  } else if (type == JSON_ARRAY) {
    for (size_t i = 0; i < json_array_size(j); i++)
      wb__json_free(json_incref(json_array_get(j, i)));
  } else if (type == JSON_OBJECT) {
    for (void *it = json_object_iter(j); it != NULL; it = json_object_iter_next(j, it))
      wb__json_free(json_incref(json_object_iter_value(it)));
  }
  json_decref(j);
}

size_t wb__json_escape(const char *s, size_t len, char *out) {
  static const char short_esc[] = {
      ['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  size_t n = 0;
  out[n++] = '"';
  while (p < end) {
    const unsigned char *run = p; /* copy a run of plain ASCII in one go */
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
      p++;
    memcpy(out + n, run, (size_t)(p - run));
    n += (size_t)(p - run);
    if (p == end)
      break;
    unsigned char ch = *p;
    if (ch >= 0x80) {
      size_t k = wb__utf8_len(p, end);
      if (k == 0)
        return 0;
      memcpy(out + n, p, k);
      n += k;
      p += k;
      continue;
    }
    char e = short_esc[ch]; /* ch is a control character, '"' or '\\': all inside short_esc */
    out[n++] = '\\';
    if (e != 0) {
      out[n++] = e;
    } else {
      memcpy(out + n, "u00", 3);
      out[n + 3] = hex[ch >> 4];
      out[n + 4] = hex[ch & 15];
      n += 5;
    }
    p++;
  }
  out[n++] = '"';
  return n;
}

bool wb__utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    size_t k = wb__utf8_len(p, end);
    if (k == 0)
      return false;
    p += k;
  }
  return true;
}
