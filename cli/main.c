/* SPDX-License-Identifier: MIT */
/*
 * cli/main.c - `wristband`: dispatch to one subcommand per file (cli/<command>.c), the top-level
 * usage, --help and --version. The contract (exit codes, one-line errors, stdout empty on failure)
 * is issue 3; cli/cli.h lists the shared helpers and docs/wristband.1 is the user's page.
 */
#include <stdio.h>
#include <string.h>

#include "jose_cli.h"

typedef cli_command command;

static const command commands[] = {
    {"keygen", cmd_keygen, cli_usage_keygen},
    {"pubkey", cmd_pubkey, cli_usage_pubkey},
    {"thumbprint", cmd_thumbprint, cli_usage_thumbprint},
    {"sign", cmd_sign, cli_usage_sign},
    {"verify", cmd_verify, cli_usage_verify},
    {"decode", cmd_decode, cli_usage_decode},
    {"jwks", cmd_jwks, cli_usage_jwks},
    {"convert", cmd_convert, cli_usage_convert},
    {"completion", cmd_completion, cli_usage_completion},
    {"encrypt", cmd_encrypt, cli_usage_encrypt},
    {"decrypt", cmd_decrypt, cli_usage_decrypt},
    {"dpop", cmd_dpop, cli_usage_dpop},
    {"serve", cmd_serve, cli_usage_serve},
    {"user", cmd_user, cli_usage_user},
    {"client", cmd_client, cli_usage_client},
    {"keys", cmd_keys, cli_usage_keys},
    {"store", cmd_store, cli_usage_store},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const cli_command *cli_commands(size_t *count) {
  *count = N_COMMANDS;
  return commands;
}

static const char overview[] =
    "wristband - JSON Web Tokens: make keys, sign, verify with a real policy, inspect; and the\n"
    "authentication server that issues them (wristband serve) with its admin commands\n"
    "\n"
    "Usage: wristband COMMAND [OPTIONS] [ARGS]\n"
    "       wristband --help | --version\n"
    "       wristband COMMAND --help\n"
    "\n"
    "Exit status: 0 success; 1 the token was rejected; 2 usage error, unreadable or invalid key\n"
    "or file. A failure prints one line 'wristband: <reason>: <message>' to stderr and nothing to\n"
    "stdout. A KEY is a file holding a JWK, a JWKS or a PEM key; '-' reads stdin. A TOKEN or file\n"
    "argument that is omitted or '-' is read from stdin (surrounding whitespace and a 'Bearer '\n"
    "prefix ignored); sign reads claims from stdin only when CLAIMS_FILE is omitted and stdin is\n"
    "not a terminal. HMAC secrets come from --secret-file, --secret-env or --secret-b64, never\n"
    "from the command line. DURATION is whole numbers with d, h, m, s in that order (30s, 15m,\n"
    "1h30m, 7d); TIME is a DURATION from now, a UNIX time or RFC 3339; --now fixes the clock.\n"
    "On a terminal JSON is indented and coloured (NO_COLOR=1 turns colour off); in a pipe it is\n"
    "compact; either way numbers are printed as the token wrote them.\n"
    "\n"
    "Commands:\n";

static void print_help(void) {
  fputs(overview, stdout);
  for (size_t i = 0; i < N_COMMANDS; i++) {
    fputc('\n', stdout);
    fputs(commands[i].usage, stdout);
  }
  fputs("\nSee wristband(1) for details and examples.\n", stdout);
}

static const command *find_command(const char *name) {
  for (size_t i = 0; i < N_COMMANDS; i++) {
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  }
  return NULL;
}

static int run(int argc, char **argv) {
  if (argc < 2)
    return cli_usage(NULL, "wristband COMMAND [OPTIONS] [ARGS]: no command given");
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    if (argc > 2 && strcmp(name, "help") == 0 && find_command(argv[2]) != NULL) {
      fputs(find_command(argv[2])->usage, stdout);
      return CLI_EXIT_OK;
    }
    print_help();
    return CLI_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("wristband %s\n", WB_VERSION_STRING);
    return CLI_EXIT_OK;
  }
  const command *c = find_command(name);
  if (c == NULL)
    return cli_usage(NULL, "wristband COMMAND [OPTIONS] [ARGS]: unknown command '%s'", name);
  return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv) {
  int rc = run(argc, argv);
  /* A write error (full disk, closed pipe) is a failure, never a silent success. */
  if (fflush(stdout) != 0 || ferror(stdout)) {
    if (rc == CLI_EXIT_OK)
      rc = cli_fail(CLI_EXIT_USAGE, "io", "cannot write to stdout");
  }
  cli_flush_notes(rc == CLI_EXIT_OK); /* a failure stays one line: the error */
  return rc;
}
