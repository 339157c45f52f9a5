/* SPDX-License-Identifier: MIT */
/*
 * cli/dpop.c - `wristband dpop`: prints a DPoP proof (RFC 9449) for one request, made with
 * wb_dpop_sign, so that curl users can call a DPoP-protected endpoint by hand:
 *   curl -H "Authorization: DPoP $AT" \
 *        -H "DPoP: $(wristband dpop --key client.jwk --method GET --url $URL --token $AT)" $URL
 * The key must be a private asymmetric key; its public half goes into the proof's header.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cli_usage_dpop[] =
    "wristband dpop --key KEY --method METHOD --url URL [--token TOKEN|-] [--nonce NONCE]\n"
    "               [--alg ALG] [--now UNIX]\n"
    "  Prints a DPoP proof (RFC 9449) for one request: typ dpop+jwt, the key's public JWK in the\n"
    "  header, a random jti, htm, htu and iat, ath when an access token is given, nonce when the\n"
    "  server asked for one (its DPoP-Nonce header). Send it as the request's DPoP header, with\n"
    "  Authorization: DPoP TOKEN. A proof is for one request only: make a new one for each.\n"
    "  --key KEY          the client's private key (ES256/384/512, EdDSA, RS256..PS512)\n"
    "  --method METHOD    the request's HTTP method (GET, POST, ...)\n"
    "  --url URL          the request's absolute http(s) URL (query and fragment are not signed)\n"
    "  --token TOKEN      the access token sent with the proof ('-' reads it from stdin)\n"
    "  --nonce NONCE      the server's nonce (DPoP-Nonce)\n"
    "  --alg ALG          the algorithm (default: the key's; RSA keys need it)\n"
    "  --now UNIX         the proof's iat: a UNIX time or RFC 3339 (default: the clock)\n";

#define CMD "dpop"

enum { OPT_KEY = 1, OPT_METHOD, OPT_URL, OPT_TOKEN, OPT_NONCE, OPT_ALG, OPT_NOW };

static const cli_opt opts[] = {{"--key", NULL, 1, OPT_KEY},     {"--method", NULL, 1, OPT_METHOD},
                               {"--url", NULL, 1, OPT_URL},     {"--token", NULL, 1, OPT_TOKEN},
                               {"--nonce", NULL, 1, OPT_NONCE}, {"--alg", NULL, 1, OPT_ALG},
                               {"--now", NULL, 1, OPT_NOW},     {NULL, NULL, 0, 0}};

typedef struct args {
  const char *key, *method, *url, *token, *nonce, *alg, *now;
} args;

static int store(void *ctx, int id, const char *value) {
  args *a = ctx;
  const char **slots[] = {NULL, &a->key, &a->method, &a->url, &a->token, &a->nonce, &a->alg, &a->now};
  if (id == CLI_ARG_POSITIONAL)
    return cli_usage(CMD, "unexpected argument '%s'", value);
  return cli_set_once(CMD, slots[id], value, cli_opt_name(opts, id));
}

static int64_t fixed_clock(void *ctx) {
  return *(const int64_t *)ctx;
}

int cmd_dpop(int argc, char **argv) {
  args a = {0};
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_dpop);
  if (a.key == NULL || a.method == NULL || a.url == NULL)
    return cli_usage(CMD, "--key, --method and --url are required");
  int64_t now = 0;
  wb_alg alg = WB_ALG_INVALID;
  if (a.now != NULL && cli_parse_unix(CMD, "--now", a.now, &now) != 0)
    return CLI_EXIT_USAGE;
  if (a.alg != NULL && cli_parse_alg(CMD, a.alg, &alg) != 0)
    return CLI_EXIT_USAGE;
  if (cli_is_stdin(a.key) && a.token != NULL && cli_is_stdin(a.token))
    return cli_usage(CMD, "--key and --token cannot both read stdin");
  cli_buf tbuf = {0};
  const char *token = NULL;
  size_t token_len = 0;
  cli_key k = {0};
  wb_dpop_signer *signer = NULL;
  char *proof = NULL;
  wb_error err = {0};
  int rc = 0;
  if (a.token != NULL &&
      (rc = cli_read_token(cli_is_stdin(a.token) ? NULL : a.token, &tbuf, &token, &token_len)) != 0)
    goto out;
  if ((rc = cli_load_one_key(CMD, a.key, &k)) != 0)
    goto out;
  if (alg == WB_ALG_INVALID && (alg = wb_key_default_alg(k.one)) == WB_ALG_INVALID) {
    rc = cli_usage(CMD, "the key does not say its algorithm: give --alg (RS256, PS256, ...)");
    goto out;
  }
  if (!wb_key_is_private(k.one)) {
    rc = cli_fail(CLI_EXIT_USAGE, "bad_key", "a DPoP proof needs the client's private key");
    goto out;
  }
  if (wb_dpop_signer_new(&signer, k.one, alg, &err) != WB_OK ||
      (a.now != NULL && wb_dpop_signer_set_clock(signer, fixed_clock, &now, &err) != WB_OK) ||
      wb_dpop_sign(signer, a.method, a.url, token, token_len, a.nonce, &proof, NULL, &err) != WB_OK) {
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
    goto out;
  }
  cli_print_line(proof);
out:
  wb_string_free(proof);
  wb_dpop_signer_free(signer);
  cli_key_free(&k);
  cli_buf_free(&tbuf);
  return rc;
}
