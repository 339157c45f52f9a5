/* SPDX-License-Identifier: MIT */
/*
 * cli/io.c - bounded reads of files, stdin and TOKEN arguments, and printing (cli/cli.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_wipe(void *p, size_t n) {
  volatile unsigned char *v = p;
  while (n-- > 0)
    *v++ = 0;
}

int cli_is_stdin(const char *path) {
  return path == NULL || strcmp(path, "-") == 0;
}

void cli_buf_free(cli_buf *buf) {
  if (buf->data != NULL) {
    cli_wipe(buf->data, buf->len);
    free(buf->data);
  }
  buf->data = NULL;
  buf->len = 0;
}

/* Reads at most cap + 1 bytes of f into buf->data (capacity cap + 2); 0, or errno-ish -1. */
static int read_all(FILE *f, size_t cap, cli_buf *buf) {
  while (buf->len <= cap) {
    size_t n = fread(buf->data + buf->len, 1, cap + 1 - buf->len, f);
    buf->len += n;
    if (n == 0)
      break;
  }
  buf->data[buf->len] = '\0';
  return ferror(f) ? -1 : 0;
}

int cli_read(const char *path, size_t cap, const char *what, int code, cli_buf *buf) {
  int from_stdin = cli_is_stdin(path);
  buf->data = NULL;
  buf->len = 0;
  if (path == NULL && isatty(STDIN_FILENO))
    return cli_usage(NULL, "no %s given and stdin is a terminal", what);
  FILE *f = from_stdin ? stdin : fopen(path, "rb");
  if (f == NULL)
    return cli_fail(code, "io", "cannot open %s '%s': %s", what, path, strerror(errno));
  int rc = code;
  buf->data = malloc(cap + 2);
  if (buf->data == NULL) {
    cli_fail(code, "nomem", "out of memory reading %s", what);
    goto out;
  }
  if (read_all(f, cap, buf) != 0) {
    cli_fail(code, "io", "cannot read %s '%s': %s", what, from_stdin ? "-" : path, strerror(errno));
    goto out;
  }
  if (buf->len > cap) {
    cli_fail(code, "too_large", "%s is larger than %zu bytes", what, cap);
    goto out;
  }
  rc = 0;
out:
  if (!from_stdin)
    fclose(f);
  if (rc != 0)
    cli_buf_free(buf);
  return rc;
}

int cli_is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Drops an HTTP "Bearer " prefix (the scheme is case-insensitive, RFC 7235) with a note. */
static void strip_bearer(const char **s, size_t *n) {
  if (*n <= 7 || strncasecmp(*s, "Bearer", 6) != 0 || ((*s)[6] != ' ' && (*s)[6] != '\t'))
    return;
  *s += 7;
  *n -= 7;
  while (*n > 0 && cli_is_space(**s)) {
    (*s)++;
    (*n)--;
  }
  cli_note("dropped the \"Bearer \" prefix (an Authorization header value): using the token after it");
}

/* What the text of a rejected TOKEN looks like, for the message: "" when nothing stands out. */
static const char *looks_like(const char *s, size_t n) {
  if (s[0] == '{' || s[0] == '[')
    return ": it looks like JSON (a key or claims?), not a token";
  if (n >= 10 && strncmp(s, "-----BEGIN", 10) == 0)
    return ": it looks like a PEM key or certificate, not a token";
  return "";
}

/* Bytes a compact token never holds, and segment counts no JWS or JWE has: what it looked like. */
static int check_shape(const char *arg, const char *s, size_t n) {
  const char *what = cli_is_stdin(arg) ? "the TOKEN on stdin" : "TOKEN";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7f)
      return cli_fail(CLI_EXIT_REJECTED, "malformed",
                      "%s contains %s at byte %zu%s; a token is one word, header.payload.signature", what,
                      c <= 0x20 ? "whitespace or a control byte" : "binary data", i, looks_like(s, n));
  }
  size_t segments = 1;
  for (size_t i = 0; i < n; i++)
    segments += s[i] == '.';
  static const char token_bytes[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  int odd = (segments != 3 && segments != 5) || strspn(s, token_bytes) < n;
  struct stat st;
  if (odd && !cli_is_stdin(arg) && stat(arg, &st) == 0)
    return cli_fail(CLI_EXIT_REJECTED, "malformed",
                    "TOKEN '%s' is the name of a file, not a token: read the file with '- < %s'", arg, arg);
  if (segments == 1 || segments == 4 || segments > 5)
    return cli_fail(CLI_EXIT_REJECTED, "malformed",
                    "%s has %zu segment%s; a signed token has 3, header.payload.signature%s", what, segments,
                    segments == 1 ? "" : "s", looks_like(s, n));
  return 0;
}

