/* SPDX-License-Identifier: MIT */
/*
 * lib/jscan.c - strict single-pass JSON object scanner for the verify hot path.
 * Contract and rationale: lib/jscan.h. Grammar: RFC 8259; strictness mirrors jansson as used by
 * lib/json.c (JSON_REJECT_DUPLICATES, no NUL, integers must fit int64, reals must be finite).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

#define NAME_STACK_INLINE 64

typedef struct name_ref {
  const char *raw;
  size_t len;
  bool escaped;
  uint32_t sig; /* unescaped names: length, first and last byte; a cheap inequality test */
} name_ref;

static uint32_t name_sig(const char *raw, size_t len) {
  if (len == 0)
    return 0;
  return (uint32_t)(len & 0xffff) | (uint32_t)(unsigned char)raw[0] << 16 |
         (uint32_t)(unsigned char)raw[len - 1] << 24;
}

typedef struct scanner {
  const char *p, *end;
  const wb_limits *lim;
  wb_jfield *fields;
  size_t nfields;
  name_ref *names; /* member names of the objects being scanned, innermost last */
  size_t nnames, cap;
  name_ref inline_names[NAME_STACK_INLINE];
  wb_error *err;
} scanner;

static wb_status bad(scanner *sc, const char *what) {
  return wb__fail(sc->err, WB_ERR_MALFORMED, "invalid JSON: %s", what);
}

static void skip_ws(scanner *sc) {
  while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r'))
    sc->p++;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads 4 hex digits at p (bounds checked by the caller); -1 when not hex. */
static long hex4(const char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval((unsigned char)p[i]);
    if (h < 0)
      return -1;
    v = (v << 4) | h;
  }
  return v;
}

/* Length of the valid UTF-8 sequence at p (1..4) or 0 when invalid (overlong, surrogate, > U+10FFFF). */
size_t wb__utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t n;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n)
    return 0;
  unsigned cp = c & (0x3f >> (n - 1));
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

/* Scans a string starting at the opening quote; reports the content span. */
/* 1 for bytes that end a run of plain string characters: '"', '\\', controls and non-ASCII. */
static const unsigned char string_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static wb_status scan_string(scanner *sc, const char **raw, size_t *len, bool *escaped) {
  const char *p = sc->p + 1;
  bool esc = false;
  while (p < sc->end) {
    while (p < sc->end && !string_special[(unsigned char)*p]) /* the common case: plain ASCII */
      p++;
    if (p >= sc->end)
      break;
    unsigned char c = (unsigned char)*p;
    if (c == '"') {
      *raw = sc->p + 1;
      *len = (size_t)(p - (sc->p + 1));
      *escaped = esc;
      sc->p = p + 1;
      return WB_OK;
    }
    if (c < 0x20)
      return bad(sc, "control character in string");
    if (c == '\\') {
      esc = true;
      if (p + 1 >= sc->end)
        break;
      char e = p[1];
      if (e == 'u') {
        if (sc->end - p < 6)
          break;
        long u = hex4(p + 2);
        if (u < 0)
          return bad(sc, "invalid \\u escape");
        if (u == 0)
          return bad(sc, "\\u0000 in string");
        p += 6;
        if (u >= 0xdc00 && u <= 0xdfff)
          return bad(sc, "lone low surrogate");
        if (u >= 0xd800 && u <= 0xdbff) {
          if (sc->end - p < 6 || p[0] != '\\' || p[1] != 'u')
            return bad(sc, "lone high surrogate");
          long lo = hex4(p + 2);
          if (lo < 0xdc00 || lo > 0xdfff)
            return bad(sc, "invalid surrogate pair");
          p += 6;
        }
        continue;
      }
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
        return bad(sc, "invalid escape");
      p += 2;
      continue;
    }
    size_t n = wb__utf8_len((const unsigned char *)p, (const unsigned char *)sc->end);
    if (n == 0)
      return bad(sc, "invalid UTF-8");
    p += n;
  }
  return bad(sc, "unterminated string");
}

