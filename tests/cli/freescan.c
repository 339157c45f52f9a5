/* SPDX-License-Identifier: MIT */
/*
 * tests/cli/freescan.c - an LD_PRELOAD module for tests/cli/wiped.sh: every buffer the process
 * hands back to malloc (free, or realloc that may move it) is searched for the bytes of
 * $FREESCAN_MARKER before it goes; each hit appends "found" and a backtrace to $FREESCAN_LOG.
 * A secret that the CLI forgot to wipe is still in the heap after its free, readable in a core
 * dump or by whatever the process allocates next: this finds it. glibc only (__libc_free).
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);

static void scan(void *p) {
  const char *marker = getenv("FREESCAN_MARKER"), *log = getenv("FREESCAN_LOG");
  if (p == NULL || marker == NULL || marker[0] == '\0' || log == NULL)
    return;
  if (memmem(p, malloc_usable_size(p), marker, strlen(marker)) == NULL)
    return;
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  void *frames[32];
  int n = backtrace(frames, 32);
  if (write(fd, "found\n", 6) == 6)
    backtrace_symbols_fd(frames, n, fd);
  close(fd);
}

void free(void *p) {
  scan(p);
  __libc_free(p);
}

void *realloc(void *p, size_t n) {
  scan(p);
  return __libc_realloc(p, n);
}
