/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/dpop_edge_test.c - a DPoP proof at the edge of its window (include/wristband/dpop.h):
 * the verifier reads its clock more than once per proof (the iat window, then the replay cache),
 * so a proof whose last acceptable second ends between the two reads must still be a replay,
 * with the built-in cache and with a caller's cache that keeps its own clock (as the server's
 * store does: a row is forgotten when its expiry is not after the store's now, and instances
 * purge by their own clocks).
 */
#include "check.h"

#define URL "https://api.example/r"
#define NOW INT64_C(1700000000)

/* A clock that says t for the first read of a verification and t + 1 for every later one: the
 * second ticks over between the iat check and the replay check. */
typedef struct ticking {
  int64_t t;
  int reads;
} ticking;

static int64_t ticking_clock(void *ctx) {
  ticking *c = ctx;
  return c->t + (c->reads++ > 0 ? 1 : 0);
}

/* A caller's replay cache like the store's: id -> expiry, forgotten once expiry <= its own now. */
typedef struct store {
  unsigned char id[8][WB_DPOP_REPLAY_ID_LEN];
  int64_t exp[8];
  int n;
  const ticking *clock; /* its now: the verifier's latest reading */
} store;

static wb_status store_use(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                           wb_error *err) {
  (void)err;
  store *s = ctx;
  int64_t now = s->clock->t + (s->clock->reads > 0 ? 1 : 0);
  for (int i = 0; i < s->n; i++)
    if (memcmp(s->id[i], id, WB_DPOP_REPLAY_ID_LEN) == 0) {
      if (s->exp[i] > now)
        return WB_ERR_REPLAYED;
      s->exp[i] = expires;
      return WB_OK;
    }
  memcpy(s->id[s->n], id, WB_DPOP_REPLAY_ID_LEN);
  s->exp[s->n++] = expires;
  return WB_OK;
}

/* The proof's iat is the signer's clock: sign with a fixed one. */
static int64_t fixed(void *ctx) {
  return *(const int64_t *)ctx;
}

static void edge_of_window(bool callers_cache) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  int64_t iat = NOW - WB_DPOP_DEFAULT_MAX_AGE; /* acceptable up to and including NOW */
  wb_dpop_signer *s = NULL;
  char *p = NULL, jkt[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_dpop_signer_new(&s, k, WB_ALG_ES256, NULL), WB_OK);
  CHECK_ST(wb_dpop_signer_set_clock(s, fixed, &iat, NULL), WB_OK);
  CHECK_ST(wb_dpop_sign(s, "GET", URL, NULL, 0, NULL, &p, NULL, NULL), WB_OK);
  wb_dpop_verifier *v = NULL;
  ticking clock = {NOW - 1, 0};
  store st = {.n = 0, .clock = &clock};
  CHECK_ST(wb_dpop_verifier_new(&v, NULL), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_clock(v, ticking_clock, &clock, NULL), WB_OK);
  if (callers_cache)
    CHECK_ST(wb_dpop_verifier_set_replay_fn(v, store_use, &st, NULL), WB_OK);
  /* first use, a second before the end */
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, jkt, NULL), WB_OK);
  /* the replay lands on the last acceptable second, and the clock ticks over during the check */
  clock.t = NOW;
  clock.reads = 0;
  wb_error err;
  wb_status got = wb_dpop_verify(v, p, strlen(p), "GET", URL, jkt, &err);
  if (got == WB_OK)
    fprintf(stderr, "%s cache: a proof accepted twice at the edge of its window\n",
            callers_cache ? "caller's" : "built-in");
  CHECK(got == WB_ERR_REPLAYED || got == WB_ERR_EXPIRED);
  wb_string_free(p);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

/* The expiry a caller's cache is given: the first stale second plus the leeway, at least one. */
static int64_t last_expires;
static wb_status record(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                        wb_error *err) {
  (void)ctx;
  (void)id;
  (void)err;
  last_expires = expires;
  return WB_OK;
}

static void margin(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_NONE, 0, NULL), WB_OK);
  int64_t iat = NOW;
  wb_dpop_signer *s = NULL;
  CHECK_ST(wb_dpop_signer_new(&s, k, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_dpop_signer_set_clock(s, fixed, &iat, NULL), WB_OK);
  const int64_t leeways[] = {0, 1, WB_DPOP_DEFAULT_LEEWAY, 30};
  for (size_t i = 0; i < sizeof(leeways) / sizeof(leeways[0]); i++) {
    wb_dpop_verifier *v = NULL;
    char *p = NULL, jkt[WB_THUMBPRINT_LEN];
    CHECK_ST(wb_dpop_verifier_new(&v, NULL), WB_OK);
    CHECK_ST(wb_dpop_verifier_set_now(v, NOW, NULL), WB_OK);
    CHECK_ST(wb_dpop_verifier_set_leeway(v, leeways[i], NULL), WB_OK);
    CHECK_ST(wb_dpop_verifier_set_replay_fn(v, record, NULL, NULL), WB_OK);
    CHECK_ST(wb_dpop_sign(s, "GET", URL, NULL, 0, NULL, &p, NULL, NULL), WB_OK);
    last_expires = 0;
    CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, jkt, NULL), WB_OK);
    CHECK(last_expires == NOW + WB_DPOP_DEFAULT_MAX_AGE + 1 + (leeways[i] > 0 ? leeways[i] : 1));
    wb_string_free(p);
    wb_dpop_verifier_free(v);
  }
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

int main(void) {
  edge_of_window(false);
  edge_of_window(true);
  margin();
  return CHECK_DONE();
}
