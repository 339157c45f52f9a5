/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jscan_test.c - lib/jscan.c, the JSON scanner, checked against jansson: a table of
 * tricky documents, then a differential run over generated mutations. Both must accept exactly
 * the same documents, except numbers jansson cannot hold (the scanner accepts every valid JSON
 * number); the scanner must also find the wanted fields, build the same tape, compare the
 * caller's names as plain text, tell apart long names whose signatures collide, and never
 * recurse (deep nesting on a small thread stack).
 */
#include <jansson.h>
#include <pthread.h>

#include "check.h"
#include "jscan.h"

static wb_limits lim;

/* 1 when jansson accepts text as an object within the limits (numbers it cannot hold count as
 * accepted: the scanner accepts them on purpose). */
static int jansson_accepts(const char *text, size_t len) {
  json_t *j = wb__json_parse(text, len, &lim, 0, true, NULL);
  json_decref(j);
  if (j != NULL)
    return 1;
  json_error_t e;
  j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
  json_decref(j);
  return j == NULL && memchr(text, '\0', len) == NULL &&
         (strstr(e.text, "too big") != NULL || strstr(e.text, "overflow") != NULL);
}

static int scanner_accepts(const char *text, size_t len) {
  int scan = wb__jscan_object(text, len, &lim, NULL, 0, NULL) == WB_OK;
  wb_jtape *t = NULL;
  int tape = wb__jtape_build(&t, text, len, &lim, true, NULL) == WB_OK;
  wb__jtape_free(t);
  if (tape != scan) {
    fprintf(stderr, "tape and scan disagree on %.*s\n", (int)len, text);
    CHECK(0);
  }
  return scan;
}

static void agree(const char *text, size_t len, int want) {
  int a = jansson_accepts(text, len), b = scanner_accepts(text, len);
  if (a != b || (want >= 0 && a != want)) {
    fprintf(stderr, "disagreement on %.*s: jansson %d scanner %d want %d\n", (int)len, text, a, b, want);
    CHECK(0);
  } else {
    CHECK(1);
  }
}

#define AGREE(lit, want) agree(lit, sizeof(lit) - 1, want)

static void table(void) {
  AGREE("{}", 1);
  AGREE(" {\"a\":1} ", 1);
  AGREE("{\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"x\"}", 1);
  AGREE("[]", 0);                                /* not an object */
  AGREE("{\"a\":1,}", 0);                        /* trailing comma */
  AGREE("{\"a\":1}x", 0);                        /* trailing data */
  AGREE("{\"a\":1,\"a\":2}", 0);                 /* duplicate */
  AGREE("{\"a\":1,\"\\u0061\":2}", 0);           /* duplicate after unescaping */
  AGREE("{\"x\":{\"a\":1,\"a\":2}}", 0);         /* nested duplicate */
  AGREE("{\"x\":{\"a\":1},\"y\":{\"a\":2}}", 1); /* same name, different objects */
  AGREE("{\"a\":\"\\u0000\"}", 0);               /* NUL */
  AGREE("{\"a\":\"\\ud800\"}", 0);               /* lone high surrogate */
  AGREE("{\"a\":\"\\udc00\"}", 0);               /* lone low surrogate */
  AGREE("{\"a\":\"\\ud83d\\ude00\"}", 1);        /* pair */
  AGREE("{\"a\":\"\xc3\xa9\"}", 1);              /* UTF-8 */
  AGREE("{\"a\":\"\xc3\"}", 0);                  /* truncated UTF-8 */
  AGREE("{\"a\":\"\xc0\xaf\"}", 0);              /* overlong */
  AGREE("{\"a\":\"\xed\xa0\x80\"}", 0);          /* encoded surrogate */
  AGREE("{\"a\":\"\xf4\x90\x80\x80\"}", 0);      /* > U+10FFFF */
  AGREE("{\"a\":\"\t\"}", 0);                    /* raw control character */
  AGREE("{\"a\":\"\\x\"}", 0);                   /* bad escape */
  AGREE("{\"a\":01}", 0);                        /* leading zero */
  AGREE("{\"a\":-0}", 1);
  AGREE("{\"a\":1.}", 0);
  AGREE("{\"a\":.5}", 0);
  AGREE("{\"a\":1e5}", 1);
  AGREE("{\"a\":1E+5}", 1);
  AGREE("{\"a\":1e}", 0);
  AGREE("{\"a\":9223372036854775807}", 1);
  AGREE("{\"a\":9223372036854775808}", 1); /* beyond int64: valid JSON, kept as written */
  AGREE("{\"a\":-9223372036854775808}", 1);
  AGREE("{\"a\":-9223372036854775809}", 1);
  AGREE("{\"a\":1e400}", 1);  /* beyond DBL_MAX: valid JSON too */
  AGREE("{\"a\":1e-400}", 1); /* underflow is fine */
  AGREE("{\"a\":-}", 0);
  AGREE("{\"a\":--1}", 0);
  AGREE("{\"a\":+1}", 0);
  AGREE("{\"a\":tru}", 0);
  AGREE("{\"n\":true\0}", 0); /* jansson alone skips a NUL after a literal or a number */
  AGREE("{\"n\":1\0}", 0);
  AGREE("{\"a\":nul}", 0);
  AGREE("{a:1}", 0);
  AGREE("{\"a\" 1}", 0);
  AGREE("{\"a\":1 \"b\":2}", 0);
  AGREE("{\"a\":[1 2]}", 0);
  AGREE("{\"a\":\"unterminated}", 0);
  AGREE("", 0);
  AGREE("{", 0);
}

