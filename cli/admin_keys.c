/* SPDX-License-Identifier: MIT */
/*
 * cli/admin_keys.c - `wristband client add NAME` (an introspection client; its secret is
 * printed once, alone on stdout) and `wristband keys list|rotate` (shims over server/users.c
 * and server/keys.c; the key life cycle is documented in server/keys.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "clock.h"
#include "keys.h"
#include "users.h"

const char cli_usage_client[] = "wristband client add NAME [--store URL]\n"
                                "  Registers a client for /oauth/introspect (HTTP Basic NAME:SECRET) and\n"
                                "  prints its secret, alone on stdout. The secret is shown only once.\n";

const char cli_usage_keys[] =
    "wristband keys list [--store URL]\n"
    "  One line per signing key: KID, ALG, next|signing|retired|expired, created, published until\n"
    "  (UTC, tab-separated).\n"
    "wristband keys rotate [--alg ES256|EdDSA|RS256] [--store URL]\n"
    "  Adds a new signing key (default: the algorithm of the newest key): published in the JWKS of\n"
    "  every running server at once, signing after their next SIGHUP or restart.\n";

enum { OPT_STORE = 1, OPT_ALG };

static const cli_opt opts[] = {
    {"--store", NULL, 1, OPT_STORE}, {"--alg", NULL, 1, OPT_ALG}, {NULL, NULL, 0, 0}};

typedef struct admin_args {
  const char *cmd;
  const char *store;
  const char *alg;
  const char *sub;
  const char *name;
} admin_args;

static int store_arg(void *ctx, int id, const char *v) {
  admin_args *a = ctx;
  if (id == OPT_STORE)
    return cli_set_once(a->cmd, &a->store, v, "--store");
  if (id == OPT_ALG)
    return cli_set_once(a->cmd, &a->alg, v, "--alg");
  if (a->sub == NULL)
    return cli_set_once(a->cmd, &a->sub, v, "subcommand");
  return cli_set_once(a->cmd, &a->name, v, "NAME");
}

static int parse(const char *cmd, const char *usage, int argc, char **argv, admin_args *a) {
  memset(a, 0, sizeof(*a));
  a->cmd = cmd;
  int id = cli_parse(cmd, opts, argc, argv, store_arg, a);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, usage) == CLI_EXIT_OK ? -1 : CLI_EXIT_USAGE;
  return 0;
}

int cmd_client(int argc, char **argv) {
  admin_args a;
  int rc = parse("client", cli_usage_client, argc, argv, &a);
  if (rc != 0)
    return rc < 0 ? CLI_EXIT_OK : rc;
  if (a.sub == NULL || strcmp(a.sub, "add") != 0 || a.name == NULL || a.alg != NULL)
    return cli_usage("client", "expected: client add NAME [--store URL]");
  admin ad;
  if ((rc = admin_open(&ad, a.store)) != 0)
    return rc;
  char secret[USERS_SECRET_LEN + 1];
  srv_error err;
  if (users_add_client(&ad.s, a.name, secret, &err) != SRV_OK)
    rc = admin_fail(&err);
  else
    cli_print_line(secret);
  cli_wipe(secret, sizeof(secret));
  admin_close(&ad);
  return rc;
}

static void utc(int64_t seconds, char out[32]) {
  time_t t = (time_t)seconds;
  struct tm tm;
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* The newest key that has signed: "signing" in the listing. */
static int find_signing(void *ctx, const store_key *k) {
  if (k->activated_us != STORE_UNSET && k->sign_until_s > clock_now_s())
    snprintf(ctx, STORE_ID_MAX, "%s", k->kid);
  return 0;
}

static int print_key(void *ctx, const store_key *k) {
  const char *signing = ctx;
  char created[32], until[32];
  utc(k->created_us / 1000000, created);
  if (k->sign_until_s == STORE_UNSET)
    snprintf(until, sizeof(until), "-");
  else
    utc(k->sign_until_s, until);
  printf("%s\t%s\t%s\t%s\t%s\n", k->kid, k->alg, keys_state(k, clock_now_s(), signing), created, until);
  return 0;
}

static int newest_alg(void *ctx, const store_key *k) {
  snprintf(ctx, STORE_ALG_MAX, "%s", k->alg);
  return 0;
}

static int keys_rotate_cmd(admin *ad, const char *alg_name) {
  char alg_buf[STORE_ALG_MAX] = "ES256", kid[STORE_ID_MAX];
  srv_error err;
  if (alg_name == NULL && ad->s.st->ops->key_list(ad->s.st, newest_alg, alg_buf, &err) != SRV_OK)
    return admin_fail(&err);
  wb_alg alg = keys_parse_alg(alg_name != NULL ? alg_name : alg_buf);
  if (alg == WB_ALG_INVALID)
    return cli_usage("keys", "--alg %s: use ES256, EdDSA or RS256", alg_name != NULL ? alg_name : alg_buf);
  if (srv_load_kek(&ad->s, &err) != SRV_OK || keys_rotate(ad->s.st, &ad->s.kek, alg, kid, &err) != SRV_OK)
    return admin_fail(&err);
  cli_print_line(kid);
  fprintf(stderr, "wristband: key %s published; servers sign with it after SIGHUP or restart\n", kid);
  return CLI_EXIT_OK;
}

int cmd_keys(int argc, char **argv) {
  admin_args a;
  int rc = parse("keys", cli_usage_keys, argc, argv, &a);
  if (rc != 0)
    return rc < 0 ? CLI_EXIT_OK : rc;
  int list = a.sub != NULL && strcmp(a.sub, "list") == 0 && a.alg == NULL;
  int rotate = a.sub != NULL && strcmp(a.sub, "rotate") == 0;
  if ((!list && !rotate) || a.name != NULL)
    return cli_usage("keys", "expected: keys list | keys rotate [--alg ALG]");
  admin ad;
  if ((rc = admin_open(&ad, a.store)) != 0)
    return rc;
  srv_error err;
  if (rotate) {
    rc = keys_rotate_cmd(&ad, a.alg);
  } else {
    char signing[STORE_ID_MAX] = "";
    if (ad.s.st->ops->key_list(ad.s.st, find_signing, signing, &err) != SRV_OK ||
        ad.s.st->ops->key_list(ad.s.st, print_key, signing, &err) != SRV_OK)
      rc = admin_fail(&err);
  }
  admin_close(&ad);
  return rc;
}
