/* SPDX-License-Identifier: MIT */
/*
 * tests/cli/failsys.c - an LD_PRELOAD module for tests/cli/outfile_faults.sh: makes one system
 * call fail the way a full or failing disk does, on the temporary file the CLI writes a key
 * into (cli/outfile.c), so that the test can check that FILE is left as it was and that no
 * temporary file stays behind. The temporary file is the descriptor given to fchmod (the first
 * call made on it). $FAILSYS names the fault:
 *   fchmod  fchmod fails (EIO)           write0  write returns 0 (no progress)
 *   eintr   the first write is EINTR     fsync   fsync fails (EIO)
 *   close   close fails (EIO, the descriptor closed all the same)
 *   rename  rename fails (EXDEV)
 * glibc only (RTLD_NEXT).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int target = -1; /* the temporary file's descriptor, once fchmod saw it */
static int eintr_done;

static int mode_is(const char *name) {
  const char *m = getenv("FAILSYS");
  return m != NULL && strcmp(m, name) == 0;
}

/* The next definition of name (libc's); stored with *(void **)&f = ..., the POSIX idiom for dlsym's
 * function pointers. */
static void *next(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (f == NULL)
    abort();
  return f;
}

int fchmod(int fd, mode_t mode) {
  static int (*real)(int, mode_t);
  if (real == NULL)
    *(void **)&real = next("fchmod");
  target = fd;
  if (mode_is("fchmod")) {
    errno = EIO;
    return -1;
  }
  return real(fd, mode);
}

ssize_t write(int fd, const void *buf, size_t n) {
  static ssize_t (*real)(int, const void *, size_t);
  if (real == NULL)
    *(void **)&real = next("write");
  if (fd == target && mode_is("write0"))
    return 0;
  if (fd == target && mode_is("eintr") && !eintr_done) {
    eintr_done = 1;
    errno = EINTR;
    return -1;
  }
  return real(fd, buf, n);
}

int fsync(int fd) {
  static int (*real)(int);
  if (real == NULL)
    *(void **)&real = next("fsync");
  if (fd == target && mode_is("fsync")) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int close(int fd) {
  static int (*real)(int);
  if (real == NULL)
    *(void **)&real = next("close");
  int rc = real(fd);
  if (fd == target && rc == 0 && mode_is("close")) {
    target = -1;
    errno = EIO;
    return -1;
  }
  return rc;
}

int rename(const char *from, const char *to) {
  static int (*real)(const char *, const char *);
  if (real == NULL)
    *(void **)&real = next("rename");
  if (mode_is("rename")) {
    errno = EXDEV;
    return -1;
  }
  return real(from, to);
}
