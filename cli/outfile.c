/* SPDX-License-Identifier: MIT */
/*
 * cli/outfile.c - files the CLI writes (keygen -o): private, mode 0600 (cli/cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int cli_write_private(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return cli_fail(CLI_EXIT_USAGE, "io", "cannot create '%s': %s", path, strerror(errno));
  /* An existing file keeps its mode through O_TRUNC: narrow it before any secret is written. */
  int ok = fchmod(fd, 0600) == 0 && write_all(fd, data, len) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    ok = 0;
    saved = errno;
  }
  if (ok)
    return 0;
  unlink(path);
  return cli_fail(CLI_EXIT_USAGE, "io", "cannot write '%s': %s", path, strerror(saved));
}
