/* SPDX-License-Identifier: MIT */
/*
 * cli/remote.c - the CLI's side of include/wristband/remote.h: `verify --jwks-url URL |
 * --issuer-url URL [--allow-http] [--keys-cache FILE] [--revocations URL --client
 * NAME:SECRETFILE]` and `jwks --fetch URL`. One fetch (or one poll) per run: a fetch that
 * fails is an error here (exit 2, its reason word and the library's message), since a one-shot
 * command has no last good state to fall back on except the --keys-cache file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "remote_cli.h"

/* The fetch's outcome as a CLI error when nothing usable came of it. */
static int fetch_failed(const char *cmd, const char *what, const wb_remote_status *s) {
  return cli_fail(CLI_EXIT_USAGE, wb_status_name(s->last_error), "%s: %s: %s", cmd, what,
                  s->message[0] != '\0' ? s->message : "no answer");
}

/*
 * Keys from the --keys-cache file: the library revalidates them in the background, which a
 * one-shot command does not wait for. Asks the issuer now, so that a key it has dropped is not
 * trusted on the file's word: the file's keys stay in use only when the issuer does not answer.
 * The fetch's outcome is in the status, read again.
 */
static wb_status revalidate(wb_remote_keyset *rk, wb_remote_status *s, wb_error *err) {
  wb_status fetched = wb_remote_keyset_refresh(rk, NULL);
  (void)fetched;
  return wb_remote_keyset_status(rk, s, err);
}

int cli_remote_keys(const char *cmd, const cli_remote *r, wb_remote_keyset **out) {
  wb_error err = {0};
  wb_remote_options o;
  wb_remote_options_default(&o);
  o.allow_http = r->allow_http;
  o.ca_file = r->ca_file;
  o.persist_file = r->keys_cache;
  *out = NULL;
  wb_status st = r->issuer_url != NULL ? wb_remote_keyset_discover(out, r->issuer_url, &o, &err)
                                       : wb_remote_keyset_new(out, r->jwks_url, &o, &err);
  if (st != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  wb_remote_status s;
  st = wb_remote_keyset_status(*out, &s, &err);
  if (st == WB_OK && s.from_file)
    st = revalidate(*out, &s, &err);
  if (st != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (s.items == 0) /* nothing fetched, nothing cached: nothing to verify with */
    return fetch_failed(cmd, r->issuer_url != NULL ? r->issuer_url : r->jwks_url, &s);
  if (s.last_error != WB_OK) /* the cache file's keys, the issuer down: say so, go on */
    fprintf(stderr, "wristband %s: warning: using cached keys (%lld s old): %s\n", cmd, (long long)s.age,
            s.message);
  return 0;
}

/* NAME:SECRETFILE into id (in buf) and the file's bytes (secret, wiped by the caller). */
static int read_client(const char *cmd, const char *arg, char **id, cli_buf *secret) {
  const char *colon = strchr(arg, ':');
  if (colon == NULL || colon == arg || colon[1] == '\0')
    return cli_usage(cmd, "--client: NAME:SECRETFILE");
  *id = strndup(arg, (size_t)(colon - arg));
  if (*id == NULL)
    return cli_fail(CLI_EXIT_USAGE, "nomem", "out of memory");
  int rc = cli_read(colon + 1, 4096, "SECRETFILE", CLI_EXIT_USAGE, secret);
  while (rc == 0 && secret->len > 0 &&
         (secret->data[secret->len - 1] == '\n' || secret->data[secret->len - 1] == '\r'))
    secret->data[--secret->len] = '\0'; /* a trailing newline is the editor's, not the secret's */
  return rc;
}

int cli_remote_revocations(const char *cmd, const cli_remote *r, wb_revocations **out) {
  wb_error err = {0};
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = r->allow_http;
  o.ca_file = r->ca_file;
  char *id = NULL;
  cli_buf secret = {0};
  *out = NULL;
  int rc = r->client != NULL ? read_client(cmd, r->client, &id, &secret) : 0;
  if (rc == 0 && r->client != NULL && (secret.len == 0 || memchr(secret.data, '\0', secret.len) != NULL))
    rc = cli_usage(cmd, "--client: the secret file is empty or holds a NUL byte");
  o.client_id = id;
  o.client_secret = secret.data;
  if (rc == 0 && wb_revocations_new(out, r->revocations, &o, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  wb_remote_status s;
  if (rc == 0 && wb_revocations_status(*out, &s, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (rc == 0 && s.last_error != WB_OK) /* a one-shot check fails closed */
    rc = fetch_failed(cmd, "revocation feed", &s);
  free(id);
  cli_buf_free(&secret);
  return rc;
}

int cli_remote_check(const char *cmd, const cli_remote *r) {
  if (r->jwks_url != NULL && r->issuer_url != NULL)
    return cli_usage(cmd, "give one --jwks-url or --issuer-url");
  if ((r->allow_http || r->keys_cache != NULL) && r->jwks_url == NULL && r->issuer_url == NULL &&
      r->revocations == NULL)
    return cli_usage(cmd, "--allow-http and --keys-cache go with --jwks-url, --issuer-url or --revocations");
  if (r->client != NULL && r->revocations == NULL)
    return cli_usage(cmd, "--client goes with --revocations");
  return 0;
}
