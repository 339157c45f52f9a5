/* SPDX-License-Identifier: MIT */
/*
 * cli/verify.c - `wristband verify (--key KEY | --jwks KEY) [policy flags] [TOKEN|-]`: builds a
 * wb_verifier from the key set and the flags, verifies the token and prints its claims as JSON.
 * All the security decisions (alg binding, crit, kid choice, claims) are the library's; this file
 * only maps flags to policy calls and statuses to exit codes (1 rejected; 2 key or usage).
 */
#include <stdio.h>
#include <string.h>

#include "jose_cli.h"
#include "remote_cli.h"

const char cli_usage_verify[] =
    "wristband verify (--key KEY | --jwks KEY | --secret-file FILE | --secret-env VAR |\n"
    "                 --secret-b64 FILE|- | --jwks-url URL | --issuer-url URL) [--allow-http]\n"
    "                 [--ca-file FILE] [--keys-cache FILE] [--revocations URL\n"
    "                 [--client NAME:SECRETFILE]] [--alg ALG]... [--iss S] [--aud S]... [--sub S]\n"
    "                 [--typ TYP] [--leeway DURATION] [--max-age DURATION] [--require CLAIM]...\n"
    "                 [--any-aud] [--allow-no-exp] [--now UNIX] [--decrypt-key KEY\n"
    "                 [--password-file FILE]] [--detached FILE] [TOKEN|-]\n"
    "  Verifies TOKEN and prints its claims as a JSON object, as the token wrote them (compact;\n"
    "  indented and coloured on a terminal); exit 1 when it is rejected.\n"
    "  --key KEY          a JWK, PEM key or JWKS (a set picks the key by kid)\n"
    "  --jwks KEY         the same, for a published key set\n"
    "  --secret-file FILE an HMAC secret: the file's raw bytes (no secret on the command line)\n"
    "  --secret-env VAR   an HMAC secret: the environment variable's bytes\n"
    "  --secret-b64 FILE  an HMAC secret written in base64 or base64url ('-': stdin)\n"
    "  --jwks-url URL     the keys published at URL (https; fetched with a size and time cap)\n"
    "  --issuer-url URL   the keys of the issuer at URL (OpenID discovery: its jwks_uri); the\n"
    "                     token's iss must be URL (trailing slashes aside) unless --iss says which\n"
    "  --allow-http       accept http:// URLs (tests, loopback: keys need https otherwise)\n"
    "  --ca-file FILE     trust the CAs of FILE (PEM) instead of the system's\n"
    "  --keys-cache FILE  keep the fetched keys in FILE; used when the issuer is down\n"
    "  --revocations URL  also ask the issuer's revocation feed (wristband serve:\n"
    "                     .../oauth/revocations): an ended session, revoked jti or logged-out\n"
    "                     user is rejected with 'revoked'; a feed that does not answer is an error\n"
    "  --client NAME:SECRETFILE  the feed's client credentials (the secret read from the file)\n"
    "  --alg ALG          allow only these algorithms (exact names; default: what the keys allow);\n"
    "                     naming none that a key can do is a usage error (exit 2)\n"
    "  --iss S, --sub S   expected issuer, subject\n"
    "  --aud S            expected audience (one match suffices; repeatable); a token that has\n"
    "                     an aud is rejected when no --aud is given, unless --any-aud\n"
    "  --any-aud          accept any aud when no --aud is given (say so: RFC 7519 4.1.3)\n"
    "  --typ TYP          expected typ header (case-insensitive, 'application/' optional)\n"
    "  --leeway DURATION  clock skew allowed for exp, nbf, iat and --max-age: 0 to 366d; a bare\n"
    "                     number is seconds (DURATION: 30s, 15m, 1h30m, 7d)\n"
    "  --max-age DURATION reject tokens whose iat is older (iat becomes required): 0 to 36500d;\n"
    "                     a bare number is seconds\n"
    "  --require CLAIM    the claim must be present (repeatable)\n"
    "  --allow-no-exp     accept tokens without exp (exp is still checked when present)\n"
    "  --now UNIX         the current time: a UNIX time or RFC 3339, 1970 to 9999 (default: the\n"
    "                     clock)\n"
    "  --decrypt-key KEY  TOKEN is a nested JWT (a JWE with cty JWT): decrypt it with KEY, then\n"
    "                     verify the JWT inside\n"
    "  --password-file FILE  the password of a --decrypt-key KEY kept as an encrypted JWK\n"
    "  --detached FILE    TOKEN signs FILE's bytes (a detached payload): the signature only, no\n"
    "                     claims, nothing printed\n"
    "  A TOKEN in the JSON serialization passes when one of its signatures verifies with KEY; the\n"
    "  claims policy then applies to that signature's JWT.\n";

