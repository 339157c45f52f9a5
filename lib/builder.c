/* SPDX-License-Identifier: MIT */
/*
 * lib/builder.c - the claims of a token to sign (wb_builder) and wb_sign.
 *
 * The builder keeps its members already serialised, in insertion order, in one buffer that is
 * always a complete JSON object ("{" members "}" NUL): a setter escapes or formats its value once
 * and writes it before the closing brace, and signing hands the buffer to the signer as it is,
 * with no tree, no serialiser and no write. So const builders are really read-only and several
 * threads may sign one at once. Values from outside (set_json, merge_json, from_json) are
 * validated by the strict scanner and kept as written, minus whitespace; member names are
 * unescaped and re-escaped one way, so a name can never be present twice.
 */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "jws.h"

/** A member: "name":value at text[off..off+len), its escaped name (quotes included) first. */
typedef struct wb_member {
  size_t off, len, name_len;
} wb_member;

struct wb_builder {
  char *text;         /* "{" members "}" and a NUL: always a complete object */
  size_t text_len;    /* bytes before the NUL, the closing brace included */
  size_t text_cap;    /* bytes allocated */
  size_t max_len;     /* ceiling of text_len: what a verifier with default limits accepts */
  size_t max_members; /* ceiling of nmembers, for the same reason */
  wb_member *members; /* one per member, in text order */
  size_t nmembers, members_cap;
};

/* ---- the text buffer ------------------------------------------------------------------------ */

/* Makes room for n more bytes after text_len, plus a NUL. n never takes text_len past the ceiling
 * max_len (set_escaped checks it first), so the sizes below cannot overflow. */
static bool reserve(wb_builder *b, size_t n) {
  size_t need = b->text_len + n + 1;
  if (need <= b->text_cap)
    return true;
  size_t cap = b->text_cap ? b->text_cap : 256;
  while (cap < need)
    cap *= 2;
  char *t = malloc(cap); /* not realloc: the old buffer is wiped before it is freed */
  if (t == NULL)
    return false;
  if (b->text != NULL) {
    memcpy(t, b->text, b->text_len + 1);
    OPENSSL_cleanse(b->text, b->text_cap);
    free(b->text);
  }
  b->text = t;
  b->text_cap = cap;
  return true;
}

static void put(wb_builder *b, const char *s, size_t n) {
  memcpy(b->text + b->text_len, s, n);
  b->text_len += n;
}

/* A heap or stack buffer for an escaped or minified value. */
typedef struct scratch {
  char *p;
  char small[256];
} scratch;

static char *scratch_get(scratch *s, size_t n) {
  s->p = n <= sizeof(s->small) ? s->small : malloc(n);
  return s->p;
}

static void scratch_release(scratch *s, size_t used) {
  if (s->p == NULL)
    return;
  OPENSSL_cleanse(s->p, used);
  if (s->p != s->small)
    free(s->p);
  s->p = NULL;
}

/* ---- members -------------------------------------------------------------------------------- */

/* Index of the member whose escaped name (with quotes) is name[0..len), or nmembers. */
static size_t find(const wb_builder *b, const char *name, size_t len) {
  for (size_t i = 0; i < b->nmembers; i++) {
    const wb_member *m = &b->members[i];
    if (m->name_len == len && memcmp(b->text + m->off, name, len) == 0)
      return i;
  }
  return b->nmembers;
}

/* Removes member i (never the only one written last) from the text and the index. */
static void drop(wb_builder *b, size_t i) {
  wb_member *m = &b->members[i];
  size_t off = m->off, len = m->len;
  if (i + 1 < b->nmembers) {
    len++; /* the comma after it */
  } else if (i > 0) {
    off--; /* the comma before it */
    len++;
  }
  memmove(b->text + off, b->text + off + len, b->text_len + 1 - off - len);
  b->text_len -= len;
  memmove(m, m + 1, (b->nmembers - i - 1) * sizeof(*m));
  b->nmembers--;
  for (size_t k = i; k < b->nmembers; k++)
    b->members[k].off -= len;
}

