/* SPDX-License-Identifier: MIT */
/*
 * cli/jsonfmt.c - lays out JSON text the library has already validated (wb_jws_decode_unverified,
 * wb_claims_get_json) by moving whitespace only: compact for pipes, indented by two spaces for a
 * terminal. Numbers, strings and member order are copied byte for byte, never parsed, so 19.99,
 * 1E3 and integers beyond 64 bits print as the token wrote them. For a terminal, characters inside
 * strings that a terminal might act on or that show text in another order than it is (controls,
 * C1 controls such as CSI U+009B, bidi overrides such as U+202E: cli_tty_unsafe) are shown as \u
 * escapes, which is the same JSON value. Also: finding a top-level member's text for the decode
 * view's time lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define INDENT 2

/* A growable output buffer; on allocation failure the CLI stops (cli_xrealloc). */
typedef struct out_buf {
  char *data;
  size_t len, cap;
} out_buf;

static void put(out_buf *b, const char *s, size_t n) {
  if (b->cap - b->len <= n) {
    size_t cap = b->cap * 2 + n + 64;
    b->data = cli_xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void newline(out_buf *b, int depth) {
  put(b, "\n", 1);
  for (int i = 0; i < depth * INDENT; i++)
    put(b, " ", 1);
}

/* The character at s[j..len) inside a string, for a terminal: as it is, or as a \u escape when
 * cli_tty_unsafe() names it (the same JSON value; U+FFFD for a byte that is not UTF-8, which the
 * library never lets through). Returns its length. */
static size_t copy_char_tty(out_buf *b, const char *s, size_t len, size_t j) {
  uint32_t cp;
  size_t n = cli_utf8_next(s + j, len - j, &cp);
  if (!cli_tty_unsafe(cp)) {
    put(b, s + j, n);
    return n;
  }
  char esc[16]; /* every unsafe code point is below U+10000: six bytes */
  snprintf(esc, sizeof(esc), "\\u%04x", cp == CLI_NOT_UTF8 ? 0xfffdu : (unsigned)(cp & 0xffff));
  put(b, esc, 6);
  return n;
}

/* Copies the string starting at s[*i] == '"' through its closing quote; *i moves past it. */
static void copy_string(out_buf *b, const char *s, size_t len, size_t *i, int tty) {
  size_t j = *i + 1;
  put(b, "\"", 1);
  while (j < len && s[j] != '"') {
    if (s[j] == '\\' && j + 1 < len) {
      put(b, s + j, 2);
      j += 2;
    } else if (tty) {
      j += copy_char_tty(b, s, len, j);
    } else {
      put(b, s + j, 1);
      j++;
    }
  }
  put(b, "\"", 1);
  *i = j + 1;
}

/* The next byte at or after i that is not whitespace, or 0 at the end. */
static char next_token(const char *s, size_t len, size_t i) {
  while (i < len && cli_is_space(s[i]))
    i++;
  return i < len ? s[i] : 0;
}

char *cli_json_layout(const char *json, size_t len, int pretty, int tty) {
  out_buf b = {NULL, 0, 0};
  int depth = 0;
  put(&b, "", 0);
  for (size_t i = 0; i < len;) {
    char c = json[i];
    if (cli_is_space(c)) {
      i++;
    } else if (c == '"') {
      copy_string(&b, json, len, &i, tty);
    } else if (pretty && (c == '{' || c == '[')) {
      put(&b, &c, 1);
      i++;
      char close = c == '{' ? '}' : ']';
      if (next_token(json, len, i) == close) { /* empty: {} or [] on one line */
        while (json[i] != close)
          i++;
        put(&b, &close, 1);
        i++;
      } else {
        newline(&b, ++depth);
      }
    } else if (pretty && (c == '}' || c == ']')) {
      newline(&b, --depth);
      put(&b, &c, 1);
      i++;
    } else if (pretty && c == ',') {
      put(&b, ",", 1);
      newline(&b, depth);
      i++;
    } else if (pretty && c == ':') {
      put(&b, ": ", 2);
      i++;
    } else {
      put(&b, &c, 1);
      i++;
    }
  }
  return b.data;
}

/* ---- top-level members -------------------------------------------------------------------- */

/* Skips one value starting at s[i] (valid JSON); returns the index just past it. */
static size_t skip_value(const char *s, size_t len, size_t i) {
  int depth = 0;
  do {
    char c = s[i];
    if (c == '"') {
      for (i++; i < len && s[i] != '"'; i++) {
        if (s[i] == '\\')
          i++;
      }
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      depth--;
    } else if (depth == 0) { /* a scalar: up to the next delimiter */
      while (i + 1 < len && strchr(",}] \t\r\n", s[i + 1]) == NULL)
        i++;
    }
    i++;
  } while (i < len && depth > 0);
  return i;
}

/* 1 when the JSON string body s[0..n) (escapes included) spells name, which is plain ASCII. */
static int key_is(const char *s, size_t n, const char *name) {
  size_t k = 0;
  for (size_t i = 0; i < n; k++) {
    unsigned int c = (unsigned char)s[i];
    if (c == '\\' && i + 5 < n + 0 && s[i + 1] == 'u') {
      char hex[5] = {s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0};
      c = (unsigned int)strtoul(hex, NULL, 16);
      i += 6;
    } else if (c == '\\') {
      return 0; /* other escapes never spell the ASCII names looked up here */
    } else {
      i++;
    }
    if (name[k] == '\0' || (unsigned char)name[k] != c)
      return 0;
  }
  return name[k] == '\0';
}

int cli_json_member(const char *json, size_t len, const char *name, const char **value, size_t *value_len) {
  size_t i = 0;
  while (i < len && json[i] != '{')
    i++;
  for (i++; i < len;) {
    while (i < len && (cli_is_space(json[i]) || json[i] == ','))
      i++;
    if (i >= len || json[i] != '"')
      return 0;
    size_t key = i + 1, end = skip_value(json, len, i);
    i = end;
    while (i < len && (cli_is_space(json[i]) || json[i] == ':'))
      i++;
    size_t v = i;
    i = skip_value(json, len, i);
    if (key_is(json + key, end - 1 - key, name)) {
      *value = json + v;
      *value_len = i - v;
      return 1;
    }
  }
  return 0;
}
