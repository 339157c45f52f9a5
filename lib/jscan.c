/* SPDX-License-Identifier: MIT */
/*
 * lib/jscan.c - the strict JSON scanner and its tape. Contract and rationale: lib/jscan.h.
 * Grammar: RFC 8259. The scan is a loop over an explicit stack of open containers, so nesting
 * costs heap (bounded by max_depth), never the caller's thread stack.
 */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <openssl/crypto.h>
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

/* An open container: what its closing bracket must finish. */
typedef struct frame {
  const char *start; /* its opening bracket */
  name_ref name;     /* the member name it is the value of (objects only), for fields and the tape */
  bool has_name;
  char close;     /* '}' or ']' */
  uint32_t count; /* members or elements so far */
  uint32_t node;  /* its tape node */
  size_t base;    /* objects: names[base..] are this object's member names */
} frame;

#define FRAME_INLINE 16

typedef struct scanner {
  const char *p, *end, *text;
  const wb_limits *lim;
  wb_jfield *fields;
  size_t nfields;
  name_ref *names; /* member names of the objects being scanned, innermost last */
  size_t nnames, cap;
  frame *frames; /* the open containers, innermost last */
  size_t nframes, fcap;
  wb_jtape *tape;  /* when building: nodes and arena sized by a first pass */
  uint32_t nnodes; /* values seen (counted in every scan) */
  wb_error *err;
  name_ref inline_names[NAME_STACK_INLINE];
  frame inline_frames[FRAME_INLINE];
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

locale_t wb__c_numeric(void) {
  static _Atomic(locale_t) c_numeric; /* made once, kept for the life of the process */
  locale_t c = atomic_load(&c_numeric);
  if (c != (locale_t)0)
    return c;
  locale_t fresh = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (fresh == (locale_t)0)
    return fresh;
  /* LCOV_EXCL_START: cov-lost-race */
  if (atomic_compare_exchange_strong(&c_numeric, &c, fresh))
    return fresh;
  freelocale(fresh); /* another thread made it first: c is that one */
  return c;
  /* LCOV_EXCL_STOP: cov-lost-race */
}

/*
 * Converts a number token with strtod in the "C" numeric locale, whatever LC_NUMERIC the process
 * or this thread has: a decimal point of another byte, or of several bytes (ps_AF's U+066B),
 * would otherwise stop strtod at the '.' ("2.0e9" read as 2). uselocale is per thread.
 */
static wb_status number_to_double(const char *raw, size_t len, double *d) {
  locale_t c = wb__c_numeric();
  if (c == (locale_t)0)
    return WB_ERR_NOMEM;
  char buf[128];
  char *s = len < sizeof(buf) ? buf : malloc(len + 1);
  if (s == NULL)
    return WB_ERR_NOMEM;
  memcpy(s, raw, len);
  s[len] = '\0';
  locale_t old = uselocale(c);
  *d = strtod(s, NULL); /* beyond DBL_MAX: +-HUGE_VAL, which is +-inf */
  uselocale(old);
  if (s != buf)
    free(s);
  return WB_OK;
}

wb_status wb__jnum_parse(const char *raw, size_t len, double *d, int64_t *i, wb_jnum_kind *kind) {
  *i = 0;
  *d = 0;
  *kind = WB_JNUM_INT;
  for (size_t k = 0; k < len; k++)
    if (raw[k] == '.' || raw[k] == 'e' || raw[k] == 'E')
      *kind = WB_JNUM_REAL;
  if (*kind == WB_JNUM_REAL)
    return number_to_double(raw, len, d);
  bool neg = raw[0] == '-';
  uint64_t v = 0;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (size_t k = neg ? 1 : 0; k < len; k++) {
    unsigned dig = (unsigned)(raw[k] - '0');
    if (v > limit / 10 || v * 10 > limit - dig) {
      *kind = WB_JNUM_BIGINT;
      return number_to_double(raw, len, d);
    }
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

/* Scans a number; any valid JSON number is accepted, whatever its size. */
static wb_status scan_number(scanner *sc, bool *is_int_out) {
  const char *p = sc->p; /* at '-' or a digit (scan_scalar) */
  bool is_int = true;
  if (*p == '-')
    p++;
  size_t n = digits(p, sc->end);
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

/* Two names of the document with the same sig when both are unescaped (push_name tests it first):
 * equal after unescaping both. */
static int names_equal(const name_ref *a, const name_ref *b) {
  if (!a->escaped && !b->escaped) /* the same sig: the same first and last byte */
    return a->len == b->len && (a->len <= 2 || memcmp(a->raw + 1, b->raw + 1, a->len - 2) == 0);
  unesc ua = {a->raw, a->raw + a->len, {0}, 0, 0}, ub = {b->raw, b->raw + b->len, {0}, 0, 0};
  for (;;) {
    int x = unesc_next(&ua), y = unesc_next(&ub);
    if (x != y)
      return 0;
    if (x < 0)
      return 1;
  }
}

int wb__jstr_equal_n(const char *raw, size_t len, bool escaped, const char *s, size_t slen) {
  if (!escaped)
    return len == slen && memcmp(raw, s, len) == 0;
  unesc u = {raw, raw + len, {0}, 0, 0}; /* the document's side only: s is plain text */
  size_t k = 0;
  int c;
  while ((c = unesc_next(&u)) >= 0) {
    if (k == slen || (unsigned char)s[k] != c)
      return 0;
    k++;
  }
  return k == slen;
}

int wb__jstr_equal(const char *raw, size_t len, bool escaped, const char *s) {
  return wb__jstr_equal_n(raw, len, escaped, s, strlen(s));
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

/* Grows a stack array of elem-size entries that starts in inline storage; false when out of memory. */
static bool grow(void **arr, size_t *cap, size_t elem, const void *inline_storage, size_t used) {
  if (*cap > SIZE_MAX / 2 / elem) /* LCOV_EXCL_BR_LINE: cov-size-overflow */
    return false;                 /* LCOV_EXCL_LINE: cov-size-overflow */
  size_t ncap = *cap * 2;
  void *g = malloc(ncap * elem);
  if (g == NULL)
    return false;
  memcpy(g, *arr, used * elem);
  if (*arr != inline_storage)
    free(*arr);
  *arr = g;
  *cap = ncap;
  return true;
}

static wb_status push_name(scanner *sc, const name_ref *n, size_t base) {
  for (size_t i = base; i < sc->nnames; i++) {
    const name_ref *m = &sc->names[i];
    if ((m->escaped || n->escaped || m->sig == n->sig) && names_equal(m, n))
      return bad(sc, "duplicate member name");
  }
  if (sc->nnames == sc->cap &&
      !grow((void **)&sc->names, &sc->cap, sizeof(*sc->names), sc->inline_names, sc->nnames))
    return wb__fail(sc->err, WB_ERR_NOMEM, "out of memory");
  sc->names[sc->nnames++] = *n;
  return WB_OK;
}

/* Reports a top-level member's value to the fields that want its name. */
static void record_field(scanner *sc, const name_ref *n, wb_json_type type, const char *raw, size_t len,
                         bool escaped) {
  for (size_t i = 0; i < sc->nfields; i++) {
    wb_jfield *f = &sc->fields[i];
    if (!n->escaped) { /* the common case: compare the bytes at once */
      if (n->sig != f->sig || n->len != f->name_len || memcmp(n->raw, f->name, n->len) != 0)
        continue;
    } else if (!wb__jstr_equal_n(n->raw, n->len, true, f->name, f->name_len)) {
      continue;
    }
    f->type = type; /* no return: the same name may be wanted twice (registered and required) */
    f->value = raw;
    f->len = len;
    f->escaped = escaped;
  }
}

/* Writes the tape node idx (the span is finished later for containers). */
static void write_node(scanner *sc, uint32_t idx, wb_json_type type, const char *raw, size_t len,
                       bool escaped, const name_ref *name) {
  wb_jtape *t = sc->tape;
  if (idx >= t->n) /* LCOV_EXCL_BR_LINE: cov-second-pass */
    return;        /* LCOV_EXCL_LINE: cov-second-pass */
  wb_jnode *nd = &t->nodes[idx];
  memset(nd, 0, sizeof(*nd));
  nd->type = (uint32_t)type;
  nd->next = idx + 1;
  nd->off = (uint32_t)(raw - sc->text);
  nd->len = (uint32_t)len;
  nd->escaped = escaped;
  if (name != NULL) {
    nd->name_off = (uint32_t)(name->raw - sc->text);
    nd->name_len = (uint32_t)name->len;
    nd->name_escaped = name->escaped;
  }
  if (type == WB_JSON_STRING) {
    nd->str = (uint32_t)t->arena_len;
    t->arena_len += wb__jstr_decode(raw, len, escaped, t->arena + t->arena_len) + 1;
  }
}

/* Counts a value and, when building a tape, writes its node. */
static inline uint32_t emit(scanner *sc, wb_json_type type, const char *raw, size_t len, bool escaped,
                            const name_ref *name) {
  uint32_t idx = sc->nnodes++;
  if (sc->tape != NULL)
    write_node(sc, idx, type, raw, len, escaped, name);
  return idx;
}

/* The member name of the innermost open object, scanned up to and past its ':'. */
static wb_status scan_name(scanner *sc, name_ref *n) {
  if (sc->p >= sc->end || *sc->p != '"')
    return bad(sc, "member name expected");
  wb_status st = scan_string(sc, &n->raw, &n->len, &n->escaped);
  if (st != WB_OK)
    return st;
  n->sig = name_sig(n->raw, n->len);
  st = push_name(sc, n, sc->frames[sc->nframes - 1].base);
  if (st != WB_OK)
    return st;
  skip_ws(sc);
  if (sc->p >= sc->end || *sc->p != ':')
    return bad(sc, "':' expected");
  sc->p++;
  skip_ws(sc);
  return WB_OK;
}

/* Opens the container at sc->p (the value of member name, or NULL). */
static wb_status open_container(scanner *sc, const name_ref *name) {
  if (sc->nframes + 1 > sc->lim->max_depth)
    return wb__fail(sc->err, WB_ERR_MALFORMED, "JSON nested deeper than %u levels", sc->lim->max_depth);
  if (sc->nframes == sc->fcap &&
      !grow((void **)&sc->frames, &sc->fcap, sizeof(*sc->frames), sc->inline_frames, sc->nframes))
    return wb__fail(sc->err, WB_ERR_NOMEM, "out of memory");
  frame *f = &sc->frames[sc->nframes++];
  f->start = sc->p;
  f->close = *sc->p == '{' ? '}' : ']';
  f->count = 0;
  f->base = sc->nnames;
  f->has_name = name != NULL;
  if (name != NULL)
    f->name = *name;
  f->node = emit(sc, f->close == '}' ? WB_JSON_OBJECT : WB_JSON_ARRAY, sc->p, 0, false, name);
  sc->p++;
  skip_ws(sc);
  return WB_OK;
}

/* Closes the innermost container at its bracket (sc->p is past it). */
static void close_container(scanner *sc) {
  frame *f = &sc->frames[--sc->nframes];
  size_t len = (size_t)(sc->p - f->start);
  sc->nnames = f->base;
  if (sc->tape != NULL && f->node < sc->tape->n) { /* LCOV_EXCL_BR_LINE: cov-second-pass */
    wb_jnode *nd = &sc->tape->nodes[f->node];
    nd->len = (uint32_t)len;
    nd->count = f->count;
    nd->next = sc->nnodes;
  }
  if (sc->nframes == 1 && f->has_name && sc->nfields != 0)
    record_field(sc, &f->name, f->close == '}' ? WB_JSON_OBJECT : WB_JSON_ARRAY, f->start, len, false);
}

/* A string, number or literal at sc->p, the value of member name (or NULL). */
static wb_status scan_scalar(scanner *sc, const name_ref *name) {
  char c = *sc->p;
  const char *raw = sc->p;
  size_t len;
  bool escaped = false;
  wb_json_type type;
  wb_status st;
  if (c == '"') {
    type = WB_JSON_STRING;
    st = scan_string(sc, &raw, &len, &escaped);
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    bool is_int = true;
    st = scan_number(sc, &is_int);
    type = is_int ? WB_JSON_INTEGER : WB_JSON_REAL;
    len = (size_t)(sc->p - raw);
  } else {
    type = c == 'n' ? WB_JSON_NULL : WB_JSON_BOOL;
    st = scan_literal(sc, c == 't' ? "true" : c == 'f' ? "false" : "null");
    len = (size_t)(sc->p - raw);
  }
  if (st != WB_OK)
    return st;
  emit(sc, type, raw, len, escaped, name);
  if (sc->nframes == 1 && name != NULL && sc->nfields != 0)
    record_field(sc, name, type, raw, len, escaped);
  return WB_OK;
}

/*
 * After a value: a ',' and the next member or element, or closing brackets. *more is set when
 * a value follows (its member name in *name when in an object), cleared when the document ended.
 */
static wb_status after_value(scanner *sc, name_ref *name, bool *has_name, bool *more) {
  for (;;) {
    *more = sc->nframes > 0;
    if (!*more)
      return WB_OK;
    frame *f = &sc->frames[sc->nframes - 1];
    skip_ws(sc);
    if (sc->p < sc->end && *sc->p == ',') {
      sc->p++;
      skip_ws(sc);
      if (++f->count > sc->lim->max_members)
        return wb__fail(sc->err, WB_ERR_TOO_LARGE, "JSON container has more than %u members",
                        sc->lim->max_members);
      *has_name = f->close == '}';
      return *has_name ? scan_name(sc, name) : WB_OK;
    }
    if (sc->p >= sc->end || *sc->p != f->close)
      return bad(sc, f->close == '}' ? "',' or '}' expected" : "',' or ']' expected");
    sc->p++;
    close_container(sc);
  }
}

/* One whole value at sc->p, iteratively. */
static wb_status scan_document(scanner *sc) {
  name_ref name;
  bool has_name = false, more = true;
  while (more) {
    if (sc->p >= sc->end)
      return bad(sc, "value expected");
    wb_status st;
    char c = *sc->p;
    if (c == '{' || c == '[') {
      st = open_container(sc, has_name ? &name : NULL);
      if (st != WB_OK)
        return st;
      frame *f = &sc->frames[sc->nframes - 1];
      if (sc->p < sc->end && *sc->p == f->close) { /* empty */
        sc->p++;
        close_container(sc);
      } else {
        f->count = 1; /* max_members is at least 1 (wb__limits_check) */
        has_name = f->close == '}';
        if (has_name && (st = scan_name(sc, &name)) != WB_OK)
          return st;
        continue; /* the first member's or element's value */
      }
    } else {
      st = scan_scalar(sc, has_name ? &name : NULL);
      if (st != WB_OK)
        return st;
    }
    st = after_value(sc, &name, &has_name, &more);
    if (st != WB_OK)
      return st;
  }
  return WB_OK;
}

static void scanner_init(scanner *sc, const char *s, size_t len, const wb_limits *lim, wb_error *err) {
  sc->p = sc->text = s;
  sc->end = s + len;
  sc->lim = lim;
  sc->fields = NULL;
  sc->nfields = 0;
  sc->names = sc->inline_names; /* the inline arrays stay uninitialised: only used entries are read */
  sc->nnames = 0;
  sc->cap = NAME_STACK_INLINE;
  sc->frames = sc->inline_frames;
  sc->nframes = 0;
  sc->fcap = FRAME_INLINE;
  sc->tape = NULL;
  sc->nnodes = 0;
  sc->err = err;
}

/* Validates the whole text (an object when want_object) and releases the scanner's stacks. */
static wb_status scan_text(scanner *sc, bool want_object) {
  wb_status st;
  skip_ws(sc);
  if (want_object && (sc->p >= sc->end || *sc->p != '{')) {
    st = bad(sc, "not an object");
  } else {
    st = scan_document(sc);
    skip_ws(sc);
    if (st == WB_OK && sc->p != sc->end)
      st = bad(sc, "trailing data after the value");
  }
  if (sc->names != sc->inline_names)
    free(sc->names);
  if (sc->frames != sc->inline_frames)
    free(sc->frames);
  return st;
}

wb_status wb__jscan_object(const char *s, size_t len, const wb_limits *lim, wb_jfield *fields, size_t nfields,
                           wb_error *err) {
  scanner sc;
  scanner_init(&sc, s, len, lim, err);
  sc.fields = fields;
  sc.nfields = nfields;
  for (size_t i = 0; i < nfields; i++) {
    fields[i].type = WB_JSON_ABSENT;
    fields[i].sig = name_sig(fields[i].name, fields[i].name_len);
  }
  wb_status st = scan_text(&sc, true);
  if (st != WB_OK)
    for (size_t i = 0; i < nfields; i++)
      fields[i].type = WB_JSON_ABSENT;
  return st;
}

wb_status wb__jscan_value(const char *s, size_t len, const wb_limits *lim, wb_error *err) {
  scanner sc;
  scanner_init(&sc, s, len, lim, err);
  return scan_text(&sc, false);
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

size_t wb__json_minify(const char *src, size_t len, char *dst) {
  size_t n = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = src[i];
    if (in_string) {
      dst[n++] = c;
      if (c == '\\') /* the escaped character is copied as it is, whatever it is */
        dst[n++] = src[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      continue;
    in_string = c == '"';
    dst[n++] = c;
  }
  return n;
}

/* ---- the tape ---------------------------------------------------------------------------- */

wb_status wb__jtape_build(wb_jtape **out, const char *text, size_t len, const wb_limits *lim,
                          bool want_object, wb_error *err) {
  *out = NULL;
  if (len >= UINT32_MAX / 2)
    return wb__fail(err, WB_ERR_TOO_LARGE, "JSON text too long");
  scanner sc; /* first pass: validate and count the nodes */
  scanner_init(&sc, text, len, lim, err);
  wb_status st = scan_text(&sc, want_object);
  if (st != WB_OK)
    return st;
  size_t n = sc.nnodes, arena = len + n; /* every string unescaped is no longer than its text, + NUL */
  if (n > (SIZE_MAX - sizeof(wb_jtape) - arena) / sizeof(wb_jnode)) /* LCOV_EXCL_BR_LINE: cov-size-overflow */
    return wb__fail(err, WB_ERR_TOO_LARGE, "JSON text too long");   /* LCOV_EXCL_LINE: cov-size-overflow */
  wb_jtape *t = malloc(sizeof(*t) + n * sizeof(wb_jnode) + arena);
  if (t == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  t->text = text;
  t->len = len;
  t->n = (uint32_t)n;
  t->nodes = (wb_jnode *)(t + 1);
  t->arena = (char *)(t->nodes + n);
  t->arena_len = 0;
  scanner_init(&sc, text, len, lim, err); /* second pass: fill the nodes */
  sc.tape = t;
  st = scan_text(&sc, want_object);
  if (st != WB_OK) { /* the same text cannot fail twice but for memory */
    wb__jtape_free(t);
    return st;
  }
  *out = t;
  return WB_OK;
}

void wb__jtape_free(wb_jtape *t) {
  if (t == NULL)
    return;
  OPENSSL_cleanse(t->arena, t->arena_len);
  free(t);
}

uint32_t wb__jtape_member(const wb_jtape *t, uint32_t obj, const char *name, size_t len) {
  const wb_jnode *o = &t->nodes[obj];
  if (o->type != WB_JSON_OBJECT)
    return 0;
  for (uint32_t i = obj + 1; i < o->next; i = t->nodes[i].next) {
    const wb_jnode *m = &t->nodes[i];
    if (wb__jstr_equal_n(t->text + m->name_off, m->name_len, m->name_escaped, name, len))
      return i;
  }
  return 0;
}

uint32_t wb__jtape_element(const wb_jtape *t, uint32_t arr, size_t i) {
  const wb_jnode *a = &t->nodes[arr];
  if (a->type != WB_JSON_ARRAY || i >= a->count)
    return 0;
  uint32_t k = arr + 1;
  for (size_t j = 0; j < i; j++)
    k = t->nodes[k].next;
  return k;
}