/* Converts a number token with the C library, tolerating any LC_NUMERIC (as jansson does). */
static wb_status number_to_double(const char *raw, size_t len, double *d) {
  char buf[128];
  char *s = len < sizeof(buf) ? buf : malloc(len + 1);
  if (s == NULL)
    return WB_ERR_NOMEM;
  memcpy(s, raw, len);
  s[len] = '\0';
  const char *point = localeconv()->decimal_point;
  char *dot = strchr(s, '.');
  if (dot != NULL && point != NULL && point[0] != '\0' && point[1] == '\0')
    *dot = point[0];
  errno = 0;
  *d = strtod(s, NULL);
  int overflow = (*d == HUGE_VAL || *d == -HUGE_VAL) && errno == ERANGE;
  if (s != buf)
    free(s);
  return overflow ? WB_ERR_MALFORMED : WB_OK;
}

wb_status wb__jnum_parse(const char *raw, size_t len, double *d, int64_t *i, bool *is_int) {
  *is_int = true;
  *i = 0;
  for (size_t k = 0; k < len; k++)
    if (raw[k] == '.' || raw[k] == 'e' || raw[k] == 'E')
      *is_int = false;
  if (!*is_int)
    return number_to_double(raw, len, d);
  bool neg = raw[0] == '-';
  uint64_t v = 0;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (size_t k = neg ? 1 : 0; k < len; k++) {
    unsigned dig = (unsigned)(raw[k] - '0');
    if (v > limit / 10 || v * 10 > limit - dig)
      return WB_ERR_MALFORMED;
    v = v * 10 + dig;
  }
  *i = neg ? (int64_t)(0 - v) : (int64_t)v;
  *d = (double)*i;
  return WB_OK;
}

static size_t digits(const char *p, const char *end) {
  const char *q = p;
  while (q < end && *q >= '0' && *q <= '9')
    q++;
  return (size_t)(q - p);
}

static wb_status scan_number(scanner *sc, bool *is_int_out) {
  const char *start = sc->p, *p = sc->p;
  bool is_int = true;
  if (p < sc->end && *p == '-')
    p++;
  size_t n = digits(p, sc->end), int_digits = n;
  if (n == 0 || (p[0] == '0' && n > 1))
    return bad(sc, "invalid number");
  p += n;
  if (p < sc->end && *p == '.') {
    n = digits(p + 1, sc->end);
    if (n == 0)
      return bad(sc, "invalid number");
    p += 1 + n;
    is_int = false;
  }
  if (p < sc->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < sc->end && (*p == '+' || *p == '-'))
      p++;
    n = digits(p, sc->end);
    if (n == 0)
      return bad(sc, "invalid number");
    p += n;
    is_int = false;
  }
  *is_int_out = is_int;
  sc->p = p;
  if (is_int && int_digits <= 18) /* cannot overflow int64: no conversion needed */
    return WB_OK;
  double d;
  int64_t i;
  wb_status st = wb__jnum_parse(start, (size_t)(p - start), &d, &i, &is_int);
  if (st == WB_ERR_NOMEM)
    return wb__fail(sc->err, st, "out of memory");
  if (st != WB_OK)
    return bad(sc, "number out of range");
  return WB_OK;
}

static wb_status scan_literal(scanner *sc, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, word, n) != 0)
    return bad(sc, "invalid literal");
  sc->p += n;
  return WB_OK;
}

/* Next byte of the unescaped string at *p (UTF-8 output); *pend holds pending bytes of an escape. */
typedef struct unesc {
  const char *p, *end;
  unsigned char pend[4];
  unsigned npend, ipend;
} unesc;

