/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/web_test.c - the compiled-in pages (server/web.h, cmake/embed_web.cmake): the
 * table holds the two pages and their assets with a Content-Type each and an ETag that is a
 * quoted hash, the bytes are the files' own (web/ read from WB_WEB_DIR), lookups are exact, and
 * If-None-Match is matched as RFC 9110 says (lists, W/, "*", junk and near misses).
 */
#include <string.h>

#include "check.h"
#include "web.h"

/* The bytes of web/REL as the source tree has them; *len their count. NULL when unreadable. */
static unsigned char *read_source(const char *rel, size_t *len) {
  const char *dir = getenv("WB_WEB_DIR");
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "web", rel);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  unsigned char *buf = malloc(1024 * 1024);
  *len = buf != NULL ? fread(buf, 1, 1024 * 1024, f) : 0;
  fclose(f);
  return buf;
}

static void test_table(void) {
  CHECK(web_file_count >= 5);
  for (size_t i = 0; i < web_file_count; i++) {
    const web_file *f = &web_files[i];
    CHECK(f->path[0] == '/' && f->len > 0 && f->data[f->len] == 0);
    CHECK(strncmp(f->type, "text/", 5) == 0 || strncmp(f->type, "image/", 6) == 0);
    CHECK(strlen(f->etag) == 34 && f->etag[0] == '"' && f->etag[33] == '"' &&
          strspn(f->etag + 1, "0123456789abcdef") == 32);
    CHECK(web_find(f->path) == f);
    for (size_t j = 0; j < i; j++)
      CHECK(strcmp(web_files[j].etag, f->etag) != 0 && strcmp(web_files[j].path, f->path) != 0);
  }
  static const struct {
    const char *path, *source, *type;
  } want[] = {{"/", "index.html", "text/html; charset=utf-8"},
              {"/debug", "debug.html", "text/html; charset=utf-8"},
              {"/assets/login.js", "assets/login.js", "text/javascript; charset=utf-8"},
              {"/assets/style.css", "assets/style.css", "text/css; charset=utf-8"},
              {"/assets/favicon.svg", "assets/favicon.svg", "image/svg+xml"}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const web_file *f = web_find(want[i].path);
    size_t len = 0;
    unsigned char *src = read_source(want[i].source, &len);
    CHECK(f != NULL && strcmp(f->type, want[i].type) == 0);
    CHECK(f != NULL && src != NULL && f->len == len && memcmp(f->data, src, len) == 0);
    free(src);
  }
  const char *missing[] = {NULL,
                           "",
                           "/index",
                           "/index.html",
                           "/debug.html",
                           "/debug/",
                           "/assets/",
                           "/assets",
                           "/assets/login.JS",
                           "/assets/../index.html",
                           "assets/login.js",
                           "/web/index.html"};
  for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
    CHECK(web_find(missing[i]) == NULL);
}

static void test_etag(void) {
  const char *tag = "\"0123456789abcdef0123456789abcdef\"";
  const char *match[] = {"\"0123456789abcdef0123456789abcdef\"",
                         "W/\"0123456789abcdef0123456789abcdef\"",
                         "*",
                         " * ",
                         "\"x\", \"0123456789abcdef0123456789abcdef\"",
                         "\"x\",\"0123456789abcdef0123456789abcdef\",\"y\"",
                         "junk, \"0123456789abcdef0123456789abcdef\"",
                         "\"a,b\", \"0123456789abcdef0123456789abcdef\"",
                         "\t\"0123456789abcdef0123456789abcdef\"\t"};
  for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++)
    CHECK(web_etag_matches(match[i], tag));
  const char *miss[] = {NULL,
                        "",
                        ",,,",
                        "\"\"",
                        "\"",
                        "\"\"\"",
                        "**",
                        "*x",
                        "0123456789abcdef0123456789abcdef",
                        "\"0123456789abcdef0123456789abcdef",
                        "\"0123456789abcdef0123456789abcdef\"x",
                        "\"0123456789abcdef0123456789abcde\"",
                        "\"0123456789abcdef0123456789abcdef0\"",
                        "w/\"0123456789abcdef0123456789abcdef\"",
                        "W/ \"0123456789abcdef0123456789abcdef\"",
                        "\"x, \"0123456789abcdef0123456789abcdef\""};
  for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
    if (web_etag_matches(miss[i], tag))
      fprintf(stderr, "matched: %s\n", miss[i]);
    CHECK(!web_etag_matches(miss[i], tag));
  }
}

int main(void) {
  test_table();
  test_etag();
  return CHECK_DONE();
}
