/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_keys_test.c - allocation failures while importing and exporting keys of every
 * type (RSA with and without CRT factors, EC, OKP, oct; JWK and PEM) and a JWKS (through the
 * sniffing wb_keyset_parse): every failure reports itself consistently (err->code is the
 * returned status, the message says why) and leaves *out NULL; when only wristband's and
 * jansson's allocations fail (pass 2) it is WB_ERR_NOMEM and nothing leaks; a success is the very
 * key, private half included. Uses oom_harness.c's failing allocator (plain builds only, label no-asan).
 *
 * Importing an RSA private key with CRT factors runs OpenSSL's pairwise check (about 50 ms a
 * run), and PEM goes through OpenSSL's decoders (thousands of libcrypto allocations): those keys
 * get pass 2 only, which fails wristband's and jansson's allocations. The RSA key without CRT
 * factors (checked by wristband itself) and the JWKs get both.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

#define NKEYS 7
/* The keys, made before any failure is injected: texts[i] is the JWK or PEM text of kinds[i]. */
static const struct {
  wb_kty kty;
  wb_crv crv;
  int pem;   /* import PEM text (else JWK) */
  int heavy; /* pass 2 only (see above) */
  int crt;   /* RSA: keep the CRT factors (without them OpenSSL cannot write PKCS#8) */
} kinds[NKEYS] = {
    {WB_KTY_RSA, WB_CRV_NONE, 0, 0, 0}, {WB_KTY_RSA, WB_CRV_NONE, 0, 1, 1},
    {WB_KTY_RSA, WB_CRV_NONE, 1, 1, 1}, {WB_KTY_EC, WB_CRV_P256, 0, 0, 1},
    {WB_KTY_EC, WB_CRV_P384, 1, 1, 1},  {WB_KTY_OKP, WB_CRV_ED25519, 0, 0, 1},
    {WB_KTY_OCT, WB_CRV_NONE, 0, 0, 1},
};
static char *texts[NKEYS];
static char thumbprints[NKEYS][WB_THUMBPRINT_LEN]; /* of each key, before any failure */
static int current_key; /* the key the scenario imports: failures are injected key by key */

/* Checks a failed call: consistent err, and nomem when only our allocations can fail. */
static void failed_cleanly(wb_status st, const wb_error *err) {
  if (err->code != st)
    fprintf(stderr, "key %d: returned %s, err says %s (%s)\n", current_key, wb_status_name(st),
            wb_status_name(err->code), err->message);
  EXPECT(err->code == st);
  EXPECT(err->message[0] != '\0');
  if (oom_skip_libcrypto && st != WB_ERR_NOMEM) {
    fprintf(stderr, "key %d: got %s (%s), want nomem\n", current_key, wb_status_name(st), err->message);
    EXPECT(st == WB_ERR_NOMEM);
  }
}

/* Imports text (the key current_key), checks its thumbprint and exports it again (JWK, and PEM
 * when pem_export). */
static int round_trip(const char *text, int pem_export) {
  wb_key *key = NULL;
  char *jwk = NULL, *pem = NULL;
  char tp[WB_THUMBPRINT_LEN];
  wb_error err;
  int ok = 0;
  wb_status st = wb_key_parse(&key, text, strlen(text), &err);
  if (st != WB_OK) {
    failed_cleanly(st, &err);
    EXPECT(key == NULL);
    goto out;
  }
  st = wb_key_thumbprint(key, tp, &err);
  if (st != WB_OK) {
    failed_cleanly(st, &err);
    EXPECT(tp[0] == '\0');
    goto out;
  }
  EXPECT(strcmp(tp, thumbprints[current_key]) == 0); /* a success imported that very key */
  EXPECT(wb_key_is_private(key));                    /* with its private half */
  st = wb_key_to_jwk(key, WB_KEY_PRIVATE, &jwk, &err);
  if (st != WB_OK) {
    failed_cleanly(st, &err);
    EXPECT(jwk == NULL);
    goto out;
  }
  if (!kinds[current_key].pem) /* the JWK written back is the JWK read, member for member */
    EXPECT(strcmp(jwk, text) == 0);
  if (pem_export && (st = wb_key_to_pem(key, WB_KEY_PRIVATE, &pem, &err)) != WB_OK) {
    failed_cleanly(st, &err);
    EXPECT(pem == NULL);
    goto out;
  }
  ok = 1;
out:
  wb_string_free(pem);
  wb_string_free(jwk);
  wb_key_free(key);
  return ok;
}

static int scenario(void) {
  return round_trip(texts[current_key], kinds[current_key].kty != WB_KTY_OCT && kinds[current_key].crt);
}

static char *jwks; /* a JWKS of the public halves of the P-256 and Ed25519 keys */

