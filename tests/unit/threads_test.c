/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/threads_test.c - one verifier shared by 8 threads (jwt.h: "wb_verify() takes it
 * const, never changes it and may run from many threads at once").
 *
 * The main thread builds the verifiers with a fixed clock and a table of tokens with their
 * expected status: one valid token per algorithm (HS256, ES256, RS256, EdDSA) and some that must
 * fail (tampered, expired, alg none, unknown kid). A key set may not mix symmetric and asymmetric
 * keys (keyset.c refuses it, as Wycheproof's MixedKeySet asks), so there are two shared
 * verifiers: one for the HS256 key, one for the set of the three asymmetric keys. Then 8 threads
 * verify the whole table ITERATIONS times, in a different order each, and check every result,
 * including the "sub" of the verified claims. The asymmetric cases also go through a third
 * verifier with the result cache on, so its locks and evictions are exercised. Every thread also
 * signs one shared builder with shared signers (a const builder is read-only: the HS256 tokens must
 * equal the one signed before the threads started) and reads the custom claims of one shared
 * verified claims object, whose index is built by whichever thread gets there first. Run under
 * ASan+UBSan by `make test`, and under ThreadSanitizer by tests/install/tsan (a separate clang build).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "check.h"

#define THREADS    8
#define ITERATIONS 200
#define NOW        1700000000LL
#define MAX_CASES  16

typedef struct {
  char *token;     /* from the library (wb_string_free) unless from_libc */
  bool from_libc;  /* strdup'ed here: free() */
  size_t verifier; /* index into shared_verifiers */
  wb_status want;
  const char *sub; /* expected "sub" when want == WB_OK */
} tcase;

static tcase cases[MAX_CASES];
static size_t ncases;
/* [0] the HS256 key, [1] the asymmetric set, [2] the same set with a tiny result cache (4 slots,
 * so threads keep hitting, evicting and replacing entries under its locks) */
static const wb_verifier *shared_verifiers[3];
static atomic_uint mismatches, verified;
static const wb_builder *shared_builder;   /* signed by every thread */
static const wb_signer *shared_signers[2]; /* [0] HS256 (deterministic), [1] ES256 */
static char *reference_token;              /* shared_builder signed by shared_signers[0] */
static const wb_claims *shared_claims;     /* read by every thread */

/* HS256 first: make_verifier puts keys[0] alone and keys[1..] in the asymmetric set. */
static const wb_alg algs[] = {WB_ALG_HS256, WB_ALG_ES256, WB_ALG_RS256, WB_ALG_EDDSA};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* The verifier of the key of alg i of algs[]. */
static size_t verifier_of(size_t i) {
  return algs[i] == WB_ALG_HS256 ? 0 : 1;
}

static void add_case(char *token, bool from_libc, size_t verifier, wb_status want, const char *sub) {
  CHECK(token != NULL && ncases < MAX_CASES);
  if (token == NULL || ncases >= MAX_CASES) {
    if (from_libc)
      free(token);
    else
      wb_string_free(token);
    return;
  }
  cases[ncases].token = token;
  cases[ncases].from_libc = from_libc;
  cases[ncases].verifier = verifier;
  cases[ncases].want = want;
  cases[ncases].sub = sub;
  ncases++;
}

/* A token of key (default header: typ JWT, kid) with the given claims JSON. */
static char *sign_claims(const wb_key *key, const char *claims_json) {
  wb_signer *s = NULL;
  wb_builder *c = NULL;
  char *tok = NULL;
  wb_error err = {0};
  CHECK_ST(wb_signer_new(&s, key, WB_ALG_INVALID, &err), WB_OK);
  CHECK_ST(wb_builder_from_json(&c, claims_json, strlen(claims_json), &err), WB_OK);
  if (s != NULL && c != NULL)
    CHECK_ST(wb_sign(s, c, &tok, NULL, &err), WB_OK);
  wb_builder_free(c);
  wb_signer_free(s);
  return tok;
}

/* Copies tok with its signature's first character changed. */
static char *tampered(const char *tok) {
  char *t = strdup(tok);
  char *sig = strrchr(t, '.') + 1;
  *sig = *sig == 'A' ? 'B' : 'A';
  return t;
}

static void build_cases(wb_key *const *keys, wb_key *stranger) {
  static const char *const subs[NALGS] = {"hs256-user", "es256-user", "rs256-user", "eddsa-user"};
  for (size_t i = 0; i < NALGS; i++) {
    char claims[128];
    snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"exp\":1700000600}", subs[i]);
    char *ok = sign_claims(keys[i], claims);
    if (ok != NULL)
      add_case(tampered(ok), true, verifier_of(i), WB_ERR_BAD_SIGNATURE, NULL);
    add_case(ok, false, verifier_of(i), WB_OK, subs[i]);
  }
  add_case(sign_claims(keys[1], "{\"sub\":\"late\",\"exp\":1699999999}"), false, 1, WB_ERR_EXPIRED, NULL);
  add_case(sign_claims(stranger, "{\"sub\":\"stranger\",\"exp\":1700000600}"), false, 1, WB_ERR_KEY_NOT_FOUND,
           NULL);
  /* {"alg":"none"}.{"sub":"none","exp":1700000600}. presented to both verifiers */
  for (size_t v = 0; v < 2; v++)
    add_case(strdup("eyJhbGciOiJub25lIn0.eyJzdWIiOiJub25lIiwiZXhwIjoxNzAwMDAwNjAwfQ."), true, v,
             WB_ERR_ALG_NOT_ALLOWED, NULL);
}

/* Verifies one case and compares with its expectation; returns 1 on a mismatch (printed when
 * verbose: the threads stay quiet and only count). */
static unsigned run_one(const tcase *c, const wb_verifier *v, bool verbose) {
  wb_claims *claims = NULL;
  wb_error err;
  wb_status st = wb_verify(v, c->token, strlen(c->token), &claims, &err);
  unsigned bad = st != c->want;
  if (st == WB_OK) {
    const char *sub = wb_claims_sub(claims);
    bad |= sub == NULL || c->sub == NULL || strcmp(sub, c->sub) != 0;
  } else {
    bad |= claims != NULL || err.code != st;
  }
  if (bad && verbose)
    fprintf(stderr, "case %.40s...: got %s (%s), want %s\n", c->token, wb_status_name(st),
            st == WB_OK ? "" : err.message, wb_status_name(c->want));
  wb_claims_free(claims);
  return bad;
}

/* Runs a case on its verifier, and asymmetric cases on the cached verifier too. */
static unsigned run_case(const tcase *c, bool verbose) {
  unsigned bad = run_one(c, shared_verifiers[c->verifier], verbose);
  if (c->verifier == 1)
    bad += run_one(c, shared_verifiers[2], verbose);
  return bad;
}

/* Signs the shared builder with both shared signers and checks the tokens; 0 when all is well. */
static unsigned sign_shared(void) {
  unsigned bad = 0;
  char *tok = NULL;
  bad |= wb_sign(shared_signers[0], shared_builder, &tok, NULL, NULL) != WB_OK;
  bad |= tok == NULL || strcmp(tok, reference_token) != 0;
  wb_string_free(tok);
  tok = NULL;
  bad |= wb_sign(shared_signers[1], shared_builder, &tok, NULL, NULL) != WB_OK;
  wb_claims *c = NULL;
  bad |= tok == NULL || wb_verify(shared_verifiers[1], tok, strlen(tok), &c, NULL) != WB_OK;
  bad |= c == NULL || wb_claims_sub(c) == NULL || strcmp(wb_claims_sub(c), "shared") != 0;
  wb_claims_free(c);
  wb_string_free(tok);
  return bad;
}

/* Reads custom claims of the shared verified claims (the first reader builds their index). */
static unsigned read_shared(void) {
  const char *s = NULL;
  int64_t n = 0;
  unsigned bad = wb_claims_get_string(shared_claims, "/org/name", &s, NULL) != WB_OK;
  bad |= s == NULL || strcmp(s, "acme") != 0;
  bad |= wb_claims_get_int(shared_claims, "n", &n, NULL) != WB_OK || n != 42;
  bad |= !wb_claims_has_string(shared_claims, "roles", "dev");
  return bad;
}

static void *worker(void *arg) {
  size_t offset = (size_t)(uintptr_t)arg;
  unsigned bad = 0, done = 0;
  bad += read_shared(); /* first thing, so that threads race to build the index */
  for (unsigned it = 0; it < ITERATIONS; it++) {
    for (size_t i = 0; i < ncases; i++) {
      bad += run_case(&cases[(i + offset + it) % ncases], false);
      done++;
    }
    if (it % 10 == 0)
      bad += sign_shared() + read_shared();
  }
  atomic_fetch_add(&mismatches, bad);
  atomic_fetch_add(&verified, done);
  return NULL;
}

/* A verifier for keys[from..to) (a key set) with the fixed clock. */
static wb_verifier *make_verifier(wb_key *const *keys, size_t from, size_t to) {
  wb_keyset *set = NULL;
  wb_verifier *v = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  for (size_t i = from; set != NULL && i < to; i++)
    CHECK_ST(wb_keyset_add(set, keys[i], NULL), WB_OK);
  if (set != NULL)
    CHECK_ST(wb_verifier_new(&v, set, NULL), WB_OK);
  if (v != NULL)
    CHECK_ST(wb_verifier_set_now(v, NOW, NULL), WB_OK);
  wb_keyset_free(set); /* the verifier holds its own references */
  return v;
}

/* ---- the thumbprint memo (lib/jwk_export.c): THREADS threads ask a new key at once ----------- */

static wb_key *tp_key;
static char tp_want[WB_THUMBPRINT_LEN];
static atomic_uint tp_wrong;

static void *tp_worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 200; i++) {
    char tp[WB_THUMBPRINT_LEN];
    if (wb_key_thumbprint(tp_key, tp, NULL) != WB_OK || strcmp(tp, tp_want) != 0)
      atomic_fetch_add(&tp_wrong, 1);
  }
  return NULL;
}

