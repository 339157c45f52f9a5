/* SPDX-License-Identifier: MIT */
/*
 * cli/jwks.c - `wristband jwks [KEY...]`: a public JWKS built from keys, for publishing. Each KEY
 * (JWK, PEM or JWKS) contributes the public halves of its keys; duplicate kids and oct keys
 * (shared secrets must never be published) are refused with exit 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cli_usage_jwks[] = "wristband jwks [KEY...]\n"
                              "  Prints a public JWKS holding the public half of every KEY (a JWK,\n"
                              "  PEM key or JWKS; none or '-' reads stdin). Duplicate kids and oct keys\n"
                              "  are refused.\n";

#define CMD "jwks"

/* Adds the public half of key to set. */
static int add_public(wb_keyset *set, const wb_key *key) {
  wb_error err = {0};
  wb_key *pub = NULL;
  if (wb_key_kty(key) == WB_KTY_OCT)
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "an oct key is a shared secret and cannot be published");
  int rc = 0;
  if (wb_key_public(&pub, key, &err) != WB_OK || wb_keyset_add(set, pub, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  wb_key_free(pub);
  return rc;
}

static int add_file(wb_keyset *set, const char *path) {
  cli_key k;
  int rc = cli_load_key(path, &k);
  if (rc != 0)
    return rc;
  if (k.key != NULL)
    rc = add_public(set, k.key);
  for (size_t i = 0; rc == 0 && k.set != NULL && i < wb_keyset_count(k.set); i++)
    rc = add_public(set, wb_keyset_get(k.set, i));
  cli_key_free(&k);
  return rc;
}

static int parse_args(int argc, char **argv, cli_list *paths) {
  static const cli_opt none[] = {{NULL, NULL, 0, 0}};
  cli_parser p;
  const char *v;
  int id, stdin_seen = 0;
  cli_parser_init(&p, CMD, none, argc, argv);
  for (id = cli_next(&p, &v); id == CLI_ARG_POSITIONAL; id = cli_next(&p, &v)) {
    if (strcmp(v, "-") == 0 && stdin_seen++ > 0) {
      cli_usage(CMD, "stdin ('-') can be read only once");
      return CLI_ARG_ERROR;
    }
    cli_list_add(paths, v);
  }
  return id;
}

static int build(const cli_list *paths) {
  wb_error err = {0};
  wb_keyset *set = NULL;
  char *json = NULL;
  int rc = CLI_EXIT_USAGE;
  if (wb_keyset_new(&set, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  rc = paths->count == 0 ? add_file(set, NULL) : 0;
  for (size_t i = 0; rc == 0 && i < paths->count; i++)
    rc = add_file(set, paths->items[i]);
  if (rc != 0)
    goto out;
  rc = CLI_EXIT_USAGE;
  if (wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &json, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  cli_print_line(json);
  rc = CLI_EXIT_OK;
out:
  wb_string_free(json);
  wb_keyset_free(set);
  return rc;
}

int cmd_jwks(int argc, char **argv) {
  cli_list paths = {0};
  int id = parse_args(argc, argv, &paths);
  int rc = id != CLI_ARG_END ? cli_parse_done(id, cli_usage_jwks) : build(&paths);
  cli_list_free(&paths);
  return rc;
}