#define CMD "verify"

enum {
  OPT_KEY = 1,
  OPT_JWKS,
  OPT_ALG,
  OPT_ISS,
  OPT_AUD,
  OPT_SUB,
  OPT_TYP,
  OPT_LEEWAY,
  OPT_MAX_AGE,
  OPT_REQUIRE,
  OPT_ALLOW_NO_EXP,
  OPT_NOW,
  OPT_ANY_AUD,
  OPT_SECRET_FILE,
  OPT_SECRET_ENV,
  OPT_SECRET_B64,
  OPT_SECRET,
  OPT_JWKS_URL,
  OPT_ISSUER_URL,
  OPT_ALLOW_HTTP,
  OPT_CA_FILE,
  OPT_KEYS_CACHE,
  OPT_REVOCATIONS,
  OPT_CLIENT,
  OPT_FORM /* OPT_FORM + CLI_FORM_*: the JOSE form options (cli/jose_forms.c) */
};

static const cli_opt opts[] = {{"--key", NULL, 1, OPT_KEY},
                               {"--jwks", NULL, 1, OPT_JWKS},
                               {"--alg", NULL, 1, OPT_ALG},
                               {"--iss", NULL, 1, OPT_ISS},
                               {"--aud", NULL, 1, OPT_AUD},
                               {"--sub", NULL, 1, OPT_SUB},
                               {"--typ", NULL, 1, OPT_TYP},
                               {"--leeway", NULL, 1, OPT_LEEWAY},
                               {"--max-age", NULL, 1, OPT_MAX_AGE},
                               {"--require", NULL, 1, OPT_REQUIRE},
                               {"--allow-no-exp", NULL, 0, OPT_ALLOW_NO_EXP},
                               {"--now", NULL, 1, OPT_NOW},
                               {"--any-aud", NULL, 0, OPT_ANY_AUD},
                               {"--secret-file", NULL, 1, OPT_SECRET_FILE},
                               {"--secret-env", NULL, 1, OPT_SECRET_ENV},
                               {"--secret-b64", NULL, 1, OPT_SECRET_B64},
                               {"--secret", NULL, 1, OPT_SECRET},
                               {"--jwks-url", NULL, 1, OPT_JWKS_URL},
                               {"--issuer-url", NULL, 1, OPT_ISSUER_URL},
                               {"--allow-http", NULL, 0, OPT_ALLOW_HTTP},
                               {"--ca-file", NULL, 1, OPT_CA_FILE},
                               {"--keys-cache", NULL, 1, OPT_KEYS_CACHE},
                               {"--revocations", NULL, 1, OPT_REVOCATIONS},
                               {"--client", NULL, 1, OPT_CLIENT},
                               {"--decrypt-key", NULL, 1, OPT_FORM + CLI_FORM_DECRYPT_KEY},
                               {"--password-file", NULL, 1, OPT_FORM + CLI_FORM_PASSWORD},
                               {"--detached", NULL, 1, OPT_FORM + CLI_FORM_DETACHED},
                               {NULL, NULL, 0, 0}};

typedef struct verify_args {
  const char *key; /* --key or --jwks: exactly one of them */
  const char *iss, *sub, *typ, *leeway, *max_age, *now, *token;
  cli_secret secret;
  int allow_no_exp, any_aud;
  cli_list algs, auds, required;
  cli_verify_form form; /* --decrypt-key, --password-file, --detached */
  cli_remote remote;    /* --jwks-url, --issuer-url, --revocations and theirs */
} verify_args;

