/* SPDX-License-Identifier: MIT */
/*
 * server/jbuf.h - a JSON writer: replies are written straight into a growable buffer with a
 * ceiling (no JSON DOM on the hot paths). Strings are escaped per RFC 8259; bytes that are not
 * UTF-8 (a user agent can send anything) become U+FFFD, so the output is always valid JSON.
 *
 * Errors are sticky: after an allocation failure or the ceiling, every call is a no-op and
 * jbuf_take returns NULL. Thread-safety: one writer per thread.
 */
#ifndef WB_SERVER_JBUF_H
#define WB_SERVER_JBUF_H

#include <stddef.h>
#include <stdint.h>

#define JBUF_DEPTH 8

typedef struct jbuf {
  char *buf;
  size_t len;
  size_t cap;
  size_t max; /* ceiling, bytes */
  int failed;
  int depth;
  int after_key;
  int count[JBUF_DEPTH]; /* elements written at each open level */
} jbuf;

void jbuf_init(jbuf *j, size_t max);
/** Wipes and frees (the buffer may hold tokens). */
void jbuf_free(jbuf *j);
/** The text (NUL-terminated, owned by the caller, free() it) or NULL when a write failed. */
char *jbuf_take(jbuf *j, size_t *len);

void jbuf_open(jbuf *j, char bracket); /* '{' or '[' */
void jbuf_close(jbuf *j, char bracket);
void jbuf_key(jbuf *j, const char *key);
void jbuf_str(jbuf *j, const char *s);
void jbuf_strn(jbuf *j, const char *s, size_t n);
void jbuf_int(jbuf *j, int64_t v);
void jbuf_bool(jbuf *j, int v);
/** A JSON value written as is: the caller vouches that it is valid JSON. */
void jbuf_raw(jbuf *j, const char *json);
/** The members of a JSON object text ("{...}"), spliced into the object being written. */
void jbuf_members(jbuf *j, const char *object_json);

/* key + value shorthands */
void jbuf_kstr(jbuf *j, const char *key, const char *s);
void jbuf_kint(jbuf *j, const char *key, int64_t v);
void jbuf_kbool(jbuf *j, const char *key, int v);
void jbuf_kraw(jbuf *j, const char *key, const char *json);

#endif
