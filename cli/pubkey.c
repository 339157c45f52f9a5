/* SPDX-License-Identifier: MIT */
/*
 * cli/pubkey.c - `wristband pubkey [--pem] [KEY|-]`: the public JWK (same kid and alg) of a key,
 * or the public JWKS of a JWKS; with --pem the SPKI PEM that openssl and other tools read. An oct
 * key is a shared secret with no public half: exit 2.
 */
#include <stdio.h>

#include "cli.h"

const char cli_usage_pubkey[] = "wristband pubkey [--pem] [KEY|-]\n"
                                "  Prints the public JWK of KEY (same kid and alg), or the public JWKS\n"
                                "  when KEY is a JWKS. An oct (HMAC) key has no public half: exit 2.\n"
                                "  --pem   print SPKI PEM (\"PUBLIC KEY\") instead; KEY must hold one key\n";

#define CMD "pubkey"

enum { OPT_PEM = 1 };
static const cli_opt opts[] = {{"--pem", NULL, 0, OPT_PEM}, {NULL, NULL, 0, 0}};

typedef struct pubkey_args {
  const char *key;
  int pem;
} pubkey_args;

static int store(void *ctx, int id, const char *v) {
  pubkey_args *a = ctx;
  if (id == OPT_PEM)
    a->pem = 1;
  else
    return cli_set_once(CMD, &a->key, v, "KEY");
  return 0;
}

int cmd_pubkey(int argc, char **argv) {
  pubkey_args a = {0};
  cli_key k;
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_pubkey);
  int rc = cli_load_key(CMD, a.key, &k);
  if (rc != 0)
    return rc;
  cli_format f = a.pem ? CLI_FORMAT_PEM : CLI_FORMAT_JWK;
  rc = k.key != NULL ? cli_emit_key(k.key, f, WB_KEY_PUBLIC, NULL)
                     : cli_emit_set(k.set, f, WB_KEY_PUBLIC, NULL);
  cli_key_free(&k);
  return rc;
}