int cli_read_token(const char *arg, cli_buf *buf, const char **tok, size_t *len) {
  const char *s = arg;
  size_t n = arg != NULL ? strlen(arg) : 0;
  buf->data = NULL;
  buf->len = 0;
  if (cli_is_stdin(arg)) {
    int rc = cli_read(arg, CLI_MAX_READ_TOKEN, "TOKEN", CLI_EXIT_REJECTED, buf);
    if (rc != 0)
      return rc;
    s = buf->data;
    n = buf->len;
  }
  while (n > 0 && cli_is_space(*s)) {
    s++;
    n--;
  }
  while (n > 0 && cli_is_space(s[n - 1]))
    n--;
  strip_bearer(&s, &n);
  wb_limits lim;
  wb_limits_default(&lim);
  if (n == 0)
    return cli_fail(CLI_EXIT_REJECTED, "malformed", "the token is empty");
  if (n > lim.max_token_len)
    return cli_fail(CLI_EXIT_REJECTED, "too_large", "the token is longer than %zu bytes", lim.max_token_len);
  int rc = check_shape(arg, s, n);
  if (rc != 0)
    return rc;
  *tok = s;
  *len = n;
  return 0;
}

/* The code point of a well-formed UTF-8 sequence of len bytes at s (lead byte already read into
 * v, min the smallest code point that needs len bytes), or CLI_NOT_UTF8. */
static uint32_t utf8_tail(const unsigned char *s, size_t len, uint32_t v, uint32_t min) {
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return CLI_NOT_UTF8;
    v = v << 6 | (s[i] & 0x3fu);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) /* overlong, too big, surrogate */
    return CLI_NOT_UTF8;
  return v;
}

size_t cli_utf8_next(const char *text, size_t n, uint32_t *cp) {
  const unsigned char *s = (const unsigned char *)text;
  size_t len = s[0] < 0x80                    ? 1
               : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
               : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                              : 0;
  static const uint32_t lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07}, min[] = {0, 0, 0x80, 0x800, 0x10000};
  *cp = len == 0 || len > n ? CLI_NOT_UTF8 : utf8_tail(s, len, s[0] & lead_mask[len], min[len]);
  return *cp == CLI_NOT_UTF8 ? 1 : len;
}

int cli_tty_unsafe(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||      /* C0, DEL, C1: CSI U+009B, OSC U+009D, ... */
         cp == 0x061c || cp == 0x200e || cp == 0x200f || /* bidi marks */
         (cp >= 0x2028 && cp <= 0x202e) ||               /* line and paragraph separators, bidi embeddings */
         (cp >= 0x2066 && cp <= 0x2069) ||               /* bidi isolates */
         cp == CLI_NOT_UTF8;
}

int cli_isatty(int fd) {
  return isatty(fd);
}

int cli_color(int fd) {
  const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
  if (no != NULL && no[0] != '\0') /* https://no-color.org: set and not empty */
    return 0;
  if (term != NULL && strcmp(term, "dumb") == 0)
    return 0;
  return isatty(fd);
}

void cli_print_json(const char *json, size_t len, int pretty, const char *sgr) {
  char *text = cli_json_layout(json, len, pretty, pretty);
  printf("%s%s%s\n", sgr != NULL ? sgr : "", text, sgr != NULL ? CLI_SGR_RESET : "");
  free(text);
}

void cli_print_line(const char *text) {
  fputs(text, stdout);
  fputc('\n', stdout);
}
