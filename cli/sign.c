/* SPDX-License-Identifier: MIT */
/*
 * cli/sign.c - `wristband sign --key KEY [...] [CLAIMS_FILE|-]`: builds a claims set (the JSON
 * object of CLAIMS_FILE, then --claim, then the registered-claim flags, each later one winning),
 * picks the algorithm (--alg, else the key's own, else the only one its type allows) and prints
 * the compact JWS. Defaults: iat = now, exp = now + 15m, typ "JWT", kid = the key's kid (for a
 * PEM key its RFC 7638 thumbprint). Every failure exits 2. Contract: issue 3.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char cli_usage_sign[] =
    "wristband sign --key KEY [--alg ALG] [--kid KID] [--typ TYP] [--iss S] [--sub S] [--aud S]...\n"
    "               [--exp DURATION|none] [--nbf DURATION] [--no-iat] [--jti] [--claim NAME=VALUE]...\n"
    "               [--now UNIX] [CLAIMS_FILE|-]\n"
    "  Signs a JWT and prints the compact JWS. Claims: the JSON object in CLAIMS_FILE (or stdin\n"
    "  with '-') merged with the flags (a flag wins).\n"
    "  --key KEY          private JWK, PEM or a JWKS of exactly one key\n"
    "  --alg ALG          algorithm (default: the key's alg, else the only one its type allows;\n"
    "                     RSA and oct keys without alg need --alg)\n"
    "  --kid KID          kid header (default: the key's kid; for PEM its thumbprint)\n"
    "  --typ TYP          typ header (default JWT)\n"
    "  --iss S, --sub S   issuer, subject\n"
    "  --aud S            audience; repeat for an array (in order)\n"
    "  --exp DURATION     exp = now + DURATION (default 15m); 'none' omits exp\n"
    "  --nbf DURATION     nbf = now + DURATION\n"
    "  --no-iat           no iat claim (default iat = now)\n"
    "  --jti              a random 128-bit jti (base64url)\n"
    "  --claim NAME=VALUE a claim; VALUE is JSON when it parses as JSON, else a string\n"
    "  --now UNIX         the current time, seconds since 1970 (default: the clock)\n";

#define CMD         "sign"
#define DEFAULT_EXP (15 * 60)

enum {
  OPT_KEY = 1,
  OPT_ALG,
  OPT_KID,
  OPT_TYP,
  OPT_ISS,
  OPT_SUB,
  OPT_AUD,
  OPT_EXP,
  OPT_NBF,
  OPT_NO_IAT,
  OPT_JTI,
  OPT_CLAIM,
  OPT_NOW
};

static const cli_opt opts[] = {
    {"--key", NULL, 1, OPT_KEY},       {"--alg", NULL, 1, OPT_ALG}, {"--kid", NULL, 1, OPT_KID},
    {"--typ", NULL, 1, OPT_TYP},       {"--iss", NULL, 1, OPT_ISS}, {"--sub", NULL, 1, OPT_SUB},
    {"--aud", NULL, 1, OPT_AUD},       {"--exp", NULL, 1, OPT_EXP}, {"--nbf", NULL, 1, OPT_NBF},
    {"--no-iat", NULL, 0, OPT_NO_IAT}, {"--jti", NULL, 0, OPT_JTI}, {"--claim", NULL, 1, OPT_CLAIM},
    {"--now", NULL, 1, OPT_NOW},       {NULL, NULL, 0, 0}};

typedef struct sign_args {
  const char *key, *alg, *kid, *typ, *iss, *sub, *exp, *nbf, *now, *file;
  int no_iat, jti;
  cli_list aud, claims;
  /* resolved values */
  int64_t t_now, t_exp, t_nbf; /* t_exp < 0: no exp */
} sign_args;

/* The option with a single string value: its slot in a, or NULL. */
static const char **slot_of(sign_args *a, int id) {
  switch (id) {
  case OPT_KEY:
    return &a->key;
  case OPT_ALG:
    return &a->alg;
  case OPT_KID:
    return &a->kid;
  case OPT_TYP:
    return &a->typ;
  case OPT_ISS:
    return &a->iss;
  case OPT_SUB:
    return &a->sub;
  case OPT_EXP:
    return &a->exp;
  case OPT_NBF:
    return &a->nbf;
  case OPT_NOW:
    return &a->now;
  default:
    return NULL;
  }
}