/* 64 levels pass (the top object is level 1), 65 fail, in both parsers. */
static void depth(void) {
  char buf[512];
  for (int levels = 63; levels <= 66; levels++) {
    size_t n = 0;
    buf[n++] = '{';
    for (int i = 1; i < levels; i++) {
      memcpy(buf + n, "\"a\":{", 5);
      n += 5;
    }
    for (int i = 0; i < levels; i++)
      buf[n++] = '}';
    agree(buf, n, levels <= 64);
  }
}

static void fields(void) {
  const char *t = "{\"iss\":\"jo\\u0065\",\"exp\":1300819380.5,\"aud\":[\"a\",\"b\"],\"n\":{\"iss\":1}}";
  wb_jfield f[4] = {WB_JFIELD("iss"), WB_JFIELD("exp"), WB_JFIELD("aud"), WB_JFIELD("sub")};
  CHECK_ST(wb__jscan_object(t, strlen(t), &lim, f, 4, NULL), WB_OK);
  CHECK(f[0].type == WB_JSON_STRING && f[0].escaped && wb__jstr_equal(f[0].value, f[0].len, true, "joe"));
  CHECK(f[1].type == WB_JSON_REAL);
  CHECK(f[2].type == WB_JSON_ARRAY);
  CHECK(f[3].type == WB_JSON_ABSENT);
  size_t pos = 0, n = 0, len;
  const char *raw;
  bool esc;
  while (wb__jarray_next_string(f[2].value, f[2].len, &pos, &raw, &len, &esc) == 1)
    n++;
  CHECK(n == 2);
  /* An escaped member name is the same member. */
  const char *u = "{\"\\u0065xp\":5}";
  wb_jfield g[1] = {WB_JFIELD("exp")};
  CHECK_ST(wb__jscan_object(u, strlen(u), &lim, g, 1, NULL), WB_OK);
  CHECK(g[0].type == WB_JSON_INTEGER);
  char dec[16];
  CHECK(wb__jstr_decode("a\\u00e9\\n", 9, true, dec) == 4 && strcmp(dec, "a\xc3\xa9\n") == 0);
}

