/* SPDX-License-Identifier: MIT */
/*
 * server/jbuf.c - the JSON writer of jbuf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jbuf.h"

void jbuf_init(jbuf *j, size_t max) {
  memset(j, 0, sizeof(*j));
  j->max = max;
}

void jbuf_free(jbuf *j) {
  if (j->buf != NULL) {
    OPENSSL_cleanse(j->buf, j->cap);
    free(j->buf);
  }
  memset(j, 0, sizeof(*j));
}

char *jbuf_take(jbuf *j, size_t *len) {
  if (j->failed || j->depth != 0) {
    jbuf_free(j);
    *len = 0;
    return NULL;
  }
  if (j->buf == NULL) {
    j->buf = calloc(1, 1);
    if (j->buf == NULL) {
      *len = 0;
      return NULL;
    }
  }
  char *out = j->buf;
  *len = j->len;
  memset(j, 0, sizeof(*j));
  return out;
}

/* Makes room for n more bytes and the NUL; fails (stickily) past the ceiling. */
static int room(jbuf *j, size_t n) {
  if (j->failed)
    return 0;
  if (n > j->max || j->len + n + 1 > j->max) {
    j->failed = 1;
    return 0;
  }
  if (j->len + n + 1 <= j->cap)
    return 1;
  size_t cap = j->cap ? j->cap : 256;
  while (cap < j->len + n + 1)
    cap *= 2;
  if (cap > j->max)
    cap = j->max;
  char *p = malloc(cap);
  if (p == NULL) {
    j->failed = 1;
    return 0;
  }
  if (j->buf != NULL) {
    memcpy(p, j->buf, j->len);
    OPENSSL_cleanse(j->buf, j->cap);
    free(j->buf);
  }
  j->buf = p;
  j->cap = cap;
  return 1;
}

static void put(jbuf *j, const char *s, size_t n) {
  if (!room(j, n))
    return;
  memcpy(j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

/* The separator before a value or key at the current level. */
static void sep(jbuf *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth > 0 && j->count[j->depth - 1]++ > 0)
    put(j, ",", 1);
}

void jbuf_open(jbuf *j, char bracket) {
  sep(j);
  if (j->depth >= JBUF_DEPTH) {
    j->failed = 1;
    return;
  }
  put(j, &bracket, 1);
  j->count[j->depth++] = 0;
}

void jbuf_close(jbuf *j, char bracket) {
  char c = bracket == '{' ? '}' : ']';
  if (j->depth == 0) {
    j->failed = 1;
    return;
  }
  j->depth--;
  put(j, &c, 1);
}

/* Length of the UTF-8 sequence at s[0..n) (1-4), or 0 when it is not well-formed. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  }
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
  for (size_t i = 1; i < len; i++)
    cp = (cp << 6) | (s[i] & 0x3fu);
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

void jbuf_strn(jbuf *j, const char *s, size_t n) {
  sep(j);
  put(j, "\"", 1);
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n && !j->failed;) {
    /* A run of printable ASCII needing no escape (all of a token) goes in one copy. */
    size_t run = i;
    while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
      run++;
    if (run > i) {
      put(j, s + i, run - i);
      i = run;
      continue;
    }
    unsigned char c = p[i];
    size_t len = utf8_len(p + i, n - i);
    char esc[8];
    if (len == 0) {
      put(j, "\\ufffd", 6);
      i++;
    } else if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(j, esc, 2);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      snprintf(esc, sizeof(esc), "\\u%04x", c);
      put(j, esc, 6);
      i++;
    } else {
      put(j, s + i, len);
      i += len;
    }
  }
  put(j, "\"", 1);
}

void jbuf_str(jbuf *j, const char *s) {
  jbuf_strn(j, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void jbuf_key(jbuf *j, const char *key) {
  jbuf_str(j, key);
  put(j, ":", 1);
  j->after_key = 1;
}

void jbuf_int(jbuf *j, int64_t v) {
  char num[24];
  int n = snprintf(num, sizeof(num), "%lld", (long long)v);
  sep(j);
  put(j, num, (size_t)n);
}

void jbuf_bool(jbuf *j, int v) {
  sep(j);
  put(j, v ? "true" : "false", v ? 4 : 5);
}

void jbuf_raw(jbuf *j, const char *json) {
  sep(j);
  put(j, json, strlen(json));
}

void jbuf_members(jbuf *j, const char *object_json) {
  size_t n = strlen(object_json);
  while (n > 0 && (object_json[n - 1] == ' ' || object_json[n - 1] == '\n'))
    n--;
  if (n < 2 || object_json[0] != '{' || object_json[n - 1] != '}') {
    j->failed = 1;
    return;
  }
  const char *inner = object_json + 1;
  size_t len = n - 2;
  while (len > 0 && *inner == ' ') {
    inner++;
    len--;
  }
  if (len == 0)
    return;
  sep(j);
  put(j, inner, len);
}

void jbuf_kstr(jbuf *j, const char *key, const char *s) {
  jbuf_key(j, key);
  jbuf_str(j, s);
}

void jbuf_kint(jbuf *j, const char *key, int64_t v) {
  jbuf_key(j, key);
  jbuf_int(j, v);
}

void jbuf_kbool(jbuf *j, const char *key, int v) {
  jbuf_key(j, key);
  jbuf_bool(j, v);
}

void jbuf_kraw(jbuf *j, const char *key, const char *json) {
  jbuf_key(j, key);
  jbuf_raw(j, json);
}
