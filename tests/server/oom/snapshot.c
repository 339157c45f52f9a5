/* SPDX-License-Identifier: MIT */
/*
 * tests/server/oom/snapshot.c - what a store holds, as text (snapshot.h): the OOM tests compare
 * it before and after a call that failed, which must have changed nothing.
 */
#include "snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oom_harness.h"

typedef struct dump {
  char *buf;
  size_t len, cap;
} dump;

__attribute__((format(printf, 2, 3))) static void put(dump *d, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if (d->len + (size_t)n + 1 > d->cap) {
    size_t cap = (d->cap + (size_t)n + 1) * 2;
    char *b = realloc(d->buf, cap);
    if (b == NULL)
      return;
    d->buf = b;
    d->cap = cap;
  }
  memcpy(d->buf + d->len, line, (size_t)n + 1);
  d->len += (size_t)n;
}

static int dump_user(void *ctx, const store_user *u) {
  put(ctx, "user %s %s %s %s %s %d %lld %lld\n", u->id, u->name, u->password_hash, u->roles, u->claims,
      u->disabled, (long long)u->tokens_valid_after_us, (long long)u->created_us);
  return 0;
}

static int dump_session(void *ctx, const store_session *x) {
  put(ctx, "session %s %s %lld %lld %lld %lld %lld %s|%s|%s|%s\n", x->id, x->user_id, (long long)x->counter,
      (long long)x->rotated_us, (long long)x->created_us, (long long)x->last_used_us,
      (long long)x->revoked_us, x->scope, x->client_id, x->user_agent, x->address);
  return 0;
}

static int dump_deny(void *ctx, const char *jti, int64_t exp) {
  put(ctx, "deny %s %lld\n", jti, (long long)exp);
  return 0;
}

static int dump_secret(void *ctx, const char *name, const unsigned char *v, size_t len) {
  put(ctx, "secret %s %zu %02x\n", name, len, len > 0 ? v[0] : 0);
  return 0;
}

static int dump_client(void *ctx, const char *name, const unsigned char *h, size_t len, int64_t created) {
  put(ctx, "client %s %zu %02x %lld\n", name, len, len > 0 ? h[0] : 0, (long long)created);
  return 0;
}

static int dump_key(void *ctx, const store_key *k) {
  put(ctx, "key %s %s %zu %zu %lld %lld %lld\n", k->kid, k->alg, strlen(k->public_jwk), k->private_enc_len,
      (long long)k->created_us, (long long)k->activated_us, (long long)k->sign_until_s);
  return 0;
}

char *oom_snapshot(store *S) {
  oom_pause();
  dump d = {0};
  int64_t version = 0;
  int ok = S->ops->user_list(S, dump_user, &d, NULL) == SRV_OK &&
           S->ops->session_list_all(S, dump_session, &d, NULL) == SRV_OK &&
           S->ops->deny_list(S, dump_deny, &d, NULL) == SRV_OK &&
           S->ops->secret_list(S, dump_secret, &d, NULL) == SRV_OK &&
           S->ops->client_list(S, dump_client, &d, NULL) == SRV_OK &&
           S->ops->key_list(S, dump_key, &d, NULL) == SRV_OK &&
           S->ops->keys_version(S, &version, NULL) == SRV_OK;
  put(&d, "keys version %lld\n", (long long)version);
  EXPECT(ok);
  oom_resume();
  return d.buf;
}

int oom_zeroed(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != 0)
      return 0;
  return 1;
}