/* Differential run: mutate valid documents byte by byte; both parsers must agree on each. */
static void differential(void) {
  static const char *const seeds[] = {
      "{\"sub\":\"user123\",\"name\":\"Alice\",\"aud\":[\"api\",\"x\"],\"exp\":1.5e9,\"n\":null}",
      "{\"a\":{\"b\":[true,false,-1.25E-3,\"\\u00e9\\ud83d\\ude00\"]},\"c\":\"\\\\\\\"\"}",
  };
  static const char alphabet[] = "{}[]\",:\\u0aeE.-+ tfn\x80\xc3\xa9\x01";
  unsigned seed = 12345, disagreements = 0, runs = 0, accepted = 0;
  for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
    size_t len = strlen(seeds[s]);
    char buf[256];
    for (int round = 0; round < 20000; round++) {
      memcpy(buf, seeds[s], len);
      size_t n = len;
      for (int k = 0; k < 1 + round % 3; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 8) % n;
        char c = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
        if ((seed >> 4) % 3 == 0 && n < sizeof(buf)) { /* insert */
          memmove(buf + pos + 1, buf + pos, n - pos);
          buf[pos] = c;
          n++;
        } else if ((seed >> 4) % 3 == 1 && n > 1) { /* delete */
          memmove(buf + pos, buf + pos + 1, n - pos - 1);
          n--;
        } else {
          buf[pos] = c;
        }
      }
      runs++;
      accepted += (unsigned)scanner_accepts(buf, n);
      if (jansson_accepts(buf, n) != scanner_accepts(buf, n)) {
        if (disagreements++ < 5)
          fprintf(stderr, "differential: jansson %d scanner %d on %.*s\n", jansson_accepts(buf, n),
                  scanner_accepts(buf, n), (int)n, buf);
      }
    }
  }
  printf("differential: %u documents (%u valid), %u disagreements\n", runs, accepted, disagreements);
  CHECK(disagreements == 0);
}

/* The caller's strings are plain text: a backslash in them is a backslash. */
static void plain_comparisons(void) {
  CHECK(wb__jstr_equal("CORP\\\\alice", 11, true, "CORP\\alice"));
  CHECK(!wb__jstr_equal("\\u0043ORPalice", 14, true, "CORP\\alice"));
  CHECK(wb__jstr_equal("\\u0043ORPalice", 14, true, "CORPalice"));
  CHECK(!wb__jstr_equal("x", 1, false, "x\\ud800")); /* a lone escape at the end is read as text */
  CHECK(wb__jstr_equal("x\\\\ud800", 8, true, "x\\ud800"));
  CHECK(!wb__jstr_equal("ab", 2, false, "abc") && !wb__jstr_equal("abc", 3, false, "ab"));
  CHECK(!wb__jstr_equal("a\\u0062c", 8, true, "ab") && !wb__jstr_equal("a\\u0062", 7, true, "abc"));
  /* Wanted fields are named in plain text as well. */
  const char *t = "{\"a\\\\b\":1,\"ab\":2}";
  wb_jfield f[2] = {{.name = "a\\b", .name_len = 3}, WB_JFIELD("ab")};
  CHECK_ST(wb__jscan_object(t, strlen(t), &lim, f, 2, NULL), WB_OK);
  CHECK(f[0].type == WB_JSON_INTEGER && f[0].len == 1 && f[0].value[0] == '1');
  CHECK(f[1].type == WB_JSON_INTEGER && f[1].value[0] == '2');
}

