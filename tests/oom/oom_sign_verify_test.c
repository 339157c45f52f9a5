/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_sign_verify_test.c - allocation failures on the signing and verifying paths the
 * story of oom_test.c does not take: a raw secret made a key, a kid set, a signer's setters,
 * signing with an exact header, the unverified decoder; keys made afresh each run (Ed25519, a
 * generated P-256 key, HS512 generated for its alg), so that their prepared contexts and the
 * cache's SipHash contexts are set up under failure; tokens whose header and payload are decoded
 * on the heap, whose numbers are too long for the stack, whose claims nest deeper and hold more
 * names than the scanner's inline stacks; the public half of an encryption key; a JWK with a
 * long number; a JWKS whose key has more members than the sniffing scan holds inline.
 * Uses oom_harness.c's failing allocator (plain builds only, label no-asan).
 *
 * Every failure must be reported consistently (err->code is the status, with a message), leave
 * the out-parameter NULL, and be WB_ERR_NOMEM when only wristband's and jansson's allocations
 * fail (pass 2, which must also leak nothing); a success must give the right result. The tokens
 * and key texts are made once, before any failure is injected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

#define NOW 1700000000

static const unsigned char secret[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static char *ed_jwk;     /* a fresh Ed25519 private JWK */
static char *ecdh_jwk;   /* an EC private JWK with "alg":"ECDH-ES" */
static char *long_num;   /* an oct JWK with an unknown array holding a 150-digit number and 10 more */
static char *wide_jwks;  /* a JWKS of one oct key with 70 unknown members */
static char *big_token;  /* HS512: a header and claims over 2048 bytes, exp a 150-digit real */
static char *deep_token; /* HS512: claims 20 levels deep and 80 members wide */
static char *big_header; /* the exact header of big_token */

/* Checks a failed call (at line): consistent err, and nomem when only our allocations can fail. */
static void failed_at(wb_status st, const wb_error *err, int out_null, int line) {
  EXPECT(err->code == st && err->message[0] != '\0');
  EXPECT(out_null);
  if (oom_skip_libcrypto && st != WB_ERR_NOMEM)
    fprintf(stderr, "line %d: got %s (%s), want nomem\n", line, wb_status_name(st), err->message);
  if (oom_skip_libcrypto)
    EXPECT(st == WB_ERR_NOMEM);
}
#define failed(st, err, out_null) failed_at(st, err, out_null, __LINE__)

/* ---- signing ------------------------------------------------------------------------------- */

static int signing_scenario(void) {
  wb_key *key = NULL;
  wb_signer *s = NULL;
  char *tok = NULL, *h = NULL, *p = NULL;
  wb_error err;
  int ok = 0;
  wb_status st = wb_key_from_secret(&key, secret, sizeof(secret), &err);
  if (st != WB_OK) {
    failed(st, &err, key == NULL);
    goto out;
  }
  if ((st = wb_key_set_kid(key, "a kid long enough to be copied", &err)) != WB_OK) {
    failed(st, &err, wb_key_kid(key) == NULL);
    goto out;
  }
  if ((st = wb_signer_new(&s, key, WB_ALG_HS512, &err)) != WB_OK) {
    failed(st, &err, s == NULL);
    goto out;
  }
  if ((st = wb_signer_set_typ(s, "at+jwt", &err)) != WB_OK ||
      (st = wb_signer_set_cty(s, "JWT", &err)) != WB_OK || (st = wb_signer_set_kid(s, "k2", &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  const char *claims = "{\"exp\":1700000100}";
  if ((st = wb_jws_sign(s, (const unsigned char *)claims, strlen(claims), &tok, NULL, &err)) != WB_OK) {
    failed(st, &err, tok == NULL);
    goto out;
  }
  if ((st = wb_jws_decode_unverified(tok, strlen(tok), &h, &p, &err)) != WB_OK) {
    failed(st, &err, h == NULL && p == NULL);
    goto out;
  }
  /* a signer that was set up signs with exactly the header it was given, whatever failed before */
  EXPECT(strcmp(h, "{\"alg\":\"HS512\",\"typ\":\"at+jwt\",\"cty\":\"JWT\",\"kid\":\"k2\"}") == 0);
  wb_string_free(h);
  wb_string_free(p);
  wb_string_free(tok);
  h = p = tok = NULL;
  st = wb_jws_sign_header(key, big_header, strlen(big_header), (const unsigned char *)claims, strlen(claims),
                          &tok, NULL, &err);
  if (st != WB_OK) {
    failed(st, &err, tok == NULL);
    goto out;
  }
  if ((st = wb_jws_decode_unverified(tok, strlen(tok), &h, &p, &err)) != WB_OK) {
    failed(st, &err, h == NULL && p == NULL);
    goto out;
  }
  ok = strcmp(h, big_header) == 0 && strcmp(p, claims) == 0;
  EXPECT(ok);
out:
  wb_string_free(h);
  wb_string_free(p);
  wb_string_free(tok);
  wb_signer_free(s);
  wb_key_free(key);
  return ok;
}

/* ---- fresh keys: contexts prepared under failure ------------------------------------------------ */

/* Signs with key under alg and verifies twice (a miss, then a cache hit) with a verifier on key. */
static int sign_and_verify(const wb_key *key, wb_alg alg) {
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  wb_claims *c = NULL;
  char *tok = NULL;
  wb_error err;
  int ok = 0;
  wb_status st = wb_signer_new(&s, key, alg, &err);
  if (st != WB_OK) {
    failed(st, &err, s == NULL);
    goto out;
  }
  const char *claims = "{\"sub\":\"a\",\"exp\":1700000100}";
  if ((st = wb_jws_sign(s, (const unsigned char *)claims, strlen(claims), &tok, NULL, &err)) != WB_OK) {
    failed(st, &err, tok == NULL);
    goto out;
  }
  if ((st = wb_verifier_new_key(&v, key, &err)) != WB_OK) {
    failed(st, &err, v == NULL);
    goto out;
  }
  if ((st = wb_verifier_set_now(v, NOW, &err)) != WB_OK ||
      (st = wb_verifier_enable_cache(v, 4, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  for (int i = 0; i < 2; i++) {
    wb_claims_free(c);
    c = NULL;
    if ((st = wb_verify(v, tok, strlen(tok), &c, &err)) != WB_OK) {
      failed(st, &err, c == NULL);
      goto out;
    }
  }
  ok = strcmp(wb_claims_sub(c), "a") == 0;
  EXPECT(ok);
out:
  wb_claims_free(c);
  wb_verifier_free(v);
  wb_string_free(tok);
  wb_signer_free(s);
  return ok;
}

static int fresh_keys_scenario(void) {
  wb_key *ed = NULL, *gen = NULL, *ec = NULL;
  wb_error err;
  int ok = 0;
  wb_status st = wb_key_from_jwk(&ed, ed_jwk, strlen(ed_jwk), &err);
  if (st != WB_OK) {
    failed(st, &err, ed == NULL);
    goto out;
  }
  if (!sign_and_verify(ed, WB_ALG_EDDSA))
    goto out;
  if ((st = wb_key_generate_for_alg(&gen, WB_ALG_HS512, WB_CRV_NONE, 0, &err)) != WB_OK) {
    failed(st, &err, gen == NULL);
    goto out;
  }
  if ((st = wb_key_generate(&ec, WB_KTY_EC, WB_CRV_P256, 0, &err)) != WB_OK) {
    failed(st, &err, ec == NULL);
    goto out;
  }
  EXPECT(wb_key_is_private(ec)); /* a generated key holds its private half, or generation failed */
  ok = wb_key_kid(gen) != NULL && wb_key_alg(gen) == WB_ALG_HS512 && wb_key_is_private(ec);
  EXPECT(ok);
out:
  wb_key_free(ec);
  wb_key_free(gen);
  wb_key_free(ed);
  return ok;
}

/* ---- verification of unusual tokens ------------------------------------------------------------- */

static wb_verifier *hs_verifier; /* HS512 key of secret, at NOW */

static int verify_scenario(void) {
  wb_claims *c = NULL;
  wb_error err;
  int ok = 0;
  /* claims not wanted: the payload is decoded on the heap; the 150-digit exp is read too */
  wb_status st = wb_verify(hs_verifier, big_token, strlen(big_token), NULL, &err);
  if (st != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_verify(hs_verifier, deep_token, strlen(deep_token), &c, &err)) != WB_OK) {
    failed(st, &err, c == NULL);
    goto out;
  }
  int64_t v = 0; /* the getter builds the tape: both scans need more than the inline stacks */
  if ((st = wb_claims_get_int(c, "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/v", &v, &err)) != WB_OK) {
    failed(st, &err, v == 0);
    goto out;
  }
  ok = v == 20;
  EXPECT(ok);
out:
  wb_claims_free(c);
  return ok;
}

/* ---- key helpers --------------------------------------------------------------------------------- */

static int keys_scenario(void) {
  wb_key *ecdh = NULL, *pub = NULL, *num = NULL;
  wb_keyset *set = NULL;
  wb_error err;
  int ok = 0;
  /* sniffed first: the scan of a key with more members than the inline name stack allocates */
  wb_status st = wb_keyset_parse(&set, wide_jwks, strlen(wide_jwks), &err);
  if (st != WB_OK) {
    failed(st, &err, set == NULL);
    goto out;
  }
  if ((st = wb_key_from_jwk(&num, long_num, strlen(long_num), &err)) != WB_OK) {
    failed(st, &err, num == NULL);
    goto out;
  }
  if ((st = wb_key_from_jwk(&ecdh, ecdh_jwk, strlen(ecdh_jwk), &err)) != WB_OK) {
    failed(st, &err, ecdh == NULL);
    goto out;
  }
  if ((st = wb_key_public(&pub, ecdh, &err)) != WB_OK) {
    failed(st, &err, pub == NULL);
    goto out;
  }
  ok = !wb_key_is_private(pub) && wb_key_bits(num) == 256 && wb_keyset_count(set) == 1;
  EXPECT(ok);
out:
  wb_keyset_free(set);
  wb_key_free(pub);
  wb_key_free(ecdh);
  wb_key_free(num);
  return ok;
}

/* ---- set-up and the two passes ------------------------------------------------------------------ */

static char *hs512_token(const char *header, const char *claims) {
  wb_key *key = NULL;
  char *tok = NULL;
  if (wb_key_from_secret(&key, secret, sizeof(secret), NULL) != WB_OK ||
      wb_jws_sign_header(key, header, strlen(header), (const unsigned char *)claims, strlen(claims), &tok,
                         NULL, NULL) != WB_OK)
    tok = NULL;
  wb_key_free(key);
  return tok;
}

static char *private_jwk(wb_kty kty, wb_crv crv) {
  wb_key *k = NULL;
  char *jwk = NULL;
  if (wb_key_generate(&k, kty, crv, 0, NULL) != WB_OK ||
      wb_key_to_jwk(k, WB_KEY_PRIVATE, &jwk, NULL) != WB_OK)
    jwk = NULL;
  wb_key_free(k);
  return jwk;
}

/* "{" + s with its last character ("}") replaced by tail (new string, free()). */
static char *replace_end(const char *s, const char *tail) {
  size_t n = strlen(s) - 1, t = strlen(tail);
  char *out = malloc(n + t + 1);
  memcpy(out, s, n);
  memcpy(out + n, tail, t + 1);
  return out;
}

static int setup(void) {
  char digits[151];
  memset(digits, '7', 150);
  digits[150] = '\0';
  size_t cap = 8192;
  char *claims = malloc(cap), *deep = malloc(cap);
  big_header = malloc(cap);
  int n = snprintf(big_header, cap, "{\"alg\":\"HS512\",\"x\":\"");
  memset(big_header + n, 'h', 2100);
  snprintf(big_header + n + 2100, cap - (size_t)n - 2100, "\"}");
  n = snprintf(claims, cap, "{\"exp\":1700000100.%s,\"pad\":\"", digits);
  memset(claims + n, 'p', 2100);
  snprintf(claims + n + 2100, cap - (size_t)n - 2100, "\"}");
  big_token = hs512_token(big_header, claims);
  n = snprintf(deep, cap, "{\"exp\":1700000100");
  for (int i = 0; i < 80; i++)
    n += snprintf(deep + n, cap - (size_t)n, ",\"m%d\":%d", i, i);
  n += snprintf(deep + n, cap - (size_t)n, ",\"a\":");
  for (int i = 0; i < 19; i++)
    n += snprintf(deep + n, cap - (size_t)n, "{\"a\":");
  n += snprintf(deep + n, cap - (size_t)n, "{\"v\":20}");
  for (int i = 0; i < 19; i++)
    n += snprintf(deep + n, cap - (size_t)n, "}");
  snprintf(deep + n, cap - (size_t)n, "}");
  deep_token = hs512_token("{\"alg\":\"HS512\"}", deep);
  free(claims);
  free(deep);
  char *ec = private_jwk(WB_KTY_EC, WB_CRV_P256), *oct = private_jwk(WB_KTY_OCT, WB_CRV_NONE), tail[400];
  ed_jwk = private_jwk(WB_KTY_OKP, WB_CRV_ED25519);
  ecdh_jwk = ec ? replace_end(ec, ",\"alg\":\"ECDH-ES\"}") : NULL;
  snprintf(tail, sizeof(tail), ",\"x-n\":[1.%s,0,1,2,3,4,5,6,7,8,9]}", digits); /* past jansson's 8 slots */
  long_num = oct ? replace_end(oct, tail) : NULL;
  wide_jwks = malloc(cap);
  n = snprintf(wide_jwks, cap, "{\"keys\":[");
  n += snprintf(wide_jwks + n, cap - (size_t)n, "%.*s", (int)strlen(oct) - 1, oct);
  for (int i = 0; i < 70; i++)
    n += snprintf(wide_jwks + n, cap - (size_t)n, ",\"x%d\":%d", i, i);
  snprintf(wide_jwks + n, cap - (size_t)n, "}]}");
  wb_string_free(ec);
  wb_string_free(oct);
  wb_key *key = NULL;
  int ok = wb_key_from_secret(&key, secret, sizeof(secret), NULL) == WB_OK &&
           wb_verifier_new_key(&hs_verifier, key, NULL) == WB_OK &&
           wb_verifier_set_now(hs_verifier, NOW, NULL) == WB_OK;
  wb_key_free(key);
  return ok && big_token && deep_token && ed_jwk && ecdh_jwk && long_num;
}

static int all(void) {
  int a = signing_scenario(), b = fresh_keys_scenario(), c = verify_scenario(), d = keys_scenario();
  return a && b && c && d;
}

int main(void) {
  if (!setup()) {
    fprintf(stderr, "set-up failed\n");
    return 1;
  }
  for (int i = 0; i < 3; i++) /* the story works, and OpenSSL's lazy state is warm */
    EXPECT(all() == 1);
  long runs = oom_inject_all(signing_scenario) + oom_inject_all(fresh_keys_scenario) +
              oom_inject_all(verify_scenario) + oom_inject_all(keys_scenario);
  printf("pass 1: %ld runs, allocation failures injected everywhere (OpenSSL included)\n", runs);

  oom_skip_libcrypto = 1;
  EXPECT(all() == 1);
  long baseline = oom_live();
  runs = oom_inject_all(signing_scenario) + oom_inject_all(fresh_keys_scenario) +
         oom_inject_all(verify_scenario) + oom_inject_all(keys_scenario);
  EXPECT(all() == 1);
  long leaked = oom_live() - baseline;
  printf("pass 2: %ld runs, failures outside libcrypto; live heap blocks %ld before, %ld after\n", runs,
         baseline, baseline + leaked);
  EXPECT(leaked == 0);
  wb_verifier_free(hs_verifier);
  free(big_header);
  wb_string_free(big_token);
  wb_string_free(deep_token);
  wb_string_free(ed_jwk);
  free(ecdh_jwk);
  free(long_num);
  free(wide_jwks);
  return oom_report();
}
