/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/revstate_test.c - the revocation state without a network (lib/revocation.c,
 * wb__revstate_apply): every malformed page of the feed is refused with malformed, leaves no
 * state and a zeroed page; entries given as integral reals are taken, fractional or huge ones
 * refused; a page merges into the old state (duplicates merged, expired entries dropped) unless
 * it says reset; and a page with more than WB_REV_MAX_ENTRIES entries in all is too_large.
 */
#include <time.h>

#include "check.h"
#include "revocation.h"

static const int64_t NOW = 1800000000;

/* Applies page to old; checks status want, and on failure that nothing came out. */
static wb_revstate *apply(const wb_revstate *old, const char *page, wb_status want, wb_revpage *pg) {
  wb_revstate *s = (wb_revstate *)1;
  wb_revpage p;
  wb_error e;
  memset(&p, 0x5a, sizeof(p));
  wb_status st = wb__revstate_apply(old, page, strlen(page), 1 << 20, NOW, 300, &s, &p, &e);
  bool good = want == (wb_status)-1 ? st != WB_OK : st == want; /* -1: any error */
  CHECK(good);
  if (!good)
    fprintf(stderr, "  page %.120s: %s %s\n", page, wb_status_name(st), e.message);
  if (st != WB_OK) {
    wb_revpage zero;
    memset(&zero, 0, sizeof(zero));
    CHECK(s == NULL);
    CHECK(memcmp(&p, &zero, sizeof(p)) == 0);
    CHECK(strncmp(e.message, "revocation feed", 15) == 0);
  }
  if (pg != NULL)
    *pg = p;
  return st == WB_OK ? s : NULL;
}

