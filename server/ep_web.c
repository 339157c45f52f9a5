/* SPDX-License-Identifier: MIT */
/*
 * server/ep_web.c - GET / (the login page), GET /debug (the token debugger) and GET /assets/...
 * (their scripts, styles and icon): the files of web/ compiled in (web.h). Each answer carries
 * the pages' Content-Security-Policy, which replaces the API's default-src 'none' (http.c keeps a
 * reply's own policy and Cache-Control), an ETag and Cache-Control: no-cache, so a browser
 * revalidates every time and gets 304 without a body while the file is unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "ep.h"
#include "web.h"

const web_file *web_find(const char *path) {
  for (size_t i = 0; path != NULL && i < web_file_count; i++) {
    if (strcmp(web_files[i].path, path) == 0)
      return &web_files[i];
  }
  return NULL;
}

/* Where a list element may end: the end, whitespace or the next comma. */
static int element_end(char c) {
  return c == '\0' || c == ' ' || c == '\t' || c == ',';
}

int web_etag_matches(const char *inm, const char *etag) {
  size_t elen = strlen(etag);
  const char *p = inm;
  while (p != NULL && *p != '\0') {
    p += strspn(p, " \t,");
    if (*p == '*' && element_end(p[1]))
      return 1;
    if (strncmp(p, "W/", 2) == 0)
      p += 2;
    if (*p != '"') /* not an entity tag: skip to the next comma */
      p = strchr(p, ',');
    else if (strncmp(p, etag, elen) == 0 && element_end(p[elen]))
      return 1;
    else
      p = strchr(p + 1, '"') != NULL ? strchr(p + 1, '"') + 1 : NULL;
  }
  return 0;
}

void ep_web(srv *s, const http_req *rq, http_reply *rp) {
  (void)s;
  const web_file *f = web_find(rq->path);
  if (f == NULL) {
    reply_error(rp, 404, "not_found", "no such page");
    return;
  }
  if (web_etag_matches(http_header(rq, "If-None-Match"), f->etag)) {
    reply_empty(rp, 304);
  } else {
    char *body = malloc(f->len + 1); /* NUL-terminated: http.c wipes bodies up to their NUL */
    if (body == NULL) {
      reply_error(rp, 500, "server_error", "out of memory");
      return;
    }
    memcpy(body, f->data, f->len);
    body[f->len] = '\0';
    reply_body(rp, 200, f->type, body, f->len);
  }
  reply_header(rp, "ETag", f->etag);
  reply_header(rp, "Cache-Control", "no-cache");
  reply_header(rp, "Content-Security-Policy", WEB_CSP);
}
