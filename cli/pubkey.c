/* SPDX-License-Identifier: MIT */
/*
 * cli/pubkey.c - `wristband pubkey [KEY|-]`: the public JWK (same kid and alg) of a private key,
 * or the public JWKS of a JWKS. An oct key is a shared secret with no public half: exit 2.
 */
#include <stdio.h>

#include "cli.h"

const char cli_usage_pubkey[] = "wristband pubkey [KEY|-]\n"
                                "  Prints the public JWK of KEY (same kid and alg), or the public JWKS\n"
                                "  when KEY is a JWKS. An oct (HMAC) key has no public half: exit 2.\n";

#define CMD "pubkey"

static int refuse_oct(void) {
  return cli_fail(CLI_EXIT_USAGE, "bad_key", "an oct key is a shared secret: it has no public half");
}

static int has_oct(const wb_keyset *set) {
  for (size_t i = 0; i < wb_keyset_count(set); i++) {
    if (wb_key_kty(wb_keyset_get(set, i)) == WB_KTY_OCT)
      return 1;
  }
  return 0;
}

static int print_public(const cli_key *k) {
  wb_error err = {0};
  char *json = NULL;
  wb_status st;
  if (k->key != NULL && wb_key_kty(k->key) == WB_KTY_OCT)
    return refuse_oct();
  if (k->set != NULL && has_oct(k->set))
    return refuse_oct();
  if (k->key != NULL)
    st = wb_key_to_jwk(k->key, WB_KEY_PUBLIC, &json, &err);
  else
    st = wb_keyset_to_jwks(k->set, WB_KEY_PUBLIC, &json, &err);
  if (st != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  cli_print_line(json);
  wb_string_free(json);
  return CLI_EXIT_OK;
}

int cmd_pubkey(int argc, char **argv) {
  const char *path;
  cli_key k;
  int id = cli_parse_one_arg(CMD, "KEY", argc, argv, &path);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_pubkey);
  int rc = cli_load_key(path, &k);
  if (rc != 0)
    return rc;
  rc = print_public(&k);
  cli_key_free(&k);
  return rc;
}
