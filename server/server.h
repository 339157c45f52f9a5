/* SPDX-License-Identifier: MIT */
/*
 * server/server.h - `wristband serve` from a parsed configuration to shutdown: listen, open the
 * store and keys, start the HTTP workers, print the ready line, then wait for signals and do
 * the upkeep (key version checks, heartbeats, purges). SIGHUP re-reads the keys and signs with
 * the newest; SIGTERM and SIGINT stop accepting, let in-flight requests finish, close the store.
 */
#ifndef WB_SERVER_SERVER_H
#define WB_SERVER_SERVER_H

#include "config.h"

/**
 * Runs the server until SIGTERM or SIGINT. SRV_OK after a clean shutdown; otherwise the start
 * failed (SRV_ERR_CONFIG for a bad setting) and err says why. Prints the ready line
 * `wristband: listening on http(s)://HOST:PORT` on stdout, with HOST as given to --listen.
 */
srv_status server_run(const srv_config *cfg, srv_error *err);

#endif
