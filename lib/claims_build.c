/* SPDX-License-Identifier: MIT */
/*
 * lib/claims_build.c - building a JWT claims set to sign (wb_claims_new, the setters, wb_sign).
 *
 * The builder keeps its members already serialised, in insertion order, in one growing buffer
 * ("{" then "name":value pairs separated by commas): a setter escapes or formats its value once,
 * and signing hands the buffer to the signer as it is, with no JSON tree and no serialiser in
 * between. The text it writes is what jansson writes in compact mode (same escapes, integers,
 * %.17g reals), and every value from outside (wb_claims_set_json, merge, from_json) is parsed
 * strictly first. Reading a builder's claims (lib/claims.c) parses this text on demand.
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "jscan.h"

/* ---- the text buffer ------------------------------------------------------------------------ */

/* Makes room for n more bytes plus the closing brace and a NUL. */
static bool reserve(wb_claims *c, size_t n) {
  if (n > SIZE_MAX / 4 - c->text_len)
    return false;
  size_t need = c->text_len + n + 2;
  if (need <= c->text_cap)
    return true;
  size_t cap = c->text_cap ? c->text_cap : 256;
  while (cap < need)
    cap *= 2;
  char *t = realloc(c->text, cap);
  if (t == NULL)
    return false;
  c->text = t;
  c->text_cap = cap;
  return true;
}

static void put(wb_claims *c, const char *s, size_t n) {
  memcpy(c->text + c->text_len, s, n);
  c->text_len += n;
}

/*
 * Appends s as a JSON string (quotes included), escaping as jansson does. Fails on invalid
 * UTF-8; nothing is appended then.
 */