/* Each round: a key imported afresh from the same JWK (no thumbprint yet), THREADS threads racing
 * to compute and publish it; every answer must be the one a separate key object gives. */
static void thumbprint_race(void) {
  wb_key *ref = NULL;
  CHECK_ST(wb_key_generate(&ref, WB_KTY_EC, WB_CRV_P256, 0, NULL), WB_OK);
  char *jwk = NULL;
  CHECK_ST(wb_key_to_jwk(ref, WB_KEY_PUBLIC, &jwk, NULL), WB_OK);
  CHECK_ST(wb_key_thumbprint(ref, tp_want, NULL), WB_OK);
  for (int round = 0; round < 20 && jwk != NULL; round++) {
    CHECK_ST(wb_key_from_jwk(&tp_key, jwk, strlen(jwk), NULL), WB_OK);
    pthread_t th[THREADS];
    for (size_t t = 0; t < THREADS; t++)
      CHECK(pthread_create(&th[t], NULL, tp_worker, NULL) == 0);
    for (size_t t = 0; t < THREADS; t++)
      pthread_join(th[t], NULL);
    wb_key_free(tp_key);
  }
  CHECK(atomic_load(&tp_wrong) == 0);
  wb_string_free(jwk);
  wb_key_free(ref);
}

int main(void) {
  wb_key *keys[NALGS] = {NULL}, *stranger = NULL;
  for (size_t i = 0; i < NALGS; i++)
    CHECK_ST(wb_key_generate_for_alg(&keys[i], algs[i], WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_key_generate_for_alg(&stranger, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  wb_verifier *hmac = make_verifier(keys, 0, 1), *asym = make_verifier(keys, 1, NALGS);
  wb_verifier *cached = make_verifier(keys, 1, NALGS);
  if (cached != NULL)
    CHECK_ST(wb_verifier_enable_cache(cached, 4, NULL), WB_OK);
  wb_builder *builder = NULL;
  wb_signer *signers[2] = {NULL, NULL};
  wb_claims *claims = NULL;
  const char *shared_json = "{\"sub\":\"shared\",\"exp\":1700000600,\"price\":19.99}";
  CHECK_ST(wb_builder_from_json(&builder, shared_json, strlen(shared_json), NULL), WB_OK);
  CHECK_ST(wb_signer_new(&signers[0], keys[0], WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&signers[1], keys[1], WB_ALG_INVALID, NULL), WB_OK);
  if (builder != NULL && signers[0] != NULL)
    CHECK_ST(wb_sign(signers[0], builder, &reference_token, NULL, NULL), WB_OK);
  char *ctok = keys[1] ? sign_claims(keys[1], "{\"sub\":\"c\",\"exp\":1700000600,\"n\":42,\"org\":{\"name\":"
                                              "\"acme\"},\"roles\":[\"admin\",\"dev\"]}")
                       : NULL;
  if (hmac != NULL && asym != NULL && cached != NULL && stranger != NULL && reference_token != NULL &&
      signers[1] != NULL && ctok != NULL && wb_verify(asym, ctok, strlen(ctok), &claims, NULL) == WB_OK) {
    build_cases(keys, stranger);
    shared_verifiers[0] = hmac;
    shared_verifiers[1] = asym;
    shared_verifiers[2] = cached;
    shared_builder = builder;
    shared_signers[0] = signers[0];
    shared_signers[1] = signers[1];
    shared_claims = claims;
    /* Single-threaded first: a wrong expectation shows up here with a readable message. */
    for (size_t i = 0; i < ncases; i++)
      CHECK(run_case(&cases[i], true) == 0);
    pthread_t th[THREADS];
    for (size_t t = 0; t < THREADS; t++)
      CHECK(pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t) == 0);
    for (size_t t = 0; t < THREADS; t++)
      pthread_join(th[t], NULL);
    CHECK(atomic_load(&verified) == THREADS * ITERATIONS * ncases);
    CHECK(atomic_load(&mismatches) == 0);
    printf("%u verifications in %d threads, %u mismatches\n", atomic_load(&verified), THREADS,
           atomic_load(&mismatches));
  } else {
    CHECK(!"set-up failed");
  }
  wb_claims_free(claims);
  wb_string_free(ctok);
  wb_string_free(reference_token);
  wb_builder_free(builder);
  wb_signer_free(signers[0]);
  wb_signer_free(signers[1]);
  for (size_t i = 0; i < ncases; i++) {
    if (cases[i].from_libc)
      free(cases[i].token);
    else
      wb_string_free(cases[i].token);
  }
  wb_verifier_free(hmac);
  wb_verifier_free(asym);
  wb_verifier_free(cached);
  for (size_t i = 0; i < NALGS; i++)
    wb_key_free(keys[i]);
  wb_key_free(stranger);
  thumbprint_race();
  return CHECK_DONE();
}
