/* SPDX-License-Identifier: MIT */
/*
 * cli/thumbprint.c - `wristband thumbprint [KEY|-]`: the RFC 7638 SHA-256 thumbprint of a key,
 * base64url (wb_key_thumbprint). A JWKS must hold exactly one key.
 */
#include <stdio.h>

#include "cli.h"

const char cli_usage_thumbprint[] = "wristband thumbprint [KEY|-]\n"
                                    "  Prints the RFC 7638 SHA-256 thumbprint of KEY, base64url.\n";

#define CMD "thumbprint"

int cmd_thumbprint(int argc, char **argv) {
  const char *path;
  cli_key k;
  wb_error err = {0};
  char tp[WB_THUMBPRINT_LEN];
  int id = cli_parse_one_arg(CMD, "KEY", argc, argv, &path);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_thumbprint);
  int rc = cli_load_one_key(CMD, path, &k);
  if (rc != 0)
    return rc;
  if (wb_key_thumbprint(k.one, tp, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  else
    cli_print_line(tp);
  cli_key_free(&k);
  return rc;
}
