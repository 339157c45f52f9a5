/* SPDX-License-Identifier: MIT */
/*
 * cli/convert.c - `wristband convert KEY --to jwk|pem [-o FILE]`: moves a key between wristband
 * and tools that speak PEM (openssl, most TLS and JOSE libraries). A private key stays private
 * (PKCS#8), a public one public (SPKI); a PEM key becomes a JWK whose kid is its RFC 7638
 * thumbprint; a JWKS stays a JWKS (PEM needs exactly one key). The public half alone: pubkey.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cli_usage_convert[] =
    "wristband convert [KEY|-] --to jwk|pem [-o FILE]\n"
    "  Converts KEY (a JWK, JWKS or PEM key) to a JWK or to PEM, keeping its private part:\n"
    "  a private key becomes PKCS#8 PEM or a private JWK, a public key SPKI PEM or a public JWK.\n"
    "  A PEM key gets its RFC 7638 thumbprint as kid; a JWKS stays a JWKS (to PEM: one key only);\n"
    "  an oct (HMAC) key has no PEM form.\n"
    "  --to jwk|pem  the output format (required)\n"
    "  -o FILE       write to FILE instead of stdout ('-': stdout): a new mode 0600 file renamed\n"
    "                over FILE; a symlink or non-regular FILE is refused\n";

#define CMD "convert"

enum { OPT_TO = 1, OPT_OUT };
static const cli_opt opts[] = {{"--to", NULL, 1, OPT_TO}, {"--output", "-o", 1, OPT_OUT}, {NULL, NULL, 0, 0}};

typedef struct convert_args {
  const char *key, *to, *out;
} convert_args;

static int store(void *ctx, int id, const char *v) {
  convert_args *a = ctx;
  if (id == OPT_TO)
    return cli_set_once(CMD, &a->to, v, "--to");
  if (id == OPT_OUT)
    return cli_set_once(CMD, &a->out, v, "-o");
  return cli_set_once(CMD, &a->key, v, "KEY");
}

int cmd_convert(int argc, char **argv) {
  convert_args a = {0};
  cli_key k;
  int id = cli_parse(CMD, opts, argc, argv, store, &a);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_convert);
  if (a.to == NULL)
    return cli_usage(CMD, "--to jwk|pem is required");
  if (strcmp(a.to, "jwk") != 0 && strcmp(a.to, "pem") != 0)
    return cli_usage(CMD, "--to must be jwk or pem, not '%s'", a.to);
  cli_format f = strcmp(a.to, "pem") == 0 ? CLI_FORMAT_PEM : CLI_FORMAT_JWK;
  int rc = cli_load_key(CMD, a.key, &k);
  if (rc != 0)
    return rc;
  rc = k.key != NULL ? cli_emit_key(k.key, f, WB_KEY_PRIVATE, a.out)
                     : cli_emit_set(k.set, f, WB_KEY_PRIVATE, a.out);
  cli_key_free(&k);
  return rc;
}
