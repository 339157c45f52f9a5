/* SPDX-License-Identifier: MIT */
/*
 * cli/args.c - the helpers every `wristband` subcommand shares (declared and documented in
 * cli/cli.h): the one-line error format, the option parser and algorithm names. Values (DURATION,
 * times) are in times.c, input in io.c, files the CLI writes in outfile.c, KEY loading in keyload.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- errors ------------------------------------------------------------------------------- */

/* One line that a terminal shows as it is, whatever the message holds (a token's iss, kid or typ,
 * a file name): a tab becomes a space, and a control character (a newline, ESC, a C1 CSI), a bidi
 * control or a byte that is not UTF-8 becomes one '?' (cli_tty_unsafe). Works in place. */
static void sanitize(char *s) {
  size_t n = strlen(s), o = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t len = cli_utf8_next(s + i, n - i, &cp);
    if (cp == '\t' || cli_tty_unsafe(cp)) {
      s[o++] = cp == '\t' ? ' ' : '?';
    } else {
      memmove(s + o, s + i, len);
      o += len;
    }
    i += len;
  }
  s[o] = '\0';
}

#ifdef __GNUC__
__attribute__((format(printf, 4, 0)))
#endif
static int
vfail(int code, const char *reason, const char *suffix, const char *fmt, va_list ap) {
  char msg[640];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  sanitize(msg);
  fprintf(stderr, "wristband: %s: %s%s\n", reason, msg[0] != '\0' ? msg : "failed", suffix);
  return code;
}

int cli_fail(int code, const char *reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(code, reason, "", fmt, ap);
  va_end(ap);
  return code;
}

int cli_fail_wb(int code, const wb_error *err) {
  return cli_fail(code, wb_status_name(err->code), "%s", err->message);
}

int cli_usage(const char *cmd, const char *fmt, ...) {
  char suffix[64];
  snprintf(suffix, sizeof(suffix), " (see wristband %s%s--help)", cmd != NULL ? cmd : "",
           cmd != NULL ? " " : "");
  va_list ap;
  va_start(ap, fmt);
  vfail(CLI_EXIT_USAGE, "usage", suffix, fmt, ap);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

/* Warning and note lines wait here until the command's outcome is known (cli_flush_notes): a
 * failure is exactly one line on stderr, so they are shown on success only. */
#define MAX_PENDING 8

static struct {
  const char *what; /* "warning" or "note" */
  char msg[640];
} pending[MAX_PENDING];
static size_t npending;

#ifdef __GNUC__
__attribute__((format(printf, 2, 0)))
#endif
static void
vsay(const char *what, const char *fmt, va_list ap) {
  if (npending == MAX_PENDING)
    return;
  pending[npending].what = what;
  vsnprintf(pending[npending].msg, sizeof(pending[npending].msg), fmt, ap);
  sanitize(pending[npending].msg);
  npending++;
}

void cli_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay("warning", fmt, ap);
  va_end(ap);
}

void cli_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay("note", fmt, ap);
  va_end(ap);
}

void cli_flush_notes(int show) {
  int colour = show && cli_color(2);
  for (size_t i = 0; show && i < npending; i++)
    fprintf(stderr, "%swristband: %s:%s %s\n", colour ? CLI_SGR_WARN : "", pending[i].what,
            colour ? CLI_SGR_RESET : "", pending[i].msg);
  npending = 0;
}

void *cli_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q == NULL) {
    cli_fail(CLI_EXIT_USAGE, "nomem", "out of memory");
    exit(CLI_EXIT_USAGE);
  }
  return q;
}

/* ---- option parsing ----------------------------------------------------------------------- */

void cli_parser_init(cli_parser *p, const char *cmd, const cli_opt *opts, int argc, char **argv) {
  p->argc = argc;
  p->argv = argv;
  p->next = 1;
  p->only_positional = 0;
  p->cmd = cmd;
  p->opts = opts;
}

/* The option whose name or alias is exactly arg[0..len), or NULL. */
static const cli_opt *find_opt(const cli_opt *opts, const char *arg, size_t len) {
  for (; opts->name != NULL; opts++) {
    if (strlen(opts->name) == len && strncmp(opts->name, arg, len) == 0)
      return opts;
    if (opts->alias != NULL && strlen(opts->alias) == len && strncmp(opts->alias, arg, len) == 0)
      return opts;
  }
  return NULL;
}