static const char **slot_of(verify_args *a, int id) {
  switch (id) {
  case OPT_ISS:
    return &a->iss;
  case OPT_SUB:
    return &a->sub;
  case OPT_TYP:
    return &a->typ;
  case OPT_LEEWAY:
    return &a->leeway;
  case OPT_MAX_AGE:
    return &a->max_age;
  case OPT_NOW:
    return &a->now;
  case OPT_JWKS_URL:
    return &a->remote.jwks_url;
  case OPT_ISSUER_URL:
    return &a->remote.issuer_url;
  case OPT_CA_FILE:
    return &a->remote.ca_file;
  case OPT_KEYS_CACHE:
    return &a->remote.keys_cache;
  case OPT_REVOCATIONS:
    return &a->remote.revocations;
  case OPT_CLIENT:
    return &a->remote.client;
  default:
    return NULL;
  }
}

static int store(void *ctx, int id, const char *v) {
  verify_args *a = ctx;
  if (id == CLI_ARG_POSITIONAL)
    return cli_set_once(CMD, &a->token, v, "TOKEN");
  if (id > OPT_FORM)
    return cli_verify_form_opt(&a->form, id - OPT_FORM, v);
  if ((id == OPT_KEY || id == OPT_JWKS) && a->key != NULL)
    return cli_usage(CMD, "give one --key or --jwks");
  if (id == OPT_KEY || id == OPT_JWKS)
    a->key = v;
  else if (id == OPT_ALLOW_HTTP)
    a->remote.allow_http = 1;
  else if (id >= OPT_SECRET_FILE && id <= OPT_SECRET)
    return cli_secret_opt(&a->secret, CLI_SECRET_FILE + (id - OPT_SECRET_FILE), v, CMD);
  else if (id == OPT_ALG)
    cli_list_add(&a->algs, v);
  else if (id == OPT_AUD)
    cli_list_add(&a->auds, v);
  else if (id == OPT_REQUIRE)
    cli_list_add(&a->required, v);
  else if (id == OPT_ALLOW_NO_EXP)
    a->allow_no_exp = 1;
  else if (id == OPT_ANY_AUD)
    a->any_aud = 1;
  else
    return cli_set_once(CMD, slot_of(a, id), v, cli_opt_name(opts, id));
  return 0;
}

static int check_args(const verify_args *a) {
  int remote = a->remote.jwks_url != NULL || a->remote.issuer_url != NULL;
  int sources = (a->key != NULL) + cli_secret_given(&a->secret) + remote;
  if (sources == 0)
    return cli_usage(CMD,
                     "--key KEY or --jwks KEY (or --secret-file, --secret-env, --secret-b64, --jwks-url, "
                     "--issuer-url) is required");
  if (sources > 1)
    return cli_usage(CMD, "give one of --key/--jwks, a --secret-* option, --jwks-url or --issuer-url");
  if (cli_remote_check(CMD, &a->remote) != 0)
    return CLI_EXIT_USAGE;
  int key_stdin = (a->key != NULL && strcmp(a->key, "-") == 0) || cli_secret_uses_stdin(&a->secret);
  if (key_stdin && cli_is_stdin(a->token))
    return cli_usage(CMD, "stdin ('-') cannot be both KEY and TOKEN");
  return 0;
}

/* A repeatable string policy: calls add for each item; the first failure is reported. */
static wb_status add_each(wb_verifier *v, const cli_list *l,
                          wb_status (*add)(wb_verifier *, const char *, wb_error *), wb_error *err) {
  for (size_t i = 0; i < l->count; i++) {
    wb_status st = add(v, l->items[i], err);
    if (st != WB_OK)
      return st;
  }
  return WB_OK;
}

typedef wb_status (*set_time_fn)(wb_verifier *, int64_t, wb_error *);

