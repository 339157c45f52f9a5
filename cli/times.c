/* SPDX-License-Identifier: MIT */
/*
 * cli/times.c - DURATION and UNIX time values of the command line (cli/cli.h documents them).
 */
#include <stdint.h>
#include <string.h>

#include "cli.h"

/* ---- values ------------------------------------------------------------------------------- */

/* The latest time the CLI handles: 9999-12-31T23:59:59Z, so dates print as four-digit years. */
#define CLI_MAX_UNIX INT64_C(253402300799)
/* The longest DURATION: 100 years. */
#define CLI_MAX_DURATION (INT64_C(36500) * 86400)

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

int cli_parse_duration(const char *cmd, const char *opt, const char *text, int64_t *seconds) {
  static const struct {
    char unit;
    int64_t mult;
  } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
  int64_t v;
  const char *end;
  if (parse_digits(text, CLI_MAX_DURATION, &v, &end) != 0 || end[0] == '\0' || end[1] != '\0')
    return cli_usage(cmd, "%s: '%s' is not a DURATION (a number with s, m, h or d: 30s, 15m, 2h, 7d)", opt,
                     text);
  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (units[i].unit != end[0])
      continue;
    if (v > CLI_MAX_DURATION / units[i].mult)
      return cli_usage(cmd, "%s: DURATION '%s' is longer than 100 years", opt, text);
    *seconds = v * units[i].mult;
    return 0;
  }
  return cli_usage(cmd, "%s: '%s' is not a DURATION (a number with s, m, h or d: 30s, 15m, 2h, 7d)", opt,
                   text);
}

int cli_parse_unix(const char *cmd, const char *opt, const char *text, int64_t *t) {
  const char *end;
  if (parse_digits(text, CLI_MAX_UNIX, t, &end) != 0 || *end != '\0')
    return cli_usage(cmd, "%s: '%s' is not a UNIX time (seconds since 1970, up to year 9999)", opt, text);
  return 0;
}
