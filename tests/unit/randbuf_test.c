/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/randbuf_test.c - the per-thread buffer of random bytes that JWE encryption draws its
 * content keys and IVs from (lib/randbuf.c): every draw is fresh, across buffer refills, across
 * threads, and above all across fork(): a child must never take the bytes its parent takes next
 * (the same CEK and IV under the same key would be AES-GCM's nonce reuse). Checked on the raw
 * draws and end to end on JWE tokens encrypted by a parent and its child.
 */
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

#define DRAW    44  /* an A256GCM CEK and IV */
#define NDRAWS  400 /* several refills of a 4 KiB buffer */
#define THREADS 4

static unsigned char draws[NDRAWS][DRAW];

static bool all_zero(const unsigned char *p, size_t n) {
  unsigned char acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

/* Draws NDRAWS values, each different from every other and none all zero. */
static void distinct_draws(void) {
  for (size_t i = 0; i < NDRAWS; i++) {
    CHECK_ST(wb__random_msg(draws[i], DRAW, NULL), WB_OK);
    CHECK(!all_zero(draws[i], DRAW));
  }
  int same = 0;
  for (size_t i = 0; i < NDRAWS; i++)
    for (size_t j = i + 1; j < NDRAWS; j++)
      same += memcmp(draws[i], draws[j], DRAW) == 0;
  CHECK(same == 0);
}

/* Sizes from 1 to past the buffered maximum (those go to RAND_bytes): all served. */
static void sizes(void) {
  unsigned char buf[WB_RANDOM_MSG_MAX + 64];
  for (size_t n = 1; n <= sizeof(buf); n += 7)
    CHECK_ST(wb__random_msg(buf, n, NULL), WB_OK);
  CHECK_ST(wb__random_msg(buf, 0, NULL), WB_OK);
}

/* The next DRAW bytes of the parent and of a child forked now: they must differ. pipe_fd carries the
 * child's to the parent. */
static void fork_raw(void) {
  unsigned char warm[DRAW], mine[DRAW], theirs[DRAW];
  int fd[2];
  CHECK_ST(wb__random_msg(warm, sizeof(warm), NULL), WB_OK); /* the buffer is full and in use */
  CHECK(pipe(fd) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    unsigned char c[DRAW];
    int ok = wb__random_msg(c, sizeof(c), NULL) == WB_OK && write(fd[1], c, sizeof(c)) == (ssize_t)sizeof(c);
    _exit(ok ? 0 : 1);
  }
  close(fd[1]);
  CHECK_ST(wb__random_msg(mine, sizeof(mine), NULL), WB_OK);
  CHECK(read(fd[0], theirs, sizeof(theirs)) == (ssize_t)sizeof(theirs));
  close(fd[0]);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(memcmp(mine, theirs, DRAW) != 0);
}

/* A JWE encrypted by the parent and one by its child, same key, same plaintext: the encrypted key,
 * the IV, the ciphertext and the tag all differ. */
static void fork_jwe(void) {
  unsigned char secret[32];
  CHECK(RAND_bytes(secret, sizeof(secret)) == 1);
  wb_key *key = NULL;
  wb_encrypter *e = NULL;
  CHECK_ST(wb_key_from_secret(&key, secret, sizeof(secret), NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, key, WB_JWE_A256KW, WB_ENC_A256GCM, NULL), WB_OK);
  const unsigned char msg[] = "{\"sub\":\"same\"}";
  char *warm = NULL, *mine = NULL, theirs[512] = "";
  size_t len = 0;
  CHECK_ST(wb_jwe_encrypt(e, msg, sizeof(msg) - 1, &warm, NULL, NULL), WB_OK);
  wb_string_free(warm);
  int fd[2];
  CHECK(pipe(fd) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char *t = NULL;
    size_t n = 0;
    int ok = wb_jwe_encrypt(e, msg, sizeof(msg) - 1, &t, &n, NULL) == WB_OK && n < sizeof(theirs) &&
             write(fd[1], t, n + 1) == (ssize_t)(n + 1);
    _exit(ok ? 0 : 1);
  }
  close(fd[1]);
  CHECK_ST(wb_jwe_encrypt(e, msg, sizeof(msg) - 1, &mine, &len, NULL), WB_OK);
  ssize_t got = 0, r;
  while ((r = read(fd[0], theirs + got, sizeof(theirs) - 1 - (size_t)got)) > 0)
    got += r;
  close(fd[0]);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(got > 0 && (size_t)got == len + 1);
  /* header . ek . iv . ct . tag: the header is the same, every other part must differ */
  const char *a = mine != NULL ? strchr(mine, '.') : NULL, *b = strchr(theirs, '.');
  CHECK(a != NULL && b != NULL);
  for (int part = 1; a != NULL && b != NULL && part <= 4; part++) {
    size_t la = strcspn(a + 1, "."), lb = strcspn(b + 1, ".");
    CHECK(la == lb && memcmp(a + 1, b + 1, la) != 0);
    a = strchr(a + 1, '.');
    b = strchr(b + 1, '.');
  }
  wb_string_free(mine);
  wb_encrypter_free(e);
  wb_key_free(key);
}

static void *thread_draws(void *arg) {
  unsigned char(*out)[DRAW] = arg;
  for (int i = 0; i < 8; i++)
    if (wb__random_msg(out[i], DRAW, NULL) != WB_OK)
      memset(out[i], 0, DRAW);
  return NULL;
}

/* Threads each with their own buffer: no draw repeats another thread's. */
static void threads(void) {
  static unsigned char out[THREADS][8][DRAW];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_create(&t[i], NULL, thread_draws, out[i]) == 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  unsigned char(*all)[DRAW] = (unsigned char(*)[DRAW])out;
  int same = 0, zero = 0;
  for (int i = 0; i < THREADS * 8; i++) {
    zero += all_zero(all[i], DRAW);
    for (int j = i + 1; j < THREADS * 8; j++)
      same += memcmp(all[i], all[j], DRAW) == 0;
  }
  CHECK(same == 0 && zero == 0);
}

int main(void) {
#ifdef __linux__
  CHECK(wb__random_msg_buffered()); /* else every check below passes without testing the buffer */
#endif
  distinct_draws();
  sizes();
  fork_raw();
  fork_jwe();
  threads();
  return CHECK_DONE();
}