static int take_value(cli_parser *p, const cli_opt *o, const char *eq, const char **value) {
  if (!o->has_value) {
    if (eq != NULL) {
      cli_usage(p->cmd, "option %s takes no value", o->name);
      return CLI_ARG_ERROR;
    }
    return o->id;
  }
  if (eq != NULL) {
    *value = eq + 1;
    return o->id;
  }
  if (p->next >= p->argc) {
    cli_usage(p->cmd, "option %s needs a value", o->name);
    return CLI_ARG_ERROR;
  }
  *value = p->argv[p->next++];
  return o->id;
}

int cli_next(cli_parser *p, const char **value) {
  *value = NULL;
  if (p->next >= p->argc)
    return CLI_ARG_END;
  const char *arg = p->argv[p->next++];
  if (!p->only_positional && strcmp(arg, "--") == 0) {
    p->only_positional = 1;
    return cli_next(p, value);
  }
  if (p->only_positional || arg[0] != '-' || arg[1] == '\0') {
    *value = arg;
    return CLI_ARG_POSITIONAL;
  }
  if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
    return CLI_ARG_HELP;
  const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
  size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
  const cli_opt *o = find_opt(p->opts, arg, len);
  if (o == NULL) {
    cli_usage(p->cmd, "unknown option %.*s", (int)len, arg);
    return CLI_ARG_ERROR;
  }
  return take_value(p, o, eq, value);
}

int cli_parse(const char *cmd, const cli_opt *opts, int argc, char **argv, cli_store_fn store, void *ctx) {
  cli_parser p;
  const char *v;
  int id;
  cli_parser_init(&p, cmd, opts, argc, argv);
  for (id = cli_next(&p, &v); id != CLI_ARG_END; id = cli_next(&p, &v)) {
    if (id == CLI_ARG_HELP || id == CLI_ARG_ERROR)
      return id;
    if (store(ctx, id, v) != 0)
      return CLI_ARG_ERROR;
  }
  return CLI_ARG_END;
}

const char *cli_opt_name(const cli_opt *opts, int id) {
  for (; opts->name != NULL; opts++) {
    if (opts->id == id)
      return opts->name;
  }
  return "option";
}

int cli_parse_done(int id, const char *usage) {
  if (id != CLI_ARG_HELP)
    return CLI_EXIT_USAGE;
  fputs(usage, stdout);
  return CLI_EXIT_OK;
}

int cli_parse_one_arg(const char *cmd, const char *what, int argc, char **argv, const char **arg) {
  static const cli_opt none[] = {{NULL, NULL, 0, 0}};
  cli_parser p;
  const char *v;
  int id;
  *arg = NULL;
  cli_parser_init(&p, cmd, none, argc, argv);
  for (id = cli_next(&p, &v); id == CLI_ARG_POSITIONAL; id = cli_next(&p, &v)) {
    if (cli_set_once(cmd, arg, v, what) != 0)
      return CLI_ARG_ERROR;
  }
  return id;
}

int cli_set_once(const char *cmd, const char **slot, const char *value, const char *opt) {
  if (*slot != NULL && opt[0] != '-')
    return cli_usage(cmd, "unexpected argument '%s' (only one %s)", value, opt);
  if (*slot != NULL)
    return cli_usage(cmd, "%s given more than once", opt);
  *slot = value;
  return 0;
}

void cli_list_add(cli_list *l, const char *value) {
  const char **items = cli_xrealloc((void *)l->items, (l->count + 1) * sizeof(*items));
  items[l->count++] = value;
  l->items = items;
}

void cli_list_free(cli_list *l) {
  free((void *)l->items);
  l->items = NULL;
  l->count = 0;
}

int cli_parse_alg(const char *cmd, const char *text, wb_alg *alg) {
  *alg = wb_alg_from_name(text, strlen(text));
  if (*alg == WB_ALG_INVALID)
    return cli_usage(cmd, "unknown algorithm '%s' (none is never accepted)", text);
  return 0;
}
