/* SPDX-License-Identifier: MIT */
/*
 * bench/argon2_raw.c - the limit of the server benchmark's login row: libsodium's Argon2id
 * password verification alone (crypto_pwhash_str_verify), with the parameters the server hashes
 * with (--argon2-ops, --argon2-memory-kib; defaults 2 and 19456 KiB, OWASP's), on a hash made
 * once with them. A login on the server does this plus HTTP, the user lookup, the session insert
 * (a durable commit) and signing the access token; the ratio of the two rows is the cost of the
 * rest. Before timing it checks that the right password verifies and a wrong one does not.
 *
 * Usage: argon2_raw [--ops N] [--memory-kib N]; prints "argon2-raw<TAB>login<TAB>ops/s".
 * Timing: bench/timing.h (BENCH_SECONDS, BENCH_WARMUP, BENCH_REPS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "timing.h"

#define PASSWORD "correct horse battery staple"

typedef struct ctx {
  char hash[crypto_pwhash_STRBYTES];
} ctx;

static int verify_once(void *p) {
  ctx *c = p;
  return crypto_pwhash_str_verify(c->hash, PASSWORD, strlen(PASSWORD)) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  unsigned long long ops = 2;
  size_t mem_kib = 19456;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--ops") == 0)
      ops = strtoull(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--memory-kib") == 0)
      mem_kib = (size_t)strtoull(argv[i + 1], NULL, 10);
  }
  if (sodium_init() < 0) {
    fprintf(stderr, "argon2_raw: sodium_init failed\n");
    return 1;
  }
  ctx c;
  if (crypto_pwhash_str_alg(c.hash, PASSWORD, strlen(PASSWORD), ops, mem_kib * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    fprintf(stderr, "argon2_raw: hashing failed (out of memory?)\n");
    return 1;
  }
  if (verify_once(&c) != 0 || crypto_pwhash_str_verify(c.hash, "wrong", 5) == 0) {
    printf("argon2-raw\tlogin\tFAIL\n");
    return 1;
  }
  bench_config cfg = bench_config_from_env();
  double rate = bench_measure(&cfg, verify_once, &c);
  if (rate < 0)
    printf("argon2-raw\tlogin\tFAIL\n");
  else
    printf("argon2-raw\tlogin\t%.1f\n", rate);
  return rate < 0;
}