static int store(void *ctx, int id, const char *v) {
  sign_args *a = ctx;
  if (id == CLI_ARG_POSITIONAL)
    return cli_set_once(CMD, &a->file, v, "CLAIMS_FILE");
  if (id == OPT_AUD)
    cli_list_add(&a->aud, v);
  else if (id == OPT_CLAIM)
    cli_list_add(&a->claims, v);
  else if (id == OPT_NO_IAT)
    a->no_iat = 1;
  else if (id == OPT_JTI)
    a->jti = 1;
  else
    return cli_set_once(CMD, slot_of(a, id), v, cli_opt_name(opts, id));
  return 0;
}

/* Resolves --now, --exp and --nbf into times; checks what needs no key. */
static int check_args(sign_args *a) {
  int64_t d;
  if (a->key == NULL)
    return cli_usage(CMD, "--key KEY is required");
  if (strcmp(a->key, "-") == 0 && a->file != NULL && strcmp(a->file, "-") == 0)
    return cli_usage(CMD, "stdin ('-') cannot be both KEY and CLAIMS_FILE");
  const char *nonempty[] = {a->kid, a->typ, a->iss, a->sub};
  for (size_t i = 0; i < sizeof(nonempty) / sizeof(nonempty[0]); i++) {
    if (nonempty[i] != NULL && nonempty[i][0] == '\0')
      return cli_usage(CMD, "--kid, --typ, --iss and --sub must not be empty");
  }
  a->t_now = (int64_t)time(NULL);
  if (a->now != NULL && cli_parse_unix(CMD, "--now", a->now, &a->t_now) != 0)
    return CLI_EXIT_USAGE;
  a->t_exp = a->t_now + DEFAULT_EXP;
  if (a->exp != NULL && strcmp(a->exp, "none") == 0)
    a->t_exp = -1;
  else if (a->exp != NULL && cli_parse_duration(CMD, "--exp", a->exp, &d) != 0)
    return CLI_EXIT_USAGE;
  else if (a->exp != NULL)
    a->t_exp = a->t_now + d;
  if (a->nbf != NULL && cli_parse_duration(CMD, "--nbf", a->nbf, &d) != 0)
    return CLI_EXIT_USAGE;
  a->t_nbf = a->nbf != NULL ? a->t_now + d : -1;
  return 0;
}

/* The algorithm: --alg, else the key's default; it must fit the key (mismatch: usage, exit 2). */
static int choose_alg(const sign_args *a, const wb_key *key, wb_alg *alg) {
  wb_error err = {0};
  if (a->alg != NULL && cli_parse_alg(CMD, a->alg, alg) != 0)
    return CLI_EXIT_USAGE;
  if (a->alg == NULL)
    *alg = wb_key_default_alg(key);
  if (*alg == WB_ALG_INVALID)
    return cli_usage(CMD, "KEY has no alg and its type allows several: give --alg");
  if (!wb_key_is_private(key))
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "KEY is a public key: signing needs the private key");
  wb_status st = wb_key_check_alg(key, *alg, WB_KEY_OP_SIGN, &err);
  if (st == WB_ERR_ALG_NOT_ALLOWED || st == WB_ERR_INVALID_ARG)
    return cli_usage(CMD, "%s does not fit KEY: %s", wb_alg_name(*alg), err.message);
  if (st != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  return 0;
}

/* --claim NAME=VALUE: VALUE as JSON when it parses, else as a string. */
static wb_status set_claim_arg(wb_builder *c, const char *arg, wb_error *err) {
  const char *eq = strchr(arg, '=');
  char name[256];
  if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
    cli_usage(CMD, "--claim '%s' is not NAME=VALUE", arg);
    return WB_ERR_INVALID_ARG;
  }
  memcpy(name, arg, (size_t)(eq - arg));
  name[eq - arg] = '\0';
  wb_status st = wb_builder_set_json(c, name, eq + 1, strlen(eq + 1), err);
  if (st == WB_ERR_MALFORMED)
    st = wb_builder_set_string(c, name, eq + 1, err);
  if (st != WB_OK)
    cli_fail_wb(CLI_EXIT_USAGE, err);
  return st;
}

