/* SPDX-License-Identifier: MIT */
/*
 * cli/io.c - bounded reads of files, stdin and TOKEN arguments, and printing (cli/cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  wb_limits lim;
  wb_limits_default(&lim);
  if (n == 0)
    return cli_fail(CLI_EXIT_REJECTED, "malformed", "the token is empty");
  if (n > lim.max_token_len)
    return cli_fail(CLI_EXIT_REJECTED, "too_large", "the token is longer than %zu bytes", lim.max_token_len);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7f)
      return cli_fail(CLI_EXIT_REJECTED, "malformed", "the token contains binary data or whitespace");
  }
  *tok = s;
  *len = n;
  return 0;
}

void cli_print_line(const char *text) {
  fputs(text, stdout);
  fputc('\n', stdout);
}
