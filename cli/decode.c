/* SPDX-License-Identifier: MIT */
/*
 * cli/decode.c - `wristband decode [--json] [TOKEN|-]`: the header and payload of a token WITHOUT
 * verifying anything (wb_jws_decode_unverified), with a warning saying so on stderr. The JSON is
 * the token's own bytes with only whitespace moved (cli/jsonfmt.c): on a terminal indented, in
 * colour, with the registered times as UTC dates and relative phrases; with --json or when stdout
 * is not a terminal exactly {"header":{...},"payload":{...}}, compact. A token whose signature
 * segment is missing or not base64url is still shown, with a warning, as jwt.io does; a header or
 * payload that is not base64url JSON is an error (exit 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char cli_usage_decode[] =
    "wristband decode [--json] [TOKEN|-]\n"
    "  Shows the header and payload of TOKEN WITHOUT verifying it (a warning says so on stderr),\n"
    "  byte for byte as the token holds them (numbers as written), only whitespace moved.\n"
    "  On a terminal: indented, in colour (not with NO_COLOR), and exp/nbf/iat as UTC dates with\n"
    "  relative times. A missing or corrupt signature segment is shown with a warning; a header\n"
    "  or payload that is not base64url JSON fails (exit 1). A \"Bearer \" prefix is dropped.\n"
    "  --json   (and whenever stdout is not a terminal) print exactly\n"
    "           {\"header\":{...},\"payload\":{...}}, compact, on one line\n";

#define CMD      "decode"
#define MAX_DATE INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

enum { OPT_JSON = 1 };
static const cli_opt opts[] = {{"--json", NULL, 0, OPT_JSON}, {NULL, NULL, 0, 0}};

typedef struct decode_args {
  const char *token;
  int json;
} decode_args;

/* The decoded token; problem names a missing or corrupt signature segment, or is empty. */
typedef struct decoded {
  char *header, *payload;
  char problem[200];
} decoded;

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

/* A NumericDate's text as whole seconds for display (never printed back): 0, or -1 when unfit. */
static int date_of(const char *text, size_t len, int64_t *t) {
  char num[64];
  if (len == 0 || len >= sizeof(num) || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')))
    return -1;
  memcpy(num, text, len);
  num[len] = '\0';
  char *end;
  double d = strtod(num, &end);
  if (*end != '\0' || !(d >= 0 && d <= (double)MAX_DATE))
    return -1;
  *t = (int64_t)d;
  return 0;
}

/* One line for a registered time claim: "exp: 2026-01-02T00:00:00Z, expired 3 days ago". */
static void print_time(const char *payload, const char *name, int64_t now) {
  static const char *const past[] = {"expired", "valid since", "issued"}; /* "... 3 days ago" */
  static const char *const future[] = {"expires in", "not valid yet, valid in", "issued in the future, in"};
  int which = strcmp(name, "exp") == 0 ? 0 : strcmp(name, "nbf") == 0 ? 1 : 2;
  const char *v;
  size_t vlen;
  int64_t t;
  if (!cli_json_member(payload, strlen(payload), name, &v, &vlen))
    return;
  if (date_of(v, vlen, &t) != 0) {
    printf("%s: not a NumericDate between 1970 and 9999\n", name);
    return;
  }
  time_t tt = (time_t)t;
  struct tm tm;
  char date[32], rel[48];
  gmtime_r(&tt, &tm);
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
  span(rel, sizeof(rel), t <= now ? now - t : t - now);
  if (t <= now)
    printf("%s: %s, %s %s ago\n", name, date, past[which], rel);
  else
    printf("%s: %s, %s %s\n", name, date, future[which], rel);
}

static void print_tty(const decoded *d) {
  int colour = cli_color(1);
  printf("header:\n");
  cli_print_json(d->header, strlen(d->header), 1, colour ? CLI_SGR_HEADER : NULL);
  printf("payload:\n");
  cli_print_json(d->payload, strlen(d->payload), 1, colour ? CLI_SGR_CLAIMS : NULL);
  int64_t now = (int64_t)time(NULL);
  print_time(d->payload, "iat", now);
  print_time(d->payload, "nbf", now);
  print_time(d->payload, "exp", now);
}

/* Compact JSON; on a terminal (--json there) with its unsafe characters escaped all the same. */
static void print_json(const decoded *d) {
  int tty = cli_isatty(1);
  char *h = cli_json_layout(d->header, strlen(d->header), 0, tty);
  char *p = cli_json_layout(d->payload, strlen(d->payload), 0, tty);
  printf("{\"header\":%s,\"payload\":%s}\n", h, p);
  free(h);
  free(p);
}

/*
 * The token failed to decode: when it has two segments, or three whose signature is what failed,
 * decodes "HEADER.PAYLOAD." instead (the library validates header and payload the same way) and
 * records the problem. Returns the status of the decode that decides.
 */
static wb_status decode_without_signature(const char *tok, size_t len, decoded *d, wb_error *err) {
  const char *dot1 = memchr(tok, '.', len);
  const char *dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - tok)) : NULL;
  if (dot1 == NULL || (dot2 != NULL && memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - tok)) != NULL))
    return err->code;
  size_t hp_len = dot2 != NULL ? (size_t)(dot2 - tok) : len;
  char *hp = cli_xrealloc(NULL, hp_len + 2);
  memcpy(hp, tok, hp_len);
  memcpy(hp + hp_len, ".", 2);
  wb_error first = *err;
  wb_status st = wb_jws_decode_unverified(hp, hp_len + 1, &d->header, &d->payload, err);
  free(hp);
  if (st == WB_OK && dot2 == NULL)
    snprintf(d->problem, sizeof(d->problem), "the token has no signature segment (2 segments, not 3)");
  else if (st == WB_OK)
    snprintf(d->problem, sizeof(d->problem), "the signature segment is corrupt (%.120s)", first.message);
  return st;
}

static int run(const decode_args *a) {
  wb_error err = {0};
  cli_buf buf = {0};
  decoded d = {NULL, NULL, ""};
  const char *tok;
  size_t len;
  int rc = cli_read_token(a->token, &buf, &tok, &len);
  if (rc != 0)
    goto out;
  wb_status st = wb_jws_decode_unverified(tok, len, &d.header, &d.payload, &err);
  if (st == WB_ERR_MALFORMED)
    st = decode_without_signature(tok, len, &d, &err);
  if (st != WB_OK) {
    rc = cli_fail_wb(CLI_EXIT_REJECTED, &err);
    goto out;
  }
  if (d.problem[0] == '\0' && tok[len - 1] == '.')
    snprintf(d.problem, sizeof(d.problem), "the signature segment is empty (an unsigned token)");
  if (a->json || !cli_isatty(1))
    print_json(&d);
  else
    print_tty(&d);
  if (d.problem[0] != '\0')
    cli_warn("%s: showing the header and payload only", d.problem);
  cli_warn("the token was NOT verified: decode checks neither its signature nor its claims");
out:
  wb_string_free(d.header);
  wb_string_free(d.payload);
  cli_buf_free(&buf);
  return rc;
}

int cmd_decode(int argc, char **argv) {
  decode_args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  return id != CLI_ARG_END ? cli_parse_done(id, cli_usage_decode) : run(&a);
}
