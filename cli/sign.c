/* SPDX-License-Identifier: MIT */
/*
 * cli/sign.c - `wristband sign (--key KEY | --secret-*) [...] [CLAIMS_FILE|-]`: picks the key
 * (--kid chooses one from a key set; --secret-file, --secret-env and --secret-b64 make an HMAC
 * key from a secret) and the algorithm (--alg, else the key's own, else the only one its type
 * allows; HS256 for a secret), builds the claims (cli/sign_claims.c) and prints the compact JWS.
 * Defaults: iat = now, exp = now + 15m, typ "JWT", kid = the key's kid (for a PEM key its RFC 7638
 * thumbprint). Every failure exits 2. Contract: issues 3 and 9.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sign.h"

const char cli_usage_sign[] =
    "wristband sign (--key KEY | --secret-file FILE | --secret-env VAR | --secret-b64 FILE|-)\n"
    "               [--alg ALG] [--kid KID] [--typ TYP] [--iss S] [--sub S] [--aud S]...\n"
    "               [--exp TIME|none] [--nbf TIME] [--no-iat] [--jti] [--claim NAME=VALUE]...\n"
    "               [--claim-string NAME=TEXT]... [--now UNIX] [--encrypt-to KEY | --json]\n"
    "               [--detached FILE] [--password-file FILE] [CLAIMS_FILE|-]\n"
    "  Signs a JWT and prints the compact JWS. Claims: the JSON object in CLAIMS_FILE ('-': stdin);\n"
    "  when CLAIMS_FILE is omitted, from stdin when it is not a terminal (empty stdin adds none;\n"
    "  never when stdin is KEY); then --claim, then the flags (a later one wins).\n"
    "  --key KEY          private JWK, PEM, or a JWKS (several keys: pick one with --kid)\n"
    "  --secret-file FILE an HMAC secret: the file's raw bytes (no secret on the command line)\n"
    "  --secret-env VAR   an HMAC secret: the environment variable's bytes\n"
    "  --secret-b64 FILE  an HMAC secret written in base64 or base64url ('-': stdin)\n"
    "  --alg ALG          algorithm (default: the key's alg, else the only one its type allows;\n"
    "                     HS256 for a secret; RSA and oct keys without alg need --alg). A key\n"
    "                     shorter than the hash (HS256 32 bytes, HS384 48, HS512 64) is refused\n"
    "  --kid KID          the key with this kid in a JWKS; the kid header (default: the key's kid;\n"
    "                     for PEM its thumbprint)\n"
    "  --typ TYP          typ header (default JWT)\n"
    "  --iss S, --sub S   issuer, subject\n"
    "  --aud S            audience; repeat for an array (in order)\n"
    "  --exp TIME         exp (default 15m; 'none' omits it): a DURATION within 100 years, or a time\n"
    "                     from 1970 to 9999.\n"
    "                     TIME is a DURATION from now (15m, 1h30m, -5m in the past), a UNIX time\n"
    "                     (1700000000) or RFC 3339 (2026-12-31T23:59:59Z or +02:00)\n"
    "  --nbf TIME         nbf, as --exp (--nbf -5m: valid since 5 minutes ago)\n"
    "  --no-iat           no iat claim (default iat = now)\n"
    "  --jti              a random 128-bit jti (base64url)\n"
    "  --claim NAME=VALUE a claim; VALUE is JSON when it parses, else a string, but a VALUE that\n"
    "                     starts with {, [ or \" must be valid JSON\n"
    "  --claim-string NAME=TEXT  a claim whose value is the string TEXT, whatever it looks like\n"
    "  --now UNIX         the current time: a UNIX time or RFC 3339, 1970 to 9999 (default: the\n"
    "                     clock)\n"
    "  --encrypt-to KEY   a nested JWT: the JWS encrypted to KEY (a public JWK or PEM) as a compact\n"
    "                     JWE with cty JWT (alg and enc: KEY's, else RSA-OAEP-256, ECDH-ES or\n"
    "                     AxxxKW by key type, and A256GCM)\n"
    "  --json             the flattened JSON serialization; repeat --key to sign with several keys\n"
    "                     (the general serialization, one signature per key)\n"
    "  --detached FILE    sign FILE's bytes (not claims) and leave them out of the JWS (RFC 7515 F)\n"
    "  --password-file FILE  the password of a KEY kept as an encrypted JWK\n";

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
  OPT_CLAIM_STRING,
  OPT_NOW,
  OPT_SECRET_FILE,
  OPT_SECRET_ENV,
  OPT_SECRET_B64,
  OPT_SECRET,
  OPT_FORM /* OPT_FORM + CLI_FORM_*: the JOSE form options (cli/jose_forms.c) */
};

