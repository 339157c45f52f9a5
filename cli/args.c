/* SPDX-License-Identifier: MIT */
/*
 * cli/args.c - the helpers every `wristband` subcommand shares (declared and documented in
 * cli/cli.h): the one-line error format, the option parser, DURATION / UNIX time / algorithm
 * parsing, bounded reads of files and stdin, writing 0600 files and loading KEY arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---- errors ------------------------------------------------------------------------------- */

/* One line, whatever the message holds: control characters (a newline in a file name or in a
 * library message) become '?', tabs become spaces. */
static void sanitize(char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\t')
      *s = ' ';
    else if (c < 0x20 || c == 0x7f)
      *s = '?';
  }
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

void cli_warn(const char *msg) {
  fprintf(stderr, "wristband: warning: %s\n", msg);
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
  const char **items = realloc((void *)l->items, (l->count + 1) * sizeof(*items));
  if (items == NULL) {
    cli_fail(CLI_EXIT_USAGE, "nomem", "out of memory");
    exit(CLI_EXIT_USAGE);
  }
  items[l->count++] = value;
  l->items = items;
}

void cli_list_free(cli_list *l) {
  free((void *)l->items);
  l->items = NULL;
  l->count = 0;
}

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

int cli_parse_alg(const char *cmd, const char *text, wb_alg *alg) {
  *alg = wb_alg_from_name(text, strlen(text));
  if (*alg == WB_ALG_INVALID)
    return cli_usage(cmd, "unknown algorithm '%s' (none is never accepted)", text);
  return 0;
}

/* ---- input and output --------------------------------------------------------------------- */

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

static int is_space(char c) {
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
  while (n > 0 && is_space(*s)) {
    s++;
    n--;
  }
  while (n > 0 && is_space(s[n - 1]))
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

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int cli_write_private(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return cli_fail(CLI_EXIT_USAGE, "io", "cannot create '%s': %s", path, strerror(errno));
  /* An existing file keeps its mode through O_TRUNC: narrow it before any secret is written. */
  int ok = fchmod(fd, 0600) == 0 && write_all(fd, data, len) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    ok = 0;
    saved = errno;
  }
  if (ok)
    return 0;
  unlink(path);
  return cli_fail(CLI_EXIT_USAGE, "io", "cannot write '%s': %s", path, strerror(saved));
}

/* ---- keys --------------------------------------------------------------------------------- */

/* 1 when the text looks like JSON (first non-blank byte '{'): JWK and JWKS carry their own kid. */
static int looks_like_json(const cli_buf *b) {
  for (size_t i = 0; i < b->len; i++) {
    if (!is_space(b->data[i]))
      return b->data[i] == '{';
  }
  return 0;
}

/* PEM and DER keys have no kid: give them their thumbprint, as `sign` puts it in the header. */
static int set_thumbprint_kid(wb_key *key) {
  char tp[WB_THUMBPRINT_LEN];
  wb_error err = {0};
  if (wb_key_kid(key) != NULL)
    return 0;
  if (wb_key_thumbprint(key, tp, &err) != WB_OK || wb_key_set_kid(key, tp, &err) != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  return 0;
}

/* Parses b as a key set into k (k->one set when it holds a single key); 0 or the exit code. */
static int parse_set(const cli_buf *b, cli_key *k) {
  wb_error err = {0};
  if (wb_keyset_parse(&k->set, b->data, b->len, &err) != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (wb_keyset_count(k->set) == 1)
    k->one = wb_keyset_get(k->set, 0);
  return 0;
}

int cli_load_key(const char *path, cli_key *k) {
  cli_buf b;
  memset(k, 0, sizeof(*k));
  int rc = cli_read(path, CLI_MAX_FILE, "KEY", CLI_EXIT_USAGE, &b);
  if (rc != 0)
    return rc;
  if (wb_key_parse(&k->key, b.data, b.len, NULL) == WB_OK) {
    k->one = k->key;
    rc = looks_like_json(&b) ? 0 : set_thumbprint_kid(k->key);
  } else {
    /* Not a single key: a JWKS, or broken, in which case the key-set parser's reason is the most
     * specific one (it sniffs the same way and reports on the part that failed). */
    rc = parse_set(&b, k);
  }
  cli_buf_free(&b);
  if (rc != 0)
    cli_key_free(k);
  return rc;
}

int cli_load_key_set(const char *path, cli_key *k) {
  cli_buf b;
  memset(k, 0, sizeof(*k));
  int rc = cli_read(path, CLI_MAX_FILE, "KEY", CLI_EXIT_USAGE, &b);
  if (rc != 0)
    return rc;
  rc = parse_set(&b, k);
  cli_buf_free(&b);
  return rc;
}

int cli_load_one_key(const char *cmd, const char *path, cli_key *k) {
  int rc = cli_load_key(path, k);
  if (rc != 0)
    return rc;
  if (k->one != NULL)
    return 0;
  size_t n = wb_keyset_count(k->set);
  cli_key_free(k);
  return cli_usage(cmd, "KEY is a key set of %zu keys; %s needs exactly one", n, cmd);
}

void cli_key_free(cli_key *k) {
  wb_key_free(k->key);
  wb_keyset_free(k->set);
  memset(k, 0, sizeof(*k));
}
