/* SPDX-License-Identifier: MIT */
/*
 * cli/serve.c - `wristband serve [OPTIONS]`: a thin shim over server/server.c. The settings
 * (flags, WRISTBAND_* environment, config file) are server/config.c's table; docs/wristband-serve.1
 * is the user's page. Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 2 for a bad
 * setting, 1 when the server could not start.
 */
#include <stdio.h>

#include "cli.h"
#include "server.h"

const char cli_usage_serve[] =
    "wristband serve [--listen HOST:PORT] [--store URL] [--issuer URL] [--audience AUD]\n"
    "                [--access-ttl DURATION] [--allow-signup] [OPTIONS]\n"
    "  Runs the authentication server: password login, rotating refresh tokens, revocation,\n"
    "  introspection, userinfo, forward auth and the JWKS. Prints 'wristband: listening on URL'\n"
    "  when ready; SIGHUP re-reads the keys, SIGTERM/SIGINT finish requests in flight and exit.\n";

#define CMD "serve"

int cmd_serve(int argc, char **argv) {
  srv_config cfg;
  srv_error err;
  int help = 0;
  if (config_init(&cfg, &err) != SRV_OK)
    return cli_fail(CLI_EXIT_USAGE, srv_status_name(err.code), "%s", err.message);
  int rc = CLI_EXIT_OK;
  if (config_parse_serve(&cfg, argc, argv, &help, &err) != SRV_OK) {
    rc = cli_usage(CMD, "%s", err.message);
  } else if (help) {
    fputs(cli_usage_serve, stdout);
    fputs("\nSettings (flag, environment variable, default; flags win over the environment, which wins\n"
          "over the config file):\n",
          stdout);
    config_print_help(stdout);
  } else if (server_run(&cfg, &err) != SRV_OK) {
    rc = cli_fail(err.code == SRV_ERR_CONFIG ? CLI_EXIT_USAGE : CLI_EXIT_REJECTED, srv_status_name(err.code),
                  "%s", err.message);
  }
  config_free(&cfg);
  return rc;
}
