/* SPDX-License-Identifier: MIT */
/*
 * cli/times.c - time values of the command line (cli/cli.h documents them):
 *   DURATION  whole numbers with units in falling order, each at most once: 30s, 15m, 1h30m,
 *             1d2h3m4s; for --leeway and --max-age a bare number is seconds;
 *   TIME      (--exp, --nbf) a DURATION from now, signed (-5m is in the past), an absolute UNIX
 *             time (1700000000) or an RFC 3339 date-time (2026-12-31T23:59:59Z, +02:00 offsets);
 *   UNIX      (--now) a UNIX time or an RFC 3339 date-time.
 * Every value is checked against its flag's range, and every refusal is a usage error naming
 * the range, so that the message and --help say the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char duration_forms[] = "whole numbers with d, h, m, s in that order: 30s, 15m, 1h30m, 7d";
static const char time_forms[] = "a DURATION from now (15m, 1h30m, -5m), a UNIX time (1700000000) or "
                                 "RFC 3339 (2026-12-31T23:59:59Z)";

/* Decimal digits only, at most max; *end is the first non-digit. -1 on no digits or overflow. */
static int parse_digits(const char *s, int64_t max, int64_t *out, const char **end) {
  int64_t v = 0;
  const char *p = s;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (max - (*p - '0')) / 10)
      return -1;
    v = v * 10 + (*p - '0');
  }
  *end = p;
  *out = v;
  return p == s ? -1 : 0;
}

/* "366d", "15m", "90s": a number of seconds in its largest whole unit, for range messages. */
static void show_span(char *out, size_t cap, int64_t s) {
  static const struct {
    int64_t len;
    char unit;
  } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (s != 0 && s % units[i].len == 0) {
      snprintf(out, cap, "%lld%c", (long long)(s / units[i].len), units[i].unit);
      return;
    }
  }
  snprintf(out, cap, "%llds", (long long)s);
}

/* Units in falling order, each at most once. -1: not a DURATION; -2: over max (*v unset). */
static int duration_value(const char *text, int64_t max, int bare_seconds, int64_t *seconds) {
  static const struct {
    char unit;
    int64_t mult;
  } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  const char *p = text;
  int64_t total = 0, n;
  size_t next = 0; /* the first unit still allowed */
  if (bare_seconds && parse_digits(p, INT64_MAX / 2, &n, &p) == 0 && *p == '\0') {
    *seconds = n;
    return n > max ? -2 : 0;
  }
  for (p = text; *p != '\0';) {
    if (parse_digits(p, INT64_MAX / 2, &n, &p) != 0)
      return *p >= '0' && *p <= '9' ? -2 : -1; /* digits that overflow, or none */
    while (next < 4 && units[next].unit != *p)
      next++;
    if (next == 4)
      return -1;
    if (n > (INT64_MAX / 2 - total) / units[next].mult)
      return -2;
    total += n * units[next++].mult;
    p++;
  }
  *seconds = total;
  return p == text ? -1 : total > max ? -2 : 0;
}

int cli_parse_duration(const char *cmd, const char *opt, const char *text, int64_t max, int bare_seconds,
                       int64_t *seconds) {
  char top[32];
  show_span(top, sizeof(top), max);
  int r = duration_value(text, max, bare_seconds, seconds);
  if (r == -2)
    return cli_usage(cmd, "%s: '%s' is out of range: 0 to %s", opt, text, top);
  if (r != 0)
    return cli_usage(cmd, "%s: '%s' is not a DURATION (%s%s; 0 to %s)", opt, text, duration_forms,
                     bare_seconds ? ", or bare seconds" : "", top);
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* n digits at s as a number, or -1. */
static int64_t fixed(const char *s, int n) {
  int64_t v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* RFC 3339 date-time without fractional seconds: YYYY-MM-DDTHH:MM:SS(Z|+HH:MM|-HH:MM). 0 or -1. */
static int parse_rfc3339(const char *s, int64_t *t) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  size_t n = strlen(s);
  if ((n != 20 && n != 25) || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':')
    return -1;
  int64_t y = fixed(s, 4), mo = fixed(s + 5, 2), d = fixed(s + 8, 2);
  int64_t h = fixed(s + 11, 2), mi = fixed(s + 14, 2), se = fixed(s + 17, 2), off = 0;
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      se < 0 || se > 59)
    return -1;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap)
    return -1;
  if (n == 20 && s[19] != 'Z' && s[19] != 'z')
    return -1;
  if (n == 25) {
    int64_t oh = fixed(s + 20, 2), om = fixed(s + 23, 2);
    if ((s[19] != '+' && s[19] != '-') || s[22] != ':' || oh < 0 || oh > 23 || om < 0 || om > 59)
      return -1;
    off = (s[19] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  }
  *t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  return 0;
}

/* An absolute time: UNIX seconds or RFC 3339. 0, -1 (not one), -2 (out of 1970..9999). */
static int absolute_time(const char *text, int64_t *t) {
  const char *end;
  if (text[0] >= '0' && text[0] <= '9' && strchr(text, '-') == NULL) {
    if (parse_digits(text, INT64_MAX / 2, t, &end) != 0)
      return -2;
    if (*end != '\0')
      return -1;
  } else if (parse_rfc3339(text, t) != 0) {
    return -1;
  }
  return *t < 0 || *t > CLI_MAX_UNIX ? -2 : 0;
}

int cli_parse_time(const char *cmd, const char *opt, const char *text, int64_t now, int64_t *t,
                   int *relative) {
  static const char range[] = "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z";
  int sign = text[0] == '-' ? -1 : 1;
  int signed_duration = text[0] == '-' || text[0] == '+';
  int64_t d;
  int r = signed_duration ? -1 : absolute_time(text, t);
  *relative = r == -1;
  if (r == -2)
    return cli_usage(cmd, "%s: '%s' is out of range: %s", opt, text, range);
  if (r == 0)
    return 0;
  r = duration_value(text + signed_duration, CLI_MAX_DURATION, 0, &d);
  if (r == -1)
    return cli_usage(cmd, "%s: '%s' is not a TIME (%s)", opt, text, time_forms);
  if (r == -2)
    return cli_usage(cmd, "%s: '%s' is out of range: a DURATION is at most 36500d (100 years)", opt, text);
  *t = now + sign * d;
  if (*t < 0 || *t > CLI_MAX_UNIX)
    return cli_usage(cmd, "%s: now %s is out of range: %s", opt, text, range);
  return 0;
}

int cli_parse_unix(const char *cmd, const char *opt, const char *text, int64_t *t) {
  int r = absolute_time(text, t);
  if (r == -1)
    return cli_usage(
        cmd, "%s: '%s' is not a UNIX time or an RFC 3339 date-time (1700000000, 2023-11-14T22:13:20Z)", opt,
        text);
  if (r == -2)
    return cli_usage(cmd, "%s: '%s' is out of range: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z", opt,
                     text);
  return 0;
}

void cli_format_date(int64_t t, char *out, size_t cap) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
