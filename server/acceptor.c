/* SPDX-License-Identifier: MIT */
/*
 * server/acceptor.c - the accepting thread (acceptor.h): poll() on the listening socket with a
 * short timeout, so that a stop is seen even if shutdown() did not wake it, then accept() until
 * the backlog is empty. A descriptor shortage (EMFILE, ENFILE) or a memory shortage leaves the
 * connection in the backlog for a moment instead of spinning on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"

#define POLL_MS    250 /* the longest a stop waits for the thread */
#define BACKOFF_MS 10  /* out of descriptors or memory: retry after this */

struct acceptor {
  int fd;
  acceptor_fn fn;
  void *cls;
  atomic_int stop;
  pthread_t thread;
};

static void pause_ms(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

/* Non-blocking and close-on-exec, as libmicrohttpd's own accept makes them. */
static int prepare(int fd) {
  int fl = fcntl(fd, F_GETFL);
  /* LCOV_EXCL_BR_START: cov-server-kernel-refused */
  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? 0 : -1;
  /* LCOV_EXCL_BR_STOP: cov-server-kernel-refused */
}

static void *accept_loop(void *arg) {
  acceptor *a = arg;
  while (!atomic_load(&a->stop)) {
    struct pollfd p = {a->fd, POLLIN, 0};
    if (poll(&p, 1, POLL_MS) <= 0)
      continue;
    while (!atomic_load(&a->stop)) {
      struct sockaddr_storage ss;
      socklen_t sl = sizeof(ss);
      int c = accept(a->fd, (struct sockaddr *)&ss, &sl);
      if (c >= 0) {
        if (prepare(c) == 0) /* LCOV_EXCL_BR_LINE: cov-server-kernel-refused */
          a->fn(a->cls, c, (const struct sockaddr *)&ss, sl);
        else
          close(c); /* LCOV_EXCL_LINE: cov-server-kernel-refused */
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        pause_ms(BACKOFF_MS);
      else if (errno != EINTR && errno != ECONNABORTED && errno != EPROTO)
        break; /* EAGAIN: the backlog is empty; EINVAL: the socket was shut down */
    }
  }
  return NULL;
}

srv_status acceptor_start(acceptor **out, int listen_fd, acceptor_fn fn, void *cls, srv_error *err) {
  *out = NULL;
  srv_status st = SRV_OK;
  acceptor *a = calloc(1, sizeof(*a));
  int fl = fcntl(listen_fd, F_GETFL);
  if (a == NULL) {
    st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
    goto out;
  }
  if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) != 0) {
    st = srv_fail(err, SRV_ERR_IO, "the listening socket: cannot make it non-blocking");
    goto out;
  }
  a->fd = listen_fd;
  a->fn = fn;
  a->cls = cls;
  atomic_init(&a->stop, 0);
  /* LCOV_EXCL_START: cov-server-kernel-refused */
  if (pthread_create(&a->thread, NULL, accept_loop, a) != 0) {
    st = srv_fail(err, SRV_ERR_IO, "cannot start a thread");
    goto out;
  }
  /* LCOV_EXCL_STOP: cov-server-kernel-refused */
  *out = a;
  a = NULL;
out:
  free(a);
  return st;
}

void acceptor_stop(acceptor *a) {
  if (a == NULL)
    return;
  atomic_store(&a->stop, 1);
  shutdown(a->fd, SHUT_RDWR);
  pthread_join(a->thread, NULL);
  free(a);
}
