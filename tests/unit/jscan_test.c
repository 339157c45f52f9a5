/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jscan_test.c - lib/jscan.c, the hot-path JSON scanner, checked against jansson
 * (lib/json.c): a table of tricky documents, then a differential run over generated mutations.
 * Both must accept exactly the same documents; the scanner must also find the wanted fields.
 */
#include <jansson.h>

#include "check.h"
#include "jscan.h"

static wb_limits lim;

/* 1 when lib/json.c (jansson) accepts text as an object within the limits. */
static int jansson_accepts(const char *text, size_t len) {
  json_t *j = wb__json_parse(text, len, &lim, 0, true, NULL);
  json_decref(j);
  return j != NULL;
}

static int scanner_accepts(const char *text, size_t len) {
  return wb__jscan_object(text, len, &lim, NULL, 0, NULL) == WB_OK;
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
  AGREE("{\"a\":9223372036854775808}", 0); /* int64 overflow */
  AGREE("{\"a\":-9223372036854775808}", 1);
  AGREE("{\"a\":-9223372036854775809}", 0);
  AGREE("{\"a\":1e400}", 0);  /* real overflow */
  AGREE("{\"a\":1e-400}", 1); /* underflow is fine */
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

int main(void) {
  wb_limits_default(&lim);
  table();
  depth();
  fields();
  differential();
  return CHECK_DONE();
}