/* A DURATION flag (text may be NULL: not given; a bare number is seconds) into set. */
static int apply_duration(wb_verifier *v, const char *opt, const char *text, int64_t max, set_time_fn set,
                          wb_error *err) {
  int64_t t;
  if (text == NULL)
    return 0;
  if (cli_parse_duration(CMD, opt, text, max, 1, &t) != 0)
    return CLI_EXIT_USAGE;
  return set(v, t, err) == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, err);
}

/*
 * --alg: each name narrows the verifier. wb_verifier_allow_alg refuses (and rolls back) a call
 * after which no key fits any named algorithm, so such names are skipped; when every one was
 * refused no key can do what was asked: a usage mistake (exit 2), as in `sign`. A secret too short
 * for a named HMAC algorithm is refused with both lengths.
 */
static int apply_algs(const verify_args *a, wb_verifier *v, const wb_key *secret, wb_error *err) {
  size_t narrowed = 0;
  wb_alg alg;
  for (size_t i = 0; i < a->algs.count; i++) {
    if (cli_parse_alg(CMD, a->algs.items[i], &alg) != 0)
      return CLI_EXIT_USAGE;
    if (secret != NULL && cli_check_hmac_len(secret, alg) != 0)
      return CLI_EXIT_USAGE;
    wb_status st = wb_verifier_allow_alg(v, alg, err);
    if (st == WB_OK)
      narrowed++;
    else if (st != WB_ERR_ALG_NOT_ALLOWED)
      return cli_fail_wb(CLI_EXIT_USAGE, err);
  }
  if (a->algs.count > 0 && narrowed == 0)
    return cli_usage(CMD, "--alg: no key in KEY can do %s%s", a->algs.items[0],
                     a->algs.count > 1 ? " or the other algorithms named" : "");
  return 0;
}

/* Flags that need parsing first (durations, time): bad values are usage errors. */
static int apply_parsed(const verify_args *a, wb_verifier *v, wb_error *err) {
  int64_t t;
  int rc = apply_duration(v, "--leeway", a->leeway, CLI_MAX_LEEWAY, wb_verifier_set_leeway, err);
  if (rc == 0)
    rc = apply_duration(v, "--max-age", a->max_age, CLI_MAX_DURATION, wb_verifier_set_max_age, err);
  if (rc != 0 || a->now == NULL)
    return rc;
  if (cli_parse_unix(CMD, "--now", a->now, &t) != 0)
    return CLI_EXIT_USAGE;
  return wb_verifier_set_now(v, t, err) == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, err);
}

/* Plain string policies. */
static int apply_strings(const verify_args *a, wb_verifier *v, wb_error *err) {
  wb_status st = WB_OK;
  /* OpenID Connect Core 3.1.3.7: a token checked with an issuer's keys is that issuer's (keys are
   * often shared by several issuers): the verifier of --issuer-url's keys expects its iss already
   * (as discovery matched it, trailing slashes aside); --iss says otherwise */
  if (a->iss != NULL)
    st = wb_verifier_expect_issuer(v, a->iss, err);
  if (st == WB_OK && a->sub != NULL)
    st = wb_verifier_expect_subject(v, a->sub, err);
  if (st == WB_OK && a->typ != NULL)
    st = wb_verifier_expect_typ(v, a->typ, err);
  if (st == WB_OK)
    st = add_each(v, &a->auds, wb_verifier_expect_audience, err);
  if (st == WB_OK)
    st = add_each(v, &a->required, wb_verifier_require_claim, err);
  if (st == WB_OK && a->allow_no_exp)
    st = wb_verifier_allow_missing_exp(v, err);
  if (st == WB_OK && a->any_aud)
    st = wb_verifier_accept_any_audience(v, err);
  return st == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, err);
}

/* wb_verify's status to an exit code: key, I/O and API problems are 2, everything else 1. */
static int verify_exit(wb_status st) {
  if (st == WB_ERR_BAD_KEY || st == WB_ERR_IO || st == WB_ERR_INVALID_ARG)
    return CLI_EXIT_USAGE;
  return CLI_EXIT_REJECTED;
}

