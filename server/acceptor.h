/* SPDX-License-Identifier: MIT */
/*
 * server/acceptor.h - the thread that accepts connections on the listening socket and hands each
 * one to a callback (server/http.c: the next worker in turn). libmicrohttpd's own thread pool lets
 * every worker accept on the shared socket, and the first one awake takes a whole burst of
 * connections: 16 keep-alive connections opened at once all went to one of two workers, which
 * then did all the work while the other idled (bench/server.sh, 2 threads). One accepting thread
 * handing connections out in turn spreads them evenly.
 */
#ifndef WB_SERVER_ACCEPTOR_H
#define WB_SERVER_ACCEPTOR_H

#include <sys/socket.h>

#include "status.h"

/** Takes ownership of fd, an accepted connection (non-blocking, close-on-exec): hands it on or
 * closes it. Called from the acceptor's thread only. */
typedef void (*acceptor_fn)(void *cls, int fd, const struct sockaddr *addr, socklen_t addrlen);

typedef struct acceptor acceptor;

/** Starts accepting on listen_fd (made non-blocking here; not owned: the caller closes it after
 * acceptor_stop). */
srv_status acceptor_start(acceptor **out, int listen_fd, acceptor_fn fn, void *cls, srv_error *err);

/** Refuses new connections at once (the listening socket is shut down, which also resets those
 * waiting in its backlog), then waits for the thread to end. NULL is a no-op. */
void acceptor_stop(acceptor *a);

#endif