static wb_status writable(const wb_builder *b, const char *name, wb_error *err) {
  if (b == NULL || name == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  return WB_OK;
}

/* Escapes a member name into s; 0 when it is not valid UTF-8. */
static size_t escape_name(scratch *s, const char *name, size_t len, wb_error *err, wb_status *st) {
  *st = WB_OK;
  char *out = len < SIZE_MAX / 8 ? scratch_get(s, 6 * len + 2) : NULL;
  if (out == NULL) {
    *st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
    return 0;
  }
  size_t n = wb__json_escape(name, len, out);
  if (n == 0)
    *st = wb__fail(err, WB_ERR_INVALID_ARG, "claim name is not valid UTF-8");
  return n;
}

/*
 * RFC 7519 4.1: the type a registered claim must have, so that no builder holds a claim every
 * verifier refuses (exp "soon", iss 7, aud [1]). ename is the escaped name with its quotes (names
 * are escaped one way, so "\u0065xp" arrives here as "exp"); value is valid minified JSON.
 */
static wb_status registered_type(const char *ename, size_t elen, const char *value, size_t len,
                                 wb_error *err) {
  if (elen != 5)
    return WB_OK;
  const char *what = NULL;
  if (memcmp(ename, "\"exp\"", 5) == 0 || memcmp(ename, "\"nbf\"", 5) == 0 ||
      memcmp(ename, "\"iat\"", 5) == 0) {
    if (value[0] != '-' && !(value[0] >= '0' && value[0] <= '9'))
      what = "a number (NumericDate)";
  } else if (memcmp(ename, "\"iss\"", 5) == 0 || memcmp(ename, "\"sub\"", 5) == 0 ||
             memcmp(ename, "\"jti\"", 5) == 0) {
    if (value[0] != '"')
      what = "a string";
  } else if (memcmp(ename, "\"aud\"", 5) == 0 && value[0] != '"') {
    int r = value[0] == '[' ? 1 : -1;
    size_t pos = 0;
    const char *raw;
    size_t rlen;
    bool esc;
    while (r == 1)
      r = wb__jarray_next_string(value, len, &pos, &raw, &rlen, &esc);
    if (r < 0)
      what = "a string or an array of strings";
  }
  if (what == NULL)
    return WB_OK;
  return wb__fail(err, WB_ERR_INVALID_ARG, "claim %.*s must be %s (RFC 7519 4.1)", (int)elen, ename, what);
}

/*
 * Sets the member whose escaped name is ename[0..elen) to the JSON value[0..len), replacing any
 * previous value (the member moves to the end). A failed call changes nothing.
 */
static wb_status set_escaped(wb_builder *b, const char *ename, size_t elen, const char *value, size_t len,
                             wb_error *err) {
  wb_status st = registered_type(ename, elen, value, len, err);
  if (st != WB_OK)
    return st;
  if (b->nmembers == b->members_cap) {
    size_t cap = b->members_cap ? b->members_cap * 2 : 16;
    wb_member *m = realloc(b->members, cap * sizeof(*m));
    if (m == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    b->members = m;
    b->members_cap = cap;
  }
  size_t old = find(b, ename, elen);
  if (old == b->nmembers && b->nmembers >= b->max_members)
    return wb__fail(err, WB_ERR_TOO_LARGE, "claims with more than %zu members", b->max_members);
  size_t grow_by = elen + len + 2, replaced = old < b->nmembers ? b->members[old].len + 1 : 0;
  if (b->text_len + grow_by > b->max_len + replaced) /* the ceiling: no verifier would accept more */
    return wb__fail(err, WB_ERR_TOO_LARGE, "claims larger than %zu bytes", b->max_len);
  if (!reserve(b, grow_by))
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  b->text_len--; /* write over the closing brace */
  if (b->nmembers > 0)
    b->text[b->text_len++] = ',';
  wb_member fresh = {b->text_len, elen + 1 + len, elen};
  put(b, ename, elen);
  b->text[b->text_len++] = ':';
  put(b, value, len);
  b->text[b->text_len++] = '}';
  b->text[b->text_len] = '\0';
  b->members[b->nmembers++] = fresh;
  if (old < b->nmembers - 1)
    drop(b, old);
  return wb__ok(err);
}

/* set_escaped with a plain member name. */
static wb_status set_raw(wb_builder *b, const char *name, const char *value, size_t len, wb_error *err) {
  wb_status st = writable(b, name, err);
  if (st != WB_OK)
    return st;
  scratch s;
  size_t elen = escape_name(&s, name, strlen(name), err, &st);
  if (st == WB_OK)
    st = set_escaped(b, s.p, elen, value, len, err);
  scratch_release(&s, elen);
  return st;
}

/* ---- life cycle ------------------------------------------------------------------------------ */

wb_status wb_builder_new(wb_builder **out, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  wb_builder *b = calloc(1, sizeof(*b));
  if (b == NULL || !reserve(b, 2)) {
    free(b);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  wb_limits lim;
  wb_limits_default(&lim);
  b->max_len = lim.max_claims_len;
  b->max_members = lim.max_members;
  put(b, "{}", 2);
  b->text[b->text_len] = '\0';
  *out = b;
  return wb__ok(err);
}

void wb_builder_free(wb_builder *b) {
  if (b == NULL)
    return;
  if (b->text != NULL)
    OPENSSL_cleanse(b->text, b->text_cap);
  free(b->text);
  free(b->members);
  free(b);
}

/* A copy of b (for all-or-nothing merges). */
static wb_builder *clone(const wb_builder *b) {
  wb_builder *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->max_len = b->max_len;
  c->max_members = b->max_members;
  c->text_len = b->text_len;
  c->members_cap = b->members_cap;
  c->nmembers = b->nmembers;
  c->text = malloc(b->text_cap);
  c->members = malloc(b->members_cap * sizeof(*c->members) + 1);
  if (c->text == NULL || c->members == NULL) {
    wb_builder_free(c);
    return NULL;
  }
  c->text_cap = b->text_cap;
  memcpy(c->text, b->text, b->text_len + 1);
  if (b->nmembers > 0)
    memcpy(c->members, b->members, b->nmembers * sizeof(*c->members));
  return c;
}

/* Moves the contents of src into dst and frees what dst had. */
static void take(wb_builder *dst, wb_builder *src) {
  wb_builder old = *dst;
  *dst = *src;
  *src = old;
  wb_builder_free(src);
}

/* Sets the member of the tape node nd (a top-level member of t). */
static wb_status set_node(wb_builder *b, const wb_jtape *t, const wb_jnode *nd, wb_error *err) {
  wb_status st = WB_ERR_NOMEM;
  scratch name = {0}, value = {0};
  size_t elen = 0, vlen = 0;
  const char *text = t->text + nd->off;
  size_t len = nd->len;
  if (nd->type == WB_JSON_STRING) { /* the span of a string is its content: add the quotes */
    text--;
    len += 2;
  }
  char *plain = scratch_get(&name, nd->name_len + 1);
  char *v = scratch_get(&value, len);
  if (plain == NULL || v == NULL) {
    wb__fail(err, st, "out of memory");
    goto out;
  }
  size_t plain_len = wb__jstr_decode(t->text + nd->name_off, nd->name_len, nd->name_escaped, plain);
  vlen = wb__json_minify(text, len, v);
  scratch ename;
  elen = escape_name(&ename, plain, plain_len, err, &st);
  OPENSSL_cleanse(plain, plain_len);
  if (st == WB_OK)
    st = set_escaped(b, ename.p, elen, v, vlen, err);
  scratch_release(&ename, elen);
out:
  scratch_release(&name, nd->name_len + 1);
  scratch_release(&value, vlen);
  return st;
}

wb_status wb_builder_merge_json(wb_builder *b, const char *json, size_t len, wb_error *err) {
  if (b == NULL || json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_limits lim;
  wb_limits_default(&lim);
  if (len > b->max_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "claims larger than %zu bytes", b->max_len);
  wb_jtape *t = NULL;
  wb_builder *work = NULL;
  wb_status st = wb__jtape_build(&t, json, len, &lim, true, err);
  if (st != WB_OK)
    goto out;
  st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if ((work = clone(b)) == NULL)
    goto out;
  for (uint32_t i = 1; i < t->n; i = t->nodes[i].next) {
    st = set_node(work, t, &t->nodes[i], err);
    if (st != WB_OK)
      goto out;
  }
  take(b, work);
  work = NULL;
  st = wb__ok(err);
out:
  wb_builder_free(work);
  wb__jtape_free(t);
  return st;
}

wb_status wb_builder_from_json(wb_builder **out, const char *json, size_t len, wb_error *err) {
  wb_status st = wb_builder_new(out, err);
  if (st == WB_OK)
    st = wb_builder_merge_json(*out, json, len, err);
  if (st != WB_OK && out != NULL) {
    wb_builder_free(*out);
    *out = NULL;
  }
  return st;
}

/* ---- setters -------------------------------------------------------------------------------- */

wb_status wb_builder_set_string(wb_builder *b, const char *name, const char *value, wb_error *err) {
  wb_status st = writable(b, name, err);
  if (st != WB_OK)
    return st;
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": NULL value", name);
  size_t len = strlen(value), n = 0;
  scratch s;
  char *out = len < SIZE_MAX / 8 ? scratch_get(&s, 6 * len + 2) : NULL;
  if (out == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  n = wb__json_escape(value, len, out);
  if (n == 0)
    st = wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": value is not valid UTF-8", name);
  else
    st = set_raw(b, name, out, n, err);
  scratch_release(&s, n);
  return st;
}

wb_status wb_builder_set_int(wb_builder *b, const char *name, int64_t value, wb_error *err) {
  char buf[24];
  char *p = buf + sizeof(buf);
  uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
  do { /* decimal digits from the right; no printf on the signing path */
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (value < 0)
    *--p = '-';
  return set_raw(b, name, p, (size_t)(buf + sizeof(buf) - p), err);
}

/*
 * The p-digit decimal nearest to v > 0 (printf rounds correctly): p digits in d[] and the decimal
 * exponent of the first. When it does not read back as v, the p-digit decimal next to it on the
 * other side of v may: the interval of decimals that read back as v is narrower below a power
 * of two than above it (and printf breaks exact ties to even), so the nearest decimal can fall
 * just outside while its neighbour is inside. Those two are the only candidates: every other
 * p-digit decimal is farther from v on the same side as one of them. Returns 1 when one of them
 * reads back (d[] and *e then hold it), else 0. Runs under the C numeric locale.
 */
static int digits_at(double v, int p, char d[20], int *e) {
  char buf[48];
  snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
  int n = 0;
  const char *q = buf;
  for (; *q != 'e'; q++)
    if (*q >= '0' && *q <= '9')
      d[n++] = *q;
  *e = (int)strtol(q + 1, NULL, 10);
  double near = strtod(buf, NULL);
  if (near == v)
    return 1;
  int k = p - 1;
  if (near < v) { /* the next p-digit decimal up: add one unit in the last place */
    while (k >= 0 && d[k] == '9')
      d[k--] = '0';
    if (k < 0) { /* 9.99..9 -> 10.0..0 */
      d[0] = '1';
      ++*e;
    } else {
      d[k]++;
    }
  } else { /* the next one down */
    while (k >= 0 && d[k] == '0')
      d[k--] = '9';
    d[k]--;            /* k >= 0: the first digit of a positive decimal is not 0 */
    if (d[0] == '0') { /* 1.00..0 -> 0.99..9: p nines one decade down */
      memset(d, '9', (size_t)p);
      --*e;
    }
  }
  snprintf(buf, sizeof(buf), "%.*se%d", p, d, *e - (p - 1)); /* an integer mantissa: no point */
  return strtod(buf, NULL) == v;
}

/*
 * The shortest decimal digits of v > 0 that read back as v, and of those the nearest to v
 * (Python's repr makes the same choice): digits[] (no dot, no trailing zeros) and the decimal
 * exponent of the first digit. printf and strtod run under the C numeric locale (uselocale), so
 * LC_NUMERIC changes nothing. 0 when out of memory (the locale object).
 */
static size_t shortest_digits(double v, char digits[20], int *exp10) {
  locale_t c = wb__c_numeric();
  if (c == (locale_t)0)
    return 0;
  locale_t old = uselocale(c);
  int lo = 1, hi = 17; /* 17 significant digits always read back (DBL_DECIMAL_DIG) */
  while (lo < hi) {    /* a decimal of p digits that reads back is one of p + 1 digits too */
    int mid = (lo + hi) / 2, e;
    if (digits_at(v, mid, digits, &e))
      hi = mid;
    else
      lo = mid + 1;
  }
  (void)digits_at(v, lo, digits, exp10);
  uselocale(old);
  size_t n = (size_t)lo;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  return n;
}

/* Formats a finite double as a JSON real: decimal notation for exponents -4..15, else d.ddde-N.
 * 0 when out of memory. */
static size_t format_real(double value, char out[40]) {
  size_t n = 0;
  if (signbit(value))
    out[n++] = '-';
  double v = fabs(value);
  if (v == 0) {
    memcpy(out + n, "0.0", 3);
    return n + 3;
  }
  char d[20] = {0}; /* shortest_digits writes at least one digit; the compiler cannot see it */
  int e;
  size_t nd = shortest_digits(v, d, &e);
  if (nd == 0)
    return 0;
  if (e < -4 || e >= 16) {
    out[n++] = d[0];
    if (nd > 1) {
      out[n++] = '.';
      memcpy(out + n, d + 1, nd - 1);
      n += nd - 1;
    }
    n += (size_t)snprintf(out + n, 40 - n, "e%d", e);
    return n;
  }
  if (e < 0) { /* 0.000ddd */
    memcpy(out + n, "0.", 2);
    n += 2;
    for (int k = -1; k > e; k--)
      out[n++] = '0';
    memcpy(out + n, d, nd);
    return n + nd;
  }
  for (int k = 0; k <= e; k++) /* integer part, padded with zeros */
    out[n++] = (size_t)k < nd ? d[k] : '0';
  out[n++] = '.';
  if ((size_t)e + 1 >= nd) {
    out[n++] = '0';
    return n;
  }
  memcpy(out + n, d + e + 1, nd - (size_t)e - 1);
  return n + nd - (size_t)e - 1;
}

wb_status wb_builder_set_real(wb_builder *b, const char *name, double value, wb_error *err) {
  if (!isfinite(value))
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": value is not finite", name ? name : "");
  char buf[40];
  size_t n = format_real(value, buf);
  if (n == 0)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  return set_raw(b, name, buf, n, err);
}

wb_status wb_builder_set_bool(wb_builder *b, const char *name, bool value, wb_error *err) {
  return set_raw(b, name, value ? "true" : "false", value ? 4 : 5, err);
}

wb_status wb_builder_set_null(wb_builder *b, const char *name, wb_error *err) {
  return set_raw(b, name, "null", 4, err);
}

wb_status wb_builder_set_json(wb_builder *b, const char *name, const char *json, size_t len, wb_error *err) {
  wb_status st = writable(b, name, err);
  if (st != WB_OK)
    return st;
  if (json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": NULL JSON", name);
  if (len > b->max_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "claims larger than %zu bytes", b->max_len);
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_depth--; /* the value is a member of the claims object: one level down */
  st = wb__jscan_value(json, len, &lim, err);
  if (st != WB_OK)
    return st;
  scratch s;
  char *v = scratch_get(&s, len);
  if (v == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  size_t n = wb__json_minify(json, len, v);
  st = set_raw(b, name, v, n, err);
  scratch_release(&s, n);
  return st;
}

wb_status wb_builder_append_string(wb_builder *b, const char *name, const char *value, wb_error *err) {
  wb_status st = writable(b, name, err);
  if (st != WB_OK)
    return st;
  if (value == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": NULL value", name);
  size_t vlen = strlen(value), elen = 0, ev_len = 0, alen = 0;
  scratch ename = {0}, evalue = {0}, arr = {0};
  elen = escape_name(&ename, name, strlen(name), err, &st);
  if (st != WB_OK)
    goto out;
  st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  char *ev = vlen < SIZE_MAX / 8 ? scratch_get(&evalue, 6 * vlen + 2) : NULL;
  if (ev == NULL)
    goto out;
  if ((ev_len = wb__json_escape(value, vlen, ev)) == 0) {
    st = wb__fail(err, WB_ERR_INVALID_ARG, "claim \"%.40s\": value is not valid UTF-8", name);
    goto out;
  }
  size_t i = find(b, ename.p, elen);
  const char *old = i < b->nmembers ? b->text + b->members[i].off + elen + 1 : "[]";
  size_t old_len = i < b->nmembers ? b->members[i].len - elen - 1 : 2;
  if (old[0] != '[') {
    st = wb__fail(err, WB_ERR_CLAIM_MISMATCH, "claim \"%.40s\" is not an array", name);
    goto out;
  }
  char *a = scratch_get(&arr, old_len + ev_len + 2);
  if (a == NULL)
    goto out;
  alen = old_len - 1; /* "[a,b]" + v -> "[a,b,v]"; "[]" + v -> "[v]" */
  memcpy(a, old, alen);
  if (old_len > 2)
    a[alen++] = ',';
  memcpy(a + alen, ev, ev_len);
  alen += ev_len;
  a[alen++] = ']';
  st = set_escaped(b, ename.p, elen, a, alen, err);
out:
  scratch_release(&ename, elen);
  scratch_release(&evalue, ev_len);
  scratch_release(&arr, alen);
  return st;
}

wb_status wb_builder_remove(wb_builder *b, const char *name, wb_error *err) {
  wb_status st = writable(b, name, err);
  if (st != WB_OK)
    return st;
  scratch s;
  size_t elen = escape_name(&s, name, strlen(name), NULL, &st);
  if (st == WB_ERR_NOMEM) {
    scratch_release(&s, 0);
    return wb__fail(err, st, "out of memory");
  }
  size_t i = st == WB_OK ? find(b, s.p, elen) : b->nmembers; /* an invalid name is never present */
  scratch_release(&s, elen);
  if (i < b->nmembers)
    drop(b, i);
  return wb__ok(err);
}

bool wb_builder_has(const wb_builder *b, const char *name) {
  if (b == NULL || name == NULL)
    return false;
  scratch s;
  wb_status st;
  size_t elen = escape_name(&s, name, strlen(name), NULL, &st);
  bool found = st == WB_OK && find(b, s.p, elen) < b->nmembers;
  scratch_release(&s, elen);
  return found;
}

wb_status wb_builder_set_random_jti(wb_builder *b, wb_error *err) {
  unsigned char id[16];
  char text[WB_B64URL_ENCODED_LEN(16) + 1];
  if (b == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL builder");
  wb_status st = wb_random(id, sizeof(id), err);
  if (st != WB_OK)
    return st;
  wb__b64url_encode_to(text, id, sizeof(id));
  return wb_builder_set_string(b, "jti", text, err);
}

/* ---- out ---------------------------------------------------------------------------------------- */

wb_status wb_builder_to_json(const wb_builder *b, char **json, size_t *len, wb_error *err) {
  if (json != NULL) /* outputs are defined on every failure, this one included */
    *json = NULL;
  if (len != NULL)
    *len = 0;
  if (json == NULL || b == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  char *copy = malloc(b->text_len + 1);
  if (copy == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  memcpy(copy, b->text, b->text_len + 1);
  *json = copy;
  if (len != NULL)
    *len = b->text_len;
  return wb__ok(err);
}

wb_status wb_sign(const wb_signer *s, const wb_builder *b, char **token, size_t *token_len, wb_error *err) {
  if (token != NULL) /* outputs are defined on every failure, this one included */
    *token = NULL;
  if (token_len != NULL)
    *token_len = 0;
  if (token == NULL || b == NULL || s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (!wb__signer_b64(s)) /* RFC 7797 7: a JWT never has an unencoded payload */
    return wb__fail(err, WB_ERR_INVALID_ARG, "a signer with b64 false never signs a JWT");
  return wb_jws_sign(s, (const unsigned char *)b->text, b->text_len, token, token_len, err);
}
