/* SPDX-License-Identifier: MIT */
/*
 * cli/decode.c - `wristband decode [--json] [TOKEN|-]`: the header and payload of a token WITHOUT
 * verifying anything (wb_jws_decode_unverified), with a warning saying so on stderr. On a terminal:
 * pretty JSON and the registered times as UTC dates with relative phrases; with --json or when
 * stdout is not a terminal: exactly {"header":{...},"payload":{...}}. Exit 1 for a malformed token.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char cli_usage_decode[] =
    "wristband decode [--json] [TOKEN|-]\n"
    "  Shows the header and payload of TOKEN WITHOUT verifying it (a warning says so on stderr).\n"
    "  On a terminal: pretty JSON and exp/nbf/iat as UTC dates with relative times.\n"
    "  --json   (and whenever stdout is not a terminal) print exactly\n"
    "           {\"header\":{...},\"payload\":{...}}\n";

#define CMD      "decode"
#define MAX_DATE INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

enum { OPT_JSON = 1 };
static const cli_opt opts[] = {{"--json", NULL, 0, OPT_JSON}, {NULL, NULL, 0, 0}};

typedef struct decode_args {
  const char *token;
  int json;
} decode_args;

static int store(void *ctx, int id, const char *v) {
  decode_args *a = ctx;
  if (id == OPT_JSON)
    a->json = 1;
  else
    return cli_set_once(CMD, &a->token, v, "TOKEN");
  return 0;
}

/* "3 days", "1 hour", "42 seconds": the largest whole unit of a non-negative span. */
static void span(char *out, size_t cap, int64_t s) {
  static const struct {
    int64_t len;
    const char *name;
  } units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
  size_t i = 0;
  while (i + 1 < sizeof(units) / sizeof(units[0]) && s < units[i].len)
    i++;
  int64_t n = s / units[i].len;
  snprintf(out, cap, "%lld %s%s", (long long)n, units[i].name, n == 1 ? "" : "s");
}

/* One line for a registered time claim: "exp: 2026-01-02T00:00:00Z, expired 3 days ago". */
static void print_time(const json_t *payload, const char *name, int64_t now) {
  static const char *const past[] = {"expired", "valid since", "issued"}; /* "... 3 days ago" */
  static const char *const future[] = {"expires in", "not valid yet, valid in", "issued in the future, in"};
  const json_t *v = json_object_get(payload, name);
  int which = strcmp(name, "exp") == 0 ? 0 : strcmp(name, "nbf") == 0 ? 1 : 2;
  if (v == NULL)
    return;
  double d = json_is_number(v) ? floor(json_number_value(v)) : -1;
  if (!(d >= 0 && d <= (double)MAX_DATE)) {
    printf("%s: not a valid NumericDate\n", name);
    return;
  }
  time_t t = (time_t)d;
  struct tm tm;
  char date[32], rel[48];
  gmtime_r(&t, &tm);
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
  span(rel, sizeof(rel), (int64_t)t <= now ? now - (int64_t)t : (int64_t)t - now);
  if ((int64_t)t <= now)
    printf("%s: %s, %s %s ago\n", name, date, past[which], rel);
  else
    printf("%s: %s, %s %s\n", name, date, future[which], rel);
}

/* Pretty JSON of text (NULL on failure); the parsed value goes to *out (caller decrefs). */
static char *pretty(const char *text, json_t **out) {
  json_error_t jerr;
  *out = json_loads(text, JSON_DECODE_ANY, &jerr);
  return *out != NULL ? json_dumps(*out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
}

/* Everything is formatted before anything is printed: a failure leaves stdout empty. */
static int print_tty(const char *header, const char *payload) {
  json_t *h = NULL, *p = NULL;
  char *hs = pretty(header, &h), *ps = pretty(payload, &p);
  int rc = CLI_EXIT_OK;
  if (hs == NULL || ps == NULL) {
    rc = cli_fail(CLI_EXIT_REJECTED, "malformed", "cannot format the token for display");
    goto out;
  }
  printf("header:\n%s\npayload:\n%s\n", hs, ps);
  int64_t now = (int64_t)time(NULL);
  print_time(p, "iat", now);
  print_time(p, "nbf", now);
  print_time(p, "exp", now);
out:
  free(hs);
  free(ps);
  json_decref(h);
  json_decref(p);
  return rc;
}

static int run(const decode_args *a) {
  wb_error err = {0};
  cli_buf buf = {0};
  char *header = NULL, *payload = NULL;
  const char *tok;
  size_t len;
  int rc = cli_read_token(a->token, &buf, &tok, &len);
  if (rc != 0)
    goto out;
  if (wb_jws_decode_unverified(tok, len, &header, &payload, &err) != WB_OK) {
    rc = cli_fail_wb(CLI_EXIT_REJECTED, &err);
    goto out;
  }
  if (a->json || !isatty(STDOUT_FILENO))
    printf("{\"header\":%s,\"payload\":%s}\n", header, payload);
  else
    rc = print_tty(header, payload);
  if (rc == 0)
    cli_warn("the token was NOT verified: decode checks neither its signature nor its claims");
out:
  wb_string_free(header);
  wb_string_free(payload);
  cli_buf_free(&buf);
  return rc;
}

int cmd_decode(int argc, char **argv) {
  decode_args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  return id != CLI_ARG_END ? cli_parse_done(id, cli_usage_decode) : run(&a);
}