static int unesc_next(unesc *u) {
  if (u->ipend < u->npend)
    return u->pend[u->ipend++];
  if (u->p >= u->end)
    return -1;
  if (*u->p != '\\')
    return (unsigned char)*u->p++;
  char e = u->p[1];
  u->p += 2;
  switch (e) {
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  case 'u':
    break;
  default:
    return (unsigned char)e; /* " \ / */
  }
  unsigned long cp = (unsigned long)hex4(u->p);
  u->p += 4;
  if (cp >= 0xd800 && cp <= 0xdbff) { /* validated: a low surrogate follows */
    unsigned long lo = (unsigned long)hex4(u->p + 2);
    u->p += 6;
    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
  }
  u->ipend = 0;
  if (cp < 0x80) {
    u->npend = 0;
    return (int)cp;
  }
  if (cp < 0x800) {
    u->pend[0] = (unsigned char)(0x80 | (cp & 0x3f));
    u->npend = 1;
    return (int)(0xc0 | (cp >> 6));
  }
  if (cp < 0x10000) {
    u->pend[0] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    u->pend[1] = (unsigned char)(0x80 | (cp & 0x3f));
    u->npend = 2;
    return (int)(0xe0 | (cp >> 12));
  }
  u->pend[0] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
  u->pend[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
  u->pend[2] = (unsigned char)(0x80 | (cp & 0x3f));
  u->npend = 3;
  return (int)(0xf0 | (cp >> 18));
}

static int names_equal(const name_ref *a, const name_ref *b) {
  if (!a->escaped && !b->escaped)
    return a->sig == b->sig && a->len == b->len &&
           (a->len <= 2 || memcmp(a->raw + 1, b->raw + 1, a->len - 2) == 0);
  unesc ua = {a->raw, a->raw + a->len, {0}, 0, 0}, ub = {b->raw, b->raw + b->len, {0}, 0, 0};
  for (;;) {
    int x = unesc_next(&ua), y = unesc_next(&ub);
    if (x != y)
      return 0;
    if (x < 0)
      return 1;
  }
}

int wb__jstr_equal(const char *raw, size_t len, bool escaped, const char *c) {
  size_t clen = strlen(c);
  name_ref a = {raw, len, escaped, name_sig(raw, len)}, b = {c, clen, false, name_sig(c, clen)};
  return names_equal(&a, &b);
}

size_t wb__jstr_decode(const char *raw, size_t len, bool escaped, char *out) {
  if (!escaped) {
    memcpy(out, raw, len);
    out[len] = '\0';
    return len;
  }
  unesc u = {raw, raw + len, {0}, 0, 0};
  size_t n = 0;
  int c;
  while ((c = unesc_next(&u)) >= 0)
    out[n++] = (char)c;
  out[n] = '\0';
  return n;
}

static wb_status push_name(scanner *sc, const name_ref *n, size_t base) {
  for (size_t i = base; i < sc->nnames; i++) {
    const name_ref *m = &sc->names[i];
    if ((m->escaped || n->escaped || m->sig == n->sig) && names_equal(m, n))
      return bad(sc, "duplicate member name");
  }
  if (sc->nnames == sc->cap) {
    size_t cap = sc->cap * 2;
    name_ref *g = malloc(cap * sizeof(*g));
    if (g == NULL)
      return wb__fail(sc->err, WB_ERR_NOMEM, "out of memory");
    memcpy(g, sc->names, sc->nnames * sizeof(*g));
    if (sc->names != sc->inline_names)
      free(sc->names);
    sc->names = g;
    sc->cap = cap;
  }
  sc->names[sc->nnames++] = *n;
  return WB_OK;
}

/* A scanned value: its type and raw span (strings: the content between the quotes). */
typedef struct value_ref {
  wb_json_type type;
  const char *raw;
  size_t len;
  bool escaped;
} value_ref;

static wb_status scan_value(scanner *sc, unsigned depth, value_ref *v);

static void record_field(scanner *sc, const name_ref *n, const value_ref *v) {
  for (size_t i = 0; i < sc->nfields; i++) {
    wb_jfield *f = &sc->fields[i];
    if (!n->escaped && n->sig != f->sig)
      continue;
    name_ref want = {f->name, f->name_len, false, f->sig};
    if (!names_equal(n, &want))
      continue;
    f->type = v->type; /* no return: the same name may be wanted twice (registered and required) */
    f->value = v->raw;
    f->len = v->len;
    f->escaped = v->escaped;
  }
}

/* One "name": value pair of an object at depth; top-level pairs are matched to the fields. */
static wb_status scan_member(scanner *sc, unsigned depth, size_t base) {
  name_ref n;
  if (sc->p >= sc->end || *sc->p != '"')
    return bad(sc, "member name expected");
  wb_status st = scan_string(sc, &n.raw, &n.len, &n.escaped);
  if (st != WB_OK)
    return st;
  n.sig = name_sig(n.raw, n.len);
  st = push_name(sc, &n, base);
  if (st != WB_OK)
    return st;
  skip_ws(sc);
  if (sc->p >= sc->end || *sc->p != ':')
    return bad(sc, "':' expected");
  sc->p++;
  skip_ws(sc);
  value_ref v;
  st = scan_value(sc, depth + 1, &v);
  if (st == WB_OK && depth == 1 && sc->nfields != 0)
    record_field(sc, &n, &v);
  return st;
}

/*
 * One container: '{' members '}' or '[' elements ']'. Object members are checked for duplicate
 * names against the names pushed since base, which are popped at the closing brace.
 */
static wb_status scan_container(scanner *sc, unsigned depth, char close) {
  size_t base = sc->nnames, count = 0;
  sc->p++; /* '{' or '[' */
  skip_ws(sc);
  if (sc->p < sc->end && *sc->p == close) {
    sc->p++;
    return WB_OK;
  }
  for (;;) {
    if (++count > sc->lim->max_members)
      return wb__fail(sc->err, WB_ERR_TOO_LARGE, "JSON container has more than %u members",
                      sc->lim->max_members);
    value_ref v;
    wb_status st = close == '}' ? scan_member(sc, depth, base) : scan_value(sc, depth + 1, &v);
    if (st != WB_OK)
      return st;
    skip_ws(sc);
    if (sc->p < sc->end && *sc->p == ',') {
      sc->p++;
      skip_ws(sc);
      continue;
    }
    if (sc->p < sc->end && *sc->p == close) {
      sc->p++;
      sc->nnames = base;
      return WB_OK;
    }
    return bad(sc, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
  }
}

static wb_status scan_value(scanner *sc, unsigned depth, value_ref *v) {
  if (sc->p >= sc->end)
    return bad(sc, "value expected");
  char c = *sc->p;
  v->raw = sc->p;
  v->escaped = false;
  wb_status st;
  if (c == '{' || c == '[') {
    if (depth > sc->lim->max_depth)
      return wb__fail(sc->err, WB_ERR_MALFORMED, "JSON nested deeper than %u levels", sc->lim->max_depth);
    v->type = c == '{' ? WB_JSON_OBJECT : WB_JSON_ARRAY;
    st = scan_container(sc, depth, c == '{' ? '}' : ']');
  } else if (c == '"') {
    v->type = WB_JSON_STRING;
    return scan_string(sc, &v->raw, &v->len, &v->escaped);
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    bool is_int = true;
    st = scan_number(sc, &is_int);
    v->type = is_int ? WB_JSON_INTEGER : WB_JSON_REAL;
  } else {
    v->type = c == 'n' ? WB_JSON_NULL : WB_JSON_BOOL;
    st = scan_literal(sc, c == 't' ? "true" : c == 'f' ? "false" : "null");
  }
  v->len = (size_t)(sc->p - v->raw);
  return st;
}

wb_status wb__jscan_object(const char *s, size_t len, const wb_limits *lim, wb_jfield *fields, size_t nfields,
                           wb_error *err) {
  scanner sc; /* inline_names stays uninitialised: only entries below nnames are read */
  sc.p = s;
  sc.end = s + len;
  sc.lim = lim;
  sc.fields = fields;
  sc.nfields = nfields;
  sc.names = sc.inline_names;
  sc.nnames = 0;
  sc.cap = NAME_STACK_INLINE;
  sc.err = err;
  for (size_t i = 0; i < nfields; i++) {
    fields[i].type = WB_JSON_ABSENT;
    fields[i].sig = name_sig(fields[i].name, fields[i].name_len);
  }
  skip_ws(&sc);
  wb_status st;
  if (sc.p >= sc.end || *sc.p != '{') {
    st = bad(&sc, "not an object");
  } else {
    value_ref v;
    st = scan_value(&sc, 1, &v);
    skip_ws(&sc);
    if (st == WB_OK && sc.p != sc.end)
      st = bad(&sc, "trailing data after the object");
  }
  if (sc.names != sc.inline_names)
    free(sc.names);
  if (st != WB_OK)
    for (size_t i = 0; i < nfields; i++)
      fields[i].type = WB_JSON_ABSENT;
  return st;
}

int wb__jarray_next_string(const char *arr, size_t len, size_t *pos, const char **raw, size_t *raw_len,
                           bool *escaped) {
  scanner sc;
  sc.p = arr + *pos;
  sc.end = arr + len;
  sc.err = NULL;
  if (*pos == 0)
    sc.p++; /* '[' */
  skip_ws(&sc);
  if (sc.p < sc.end && *sc.p == ',')
    sc.p++;
  skip_ws(&sc);
  if (sc.p >= sc.end || *sc.p == ']')
    return 0;
  if (*sc.p != '"')
    return -1;
  if (scan_string(&sc, raw, raw_len, escaped) != WB_OK)
    return -1;
  *pos = (size_t)(sc.p - arr);
  return 1;
}