static const cli_opt opts[] = {{"--key", NULL, 1, OPT_KEY},
                               {"--alg", NULL, 1, OPT_ALG},
                               {"--kid", NULL, 1, OPT_KID},
                               {"--typ", NULL, 1, OPT_TYP},
                               {"--iss", NULL, 1, OPT_ISS},
                               {"--sub", NULL, 1, OPT_SUB},
                               {"--aud", NULL, 1, OPT_AUD},
                               {"--exp", NULL, 1, OPT_EXP},
                               {"--nbf", NULL, 1, OPT_NBF},
                               {"--no-iat", NULL, 0, OPT_NO_IAT},
                               {"--jti", NULL, 0, OPT_JTI},
                               {"--claim", NULL, 1, OPT_CLAIM},
                               {"--claim-string", NULL, 1, OPT_CLAIM_STRING},
                               {"--now", NULL, 1, OPT_NOW},
                               {"--secret-file", NULL, 1, OPT_SECRET_FILE},
                               {"--secret-env", NULL, 1, OPT_SECRET_ENV},
                               {"--secret-b64", NULL, 1, OPT_SECRET_B64},
                               {"--secret", NULL, 1, OPT_SECRET},
                               {"--encrypt-to", NULL, 1, OPT_FORM + CLI_FORM_ENCRYPT_TO},
                               {"--json", NULL, 0, OPT_FORM + CLI_FORM_JSON},
                               {"--detached", NULL, 1, OPT_FORM + CLI_FORM_DETACHED},
                               {"--password-file", NULL, 1, OPT_FORM + CLI_FORM_PASSWORD},
                               {NULL, NULL, 0, 0}};

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
  if (id > OPT_FORM)
    return cli_sign_form_opt(&a->form, id - OPT_FORM, v);
  if (id == OPT_KEY && a->key != NULL) {
    cli_list_add(&a->form.more_keys, v); /* several signers: --json */
  } else if (id == OPT_AUD) {
    cli_list_add(&a->aud, v);
  } else if (id == OPT_CLAIM || id == OPT_CLAIM_STRING) {
    a->claims = cli_xrealloc(a->claims, (a->nclaims + 1) * sizeof(*a->claims));
    a->claims[a->nclaims].arg = v;
    a->claims[a->nclaims++].as_string = id == OPT_CLAIM_STRING;
  } else if (id == OPT_NO_IAT) {
    a->no_iat = 1;
  } else if (id == OPT_JTI) {
    a->jti = 1;
  } else if (id >= OPT_SECRET_FILE) {
    return cli_secret_opt(&a->secret, CLI_SECRET_FILE + (id - OPT_SECRET_FILE), v, CMD);
  } else {
    return cli_set_once(CMD, slot_of(a, id), v, cli_opt_name(opts, id));
  }
  return 0;
}

/* An absolute --exp before now: signed as asked, with a warning (a forgotten unit, usually). */
static void warn_past_exp(const sign_args *a, int relative) {
  char date[32];
  if (a->t_exp < 0 || a->t_exp > a->t_now)
    return;
  cli_format_date(a->t_exp, date, sizeof(date));
  if (!relative && strspn(a->exp, "0123456789") == strlen(a->exp))
    cli_warn("--exp %s is a UNIX time in the past (%s): the token is born expired; for a duration "
             "from now write %ss",
             a->exp, date, a->exp);
  else
    cli_warn("--exp %s is in the past (%s): the token is born expired", a->exp, date);
}

/* Resolves --now, --exp and --nbf into times. */
static int resolve_times(sign_args *a) {
  int relative = 0;
  a->t_now = (int64_t)time(NULL);
  if (a->now != NULL && cli_parse_unix(CMD, "--now", a->now, &a->t_now) != 0)
    return CLI_EXIT_USAGE;
  a->t_exp = a->t_now + DEFAULT_EXP;
  if (a->exp != NULL && strcmp(a->exp, "none") == 0)
    a->t_exp = -1;
  else if (a->exp != NULL && cli_parse_time(CMD, "--exp", a->exp, a->t_now, &a->t_exp, &relative) != 0)
    return CLI_EXIT_USAGE;
  a->t_nbf = -1;
  if (a->nbf != NULL && cli_parse_time(CMD, "--nbf", a->nbf, a->t_now, &a->t_nbf, &(int){0}) != 0)
    return CLI_EXIT_USAGE;
  if (a->exp != NULL)
    warn_past_exp(a, relative);
  return 0;
}

