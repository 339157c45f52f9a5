/* SPDX-License-Identifier: MIT */
/*
 * cli/remote_cli.h - remote key sets and revocation feeds for `verify` and `jwks --fetch`
 * (cli/remote.c).
 */
#ifndef WB_CLI_REMOTE_H
#define WB_CLI_REMOTE_H

#include "wristband/remote.h"

/** The remote flags of a command (each NULL / 0 when not given). */
typedef struct cli_remote {
  const char *jwks_url, *issuer_url; /* at most one */
  const char *keys_cache;            /* --keys-cache FILE: the persistence file */
  const char *ca_file;               /* --ca-file FILE: CAs to trust instead of the system's */
  const char *revocations;           /* --revocations URL */
  const char *client;                /* --client NAME:SECRETFILE */
  int allow_http;
} cli_remote;

/** Usage errors among the flags: 0 or CLI_EXIT_USAGE (printed). */
int cli_remote_check(const char *cmd, const cli_remote *r);
/** The remote key set of --jwks-url / --issuer-url, fetched (or the cache file's): 0, or exit 2
 *  (printed) when there are no keys to verify with. *out is freed by the caller either way. */
int cli_remote_keys(const char *cmd, const cli_remote *r, wb_remote_keyset **out);
/** The follower of --revocations, polled once: 0, or exit 2 (printed) when the poll failed. */
int cli_remote_revocations(const char *cmd, const cli_remote *r, wb_revocations **out);

#endif
