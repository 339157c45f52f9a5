/* SPDX-License-Identifier: MIT */
/*
 * cli/jwks.c - `wristband jwks [KEY...]`: a public JWKS built from keys, for publishing. Each KEY
 * (JWK, PEM or JWKS) contributes the public halves of its keys; duplicate kids (the message
 * names both files) and oct keys (shared secrets must never be published) are refused, exit 2.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "remote_cli.h"

const char cli_usage_jwks[] = "wristband jwks [KEY...]\n"
                              "wristband jwks --fetch URL [--allow-http] [--ca-file FILE]\n"
                              "  Prints a public JWKS holding the public half of every KEY (a JWK,\n"
                              "  PEM key or JWKS; none or '-' reads stdin). Duplicate kids and oct keys\n"
                              "  are refused. With --fetch: the keys a verifier following the JWKS at\n"
                              "  URL would trust now (https unless --allow-http; secret and private\n"
                              "  keys, bad JSON, oversized or redirected answers are errors, exit 2).\n";

#define CMD "jwks"

/* The keys added so far and the file each came from, to name both files of a duplicate kid. */
typedef struct jwks_build {
  wb_keyset *set;
  cli_list from; /* from.items[i]: the KEY argument key i of set came from */
} jwks_build;

/* The file that already gave set a key with kid, or NULL. */
static const char *owner_of(const jwks_build *b, const char *kid) {
  for (size_t i = 0; kid != NULL && i < wb_keyset_count(b->set); i++) {
    const char *k = wb_key_kid(wb_keyset_get(b->set, i));
    if (k != NULL && strcmp(k, kid) == 0)
      return b->from.items[i];
  }
  return NULL;
}

/* Adds the public half of key (read from path) to b. */
static int add_public(jwks_build *b, const wb_key *key, const char *path) {
  wb_error err = {0};
  wb_key *pub = NULL;
  const char *name = cli_is_stdin(path) ? "-" : path, *owner = owner_of(b, wb_key_kid(key));
  if (wb_key_kty(key) == WB_KTY_OCT)
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "an oct key is a shared secret and cannot be published");
  if (owner != NULL)
    return cli_fail(CLI_EXIT_USAGE, "bad_key",
                    "kid \"%.60s\" of '%s' is already used by '%s': kids must be unique in a JWKS",
                    wb_key_kid(key), name, owner);
  int rc = 0;
  if (wb_key_public(&pub, key, &err) != WB_OK || wb_keyset_add(b->set, pub, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  else
    cli_list_add(&b->from, name);
  wb_key_free(pub);
  return rc;
}

static int add_file(jwks_build *b, const char *path) {
  cli_key k;
  int rc = cli_load_key(CMD, path, &k);
  if (rc != 0)
    return rc;
  if (k.key != NULL)
    rc = add_public(b, k.key, path);
  for (size_t i = 0; rc == 0 && k.set != NULL && i < wb_keyset_count(k.set); i++)
    rc = add_public(b, wb_keyset_get(k.set, i), path);
  cli_key_free(&k);
  return rc;
}

enum { OPT_FETCH = 1, OPT_ALLOW_HTTP, OPT_CA_FILE };

static int parse_args(int argc, char **argv, cli_list *paths, cli_remote *r) {
  static const cli_opt opts[] = {{"--fetch", NULL, 1, OPT_FETCH},
                                 {"--allow-http", NULL, 0, OPT_ALLOW_HTTP},
                                 {"--ca-file", NULL, 1, OPT_CA_FILE},
                                 {NULL, NULL, 0, 0}};
  cli_parser p;
  const char *v;
  int id, stdin_seen = 0;
  cli_parser_init(&p, CMD, opts, argc, argv);
  for (id = cli_next(&p, &v); id > 0 || id == CLI_ARG_POSITIONAL; id = cli_next(&p, &v)) {
    if (id == OPT_FETCH && r->jwks_url != NULL) {
      cli_usage(CMD, "--fetch is given once");
      return CLI_ARG_ERROR;
    }
    if (id == OPT_FETCH)
      r->jwks_url = v;
    else if (id == OPT_ALLOW_HTTP)
      r->allow_http = 1;
    else if (id == OPT_CA_FILE)
      r->ca_file = v;
    if (id > 0)
      continue;
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
  jwks_build b = {NULL, {NULL, 0}};
  char *json = NULL;
  int rc = CLI_EXIT_USAGE;
  if (wb_keyset_new(&b.set, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  rc = paths->count == 0 ? add_file(&b, NULL) : 0;
  for (size_t i = 0; rc == 0 && i < paths->count; i++)
    rc = add_file(&b, paths->items[i]);
  if (rc != 0)
    goto out;
  rc = CLI_EXIT_USAGE;
  if (wb_keyset_to_jwks(b.set, WB_KEY_PUBLIC, &json, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  cli_print_line(json);
  rc = CLI_EXIT_OK;
out:
  wb_string_free(json);
  wb_keyset_free(b.set);
  cli_list_free(&b.from);
  return rc;
}

/* --fetch URL: what a verifier following URL trusts. */
static int fetch(const cli_remote *r) {
  wb_error err = {0};
  wb_remote_keyset *rk = NULL;
  wb_keyset *keys = NULL;
  char *json = NULL;
  int rc = cli_remote_keys(CMD, r, &rk);
  if (rc == 0 && (wb_remote_keyset_keys(rk, &keys, &err) != WB_OK ||
                  wb_keyset_to_jwks(keys, WB_KEY_PUBLIC, &json, &err) != WB_OK))
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (rc == 0)
    cli_print_line(json);
  wb_string_free(json);
  wb_keyset_free(keys);
  wb_remote_keyset_free(rk);
  return rc;
}

int cmd_jwks(int argc, char **argv) {
  cli_list paths = {0};
  cli_remote r = {0};
  int id = parse_args(argc, argv, &paths, &r);
  int rc;
  if (id != CLI_ARG_END)
    rc = cli_parse_done(id, cli_usage_jwks);
  else if (r.jwks_url != NULL && paths.count > 0)
    rc = cli_usage(CMD, "--fetch URL takes no KEY");
  else if (r.jwks_url == NULL && (r.allow_http || r.ca_file != NULL))
    rc = cli_usage(CMD, "--allow-http and --ca-file go with --fetch");
  else
    rc = r.jwks_url != NULL ? fetch(&r) : build(&paths);
  cli_list_free(&paths);
  return rc;
}