static int verify_token(const verify_args *a, const wb_verifier *v) {
  wb_error err = {0};
  cli_buf buf = {0};
  wb_claims *claims = NULL;
  char *json = NULL;
  const char *tok;
  size_t len;
  int is_json = 0;
  int rc = cli_read_jws(a->token, &buf, &tok, &len, &is_json);
  if (rc != 0)
    goto out;
  wb_status st = cli_verify_form_run(&a->form, v, tok, len, is_json, &claims, &err);
  if (st != WB_OK) {
    rc = cli_fail_wb(verify_exit(st), &err);
    goto out;
  }
  if (claims == NULL) /* --detached: a signature over bytes, no claims to print */
    goto out;
  if (wb_claims_get_json(claims, NULL, &json, &err) != WB_OK) {
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  if (cli_isatty(1))
    cli_print_json(json, strlen(json), 1, cli_color(1) ? CLI_SGR_CLAIMS : NULL);
  else
    cli_print_line(json); /* the token's claims as written, whitespace dropped (wb_claims_get_json) */
out:
  wb_string_free(json);
  wb_claims_free(claims);
  cli_buf_free(&buf);
  return rc;
}

/* The verifier's keys: KEY as a key set, the HMAC key of a secret (*secret, owned), or the keys
 * fetched from --jwks-url / --issuer-url (*remote, owned). */
static int make_verifier(const verify_args *a, cli_key *k, wb_key **secret, wb_remote_keyset **remote,
                         wb_verifier **v) {
  wb_error err = {0};
  int rc;
  if (a->remote.jwks_url != NULL || a->remote.issuer_url != NULL) {
    rc = cli_remote_keys(CMD, &a->remote, remote);
    if (rc == 0 && wb_verifier_new_remote(v, *remote, &err) != WB_OK)
      rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
    return rc;
  }
  if (cli_secret_given(&a->secret)) {
    rc = cli_load_secret(CMD, &a->secret, secret);
    if (rc == 0 && a->algs.count == 0)
      rc = cli_check_hmac_len(*secret, WB_ALG_HS256);
    if (rc == 0 && wb_verifier_new_key(v, *secret, &err) != WB_OK)
      rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
    return rc;
  }
  rc = cli_load_key_set(CMD, a->key, k);
  if (rc == 0 && wb_verifier_new(v, k->set, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  return rc;
}

static int run(verify_args *a) {
  wb_error err = {0};
  cli_key k = {0};
  wb_key *secret = NULL;
  wb_verifier *v = NULL;
  wb_remote_keyset *remote = NULL;
  wb_revocations *rv = NULL;
  int rc = check_args(a);
  if (rc == 0)
    rc = make_verifier(a, &k, &secret, &remote, &v);
  if (rc == 0 && a->remote.revocations != NULL)
    rc = cli_remote_revocations(CMD, &a->remote, &rv);
  if (rc == 0 && rv != NULL && wb_verifier_follow_revocations(v, rv, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (rc == 0)
    rc = apply_algs(a, v, secret, &err);
  if (rc == 0)
    rc = apply_parsed(a, v, &err);
  if (rc == 0)
    rc = apply_strings(a, v, &err);
  int claims_flags =
      a->iss || a->sub || a->auds.count || a->required.count || a->max_age || a->allow_no_exp || a->any_aud;
  if (rc == 0)
    rc = cli_verify_form_open(&a->form, claims_flags);
  if (rc == 0)
    rc = verify_token(a, v);
  cli_verify_form_close(&a->form);
  wb_verifier_free(v);
  wb_remote_keyset_free(remote);
  wb_revocations_free(rv);
  wb_key_free(secret);
  cli_key_free(&k);
  return rc;
}

int cmd_verify(int argc, char **argv) {
  verify_args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  int rc = id != CLI_ARG_END ? cli_parse_done(id, cli_usage_verify) : run(&a);
  cli_list_free(&a.algs);
  cli_list_free(&a.auds);
  cli_list_free(&a.required);
  return rc;
}
