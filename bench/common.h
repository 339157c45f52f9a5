/* SPDX-License-Identifier: MIT */
/*
 * bench/common.h - the driver shared by every C benchmark program: loads the workload written by
 * make_workload.py, runs the correctness checks outside the timed loop (own token verifies; the
 * reference token verifies; a token with a flipped signature char, one with a flipped payload char,
 * one with the wrong aud and an expired one are all rejected), then measures verify and sign with
 * timing.h and prints `impl<TAB>alg<TAB>op<TAB>ops_per_sec` lines. A row whose checks fail prints
 * FAIL instead of a figure, so no figure is fake.
 *
 * Usage of every program built on it:
 *   prog [--work DIR] [--algs HS256,RS256,ES256,EdDSA]    table lines (default)
 *   prog [--work DIR] --threads N --algs ...               verify with N threads sharing one state
 *   prog [--work DIR] --repeat-verify ALG COUNT            verify COUNT times, no timing (memory.sh)
 */
#ifndef WB_BENCH_COMMON_H
#define WB_BENCH_COMMON_H

#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_workload {
  const char *dir; /* the make_workload.py output directory */
  const char *alg; /* "HS256", "RS256", "ES256" or "EdDSA" */
  char *token;     /* tokens/ALG.jwt, NUL-terminated */
  size_t token_len;
  long long iat, exp; /* claims of the workload, for signing */
  char jti[32];
} bench_workload;

typedef struct bench_impl {
  const char *name;
  /** NULL when alg is supported, else the reason it is not (printed as n/a). */
  const char *(*unsupported)(const char *alg);
  /** Keys, contexts, everything built once. NULL on failure. */
  void *(*setup)(const bench_workload *w);
  /** 0 when the token is accepted (signature and, if checks_claims, exp + iss + aud). */
  int (*verify)(void *st, const char *token, size_t len);
  /** Produces a token from the workload claims; 0 on success. out == NULL in the timed loop;
   *  otherwise *out receives a malloc'd NUL-terminated copy. */
  int (*sign)(void *st, char **out, size_t *out_len);
  void (*teardown)(void *st);
  int checks_claims; /* 0 only for the raw-crypto limit */
} bench_impl;

/* ---- files --------------------------------------------------------------------------- */

/** Reads a whole file, NUL-terminated; NULL (and a message) on failure. */
static inline char *bench_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;
  if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
      !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "bench: cannot read %s\n", path);
    free(buf);
    if (f)
      fclose(f);
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  if (len)
    *len = (size_t)n;
  return buf;
}

/** Reads DIR/<pre><alg><post>, e.g. bench_read_w(w, "keys/", ".pub.pem", &n). */
static inline char *bench_read_w(const bench_workload *w, const char *pre, const char *post, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s%s%s", w->dir, pre, w->alg, post);
  return bench_read_file(path, len);
}

/** Strips trailing whitespace (files written by tools end with a newline). */
static inline void bench_chomp(char *s, size_t *len) {
  while (*len && (s[*len - 1] == '\n' || s[*len - 1] == '\r' || s[*len - 1] == ' '))
    s[--*len] = '\0';
}

static inline int bench_load_workload(bench_workload *w, const char *dir, const char *alg) {
  size_t n;
  char *claims;
  memset(w, 0, sizeof *w);
  w->dir = dir;
  w->alg = alg;
  if (!(w->token = bench_read_w(w, "tokens/", ".jwt", &w->token_len)))
    return -1;
  bench_chomp(w->token, &w->token_len);
  char path[1024];
  snprintf(path, sizeof path, "%s/claims.txt", dir);
  if (!(claims = bench_read_file(path, &n)))
    return -1;
  if (sscanf(claims, "%lld %lld %31s", &w->iat, &w->exp, w->jti) != 3) {
    fprintf(stderr, "bench: bad claims.txt\n");
    free(claims);
    return -1;
  }
  free(claims);
  return 0;
}

/* ---- the token's parts ------------------------------------------------------------------ */

/** Length of the signing input (header.payload), i.e. the offset of the second '.'; 0 if none. */
static inline size_t bench_signing_input_len(const char *tok, size_t len) {
  const char *d1 = memchr(tok, '.', len), *d2;
  if (!d1 || !(d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))))
    return 0;
  return (size_t)(d2 - tok);
}

/** A malloc'd copy of tok with one base64url character changed in the middle of segment seg. */
static inline char *bench_tamper(const char *tok, size_t len, int seg) {
  char *t = malloc(len + 1);
  size_t start = 0, end = len;
  int s = 0;
  if (!t)
    return NULL;
  memcpy(t, tok, len + 1);
  for (size_t i = 0; i < len; i++) {
    if (tok[i] != '.')
      continue;
    if (s == seg - 1)
      start = i + 1;
    if (s == seg)
      end = i;
    s++;
  }
  size_t mid = start + (end - start) / 2;
  t[mid] = t[mid] == 'A' ? 'B' : 'A';
  return t;
}

/* ---- the driver -------------------------------------------------------------------------- */

typedef struct bench_ctx {
  const bench_impl *impl;
  void *st;
  const char *token;
  size_t token_len;
} bench_ctx;

static inline int bench_verify_op(void *p) {
  bench_ctx *c = p;
  return c->impl->verify(c->st, c->token, c->token_len);
}

static inline int bench_sign_op(void *p) {
  bench_ctx *c = p;
  return c->impl->sign(c->st, NULL, NULL);
}

static inline void bench_print(const char *impl, const char *alg, const char *op, double rate) {
  if (rate < 0) {
    fprintf(stderr, "%s %s %s: an operation failed inside the timed loop\n", impl, alg, op);
    printf("%s\t%s\t%s\tFAIL\n", impl, alg, op);
  } else
    printf("%s\t%s\t%s\t%.0f\n", impl, alg, op, rate);
  fflush(stdout);
}

