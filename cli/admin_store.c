/* SPDX-License-Identifier: MIT */
/*
 * cli/admin_store.c - `wristband store migrate|copy`: bringing a database's schema up to date
 * without starting a server, and moving an installation to another store (typically from the
 * SQLite file to PostgreSQL, when one machine is no longer enough). Shims over store.h and
 * server/store_copy.c, which documents what a copy carries.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "store_copy.h"

const char cli_usage_store[] =
    "wristband store migrate [--store URL]\n"
    "  Brings the database's schema to this wristband's version (servers also do it when they\n"
    "  start; several at once migrate once) and prints the schema version.\n"
    "wristband store copy --from URL --to URL [--from-kek-file FILE] [--kek-file FILE]\n"
    "  Copies every user, session, revoked token, client and signing key into an empty store, in\n"
    "  one transaction; stop the servers first. Old refresh and access tokens keep working. Keys\n"
    "  are sealed again under the target's KEK (--kek-file, else WRISTBAND_KEK_FILE, else the kek\n"
    "  beside a SQLite target); the source's KEK is --from-kek-file, else the kek beside a SQLite\n"
    "  source, else the target's.\n";

#define CMD "store"

enum { OPT_STORE = 1, OPT_FROM, OPT_TO, OPT_FROM_KEK, OPT_KEK };

static const cli_opt opts[] = {{"--store", NULL, 1, OPT_STORE},  {"--from", NULL, 1, OPT_FROM},
                               {"--to", NULL, 1, OPT_TO},        {"--from-kek-file", NULL, 1, OPT_FROM_KEK},
                               {"--kek-file", NULL, 1, OPT_KEK}, {NULL, NULL, 0, 0}};

typedef struct store_args {
  const char *store;
  const char *from;
  const char *to;
  const char *from_kek;
  const char *kek;
  const char *sub;
  const char *extra;
} store_args;

static int store_arg(void *ctx, int id, const char *v) {
  store_args *a = ctx;
  switch (id) {
  case OPT_STORE:
    return cli_set_once(CMD, &a->store, v, "--store");
  case OPT_FROM:
    return cli_set_once(CMD, &a->from, v, "--from");
  case OPT_TO:
    return cli_set_once(CMD, &a->to, v, "--to");
  case OPT_FROM_KEK:
    return cli_set_once(CMD, &a->from_kek, v, "--from-kek-file");
  case OPT_KEK:
    return cli_set_once(CMD, &a->kek, v, "--kek-file");
  default:
    return cli_set_once(CMD, a->sub == NULL ? &a->sub : &a->extra, v,
                        a->sub == NULL ? "subcommand" : "argument");
  }
}

static int migrate(const char *store_flag) {
  admin ad;
  int rc = admin_open(&ad, store_flag);
  if (rc != 0)
    return rc;
  int version = 0;
  srv_error err;
  if (ad.s.st->ops->schema_version(ad.s.st, &version, &err) != SRV_OK)
    rc = admin_fail(&err);
  else
    fprintf(stderr, "wristband: the %s store is at schema version %d\n", ad.s.st->ops->scheme, version);
  admin_close(&ad);
  return rc;
}

/* The source's KEK: --from-kek-file, else the kek beside a SQLite source, else the target's. */
static srv_status from_kek(const store_args *a, const srv_kek *to_kek, srv_kek *out, srv_error *err) {
  if (a->from_kek != NULL || store_sqlite_path(a->from) != NULL)
    return kek_load(out, a->from_kek, store_sqlite_path(a->from), 0, err);
  *out = *to_kek;
  return SRV_OK;
}

/* The source is read, never made: a path that does not exist, a SQLite file or a database that
 * holds no wristband store is refused before store_open would create and migrate it. */
static srv_status source_is_a_store(const char *url, srv_error *err) {
  int version = 0;
  srv_status st = store_probe(url, &version, err);
  if (st == SRV_OK && version == 0) {
    char shown[512];
    store_url_redacted(url, shown, sizeof(shown));
    st = srv_fail(err, SRV_ERR_NOT_FOUND,
                  "--from %s: not a wristband store (nothing copied, nothing changed)", shown);
  }
  return st;
}

static int copy(const store_args *a) {
  if (a->from == NULL || a->to == NULL)
    return cli_usage(CMD, "store copy needs --from URL and --to URL");
  srv_config cfg;
  srv_error err;
  if (config_init(&cfg, &err) != SRV_OK || config_load_admin(&cfg, NULL, a->to, &err) != SRV_OK) {
    config_free(&cfg);
    return admin_fail(&err);
  }
  srv_kek fk, tk;
  memset(&fk, 0, sizeof(fk));
  memset(&tk, 0, sizeof(tk));
  store *from = NULL, *to = NULL;
  store_copy_counts n;
  /* The source first: a refused one leaves no key-encryption key made for a SQLite target. */
  srv_status st = source_is_a_store(a->from, &err);
  if (st == SRV_OK)
    st = kek_load(&tk, a->kek != NULL ? a->kek : cfg.kek_file, store_sqlite_path(a->to), 1, &err);
  if (st == SRV_OK)
    st = from_kek(a, &tk, &fk, &err);
  if (st == SRV_OK)
    st = store_open(&from, a->from, &err);
  if (st == SRV_OK)
    st = store_open(&to, a->to, &err);
  if (st == SRV_OK)
    st = store_copy(from, &fk, to, &tk, &n, &err);
  if (st == SRV_OK)
    fprintf(
        stderr,
        "wristband: copied %ld users, %ld sessions, %ld revoked access tokens, %ld clients, %ld secrets and "
        "%ld signing keys into the %s store\n",
        n.users, n.sessions, n.denied, n.clients, n.secrets, n.keys, to->ops->scheme);
  store_close(to);
  store_close(from);
  kek_wipe(&fk);
  kek_wipe(&tk);
  config_free(&cfg);
  return st == SRV_OK ? CLI_EXIT_OK : admin_fail(&err);
}

int cmd_store(int argc, char **argv) {
  store_args a;
  memset(&a, 0, sizeof(a));
  int id = cli_parse(CMD, opts, argc, argv, store_arg, &a);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_store);
  int is_migrate = a.sub != NULL && strcmp(a.sub, "migrate") == 0;
  int is_copy = a.sub != NULL && strcmp(a.sub, "copy") == 0;
  if ((!is_migrate && !is_copy) || a.extra != NULL)
    return cli_usage(CMD, "expected: store migrate [--store URL] | store copy --from URL --to URL");
  if (is_migrate && (a.from != NULL || a.to != NULL || a.from_kek != NULL || a.kek != NULL))
    return cli_usage(CMD, "store migrate takes --store only");
  if (is_copy && a.store != NULL)
    return cli_usage(CMD, "store copy takes --from and --to, not --store");
  return is_migrate ? migrate(a.store) : copy(&a);
}
