/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/acceptor_test.c - the accepting thread (server/acceptor.c) on a real loopback
 * socket (issue 16): each connection is handed to the callback non-blocking and close-on-exec;
 * when the process is out of descriptors, accept fails with EMFILE and the acceptor backs off and
 * retries instead of giving up, so the connection waiting in the backlog is handed over as soon
 * as a descriptor is free; a listening socket that is not one is refused at start; stopping
 * NULL is a no-op. Loopback only; the waits are bounded polls, never timed assertions.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "acceptor.h"
#include "fixture.h"

static atomic_int handed;   /* connections the callback got */
static atomic_int flags_ok; /* ... each non-blocking and close-on-exec */

static void take(void *cls, int fd, const struct sockaddr *addr, socklen_t addrlen) {
  (void)cls;
  int fl = fcntl(fd, F_GETFL), fd_fl = fcntl(fd, F_GETFD);
  if (fl >= 0 && (fl & O_NONBLOCK) && fd_fl >= 0 && (fd_fl & FD_CLOEXEC) && addr->sa_family == AF_INET &&
      addrlen == sizeof(struct sockaddr_in))
    atomic_fetch_add(&flags_ok, 1);
  close(fd);
  atomic_fetch_add(&handed, 1);
}

/* Waits (at most ~20 s) until the callback has had n connections. */
static int wait_handed(int n) {
  for (int i = 0; i < 2000 && atomic_load(&handed) < n; i++) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return atomic_load(&handed) >= n;
}

static int listener(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(addr, 0, sizeof(*addr));
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(*addr);
  if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
    perror("listener");
    exit(2);
  }
  return fd;
}

static void test_hand_over_and_out_of_descriptors(void) {
  struct sockaddr_in addr;
  int lfd = listener(&addr);
  acceptor *a = NULL;
  CHECK_SRV(acceptor_start(&a, lfd, take, NULL, NULL), SRV_OK);
  int c1 = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(c1, (struct sockaddr *)&addr, sizeof(addr)) == 0);
  CHECK(wait_handed(1) && atomic_load(&flags_ok) == 1);
  /* No descriptor left: the next connection waits in the backlog while accept says EMFILE. */
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  struct rlimit saved, none;
  CHECK(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  int top = fcntl(0, F_DUPFD, 0); /* the lowest free descriptor: everything below is in use */
  close(top);
  none = saved;
  none.rlim_cur = (rlim_t)top;
  CHECK(setrlimit(RLIMIT_NOFILE, &none) == 0);
  CHECK(connect(c2, (struct sockaddr *)&addr, sizeof(addr)) == 0); /* the kernel completes it */
  for (int i = 0; i < 30; i++) {                                   /* the acceptor meets EMFILE, backs off */
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  CHECK(atomic_load(&handed) == 1);
  CHECK(setrlimit(RLIMIT_NOFILE, &saved) == 0);
  CHECK(wait_handed(2)); /* handed over once a descriptor is free again */
  acceptor_stop(a);
  /* stopped: a new connection is refused (the listening socket is shut down) */
  int c3 = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(c3, (struct sockaddr *)&addr, sizeof(addr)) != 0);
  close(c1);
  close(c2);
  close(c3);
  close(lfd);
  acceptor_stop(NULL);
}

static void test_not_a_socket(void) {
  acceptor *a = (acceptor *)&handed;
  srv_error e;
  CHECK_SRV(acceptor_start(&a, -1, take, NULL, &e), SRV_ERR_IO);
  CHECK(a == NULL && strstr(e.message, "non-blocking") != NULL);
}

int main(void) {
  test_hand_over_and_out_of_descriptors();
  test_not_a_socket();
  return CHECK_DONE();
}