/* A NumericDate claim: set to t when t >= 0, removed when remove, else left as it is. */
static wb_status set_time(wb_builder *c, const char *name, int64_t t, int remove, wb_error *err) {
  if (t >= 0)
    return wb_builder_set_int(c, name, t, err);
  if (remove)
    return wb_builder_remove(c, name, err);
  return WB_OK;
}

/* 1 when c has no member name. */
static int absent(const wb_builder *c, const char *name) {
  return !wb_builder_has(c, name);
}

/* The registered claims from the flags; defaults (iat, exp) fill in only what the file lacks. */
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
  int iat_default = !a->no_iat && absent(c, "iat");
  if (st == WB_OK)
    st = set_time(c, "iat", iat_default ? a->t_now : -1, a->no_iat, err);
  int exp_set = a->exp != NULL || absent(c, "exp");
  if (st == WB_OK)
    st = set_time(c, "exp", exp_set ? a->t_exp : -1, a->t_exp < 0, err);
  if (st == WB_OK)
    st = set_time(c, "nbf", a->t_nbf, 0, err);
  if (st == WB_OK && a->jti)
    st = wb_builder_set_random_jti(c, err);
  return st;
}

static int build_claims(const sign_args *a, wb_builder **out) {
  wb_error err = {0};
  cli_buf file = {0};
  wb_builder *c = NULL;
  int rc = CLI_EXIT_USAGE;
  if (a->file != NULL && cli_read(a->file, CLI_MAX_FILE, "CLAIMS_FILE", CLI_EXIT_USAGE, &file) != 0)
    goto out;
  if (wb_builder_new(&c, &err) != WB_OK ||
      (a->file != NULL && wb_builder_merge_json(c, file.data, file.len, &err) != WB_OK)) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  for (size_t i = 0; i < a->claims.count; i++) {
    if (set_claim_arg(c, a->claims.items[i], &err) != WB_OK)
      goto out;
  }
  if (set_registered(a, c, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  *out = c;
  c = NULL;
  rc = 0;
out:
  wb_builder_free(c);
  cli_buf_free(&file);
  return rc;
}

static int sign_with(const sign_args *a, const wb_key *key, wb_alg alg, const wb_builder *c) {
  wb_error err = {0};
  wb_signer *s = NULL;
  char *token = NULL;
  int rc = CLI_EXIT_USAGE;
  if (wb_signer_new(&s, key, alg, &err) != WB_OK ||
      (a->typ != NULL && wb_signer_set_typ(s, a->typ, &err) != WB_OK) ||
      (a->kid != NULL && wb_signer_set_kid(s, a->kid, &err) != WB_OK) ||
      wb_sign(s, c, &token, NULL, &err) != WB_OK) {
    cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  cli_print_line(token);
  rc = CLI_EXIT_OK;
out:
  wb_string_free(token);
  wb_signer_free(s);
  return rc;
}

static int run(sign_args *a) {
  cli_key k = {0};
  wb_builder *c = NULL;
  wb_alg alg = WB_ALG_INVALID;
  int rc = check_args(a);
  if (rc == 0)
    rc = cli_load_one_key(CMD, a->key, &k);
  if (rc == 0)
    rc = choose_alg(a, k.one, &alg);
  if (rc == 0)
    rc = build_claims(a, &c);
  if (rc == 0)
    rc = sign_with(a, k.one, alg, c);
  wb_builder_free(c);
  cli_key_free(&k);
  return rc;
}

int cmd_sign(int argc, char **argv) {
  sign_args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  int rc = id != CLI_ARG_END ? cli_parse_done(id, cli_usage_sign) : run(&a);
  cli_list_free(&a.aud);
  cli_list_free(&a.claims);
  return rc;
}
