/* SPDX-License-Identifier: MIT */
/*
 * bench/jwe_common.h - what the C programs of the JWE benchmark share (bench/jwe_bench.c for
 * wristband and the raw OpenSSL limit, bench/jwe_peer_c.c for cjose and rhonabwy): the pairs
 * measured and reading the workload's files (bench/jwe_workload.py writes them).
 */
#ifndef WB_BENCH_JWE_COMMON_H
#define WB_BENCH_JWE_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pairs[] = {"dir+A256GCM", "A256KW+A256GCM", "ECDH-ES+A256KW-P256",
                                    "ECDH-ES+A256KW-X25519", "RSA-OAEP-256+A256GCM"};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

/* dir/sub name ext, without its trailing white space, in a new buffer (*len its length); NULL
 * when it cannot be read. */
static char *read_file(const char *dir, const char *sub, const char *name, const char *ext, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s%s%s", dir, sub, name, ext);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    n--;
  char *out = malloc(n + 1);
  memcpy(out, buf, n);
  out[n] = '\0';
  if (len)
    *len = n;
  return out;
}

#endif