/* Parses jwks (the sniffing path) and writes it back. */
static int keyset_scenario(void) {
  wb_keyset *set = NULL;
  char *out = NULL;
  wb_error err;
  int ok = 0;
  wb_status st = wb_keyset_parse(&set, jwks, strlen(jwks), &err);
  if (st != WB_OK) {
    failed_cleanly(st, &err);
    EXPECT(set == NULL);
    goto out;
  }
  EXPECT(wb_keyset_count(set) == 2);
  st = wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &out, &err);
  if (st != WB_OK) {
    failed_cleanly(st, &err);
    EXPECT(out == NULL);
    goto out;
  }
  ok = strcmp(out, jwks) == 0;
  EXPECT(ok);
out:
  wb_string_free(out);
  wb_keyset_free(set);
  return ok;
}

/* Injects failures into the round trip of each key in turn, then of the key set; returns the
 * runs made. */
static long inject_each(void) {
  long runs = 0;
  for (current_key = 0; current_key < NKEYS; current_key++)
    if (oom_skip_libcrypto || !kinds[current_key].heavy)
      runs += oom_inject_all(scenario);
  return runs + oom_inject_all(keyset_scenario);
}

/* The JWK text without the RSA CRT members. */
static char *without_crt(const char *jwk) {
  json_t *j = json_loads(jwk, 0, NULL);
  static const char *const crt[] = {"p", "q", "dp", "dq", "qi"};
  for (size_t i = 0; j != NULL && i < sizeof(crt) / sizeof(crt[0]); i++)
    json_object_del(j, crt[i]);
  char *out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return out;
}

/* Generates each key and writes its text; the CRT-less one is written by jansson (free()). */
static int setup(void) {
  for (int i = 0; i < NKEYS; i++) {
    wb_key *key = NULL;
    char *text = NULL;
    wb_status st = wb_key_generate(&key, kinds[i].kty, kinds[i].crv, 0, NULL);
    if (st == WB_OK)
      st = wb_key_thumbprint(key, thumbprints[i], NULL);
    if (st == WB_OK)
      st = kinds[i].pem ? wb_key_to_pem(key, WB_KEY_PRIVATE, &text, NULL)
                        : wb_key_to_jwk(key, WB_KEY_PRIVATE, &text, NULL);
    wb_key_free(key);
    if (st != WB_OK)
      return 0;
    texts[i] = kinds[i].crt ? text : without_crt(text);
    if (!kinds[i].crt)
      wb_string_free(text);
    if (texts[i] == NULL)
      return 0;
  }
  return 1;
}

/* The JWKS of the public halves of keys texts[a] and texts[b], with kids. */
static char *make_jwks(int a, int b) {
  wb_keyset *set = NULL;
  char *out = NULL;
  int ok = wb_keyset_new(&set, NULL) == WB_OK;
  for (int i = 0; i < 2 && ok; i++) {
    const char *text = texts[i == 0 ? a : b];
    wb_key *key = NULL, *pub = NULL;
    ok = wb_key_parse(&key, text, strlen(text), NULL) == WB_OK && wb_key_public(&pub, key, NULL) == WB_OK &&
         wb_key_set_kid(pub, i == 0 ? "a" : "b", NULL) == WB_OK && wb_keyset_add(set, pub, NULL) == WB_OK;
    wb_key_free(pub);
    wb_key_free(key);
  }
  if (ok && wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &out, NULL) != WB_OK)
    out = NULL;
  wb_keyset_free(set);
  return out;
}

/* Round-trips every key and the key set a few times without failures. */
static void settle(void) {
  for (int i = 0; i < 3; i++) {
    for (current_key = 0; current_key < NKEYS; current_key++)
      EXPECT(scenario() == 1);
    EXPECT(keyset_scenario() == 1);
  }
}

int main(void) {
  if (!setup() || (jwks = make_jwks(3, 5)) == NULL) {
    fprintf(stderr, "set-up failed\n");
    return 1;
  }
  settle(); /* every round trip works, and OpenSSL's lazy state is warm */
  long all = inject_each();
  printf("pass 1: %ld runs, allocation failures injected everywhere (OpenSSL included)\n", all);

  oom_skip_libcrypto = 1;
  settle(); /* OpenSSL's state after failures of its own settles */
  long baseline = oom_live();
  long ours = inject_each();
  long leaked = oom_live() - baseline;
  printf("pass 2: %ld runs, failures outside libcrypto; live heap blocks %ld before, %ld after\n", ours,
         baseline, baseline + leaked);
  EXPECT(leaked == 0);
  wb_string_free(jwks);
  for (int i = 0; i < NKEYS; i++)
    if (kinds[i].crt)
      wb_string_free(texts[i]);
    else
      free(texts[i]);
  return oom_report();
}