static inline void bench_print_word(const char *impl, const char *alg, const char *op, const char *w) {
  printf("%s\t%s\t%s\t%s\n", impl, alg, op, w);
  fflush(stdout);
}

/** Verifies that file tokens/<alg><post> is rejected (expect 0) or accepted (expect 1). */
static inline int bench_expect_file(const bench_impl *impl, void *st, const bench_workload *w,
                                    const char *post, int expect) {
  size_t n;
  char *t = bench_read_w(w, "tokens/", post, &n);
  int ok;
  if (!t)
    return -1;
  bench_chomp(t, &n);
  ok = (impl->verify(st, t, n) == 0) == expect;
  free(t);
  return ok ? 0 : -1;
}

/** All checks outside the timed loop; NULL when they pass, else what failed. */
static inline const char *bench_checks(const bench_impl *impl, void *st, const bench_workload *w) {
  const char *why = NULL;
  char *own = NULL, *bad;
  size_t own_len = 0;
  if (impl->verify(st, w->token, w->token_len) != 0)
    return "reference token rejected";
  for (int seg = 2; seg >= 1 && !why; seg--) {
    if (!(bad = bench_tamper(w->token, w->token_len, seg)))
      return "nomem";
    if (impl->verify(st, bad, w->token_len) == 0)
      why = seg == 2 ? "token with a flipped signature char accepted"
                     : "token with a flipped payload char accepted";
    free(bad);
  }
  if (why)
    return why;
  if (impl->checks_claims && bench_expect_file(impl, st, w, ".badaud.jwt", 0) != 0)
    return "token with aud \"other\" accepted";
  if (impl->checks_claims && bench_expect_file(impl, st, w, ".expired.jwt", 0) != 0)
    return "expired token accepted";
  if (impl->sign(st, &own, &own_len) != 0)
    return "sign failed";
  if (impl->verify(st, own, own_len) != 0)
    why = "own token rejected";
  else if ((bad = bench_tamper(own, own_len, 2)) == NULL || impl->verify(st, bad, own_len) == 0)
    why = "own token with a flipped signature char accepted";
  else
    free(bad);
  free(own);
  return why;
}

static inline void bench_usage(const char *prog) {
  fprintf(stderr,
          "usage: %s [--work DIR] [--algs A,B,..] [--threads N]\n"
          "       %s [--work DIR] --repeat-verify ALG COUNT\n",
          prog, prog);
}

static inline int bench_main(const bench_impl *impl, int argc, char **argv) {
  const char *dir = getenv("BENCH_WORK") ? getenv("BENCH_WORK") : "bench/out/work";
  char algs_buf[256] = "HS256,RS256,ES256,EdDSA";
  const char *repeat_alg = NULL;
  long repeat = 0;
  int threads = 0, status = 0;
  bench_config cfg = bench_config_from_env();

  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--work") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--algs") && i + 1 < argc)
      snprintf(algs_buf, sizeof algs_buf, "%s", argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--repeat-verify") && i + 2 < argc) {
      repeat_alg = argv[++i];
      repeat = atol(argv[++i]);
    } else {
      bench_usage(argv[0]);
      return 2;
    }
  }

  if (repeat_alg) { /* memory measurement: set-up, then COUNT verifications, nothing else */
    bench_workload w;
    void *st;
    int rc = 0;
    if (impl->unsupported(repeat_alg) || bench_load_workload(&w, dir, repeat_alg) != 0 ||
        !(st = impl->setup(&w)))
      return 1;
    for (long i = 0; i < repeat && rc == 0; i++)
      rc = impl->verify(st, w.token, w.token_len);
    impl->teardown(st);
    free(w.token);
    return rc == 0 ? 0 : 1;
  }

  for (char *alg = strtok(algs_buf, ","); alg; alg = strtok(NULL, ",")) {
    bench_workload w;
    bench_ctx c = {impl, NULL, NULL, 0};
    const char *why = impl->unsupported(alg);
    char name[128];
    snprintf(name, sizeof name, "%s-%dthreads", impl->name, threads);
    if (why) {
      fprintf(stderr, "%s %s: n/a: %s\n", impl->name, alg, why);
      bench_print_word(threads ? name : impl->name, alg, "verify", "n/a");
      if (!threads)
        bench_print_word(impl->name, alg, "sign", "n/a");
      continue;
    }
    if (bench_load_workload(&w, dir, alg) != 0 || !(c.st = impl->setup(&w)))
      why = "set-up failed";
    else
      why = bench_checks(impl, c.st, &w);
    if (why) {
      fprintf(stderr, "%s %s: FAIL: %s\n", impl->name, alg, why);
      bench_print_word(threads ? name : impl->name, alg, "verify", "FAIL");
      if (!threads)
        bench_print_word(impl->name, alg, "sign", "FAIL");
      status = 1;
    } else if (threads) {
      c.token = w.token;
      c.token_len = w.token_len;
      double one = bench_measure(&cfg, bench_verify_op, &c);
      double many = bench_measure_threads(&cfg, bench_verify_op, &c, threads);
      bench_print(name, alg, "verify-1thread", one);
      bench_print(name, alg, "verify", many);
    } else {
      c.token = w.token;
      c.token_len = w.token_len;
      bench_print(impl->name, alg, "verify", bench_measure(&cfg, bench_verify_op, &c));
      bench_print(impl->name, alg, "sign", bench_measure(&cfg, bench_sign_op, &c));
    }
    if (c.st)
      impl->teardown(c.st);
    free(w.token);
  }
  return status;
}

#endif