static void tape(void) {
  const char *t = " {\"a\":[1,\"x\\n\",{\"b\":null}],\"\\u0063\":true, \"d\":{}, \"e\":-1.5e3}";
  wb_jtape *tp = NULL;
  CHECK_ST(wb__jtape_build(&tp, t, strlen(t), &lim, true, NULL), WB_OK);
  if (tp == NULL)
    return;
  CHECK(tp->n == 9 && tp->nodes[0].type == WB_JSON_OBJECT && tp->nodes[0].count == 4 &&
        tp->nodes[0].next == 9);
  uint32_t a = wb__jtape_member(tp, 0, "a", 1);
  CHECK(a == 1 && tp->nodes[a].type == WB_JSON_ARRAY && tp->nodes[a].count == 3 && tp->nodes[a].next == 6);
  uint32_t x = wb__jtape_element(tp, a, 1);
  CHECK(x == 3 && strcmp(tp->arena + tp->nodes[x].str, "x\n") == 0);
  uint32_t o = wb__jtape_element(tp, a, 2);
  CHECK(o == 4 && wb__jtape_member(tp, o, "b", 1) == 5 && tp->nodes[5].type == WB_JSON_NULL);
  CHECK(wb__jtape_element(tp, a, 3) == 0 && wb__jtape_element(tp, 0, 0) == 0);
  uint32_t c = wb__jtape_member(tp, 0, "c", 1); /* the name is unescaped for the comparison */
  CHECK(c == 6 && tp->nodes[c].type == WB_JSON_BOOL);
  CHECK(wb__jtape_member(tp, 0, "\\u0063", 6) == 0);
  uint32_t d = wb__jtape_member(tp, 0, "d", 1);
  CHECK(d == 7 && tp->nodes[d].count == 0 && tp->nodes[d].len == 2);
  uint32_t e = wb__jtape_member(tp, 0, "e", 1);
  CHECK(e == 8 && tp->nodes[e].type == WB_JSON_REAL && tp->nodes[e].len == 6 &&
        memcmp(t + tp->nodes[e].off, "-1.5e3", 6) == 0);
  CHECK(wb__jtape_member(tp, 0, "zz", 2) == 0 && wb__jtape_member(tp, a, "a", 1) == 0);
  wb__jtape_free(tp);
  wb_jtape *none = (wb_jtape *)1;
  CHECK_ST(wb__jtape_build(&none, "{\"a\":1,\"a\":1}", 13, &lim, true, NULL), WB_ERR_MALFORMED);
  CHECK(none == NULL);
  CHECK_ST(wb__jtape_build(&none, "[1,2]", 5, &lim, true, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb__jtape_build(&none, "[1,2]", 5, &lim, false, NULL), WB_OK);
  CHECK(none != NULL && none->n == 3 && none->nodes[0].count == 2);
  wb__jtape_free(none);
  char out[64];
  const char *spaced = " { \"a b\" : [ 1 , \" \\\" \" ] } ";
  size_t n = wb__json_minify(spaced, strlen(spaced), out);
  CHECK(n == 18 && memcmp(out, "{\"a b\":[1,\" \\\" \"]}", 18) == 0);
}

/* Member names are compared by a signature (length mod 2^16, first and last byte) first: names
 * that share it but differ in length are different names, for duplicates and wanted fields. */
static void long_names_share_signatures(void) {
  size_t pad = 65536, n = 0;
  char *doc = malloc(2 * pad + 64);
  n += (size_t)sprintf(doc, "{\"ab\":1,\"a");
  memset(doc + n, 'x', pad);
  n += pad;
  n += (size_t)sprintf(doc + n, "b\":2,\"e");
  memset(doc + n, 'x', pad);
  n += pad;
  n += (size_t)sprintf(doc + n, "p\":3}");
  agree(doc, n, 1); /* "ab" and "a<65536 x>b" are two names, not a duplicate */
  wb_jfield f[2] = {WB_JFIELD("ab"), WB_JFIELD("exp")};
  CHECK_ST(wb__jscan_object(doc, n, &lim, f, 2, NULL), WB_OK);
  CHECK(f[0].type == WB_JSON_INTEGER && f[0].value[0] == '1');
  CHECK(f[1].type == WB_JSON_ABSENT); /* "e<65536 x>p" is not "exp" */
  free(doc);
  /* the same signature and length: the bytes between decide */
  AGREE("{\"abc\":1,\"axc\":2,\"eap\":3}", 1);
  AGREE("{\"abc\":1,\"axc\":2,\"ab\":3,\"ab\":4}", 0);
  const char *t = "{\"eap\":3}";
  CHECK_ST(wb__jscan_object(t, strlen(t), &lim, f, 2, NULL), WB_OK);
  CHECK(f[1].type == WB_JSON_ABSENT);
}

/* The helpers' edges: UTF-8 lengths, a text too long for a tape (refused before it is read), and
 * the array iterator on text no scanner checked (it must stop at the end, whatever it holds). */
static void edges(void) {
  const unsigned char *u = (const unsigned char *)"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\xaf";
  CHECK(wb__utf8_len(u, u + 1) == 1 && wb__utf8_len(u + 1, u + 3) == 2 && wb__utf8_len(u + 3, u + 6) == 3);
  CHECK(wb__utf8_len(u + 6, u + 10) == 4 && wb__utf8_len(u + 10, u + 12) == 0); /* overlong */
  CHECK(wb__utf8_len(u + 6, u + 9) == 0);                                       /* cut */
  wb_jtape *t = (wb_jtape *)1;
  wb_error err;
  CHECK_ST(wb__jtape_build(&t, "{}", (size_t)UINT32_MAX / 2, &lim, true, &err), WB_ERR_TOO_LARGE);
  CHECK(t == NULL);
  size_t pos = 0, len = 0;
  const char *raw = NULL;
  bool esc = true;
  CHECK(wb__jarray_next_string("[\"a\"", 4, &pos, &raw, &len, &esc) == 1 && len == 1 && raw[0] == 'a' &&
        !esc);
  CHECK(wb__jarray_next_string("[\"a\"", 4, &pos, &raw, &len, &esc) == 0); /* the text ends: done */
  pos = 0;
  CHECK(wb__jarray_next_string("[\"a", 3, &pos, &raw, &len, &esc) == -1); /* an unterminated string */
  CHECK(pos == 0);
  CHECK(wb__jarray_next_string("[", 1, &pos, &raw, &len, &esc) == 0);
  CHECK(wb__jarray_next_string("[1]", 3, &pos, &raw, &len, &esc) == -1); /* not a string */
  CHECK(wb__jarray_next_string("[\"a\",", 5, &pos, &raw, &len, &esc) == 1);
  CHECK(wb__jarray_next_string("[\"a\",", 5, &pos, &raw, &len, &esc) == 0);
}

/* Deeply nested input, scanned on a small thread stack: the scanner must not recurse. */
typedef struct deep_job {
  const char *text;
  size_t len;
  wb_limits lim;
  wb_status scan, tape;
} deep_job;

static void *deep_scan(void *arg) {
  deep_job *j = arg;
  j->scan = wb__jscan_object(j->text, j->len, &j->lim, NULL, 0, NULL);
  wb_jtape *t = NULL;
  j->tape = wb__jtape_build(&t, j->text, j->len, &j->lim, true, NULL);
  wb__jtape_free(t);
  return NULL;
}

static void deep_on_small_stack(void) {
  size_t levels = 200000, n = 0;
  char *buf = malloc(levels * 6 + 8);
  buf[n++] = '{';
  for (size_t i = 1; i < levels; i += 2) {
    memcpy(buf + n, "\"a\":[", 5); /* objects and arrays alternate: {"a":[{"a":[ ... */
    n += 5;
    buf[n++] = '{';
  }
  for (size_t i = 1; i < levels; i += 2) {
    buf[n++] = '}';
    buf[n++] = ']';
  }
  buf[n++] = '}';
  deep_job jobs[2] = {{buf, n, lim, WB_OK, WB_OK}, {buf, n, lim, WB_OK, WB_OK}};
  jobs[0].lim.max_depth = WB_MAX_DEPTH_LIMIT; /* too deep for the limit: refused */
  jobs[1].lim.max_depth = 200001;             /* within the limit: accepted, without recursion */
  for (int k = 0; k < 2; k++) {
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    CHECK(pthread_create(&th, &attr, deep_scan, &jobs[k]) == 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
  }
  CHECK(jobs[0].scan == WB_ERR_MALFORMED && jobs[0].tape == WB_ERR_MALFORMED);
  CHECK(jobs[1].scan == WB_OK && jobs[1].tape == WB_OK);
  free(buf);
}

int main(void) {
  wb_limits_default(&lim);
  table();
  depth();
  fields();
  plain_comparisons();
  tape();
  long_names_share_signatures();
  edges();
  deep_on_small_stack();
  differential();
  return CHECK_DONE();
}
