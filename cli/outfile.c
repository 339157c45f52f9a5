/* SPDX-License-Identifier: MIT */
/*
 * cli/outfile.c - files the CLI writes (keygen -o, convert -o): secrets, so never written in place.
 *
 * Writing in place (open with O_TRUNC, then fchmod) had three consequences this file rules out:
 * a process holding the old file open read the new private key through its descriptor, a symlink
 * at FILE was followed and its target overwritten, and a failed write unlinked whatever was at the
 * path. Instead: FILE must be absent or a regular file (never followed when a symlink); the data
 * goes into a new file created with O_EXCL | O_NOFOLLOW and mode 0600 in FILE's directory, is
 * flushed to disk, and rename() puts it over FILE in one step. On any failure only that new file,
 * which this command created, is removed; SIGINT, SIGTERM, SIGHUP and SIGQUIT wait until it is
 * renamed or removed, so that no hidden copy of a key is left behind. "-" means stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define TEMP_TRIES 16 /* O_EXCL collisions of 64 random bits: never in practice, bounded anyway */

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* What lstat found at path, for messages: "a symbolic link", "a directory", ... */
static const char *kind_of(mode_t m) {
  if (S_ISLNK(m))
    return "a symbolic link";
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISCHR(m) || S_ISBLK(m))
    return "a device";
  if (S_ISFIFO(m))
    return "a FIFO";
  if (S_ISSOCK(m))
    return "a socket";
  return "not a regular file";
}

/* FILE must be absent or a regular file; a symlink is refused, never followed. 0 or exit code. */
static int check_target(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT)
      return 0;
    return cli_fail(CLI_EXIT_USAGE, "io", "cannot write '%s': %s", path, strerror(errno));
  }
  if (S_ISREG(st.st_mode))
    return 0;
  return cli_fail(CLI_EXIT_USAGE, "io",
                  "'%s' is %s: wristband writes keys only to regular files it replaces whole "
                  "(use -o - for stdout)",
                  path, kind_of(st.st_mode));
}

/* "DIR/.NAME.XXXXXXXXXXXXXXXX.tmp" beside path, with 64 random bits; NULL on failure. NAME is cut
 * to TEMP_NAME_KEEP bytes, so that a FILE whose own name is as long as the file system allows
 * (NAME_MAX, 255) still has a temporary name that fits. */
#define TEMP_NAME_KEEP 64
static char *temp_name(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
  size_t cap = strlen(path) + 32;
  char *name = malloc(cap);
  unsigned char r[8];
  if (name == NULL || wb_random(r, sizeof(r), NULL) != WB_OK) {
    free(name);
    return NULL;
  }
  snprintf(name, cap, "%.*s.%.*s.%02x%02x%02x%02x%02x%02x%02x%02x.tmp", (int)dir_len, path, TEMP_NAME_KEEP,
           path + dir_len, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
  return name;
}

/* Creates a new 0600 file beside path: the descriptor, *tmp its name (free it); -1 on failure. */
static int create_temp(const char *path, char **tmp) {
  for (int i = 0; i < TEMP_TRIES; i++) {
    *tmp = temp_name(path);
    if (*tmp == NULL) {
      errno = ENOMEM;
      return -1;
    }
    int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST)
      return fd;
    free(*tmp);
  }
  *tmp = NULL;
  errno = EEXIST;
  return -1;
}

/* Fills and closes fd; -1 with errno on failure (fd closed either way). */
static int fill(int fd, const char *data, size_t len) {
  int ok = fchmod(fd, 0600) == 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    ok = 0;
    saved = errno;
  }
  errno = saved;
  return ok ? 0 : -1;
}

/* The signals that end a command from the keyboard or a supervisor, held off while the temporary
 * file exists: delivered once it is renamed or removed, they can no longer strand it. */
static void hold_signals(sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGQUIT);
  sigprocmask(SIG_BLOCK, &set, old);
}

int cli_write_private(const char *path, const char *data, size_t len) {
  if (strcmp(path, "-") == 0) {
    fwrite(data, 1, len, stdout);
    return 0;
  }
  int rc = check_target(path);
  if (rc != 0)
    return rc;
  char *tmp = NULL;
  sigset_t old;
  hold_signals(&old);
  int fd = create_temp(path, &tmp);
  if (fd < 0) {
    rc = cli_fail(CLI_EXIT_USAGE, "io", "cannot create a new file beside '%s': %s", path, strerror(errno));
    goto out;
  }
  if (fill(fd, data, len) != 0) {
    rc = cli_fail(CLI_EXIT_USAGE, "io", "cannot write '%s': %s", path, strerror(errno));
    unlink(tmp); /* ours: created with O_EXCL above */
    goto out;
  }
  if (rename(tmp, path) != 0) {
    rc = cli_fail(CLI_EXIT_USAGE, "io", "cannot replace '%s': %s", path, strerror(errno));
    unlink(tmp);
  }
out:
  sigprocmask(SIG_SETMASK, &old, NULL); /* a held signal is delivered now */
  free(tmp);
  return rc;
}