static void malformed_pages(void) {
  static const char *bad[] = {
      "{\"cursor\":",                                                                      /* not JSON */
      "[]",                                                                                /* not an object */
      "{}",                                                                                /* no cursor */
      "{\"cursor\":7}",                                                                    /* not a string */
      "{\"cursor\":\"\"}",                                                                 /* empty */
      "{\"cursor\":\"12a\"}",                                                              /* not digits */
      "{\"cursor\":\"1234567890123456789012345678901234567890123456789012345678901234\"}", /* 64 */
      "{\"cursor\":\"1\",\"more\":\"yes\"}",
      "{\"cursor\":\"1\",\"more\":null}",
      "{\"cursor\":\"1\",\"reset\":1}",
      "{\"cursor\":\"1\",\"more\":false,\"reset\":\"no\"}",
      "{\"cursor\":\"1\",\"sessions\":{}}",
      "{\"cursor\":\"1\",\"jtis\":\"j\"}",
      "{\"cursor\":\"1\",\"users\":7}",
      "{\"cursor\":\"1\",\"sessions\":[7]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"sid\":7,\"until\":1}]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"jti\":\"x\",\"until\":1}]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"sid\":\"s\"}]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"sid\":\"s\",\"until\":\"1\"}]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"sid\":\"s\",\"until\":1.5}]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"sid\":\"s\",\"until\":1e30}]}",
      "{\"cursor\":\"1\",\"sessions\":[{\"sid\":\"s\",\"until\":-1e30}]}",
      "{\"cursor\":\"1\",\"jtis\":[{\"jti\":\"\",\"until\":1}]}",
      "{\"cursor\":\"1\",\"jtis\":[{\"jti\":\"a\\u0000b\",\"until\":1}]}",
      "{\"cursor\":\"1\",\"users\":[{\"sub\":\"u\",\"until\":1}]}", /* no at */
      "{\"cursor\":\"1\",\"users\":[{\"sub\":\"u\",\"at\":0.5,\"until\":1}]}",
      "{\"cursor\":\"1\",\"users\":[{\"sub\":\"u\",\"at\":1,\"until\":1}],\"jtis\":[{}]}", /* the last bad */
      "{\"cursor\":\"1\",\"sessions\":[[[[{}]]]]}", /* deeper than a page is */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    apply(NULL, bad[i], i == 0 || i == 1 || i == 27 ? (wb_status)-1 : WB_ERR_MALFORMED, NULL);
}

/* An id of 255 bytes is taken, one of 256 refused. */
static void id_lengths(void) {
  char id[300], page[400];
  memset(id, 'i', 256);
  id[255] = '\0';
  snprintf(page, sizeof(page), "{\"cursor\":\"1\",\"jtis\":[{\"jti\":\"%s\",\"until\":%lld}]}", id,
           (long long)NOW);
  wb_revstate *s = apply(NULL, page, WB_OK, NULL);
  CHECK(s != NULL && wb__revstate_count(s) == 1);
  wb__revstate_free(s);
  id[255] = 'i';
  id[256] = '\0';
  snprintf(page, sizeof(page), "{\"cursor\":\"1\",\"jtis\":[{\"jti\":\"%s\",\"until\":%lld}]}", id,
           (long long)NOW);
  apply(NULL, page, WB_ERR_MALFORMED, NULL);
}

static void merges(void) {
  char page[1024];
  wb_revpage p;
  /* reals that are whole numbers are seconds; a duplicate is merged (the later until and at) */
  snprintf(page, sizeof(page),
           "{\"cursor\":\"5\",\"more\":true,\"reset\":false,"
           "\"sessions\":[{\"sid\":\"s1\",\"until\":%lld.0},{\"sid\":\"s1\",\"until\":%lld},"
           "{\"sid\":\"old\",\"until\":%lld}],"
           "\"jtis\":[{\"jti\":\"s1\",\"until\":%lld}],"
           "\"users\":[{\"sub\":\"u\",\"at\":5,\"until\":%lld},{\"sub\":\"u\",\"at\":9,\"until\":%lld}]}",
           (long long)NOW + 10, (long long)NOW + 20, (long long)NOW - 301, (long long)NOW + 5,
           (long long)NOW + 50, (long long)NOW + 40);
  wb_revstate *s = apply(NULL, page, WB_OK, &p);
  /* s1 (session), s1 (jti, another kind), u: the long-expired "old" is not kept */
  CHECK(s != NULL && wb__revstate_count(s) == 3);
  CHECK(p.more && !p.reset && p.changes == 6 && strcmp(p.cursor, "5") == 0);
  /* a second page adds to the first; entries that expired since leave */
  wb_revstate *s2 = NULL;
  wb_error e;
  snprintf(page, sizeof(page), "{\"cursor\":\"6\",\"jtis\":[{\"jti\":\"j2\",\"until\":%lld}]}",
           (long long)NOW + 3600);
  CHECK_ST(wb__revstate_apply(s, page, strlen(page), 4096, NOW + 315, 300, &s2, &p, &e), WB_OK);
  /* at NOW+315 with 300 s grace: s1's jti (until NOW+5) is gone; s1 stays, since its merged
   * until is the later one (NOW+20, not NOW+10), and so do u (NOW+50) and j2 */
  CHECK(s2 != NULL && wb__revstate_count(s2) == 3);
  CHECK(!p.more && p.changes == 1);
  wb__revstate_free(s2);
  s2 = NULL;
  /* a reset page replaces the state */
  snprintf(page, sizeof(page), "{\"cursor\":\"1\",\"reset\":true,\"jtis\":[]}");
  CHECK_ST(wb__revstate_apply(s, page, strlen(page), 4096, NOW, 300, &s2, &p, &e), WB_OK);
  CHECK(s2 != NULL && wb__revstate_count(s2) == 0 && p.reset && p.changes == 0);
  wb__revstate_free(s2);
  /* a failed page leaves the old state as it was */
  CHECK_ST(wb__revstate_apply(s, "{\"cursor\":\"x\"}", 14, 4096, NOW, 300, &s2, &p, &e), WB_ERR_MALFORMED);
  CHECK(s2 == NULL && wb__revstate_count(s) == 3);
  /* a page larger than max_len is refused before parsing */
  CHECK_ST(wb__revstate_apply(s, page, strlen(page), 8, NOW, 300, &s2, &p, &e), WB_ERR_TOO_LARGE);
  wb__revstate_free(s);
  wb__revstate_free(NULL);
}

/* Many entries: the table grows, probing meets occupied slots, every entry is kept. */
static void many(void) {
  size_t n = 3000, cap = n * 48 + 64;
  char *page = malloc(cap);
  size_t len = (size_t)snprintf(page, cap, "{\"cursor\":\"1\",\"jtis\":[");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(page + len, cap - len, "%s{\"jti\":\"j%zu\",\"until\":%lld}", i ? "," : "", i,
                            (long long)NOW);
  snprintf(page + len, cap - len, "]}");
  wb_revstate *s = apply(NULL, page, WB_OK, NULL);
  CHECK(s != NULL && wb__revstate_count(s) == n);
  /* the same page again onto s: every entry merges with its twin */
  wb_revstate *s2 = apply(s, page, WB_OK, NULL);
  CHECK(s2 != NULL && wb__revstate_count(s2) == n);
  wb__revstate_free(s2);
  wb__revstate_free(s);
  free(page);
}

/* More than WB_REV_MAX_ENTRIES in the old state and the page together: too_large, old kept. */
static void too_many(void) {
  size_t n = WB_REV_MAX_ENTRIES / 2 + 1, cap = n * 40 + 64;
  char *page = malloc(cap);
  size_t len = (size_t)snprintf(page, cap, "{\"cursor\":\"1\",\"jtis\":[");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(page + len, cap - len, "%s{\"jti\":\"%zx\",\"until\":2e9}", i ? "," : "", i);
  snprintf(page + len, cap - len, "]}");
  wb_revstate *s = NULL, *s2 = NULL;
  wb_revpage p;
  wb_error e;
  CHECK_ST(wb__revstate_apply(NULL, page, strlen(page), cap, NOW, 300, &s, &p, &e), WB_OK);
  CHECK(s != NULL && wb__revstate_count(s) == n);
  CHECK_ST(wb__revstate_apply(s, page, strlen(page), cap, NOW, 300, &s2, &p, &e), WB_ERR_TOO_LARGE);
  CHECK(s2 == NULL && p.changes == 0 && strstr(e.message, "more than") != NULL);
  CHECK(s != NULL && wb__revstate_count(s) == n);
  wb__revstate_free(s);
  free(page);
}

int main(void) {
  malformed_pages();
  id_lengths();
  merges();
  many();
  too_many();
  return CHECK_DONE();
}
