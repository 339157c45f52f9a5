/* SPDX-License-Identifier: MIT */
/*
 * cli/admin_user.c - `wristband user add|list|disable|enable|set-password|set-claim|set-roles`:
 * account administration on the server's database (shims over server/users.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "passwords.h"
#include "users.h"

const char cli_usage_user[] =
    "wristband user add NAME [--role ROLE]... [--store URL]\n"
    "  Creates a user; the password is read as one line from stdin (or prompted for on a terminal).\n"
    "wristband user list [--store URL]\n"
    "  One line per user: NAME, SUB, ROLES, active|disabled, created (UTC), separated by tabs.\n"
    "wristband user disable NAME [--store URL]    (ends every session of the user)\n"
    "wristband user enable NAME [--store URL]\n"
    "wristband user set-password NAME [--store URL]    (ends every session of the user)\n"
    "wristband user set-claim NAME KEY JSON [--store URL]    (JSON null removes the claim)\n"
    "wristband user set-roles NAME [--role ROLE]... [--store URL]\n";

#define CMD "user"

enum { OPT_STORE = 1, OPT_ROLE };

static const cli_opt opts[] = {
    {"--store", NULL, 1, OPT_STORE}, {"--role", NULL, 1, OPT_ROLE}, {NULL, NULL, 0, 0}};

typedef struct user_args {
  const char *store;
  cli_list pos; /* the subcommand and its arguments */
  cli_list roles;
} user_args;

static int store_arg(void *ctx, int id, const char *v) {
  user_args *a = ctx;
  if (id == OPT_STORE)
    return cli_set_once(CMD, &a->store, v, "--store");
  if (id == OPT_ROLE)
    cli_list_add(&a->roles, v);
  else
    cli_list_add(&a->pos, v);
  return 0;
}

static int user_add(admin *ad, const char *name, const user_args *a) {
  char pw[PW_MAX_LEN + 2], sub[STORE_ID_MAX];
  size_t len = 0;
  srv_error err;
  int rc = admin_read_password(CMD " add", pw, sizeof(pw), &len);
  if (rc == 0 && users_add(&ad->s, name, pw, len, a->roles.items, a->roles.count, sub, &err) != SRV_OK)
    rc = admin_fail(&err);
  if (rc == 0)
    fprintf(stderr, "wristband: user %s added (sub %s)\n", name, sub);
  cli_wipe(pw, sizeof(pw));
  return rc;
}

static int user_set_password(admin *ad, const char *name) {
  char pw[PW_MAX_LEN + 2];
  size_t len = 0;
  srv_error err;
  int rc = admin_read_password(CMD " set-password", pw, sizeof(pw), &len);
  if (rc == 0 && users_set_password(&ad->s, name, pw, len, &err) != SRV_OK)
    rc = admin_fail(&err);
  cli_wipe(pw, sizeof(pw));
  return rc;
}

/* The roles JSON array as "a,b" into out. */
static void roles_csv(const char *json, char *out, size_t cap) {
  json_t *arr = json_loads(json, 0, NULL);
  size_t used = 0, i;
  json_t *v;
  out[0] = '\0';
  json_array_foreach(arr, i, v) {
    const char *r = json_string_value(v);
    if (r != NULL && used + strlen(r) + 2 < cap)
      used += (size_t)snprintf(out + used, cap - used, "%s%s", used > 0 ? "," : "", r);
  }
  json_decref(arr);
}

static int print_user(void *ctx, const store_user *u) {
  char roles[1024], when[32];
  time_t t = (time_t)(u->created_us / 1000000);
  struct tm tm;
  (void)ctx;
  roles_csv(u->roles, roles, sizeof(roles));
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
  printf("%s\t%s\t%s\t%s\t%s\n", u->name, u->id, roles, u->disabled ? "disabled" : "active", when);
  return 0;
}

/* Runs subcommand sub (checked by known()) with its positional arguments arg[]. */
static int run(admin *ad, const char *sub, const char *const *arg, const user_args *a) {
  srv_error err;
  srv_status st;
  if (strcmp(sub, "add") == 0)
    return user_add(ad, arg[0], a);
  if (strcmp(sub, "set-password") == 0)
    return user_set_password(ad, arg[0]);
  if (strcmp(sub, "list") == 0)
    st = ad->s.st->ops->user_list(ad->s.st, print_user, NULL, &err);
  else if (strcmp(sub, "set-claim") == 0)
    st = users_set_claim(&ad->s, arg[0], arg[1], arg[2], &err);
  else if (strcmp(sub, "set-roles") == 0)
    st = users_set_roles(&ad->s, arg[0], a->roles.items, a->roles.count, &err);
  else /* disable, enable */
    st = users_set_disabled(&ad->s, arg[0], sub[0] == 'd', &err);
  return st == SRV_OK ? CLI_EXIT_OK : admin_fail(&err);
}

static int known(const char *sub, size_t n, const user_args *a) {
  static const struct {
    const char *name;
    size_t args;
    int roles;
  } subs[] = {{"add", 1, 1},          {"list", 0, 0},      {"disable", 1, 0},  {"enable", 1, 0},
              {"set-password", 1, 0}, {"set-claim", 3, 0}, {"set-roles", 1, 1}};
  for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
    if (strcmp(sub, subs[i].name) != 0)
      continue;
    if (n != subs[i].args)
      return cli_usage(CMD, "%s takes %zu argument%s", sub, subs[i].args, subs[i].args == 1 ? "" : "s");
    if (a->roles.count > 0 && !subs[i].roles)
      return cli_usage(CMD, "--role applies to add and set-roles");
    return 0;
  }
  return cli_usage(CMD, "unknown subcommand '%s'", sub);
}

int cmd_user(int argc, char **argv) {
  user_args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store_arg, &a);
  int rc = CLI_EXIT_OK;
  if (id != CLI_ARG_END)
    rc = cli_parse_done(id, cli_usage_user);
  else if (a.pos.count == 0)
    rc = cli_usage(CMD, "give a subcommand: add, list, disable, enable, set-password, set-claim, set-roles");
  else if ((rc = known(a.pos.items[0], a.pos.count - 1, &a)) == 0) {
    admin ad;
    rc = admin_open(&ad, a.store);
    if (rc == 0)
      rc = run(&ad, a.pos.items[0], a.pos.items + 1, &a);
    admin_close(&ad);
  }
  cli_list_free(&a.pos);
  cli_list_free(&a.roles);
  return rc;
}
