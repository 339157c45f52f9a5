/* SPDX-License-Identifier: MIT */
/*
 * server/web.h - the pages `wristband serve` serves itself: the files under web/ (the login page
 * at /, the token debugger at /debug, their scripts and styles under /assets/), compiled into the
 * binary as byte arrays by cmake/embed_web.cmake at build time, so the server stays one file.
 * server/ep_web.c answers them with their Content-Type, an ETag (a hash of the bytes: 304 on a
 * matching If-None-Match), Cache-Control: no-cache and WEB_CSP, the pages' strict policy.
 */
#ifndef WB_SERVER_WEB_H
#define WB_SERVER_WEB_H

#include <stddef.h>

/* Scripts and styles only from the server's own files (never inline), requests only to it. */
#define WEB_CSP                                                                                              \
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "      \
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

typedef struct web_file {
  const char *path; /* the URL path: "/" (index.html), "/debug" (debug.html), "/assets/x.js" */
  const char *type; /* Content-Type */
  const unsigned char *data;
  size_t len;
  const char *etag; /* a strong validator, quoted: the start of the bytes' SHA-256 in hex */
} web_file;

/* The generated table (web_files.c), in web/'s name order. */
extern const web_file web_files[];
extern const size_t web_file_count;

/** The file served at path, or NULL. */
const web_file *web_find(const char *path);
/** 1 when an If-None-Match value (NULL: absent) matches etag: "*", or a list of entity tags one
 * of which equals it in the weak comparison (RFC 9110 13.1.2: W/ is ignored). */
int web_etag_matches(const char *if_none_match, const char *etag);

#endif
