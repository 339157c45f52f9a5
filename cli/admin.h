/* SPDX-License-Identifier: MIT */
/*
 * cli/admin.h - what the admin commands (`wristband user ...`, `client ...`, `keys ...`; files
 * cli/admin_*.c) share: opening the server context on --store (server/srv.h, admin mode) and
 * reading a password. They are thin shims: every rule lives in server/users.c and server/keys.c.
 *
 * Exit status: 0 success, 2 usage error, 1 the operation failed (the user exists, no such
 * user, the database failed...), with the CLI's one-line error on stderr.
 */
#ifndef WB_CLI_ADMIN_H
#define WB_CLI_ADMIN_H

#include "cli.h"
#include "srv.h"

typedef struct admin {
  srv_config cfg;
  srv s;
  int open;
} admin;

/** Loads the settings (--store wins, then WRISTBAND_STORE and the config file) and opens the store. */
int admin_open(admin *a, const char *store_flag);
void admin_close(admin *a);

/** Prints the failure and returns its exit code (2 for bad input, else 1). */
int admin_fail(const srv_error *err);

/**
 * Reads a new password: one line from stdin when it is not a terminal, else a prompt (twice,
 * without echo) on the terminal. Returns 0 or the exit code after printing the error.
 */
int admin_read_password(const char *cmd, char *buf, size_t cap, size_t *len);

#endif