static bool put_string(wb_claims *c, const char *s, size_t len) {
  if (!reserve(c, len * 6 + 2))
    return false;
  size_t start = c->text_len;
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  c->text[c->text_len++] = '"';
  while (p < end) {
    const unsigned char *run = p; /* copy a run of plain ASCII in one go */
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
      p++;
    put(c, (const char *)run, (size_t)(p - run));
    if (p == end)
      break;
    unsigned char ch = *p;
    if (ch >= 0x80) {
      size_t n = wb__utf8_len(p, end);
      if (n == 0) {
        c->text_len = start;
        return false;
      }
      put(c, (const char *)p, n);
      p += n;
      continue;
    }
    static const char short_esc[] = {
        ['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
    char e = ch < sizeof(short_esc) ? short_esc[ch] : 0;
    if (e != 0) {
      char two[2] = {'\\', e};
      put(c, two, 2);
    } else {
      char u[7];
      snprintf(u, sizeof(u), "\\u%04X", ch);
      put(c, u, 6);
    }
    p++;
  }
  c->text[c->text_len++] = '"';
  return true;
}

/* ---- members -------------------------------------------------------------------------------- */

/* Index of the member whose escaped name (with quotes) is text[off..off+len), or nmembers. */
static size_t find(const wb_claims *c, const char *name, size_t len) {
  for (size_t i = 0; i < c->nmembers; i++) {
    const wb_member *m = &c->members[i];
    if (m->name_len == len && memcmp(c->text + m->off, name, len) == 0)
      return i;
  }
  return c->nmembers;
}

/* Removes member i from the text and the index. */
static void drop(wb_claims *c, size_t i) {
  wb_member *m = &c->members[i];
  size_t off = m->off, len = m->len;
  if (i + 1 < c->nmembers) {
    len++; /* the comma after it */
  } else if (i > 0) {
    off--; /* the comma before it */
    len++;
  }
  memmove(c->text + off, c->text + off + len, c->text_len - off - len);
  c->text_len -= len;
  memmove(m, m + 1, (c->nmembers - i - 1) * sizeof(*m));
  c->nmembers--;
  for (size_t k = i; k < c->nmembers; k++)
    c->members[k].off -= len;
}

/* Drops the tree a getter may have built: the text is about to change. */
static void invalidate(wb_claims *c) {
  json_decref(atomic_exchange(&c->dom, NULL));
}

static wb_status writable(wb_claims *c, const char *name, wb_error *err) {
  if (c == NULL || name == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (c->verified)
    return wb__fail(err, WB_ERR_INVALID_ARG, "verified claims are read-only");
  return WB_OK;
}

/*
 * Sets member name to the JSON value text[0..len), replacing any previous value (the member
 * moves to the end). A failed call changes nothing.
 */
static wb_status set_raw(wb_claims *c, const char *name, const char *value, size_t len, wb_error *err) {
  wb_status st = writable(c, name, err);
  if (st != WB_OK)
    return st;
  if (c->nmembers == c->members_cap) {
    size_t cap = c->members_cap ? c->members_cap * 2 : 16;
    wb_member *m = realloc(c->members, cap * sizeof(*m));
    if (m == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    c->members = m;
    c->members_cap = cap;
  }
  size_t before = c->text_len;
  if (!reserve(c, len + 2))
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (c->nmembers > 0)
    c->text[c->text_len++] = ',';
  size_t off = c->text_len;
  if (!put_string(c, name, strlen(name))) {
    c->text_len = before;
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim name is not valid UTF-8");
  }
  size_t name_len = c->text_len - off;
  if (!reserve(c, len + 1)) {
    c->text_len = before;
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  c->text[c->text_len++] = ':';
  put(c, value, len);
  if (c->text_len + 1 > c->limits.max_claims_len) { /* the ceiling: no verifier would accept more */
    c->text_len = before;
    return wb__fail(err, WB_ERR_TOO_LARGE, "claims larger than %zu bytes", c->limits.max_claims_len);
  }
  invalidate(c);
  wb_member fresh = {off, c->text_len - off, name_len};
  size_t old = find(c, c->text + off, name_len);
  c->members[c->nmembers++] = fresh;
  if (old < c->nmembers - 1)
    drop(c, old);
  return wb__ok(err);
}

/* ---- life cycle ------------------------------------------------------------------------------ */

wb_status wb_claims_new(wb_claims **out, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  wb_claims *c = calloc(1, sizeof(*c));
  if (c == NULL || !reserve(c, 1)) {
    free(c);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  atomic_init(&c->dom, NULL);
  wb_limits_default(&c->limits);
  c->text[c->text_len++] = '{';
  *out = c;
  return wb__ok(err);
}

/* Sets every member of the JSON object obj (values re-serialised compactly). */
static wb_status set_members(wb_claims *c, json_t *obj, wb_error *err) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    char *text = wb__json_dump(v);
    if (text == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    wb_status st = set_raw(c, k, text, strlen(text), err);
    free(text);
    if (st != WB_OK)
      return st;
  }
  return WB_OK;
}

/* Parses json strictly (an object when want_object) and returns it, or NULL with err set. */
static json_t *parse_strict(const char *json, size_t len, bool want_object, wb_status *st, wb_error *err) {
  wb_error local;
  json_t *j = json ? wb__json_parse(json, len, NULL, 0, want_object, &local) : NULL;
  *st = WB_OK;
  if (json == NULL)
    *st = wb__fail(err, WB_ERR_INVALID_ARG, "NULL JSON");
  else if (j == NULL && err != NULL)
    *err = local;
  if (j == NULL && json != NULL)
    *st = local.code;
  return j;
}

wb_status wb_claims_from_json(wb_claims **out, const char *json, size_t len, wb_error *err) {
  wb_status st = wb_claims_new(out, err);
  if (st == WB_OK)
    st = wb_claims_merge_json(*out, json, len, err);
  if (st != WB_OK) {
    wb_claims_free(*out);
    *out = NULL;
  }
  return st;
}

wb_status wb_claims_merge_json(wb_claims *c, const char *json, size_t len, wb_error *err) {
  wb_status st = writable(c, "", err);
  if (st != WB_OK)
    return st;
  json_t *obj = parse_strict(json, len, true, &st, err);
  if (obj == NULL)
    return st;
  st = set_members(c, obj, err); /* only running out of memory can stop it half-way */
  json_decref(obj);
  return st == WB_OK ? wb__ok(err) : st;
}

/* ---- setters -------------------------------------------------------------------------------- */

wb_status wb_claims_set_string(wb_claims *c, const char *name, const char *value, wb_error *err) {
  wb_status st = writable(c, name, err);
  if (st != WB_OK)
    return st;
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": NULL value", name);
  /* Escape at the end of the buffer, then move it into place with set_raw. */
  size_t mark = c->text_len;
  if (!put_string(c, value, strlen(value))) {
    c->text_len = mark;
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": value is not valid UTF-8", name);
  }
  size_t n = c->text_len - mark;
  char small[256];
  char *copy = n <= sizeof(small) ? small : malloc(n);
  if (copy == NULL) {
    c->text_len = mark;
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  memcpy(copy, c->text + mark, n);
  c->text_len = mark;
  st = set_raw(c, name, copy, n, err);
  if (copy != small)
    free(copy);
  return st;
}

wb_status wb_claims_set_int(wb_claims *c, const char *name, int64_t value, wb_error *err) {
  char buf[24];
  char *p = buf + sizeof(buf);
  uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
  do { /* decimal digits from the right; no printf on the signing path */
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (value < 0)
    *--p = '-';
  return set_raw(c, name, p, (size_t)(buf + sizeof(buf) - p), err);
}

wb_status wb_claims_set_real(wb_claims *c, const char *name, double value, wb_error *err) {
  if (!isfinite(value))
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": value is not finite", name ? name : "");
  char buf[40];
  int n = snprintf(buf, sizeof(buf), "%.17g", value);
  const char *point = localeconv()->decimal_point; /* JSON wants '.', whatever LC_NUMERIC says */
  char *dot = (point && point[0] && !point[1]) ? strchr(buf, point[0]) : NULL;
  if (dot != NULL)
    *dot = '.';
  char *e = strchr(buf, 'e');
  if (e != NULL) { /* "1e+300" -> "1e300", "1e-08" -> "1e-8", as jansson writes them */
    char *from = e + 1, *to = e + 1;
    if (*from == '+' || *from == '-')
      from++;
    if (*to == '-')
      to++;
    while (*from == '0' && from[1] != '\0')
      from++;
    memmove(to, from, strlen(from) + 1);
    n = (int)strlen(buf);
  } else if (strchr(buf, '.') == NULL) { /* keep it a real, as jansson does */
    memcpy(buf + n, ".0", 3);
    n += 2;
  }
  return set_raw(c, name, buf, (size_t)n, err);
}

wb_status wb_claims_set_bool(wb_claims *c, const char *name, int value, wb_error *err) {
  return set_raw(c, name, value ? "true" : "false", value ? 4 : 5, err);
}

wb_status wb_claims_set_null(wb_claims *c, const char *name, wb_error *err) {
  return set_raw(c, name, "null", 4, err);
}

wb_status wb_claims_set_json(wb_claims *c, const char *name, const char *json, size_t len, wb_error *err) {
  wb_status st = writable(c, name, err);
  if (st != WB_OK)
    return st;
  json_t *v = parse_strict(json, len, false, &st, err);
  if (v == NULL)
    return st;
  char *text = wb__json_dump(v);
  json_decref(v);
  if (text == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  st = set_raw(c, name, text, strlen(text), err);
  free(text);
  return st;
}

wb_status wb_claims_append_string(wb_claims *c, const char *name, const char *value, wb_error *err) {
  wb_status st = writable(c, name, err);
  if (st != WB_OK)
    return st;
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": NULL value", name);
  wb_claims *tmp = NULL; /* escapes the name and the value the way set_raw does */
  if ((st = wb_claims_new(&tmp, err)) != WB_OK ||
      (st = wb_claims_set_string(tmp, name, value, err)) != WB_OK) {
    wb_claims_free(tmp);
    return st;
  }
  const wb_member *t = &tmp->members[0];
  const char *ename = tmp->text + t->off, *evalue = ename + t->name_len + 1;
  size_t evalue_len = t->len - t->name_len - 1;
  size_t i = find(c, ename, t->name_len);
  const char *old = i < c->nmembers ? c->text + c->members[i].off + c->members[i].name_len + 1 : "[]";
  size_t old_len = i < c->nmembers ? c->members[i].len - c->members[i].name_len - 1 : 2;
  char *arr = NULL;
  if (old[0] != '[') {
    st = wb__fail(err, WB_ERR_CLAIM_MISMATCH, "claim \"%.40s\" is not an array", name);
  } else if ((arr = malloc(old_len + evalue_len + 2)) == NULL) {
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  } else { /* "[a,b]" + v -> "[a,b,v]"; "[]" + v -> "[v]" */
    size_t n = old_len - 1;
    memcpy(arr, old, n);
    if (old_len > 2)
      arr[n++] = ',';
    memcpy(arr + n, evalue, evalue_len);
    n += evalue_len;
    arr[n++] = ']';
    st = set_raw(c, name, arr, n, err);
  }
  free(arr);
  wb_claims_free(tmp);
  return st;
}

wb_status wb_claims_remove(wb_claims *c, const char *name, wb_error *err) {
  wb_status st = writable(c, name, err);
  if (st != WB_OK)
    return st;
  size_t mark = c->text_len;
  if (!put_string(c, name, strlen(name))) { /* the escaped name, to look it up */
    c->text_len = mark;
    return wb__ok(err); /* an invalid name is never present */
  }
  size_t i = find(c, c->text + mark, c->text_len - mark);
  c->text_len = mark;
  if (i < c->nmembers) {
    drop(c, i);
    invalidate(c);
  }
  return wb__ok(err);
}

wb_status wb_claims_set_random_jti(wb_claims *c, wb_error *err) {
  unsigned char id[16];
  char text[WB_B64URL_ENCODED_LEN(16) + 1];
  wb_status st = wb_random(id, sizeof(id), err);
  if (st == WB_OK)
    st = wb_b64url_encode(text, sizeof(text), id, sizeof(id), NULL, err);
  if (st != WB_OK)
    return st;
  return wb_claims_set_string(c, "jti", text, err);
}

/* ---- text and signing ------------------------------------------------------------------------- */

const char *wb__claims_text(const wb_claims *c, size_t *len) {
  if (c->verified) {
    *len = c->payload_len;
    return c->payload;
  }
  c->text[c->text_len] = '}'; /* reserve() always keeps room for it */
  c->text[c->text_len + 1] = '\0';
  *len = c->text_len + 1;
  return c->text;
}

wb_status wb_sign(const wb_signer *s, const wb_claims *c, char **token, size_t *token_len, wb_error *err) {
  if (token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL token");
  *token = NULL;
  if (c == NULL || s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  size_t len;
  const char *text = wb__claims_text(c, &len);
  return wb_jws_sign(s, (const unsigned char *)text, len, token, token_len, err);
}