/* Checks what needs no key. */
static int check_args(sign_args *a) {
  int sources = (a->key != NULL) + cli_secret_given(&a->secret);
  if (sources == 0)
    return cli_usage(CMD, "--key KEY (or --secret-file, --secret-env, --secret-b64) is required");
  if (sources > 1)
    return cli_usage(CMD, "give either --key or a --secret-* option, not both");
  int key_stdin = (a->key != NULL && strcmp(a->key, "-") == 0) || cli_secret_uses_stdin(&a->secret);
  if (key_stdin && a->file != NULL && strcmp(a->file, "-") == 0)
    return cli_usage(CMD, "stdin ('-') cannot be both KEY and CLAIMS_FILE");
  const char *nonempty[] = {a->kid, a->typ, a->iss, a->sub};
  for (size_t i = 0; i < sizeof(nonempty) / sizeof(nonempty[0]); i++) {
    if (nonempty[i] != NULL && nonempty[i][0] == '\0')
      return cli_usage(CMD, "--kid, --typ, --iss and --sub must not be empty");
  }
  int claims =
      a->file || a->iss || a->sub || a->aud.count || a->nclaims || a->exp || a->nbf || a->no_iat || a->jti;
  if (cli_sign_form_check(&a->form, claims) != 0)
    return CLI_EXIT_USAGE;
  return resolve_times(a);
}

/* The algorithm: --alg, else the key's default; it must fit the key (mismatch: usage, exit 2). */
static int choose_alg(const sign_args *a, const wb_key *key, wb_alg *alg) {
  wb_error err = {0};
  if (a->alg != NULL && cli_parse_alg(CMD, a->alg, alg) != 0)
    return CLI_EXIT_USAGE;
  if (a->alg == NULL)
    *alg = cli_secret_given(&a->secret) ? WB_ALG_HS256 : wb_key_default_alg(key);
  if (*alg == WB_ALG_INVALID)
    return cli_usage(CMD, "KEY has no alg and its type allows several: give --alg");
  if (!wb_key_is_private(key))
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "KEY is a public key: signing needs the private key");
  if (wb_key_kty(key) == WB_KTY_OCT && wb_alg_name(*alg)[0] == 'H' && cli_check_hmac_len(key, *alg) != 0)
    return CLI_EXIT_USAGE;
  wb_status st = wb_key_check_alg(key, *alg, WB_KEY_OP_SIGN, &err);
  if (st == WB_ERR_ALG_NOT_ALLOWED || st == WB_ERR_INVALID_ARG)
    return cli_usage(CMD, "%s does not fit KEY: %s", wb_alg_name(*alg), err.message);
  if (st != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  return 0;
}

/* The signing key: a secret, KEY's only key, or the key of a set whose kid is --kid. */
static int load_key(const sign_args *a, cli_key *k) {
  memset(k, 0, sizeof(*k));
  if (cli_secret_given(&a->secret)) {
    int rc = cli_load_secret(CMD, &a->secret, &k->key);
    k->one = k->key;
    return rc;
  }
  int rc = cli_load_key_pw(CMD, a->key, a->form.password_file, k);
  if (rc != 0 || (k->one != NULL && (k->set == NULL || a->kid == NULL)))
    return rc; /* a key set, even of one key, is searched for --kid */
  char kids[160];
  cli_kid_list(k->set, kids, sizeof(kids));
  if (a->kid != NULL)
    k->one = wb_keyset_find(k->set, a->kid, WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_ANY);
  if (k->one != NULL)
    return 0;
  size_t n = wb_keyset_count(k->set);
  cli_key_free(k);
  if (a->kid != NULL)
    return cli_usage(CMD, "--kid: no key in KEY has kid \"%.60s\" (its kids: %s)", a->kid, kids);
  return cli_usage(CMD, "KEY is a key set of %zu keys: pick one with --kid KID (its kids: %s)", n, kids);
}

static int sign_with(const sign_args *a, const wb_key *key, wb_alg alg, const wb_builder *c) {
  wb_error err = {0};
  wb_signer *s = NULL;
  char *token = NULL;
  int rc = CLI_EXIT_USAGE;
  if (cli_sign_form_active(&a->form))
    return cli_sign_form_run(&a->form, key, alg, a->alg, a->typ, a->kid, c);
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
    rc = load_key(a, &k);
  if (rc == 0)
    rc = choose_alg(a, k.one, &alg);
  if (rc == 0 && a->form.detached == NULL)
    rc = sign_build_claims(a, &c);
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
  cli_sign_form_free(&a.form);
  free(a.claims);
  return rc;
}
