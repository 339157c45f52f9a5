/* SPDX-License-Identifier: MIT */
/*
 * cli/sign_claims.c - the claims set `wristband sign` signs, in this order, a later source winning:
 * the JSON object of CLAIMS_FILE (or of stdin when CLAIMS_FILE is omitted and stdin is neither a
 * terminal nor KEY: issue 9 picked reading it over ignoring it, so that help and behaviour agree;
 * empty stdin adds nothing), each --claim / --claim-string, then the registered-claim flags.
 * Defaults (iat = now, exp = now + 15m) fill in only what the claims lack.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sign.h"

#define CMD "sign"

/* A --claim value that starts like JSON ('{', '[' or '"') must be JSON: never a silent string. */
static int starts_like_json(const char *v) {
  return v[0] == '{' || v[0] == '[' || v[0] == '"';
}

/* --claim NAME=VALUE (JSON when it parses, else a string) or --claim-string NAME=TEXT. */
static int set_claim_arg(wb_builder *c, const sign_claim *arg) {
  wb_error err = {0};
  const char *opt = arg->as_string ? "--claim-string" : "--claim";
  const char *eq = strchr(arg->arg, '=');
  char name[256];
  if (eq == NULL || eq == arg->arg || (size_t)(eq - arg->arg) >= sizeof(name))
    return cli_usage(CMD, "%s '%s' is not NAME=VALUE", opt, arg->arg);
  memcpy(name, arg->arg, (size_t)(eq - arg->arg));
  name[eq - arg->arg] = '\0';
  const char *value = eq + 1;
  wb_status st = WB_ERR_MALFORMED;
  if (!arg->as_string)
    st = wb_builder_set_json(c, name, value, strlen(value), &err);
  if (st == WB_ERR_MALFORMED && !arg->as_string && starts_like_json(value))
    return cli_usage(CMD,
                     "--claim %s: the value starts like JSON but is not valid JSON (%s); for text use "
                     "--claim-string %s=TEXT",
                     name, err.message, name);
  if (st == WB_ERR_MALFORMED)
    st = wb_builder_set_string(c, name, value, &err);
  return st == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, &err);
}

/* A NumericDate claim: set to t when t >= 0, removed when remove, else left as it is. */
static wb_status set_time(wb_builder *c, const char *name, int64_t t, int remove, wb_error *err) {
  if (t >= 0)
    return wb_builder_set_int(c, name, t, err);
  if (remove)
    return wb_builder_remove(c, name, err);
  return WB_OK;
}

/* The registered claims from the flags; defaults (iat, exp) fill in only what the claims lack. */
static wb_status set_registered(const sign_args *a, wb_builder *c, wb_error *err) {
  wb_status st = WB_OK;
  if (a->iss != NULL)
    st = wb_builder_set_string(c, "iss", a->iss, err);
  if (st == WB_OK && a->sub != NULL)
    st = wb_builder_set_string(c, "sub", a->sub, err);
  if (st == WB_OK && a->aud.count == 1)
    st = wb_builder_set_string(c, "aud", a->aud.items[0], err);
  if (st == WB_OK && a->aud.count > 1)
    st = wb_builder_remove(c, "aud", err);
  for (size_t i = 0; st == WB_OK && a->aud.count > 1 && i < a->aud.count; i++)
    st = wb_builder_append_string(c, "aud", a->aud.items[i], err);
  int iat_default = !a->no_iat && !wb_builder_has(c, "iat");
  if (st == WB_OK)
    st = set_time(c, "iat", iat_default ? a->t_now : -1, a->no_iat, err);
  int exp_set = a->exp != NULL || !wb_builder_has(c, "exp");
  if (st == WB_OK)
    st = set_time(c, "exp", exp_set ? a->t_exp : -1, a->t_exp < 0, err);
  if (st == WB_OK)
    st = set_time(c, "nbf", a->t_nbf, 0, err);
  if (st == WB_OK && a->jti)
    st = wb_builder_set_random_jti(c, err);
  return st;
}

/* 1 when stdin holds claims to read: CLAIMS_FILE omitted, stdin open, not a terminal, not KEY. */
static int claims_on_stdin(const sign_args *a) {
  if (a->file != NULL || (a->key != NULL && strcmp(a->key, "-") == 0) || cli_secret_uses_stdin(&a->secret))
    return 0;
  return fcntl(STDIN_FILENO, F_GETFD) != -1 && !cli_isatty(STDIN_FILENO);
}

static int blank(const cli_buf *b) {
  for (size_t i = 0; i < b->len; i++) {
    if (!cli_is_space(b->data[i]))
      return 0;
  }
  return 1;
}

/* Merges CLAIMS_FILE, or stdin when claims_on_stdin(). 0 or the exit code. */
static int merge_file(const sign_args *a, wb_builder *c) {
  wb_error err = {0};
  cli_buf file = {0};
  int implicit = claims_on_stdin(a);
  if (a->file == NULL && !implicit)
    return 0;
  int rc = cli_read(implicit ? "-" : a->file, CLI_MAX_FILE, "CLAIMS_FILE", CLI_EXIT_USAGE, &file);
  if (rc != 0 || (implicit && blank(&file)))
    goto out;
  if (wb_builder_merge_json(c, file.data, file.len, &err) != WB_OK)
    rc = cli_fail(CLI_EXIT_USAGE, wb_status_name(err.code), "%s: %s",
                  implicit                ? "the claims on stdin (CLAIMS_FILE omitted, stdin not a terminal)"
                  : cli_is_stdin(a->file) ? "the claims on stdin"
                                          : "CLAIMS_FILE",
                  err.message);
out:
  cli_buf_free(&file);
  return rc;
}

int sign_build_claims(const sign_args *a, wb_builder **out) {
  wb_error err = {0};
  wb_builder *c = NULL;
  int rc = CLI_EXIT_USAGE;
  *out = NULL;
  if (wb_builder_new(&c, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  if ((rc = merge_file(a, c)) != 0)
    goto out;
  for (size_t i = 0; i < a->nclaims; i++) {
    if ((rc = set_claim_arg(c, &a->claims[i])) != 0)
      goto out;
  }
  rc = CLI_EXIT_USAGE;
  if (set_registered(a, c, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  *out = c;
  c = NULL;
  rc = 0;
out:
  wb_builder_free(c);
  return rc;
}
