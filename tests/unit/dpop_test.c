/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/dpop_test.c - lib/dpop.c, lib/dpop_url.c, lib/dpop_replay.c (include/wristband/dpop.h):
 * proofs made and checked with every algorithm family; each way a proof fails, one story each,
 * with its stable status (replayed, another method or URL, stale and future iat, ath of another
 * token, another key than cnf.jkt, HS256 and "none", a private key in the header, typ, crit,
 * a bad signature, nonces); a failed check uses up nothing; the replay cache (the caller's and
 * the built-in one, which refuses rather than forgets); URL normalisation (RFC 9449 4.3); the
 * signer's refusals; the verifier's cache of proof keys (every check still applies to a cached
 * key, more keys than slots, several threads).
 */
#include <openssl/evp.h>
#include <pthread.h>

#include "check.h"
#include "dpop_forge.h"
#include "dpop_int.h"

#define URL   "https://api.example/r"
#define TOKEN "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
#define NOW   INT64_C(1700000000)

static int64_t signer_time = NOW;
static int64_t signer_clock(void *ctx) {
  (void)ctx;
  return signer_time;
}

static wb_key *gen(wb_alg alg) {
  wb_key *k = NULL;
  wb_error err;
  CHECK_ST(wb_key_generate_for_alg(&k, alg, WB_CRV_NONE, 0, &err), WB_OK);
  return k;
}

static wb_dpop_signer *signer_for(const wb_key *k, wb_alg alg) {
  wb_dpop_signer *s = NULL;
  CHECK_ST(wb_dpop_signer_new(&s, k, alg, NULL), WB_OK);
  CHECK_ST(wb_dpop_signer_set_clock(s, signer_clock, NULL, NULL), WB_OK);
  return s;
}

static wb_dpop_verifier *verifier(void) {
  wb_dpop_verifier *v = NULL;
  CHECK_ST(wb_dpop_verifier_new(&v, NULL), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_now(v, NOW, NULL), WB_OK);
  return v;
}

static char *sign(const wb_dpop_signer *s, const char *method, const char *url, const char *token,
                  const char *nonce) {
  char *proof = NULL;
  wb_error err;
  CHECK_ST(wb_dpop_sign(s, method, url, token, token ? strlen(token) : 0, nonce, &proof, NULL, &err), WB_OK);
  return proof;
}

static wb_status bound(const wb_dpop_verifier *v, const char *proof, const char *method, const char *url,
                       const char *token, const char *jkt) {
  wb_error err;
  wb_status st = wb_dpop_verify_bound(v, proof, strlen(proof), method, url, token, strlen(token), jkt, &err);
  CHECK(err.code == st);
  return st;
}

/* The public JWK of key as a proof header carries it. */
static char *pub_jwk(const wb_key *key) {
  char *j = NULL;
  CHECK_ST(wb_key_to_jwk(key, WB_KEY_PUBLIC, &j, NULL), WB_OK);
  return j;
}

static void round_trips(void) {
  const wb_alg algs[] = {WB_ALG_ES256, WB_ALG_ES384, WB_ALG_ES512, WB_ALG_EDDSA, WB_ALG_PS256, WB_ALG_RS256};
  for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    wb_key *k = gen(algs[i]);
    wb_dpop_signer *s = signer_for(k, algs[i]);
    wb_dpop_verifier *v = verifier();
    char jkt[WB_THUMBPRINT_LEN], want[WB_THUMBPRINT_LEN];
    CHECK_ST(wb_key_thumbprint(k, want, NULL), WB_OK);
    char *p = sign(s, "POST", "https://as.example/oauth/token", NULL, NULL);
    wb_error err;
    CHECK_ST(wb_dpop_verify(v, p, strlen(p), "POST", "https://as.example/oauth/token", jkt, &err), WB_OK);
    CHECK(strcmp(jkt, want) == 0 && err.code == WB_OK && err.message[0] == '\0');
    char *q = sign(s, "GET", URL "?x=1#f", TOKEN, NULL);
    CHECK_ST(bound(v, q, "GET", URL, TOKEN, want), WB_OK);
    wb_string_free(p);
    wb_string_free(q);
    wb_dpop_verifier_free(v);
    wb_dpop_signer_free(s);
    wb_key_free(k);
  }
}

/* What a proof looks like: typ, alg, the public key without private or metadata members, claims. */
static void proof_shape(void) {
  wb_key *k = gen(WB_ALG_ES256);
  CHECK_ST(wb_key_set_kid(k, "my-kid", NULL), WB_OK);
  wb_dpop_signer *s = signer_for(k, WB_ALG_INVALID);
  char *p = sign(s, "GET", "HTTPS://API.Example:443/a/./b?q#f", TOKEN, "n-1");
  char *h = NULL, *c = NULL;
  CHECK_ST(wb_jws_decode_unverified(p, strlen(p), &h, &c, NULL), WB_OK);
  CHECK(h != NULL && strstr(h, "\"typ\":\"dpop+jwt\"") && strstr(h, "\"alg\":\"ES256\"") &&
        strstr(h, "\"jwk\":{") && !strstr(h, "\"d\"") && !strstr(h, "my-kid"));
  CHECK(c != NULL && strstr(c, "\"htm\":\"GET\"") && strstr(c, "\"htu\":\"https://api.example/a/b\"") &&
        strstr(c, "\"iat\":1700000000") && strstr(c, "\"nonce\":\"n-1\"") && strstr(c, "\"jti\":\""));
  /* ath: base64url(SHA-256(TOKEN)) */
  unsigned char hash[32];
  unsigned int n = 0;
  char ath[64], want[80];
  EVP_Digest(TOKEN, strlen(TOKEN), hash, &n, EVP_sha256(), NULL);
  CHECK_ST(wb_b64url_encode(ath, sizeof(ath), hash, sizeof(hash), NULL, NULL), WB_OK);
  snprintf(want, sizeof(want), "\"ath\":\"%s\"", ath);
  CHECK(c != NULL && strstr(c, want) != NULL);
  /* two proofs never share a jti */
  char *p2 = sign(s, "GET", URL, NULL, NULL), *h2 = NULL, *c2 = NULL;
  CHECK_ST(wb_jws_decode_unverified(p2, strlen(p2), &h2, &c2, NULL), WB_OK);
  CHECK(c != NULL && c2 != NULL && strncmp(strstr(c, "\"jti\""), strstr(c2, "\"jti\""), 30) != 0);
  wb_string_free(h);
  wb_string_free(c);
  wb_string_free(h2);
  wb_string_free(c2);
  wb_string_free(p);
  wb_string_free(p2);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

static void replayed(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char jkt[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  char *p = sign(s, "GET", URL, TOKEN, NULL);
  CHECK_ST(bound(v, p, "GET", URL, TOKEN, jkt), WB_OK);
  CHECK_ST(bound(v, p, "GET", URL, TOKEN, jkt), WB_ERR_REPLAYED);
  char tp[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_TOKEN_MISMATCH); /* has ath */
  /* a failed check uses nothing up: the proof for another method first, then the right one */
  char *q = sign(s, "GET", URL, TOKEN, NULL);
  CHECK_ST(bound(v, q, "POST", URL, TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  CHECK_ST(bound(v, q, "GET", URL, TOKEN, jkt), WB_OK);
  CHECK_ST(bound(v, q, "GET", URL, TOKEN, jkt), WB_ERR_REPLAYED);
  wb_string_free(p);
  wb_string_free(q);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

static void other_request(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char jkt[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  char *p = sign(s, "GET", URL, TOKEN, NULL);
  CHECK_ST(bound(v, p, "DELETE", URL, TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  CHECK_ST(bound(v, p, "get", URL, TOKEN, jkt), WB_ERR_REQUEST_MISMATCH); /* methods are case-sensitive */
  CHECK_ST(bound(v, p, "GET", "https://api.example/s", TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  CHECK_ST(bound(v, p, "GET", "http://api.example/r", TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  CHECK_ST(bound(v, p, "GET", "https://api.example:8443/r", TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  CHECK_ST(bound(v, p, "GET", "https://evil.example/r", TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  CHECK_ST(bound(v, p, "GET", "https://api.example/r/", TOKEN, jkt), WB_ERR_REQUEST_MISMATCH);
  /* the same target written otherwise, with a query: accepted */
  CHECK_ST(bound(v, p, "GET", "HTTPS://API.EXAMPLE:443/%72?page=2#top", TOKEN, jkt), WB_OK);
  CHECK_ST(bound(v, p, "GET", "ftp://api.example/r", TOKEN, jkt), WB_ERR_INVALID_ARG);
  CHECK_ST(bound(v, p, "G ET", URL, TOKEN, jkt), WB_ERR_INVALID_ARG);
  wb_string_free(p);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

static void time_window(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char jkt[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  const struct {
    int64_t iat;
    wb_status want;
  } cases[] = {
      {NOW - WB_DPOP_DEFAULT_MAX_AGE - 1, WB_ERR_EXPIRED},
      {NOW - 3600, WB_ERR_EXPIRED},
      {NOW + WB_DPOP_DEFAULT_LEEWAY + 1, WB_ERR_IAT_IN_FUTURE},
      {NOW + 86400, WB_ERR_IAT_IN_FUTURE},
      {NOW - WB_DPOP_DEFAULT_MAX_AGE, WB_OK},
      {NOW + WB_DPOP_DEFAULT_LEEWAY, WB_OK},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    signer_time = cases[i].iat;
    char *p = sign(s, "GET", URL, TOKEN, NULL);
    CHECK_ST(bound(v, p, "GET", URL, TOKEN, jkt), cases[i].want);
    wb_string_free(p);
  }
  signer_time = NOW;
  /* iat of other types and sizes */
  char *jwk = pub_jwk(k), header[1024], payload[512];
  snprintf(header, sizeof(header), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}", jwk);
  const char *iats[] = {"\"1700000000\"", "-1e400", "1e400", "1700000000.5", "null"};
  const wb_status want[] = {WB_ERR_MALFORMED, WB_ERR_EXPIRED, WB_ERR_IAT_IN_FUTURE, WB_ERR_TOKEN_MISMATCH,
                            WB_ERR_MALFORMED};
  for (size_t i = 0; i < 5; i++) {
    snprintf(payload, sizeof(payload),
             "{\"jti\":\"t%zu\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":%s,\"ath\":\"x\"}", i, iats[i]);
    char *p = forge(k, header, payload);
    CHECK_ST(bound(v, p, "GET", URL, TOKEN, jkt), want[i]); /* a real iat passes on to ath */
    wb_string_free(p);
  }
  wb_string_free(jwk);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

static void token_and_key_binding(void) {
  wb_key *k = gen(WB_ALG_ES256), *other = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256), *thief = signer_for(other, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char jkt[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  char *p = sign(s, "GET", URL, "another.access.token", NULL);
  CHECK_ST(bound(v, p, "GET", URL, TOKEN, jkt), WB_ERR_TOKEN_MISMATCH); /* ath of another token */
  char *q = sign(s, "GET", URL, NULL, NULL);
  CHECK_ST(bound(v, q, "GET", URL, TOKEN, jkt), WB_ERR_MISSING_CLAIM); /* no ath at all */
  char *r = sign(thief, "GET", URL, TOKEN, NULL);                      /* a stolen token, another key */
  CHECK_ST(bound(v, r, "GET", URL, TOKEN, jkt), WB_ERR_KEY_MISMATCH);
  char *t = sign(s, "GET", URL, TOKEN, NULL); /* none of the above used the owner's proof up */
  CHECK_ST(bound(v, t, "GET", URL, TOKEN, jkt), WB_OK);
  CHECK_ST(wb_dpop_verify_bound(v, t, strlen(t), "GET", URL, TOKEN, strlen(TOKEN), "short", NULL),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(v, t, strlen(t), "GET", URL, TOKEN, 0, jkt, NULL), WB_ERR_INVALID_ARG);
  wb_string_free(p);
  wb_string_free(q);
  wb_string_free(r);
  wb_string_free(t);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_dpop_signer_free(thief);
  wb_key_free(k);
  wb_key_free(other);
}

/* Proofs a client could never get from a signer: the attacker writes header and payload. */
static void hostile_headers(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char jkt[WB_THUMBPRINT_LEN], tp[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  char *pub = pub_jwk(k), *priv = NULL, header[2048];
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &priv, NULL), WB_OK);
  char payload[256];
  const struct {
    const char *before, *jwk, *after; /* the header is the three, one after the other */
    wb_status want;
  } cases[] = {
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", priv, "}", WB_ERR_BAD_KEY}, /* private key */
      {"{\"typ\":\"JWT\",\"alg\":\"ES256\",\"jwk\":", pub, "}", WB_ERR_CLAIM_MISMATCH},
      {"{\"alg\":\"ES256\",\"jwk\":", pub, "}", WB_ERR_MALFORMED},
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"crit\":[\"x\"],\"x\":1,\"jwk\":", pub, "}",
       WB_ERR_UNSUPPORTED_CRIT},
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", "\"x\"", "}", WB_ERR_MALFORMED},
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"kid\":", "\"k1\"", "}", WB_ERR_MALFORMED}, /* no jwk */
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", pub, ",\"jku\":\"https://x/\"}", WB_OK},
      {"{\"typ\":\"application/DPoP+JWT\",\"alg\":\"ES256\",\"jwk\":", pub, "}", WB_OK},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(header, sizeof(header), "%s%s%s", cases[i].before, cases[i].jwk, cases[i].after);
    snprintf(payload, sizeof(payload),
             "{\"jti\":\"j%zu\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}", i);
    char *p = forge(k, header, payload);
    wb_error err;
    CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, &err), cases[i].want);
    CHECK(cases[i].want == WB_OK ? strcmp(tp, jkt) == 0 : tp[0] == '\0');
    wb_string_free(p);
  }
  /* an ES384 signature under a P-256 key in the header: the alg does not fit the key */
  wb_key *k384 = gen(WB_ALG_ES384);
  snprintf(header, sizeof(header), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES384\",\"jwk\":%s}", pub);
  char *mixed = forge(k384, header, payload);
  CHECK_ST(wb_dpop_verify(v, mixed, strlen(mixed), "GET", URL, tp, NULL), WB_ERR_ALG_NOT_ALLOWED);
  wb_string_free(mixed);
  wb_key_free(k384);
  /* an RSA private key in the header: refused by its private members, before any import */
  wb_key *rsa = gen(WB_ALG_RS256);
  char *rsa_priv = NULL;
  CHECK_ST(wb_key_to_jwk(rsa, WB_KEY_PRIVATE, &rsa_priv, NULL), WB_OK);
  char *big = malloc(strlen(rsa_priv) + 64);
  sprintf(big, "{\"typ\":\"dpop+jwt\",\"alg\":\"RS256\",\"jwk\":%s}", rsa_priv);
  char *p = forge(rsa, big, "{\"jti\":\"r\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}");
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_BAD_KEY);
  wb_string_free(p);
  free(big);
  wb_string_free(rsa_priv);
  wb_key_free(rsa);
  wb_string_free(pub);
  wb_string_free(priv);
  wb_dpop_verifier_free(v);
  wb_key_free(k);
}

/* HS256 (a key the server would have to hold) and "none" (no key at all). */
static void symmetric_and_none(void) {
  wb_dpop_verifier *v = verifier();
  char tp[WB_THUMBPRINT_LEN];
  const char *payload = "{\"jti\":\"j\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}";
  unsigned char secret[32] = {1, 2, 3};
  wb_key *oct = NULL;
  CHECK_ST(wb_key_from_secret(&oct, secret, sizeof(secret), NULL), WB_OK);
  const char *hs = "{\"typ\":\"dpop+jwt\",\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AQID\"}}";
  char *p = forge_alg(oct, WB_ALG_HS256, hs, payload);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_ALG_NOT_ALLOWED);
  wb_string_free(p);
  /* "none": header.payload. with an empty signature */
  char h64[512], p64[512], none[1100];
  const char *nh = "{\"typ\":\"dpop+jwt\",\"alg\":\"none\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
                   "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                   "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}}";
  CHECK_ST(wb_b64url_encode(h64, sizeof(h64), (const unsigned char *)nh, strlen(nh), NULL, NULL), WB_OK);
  CHECK_ST(wb_b64url_encode(p64, sizeof(p64), (const unsigned char *)payload, strlen(payload), NULL, NULL),
           WB_OK);
  snprintf(none, sizeof(none), "%s.%s.", h64, p64);
  CHECK_ST(wb_dpop_verify(v, none, strlen(none), "GET", URL, tp, NULL), WB_ERR_ALG_NOT_ALLOWED);
  /* nor can a verifier be told to allow them, and a signer refuses an oct key */
  CHECK_ST(wb_dpop_verifier_allow_alg(v, WB_ALG_HS256, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(!wb_dpop_verifier_allows(v, WB_ALG_HS256) && wb_dpop_verifier_allows(v, WB_ALG_ES256));
  wb_dpop_signer *s = NULL;
  CHECK_ST(wb_dpop_signer_new(&s, oct, WB_ALG_HS256, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(s == NULL);
  wb_key_free(oct);
  wb_dpop_verifier_free(v);
}

static void bad_signature_and_sizes(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char tp[WB_THUMBPRINT_LEN];
  char *p = sign(s, "GET", URL, NULL, NULL);
  size_t n = strlen(p);
  p[n - 2] = p[n - 2] == 'A' ? 'B' : 'A';
  CHECK_ST(wb_dpop_verify(v, p, n, "GET", URL, tp, NULL), WB_ERR_BAD_SIGNATURE);
  CHECK_ST(wb_dpop_verify(v, "a.b", 3, "GET", URL, tp, NULL), WB_ERR_MALFORMED);
  char *huge = malloc(WB_DPOP_MAX_PROOF_LEN + 2);
  memset(huge, 'A', WB_DPOP_MAX_PROOF_LEN + 1);
  huge[WB_DPOP_MAX_PROOF_LEN + 1] = '\0';
  CHECK_ST(wb_dpop_verify(v, huge, WB_DPOP_MAX_PROOF_LEN + 1, "GET", URL, tp, NULL), WB_ERR_TOO_LARGE);
  free(huge);
  /* missing claims, each on its own */
  char *jwk = pub_jwk(k), header[1024];
  snprintf(header, sizeof(header), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}", jwk);
  const char *payloads[] = {
      "{\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}",
      "{\"jti\":\"a\",\"htu\":\"" URL "\",\"iat\":1700000000}",
      "{\"jti\":\"b\",\"htm\":\"GET\",\"iat\":1700000000}",
      "{\"jti\":\"c\",\"htm\":\"GET\",\"htu\":\"" URL "\"}",
  };
  for (size_t i = 0; i < 4; i++) {
    char *q = forge(k, header, payloads[i]);
    CHECK_ST(wb_dpop_verify(v, q, strlen(q), "GET", URL, tp, NULL), WB_ERR_MISSING_CLAIM);
    wb_string_free(q);
  }
  char *q = forge(k, header, "{\"jti\":\"\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}");
  CHECK_ST(wb_dpop_verify(v, q, strlen(q), "GET", URL, tp, NULL), WB_ERR_MALFORMED);
  wb_string_free(q);
  q = forge(k, header, "{\"jti\":\"d\",\"htm\":\"GET\",\"htu\":\"/r\",\"iat\":1700000000}");
  CHECK_ST(wb_dpop_verify(v, q, strlen(q), "GET", URL, tp, NULL), WB_ERR_MALFORMED);
  wb_string_free(q);
  wb_string_free(jwk);
  wb_string_free(p);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

static bool nonce_is_n1(void *ctx, const char *nonce, size_t len) {
  (*(int *)ctx)++;
  return len == 2 && memcmp(nonce, "n1", 2) == 0;
}

static void nonces(void) {
  wb_key *k = gen(WB_ALG_EDDSA);
  wb_dpop_signer *s = signer_for(k, WB_ALG_EDDSA);
  wb_dpop_verifier *v = verifier();
  int calls = 0;
  char tp[WB_THUMBPRINT_LEN];
  char *without = sign(s, "POST", URL, NULL, NULL), *old = sign(s, "POST", URL, NULL, "n0"),
       *good = sign(s, "POST", URL, NULL, "n1");
  CHECK_ST(wb_dpop_verify(v, without, strlen(without), "POST", URL, tp, NULL), WB_OK); /* not required yet */
  CHECK_ST(wb_dpop_verifier_require_nonce(v, nonce_is_n1, &calls, NULL), WB_OK);
  wb_string_free(without);
  without = sign(s, "POST", URL, NULL, NULL);
  CHECK_ST(wb_dpop_verify(v, without, strlen(without), "POST", URL, tp, NULL), WB_ERR_USE_DPOP_NONCE);
  CHECK_ST(wb_dpop_verify(v, old, strlen(old), "POST", URL, tp, NULL), WB_ERR_USE_DPOP_NONCE);
  CHECK_ST(wb_dpop_verify(v, good, strlen(good), "POST", URL, tp, NULL), WB_OK);
  CHECK(calls == 2);
  char *bad = NULL;
  CHECK_ST(wb_dpop_sign(s, "POST", URL, NULL, 0, "a \"quoted\" nonce", &bad, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_sign(s, "POST", URL, NULL, 0, "", &bad, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK(bad == NULL);
  wb_string_free(without);
  wb_string_free(old);
  wb_string_free(good);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

typedef struct store {
  unsigned char ids[8][WB_DPOP_REPLAY_ID_LEN];
  int64_t expires[8];
  int n;
  wb_status fail; /* returned instead when not WB_OK */
} store;

static wb_status store_use(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                           wb_error *err) {
  store *st = ctx;
  if (st->fail != WB_OK) {
    snprintf(err->message, sizeof(err->message), "the database is down");
    return st->fail;
  }
  for (int i = 0; i < st->n; i++)
    if (memcmp(st->ids[i], id, WB_DPOP_REPLAY_ID_LEN) == 0)
      return WB_ERR_REPLAYED;
  memcpy(st->ids[st->n], id, WB_DPOP_REPLAY_ID_LEN);
  st->expires[st->n++] = expires;
  return WB_OK;
}

static void replay_callback(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier(), *w = verifier();
  store shared = {.n = 0, .fail = WB_OK};
  CHECK_ST(wb_dpop_verifier_set_replay_fn(v, store_use, &shared, NULL), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_replay_fn(w, store_use, &shared, NULL), WB_OK);
  char tp[WB_THUMBPRINT_LEN];
  char *p = sign(s, "GET", URL, NULL, NULL);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_OK);
  CHECK(shared.n == 1 && shared.expires[0] == NOW + WB_DPOP_DEFAULT_MAX_AGE + 1 + WB_DPOP_DEFAULT_LEEWAY);
  CHECK_ST(wb_dpop_verify(w, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_REPLAYED); /* another instance */
  shared.fail = WB_ERR_IO;
  char *q = sign(s, "GET", URL, NULL, NULL);
  wb_error err;
  CHECK_ST(wb_dpop_verify(v, q, strlen(q), "GET", URL, tp, &err), WB_ERR_IO);
  CHECK(strstr(err.message, "the database is down") != NULL && tp[0] == '\0');
  CHECK_ST(wb_dpop_verifier_set_replay_fn(v, NULL, NULL, NULL), WB_ERR_INVALID_ARG);
  wb_string_free(p);
  wb_string_free(q);
  wb_dpop_verifier_free(v);
  wb_dpop_verifier_free(w);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

/* The built-in cache refuses rather than forgets, and takes expired places back. */
static void replay_cache_bounds(void) {
  wb_dpop_cache *c = wb__dpop_cache_new(16);
  unsigned char id[WB_DPOP_REPLAY_ID_LEN];
  memset(id, 0, sizeof(id));
  int ok = 0;
  for (int i = 0; i < 16; i++) {
    id[0] = (unsigned char)i;
    ok += wb__dpop_cache_use(c, id, NOW + 60, NOW, NULL) == WB_OK;
  }
  CHECK(ok == 16);
  id[0] = 99;
  CHECK_ST(wb__dpop_cache_use(c, id, NOW + 60, NOW, NULL), WB_ERR_TOO_LARGE); /* full: refused */
  id[0] = 3;
  CHECK_ST(wb__dpop_cache_use(c, id, NOW + 60, NOW, NULL), WB_ERR_REPLAYED);
  id[0] = 99;
  CHECK_ST(wb__dpop_cache_use(c, id, NOW + 200, NOW + 60, NULL), WB_OK); /* the others expired */
  CHECK_ST(wb__dpop_cache_use(c, id, NOW + 200, NOW + 61, NULL), WB_ERR_REPLAYED);
  wb__dpop_cache_free(c);
  wb__dpop_cache_free(NULL);
  wb_dpop_verifier *v = verifier();
  CHECK_ST(wb_dpop_verifier_set_replay_cache(v, 15, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_replay_cache(v, 16, NULL), WB_OK);
  wb_dpop_verifier_free(v);
}

static void policy(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = signer_for(k, WB_ALG_ES256);
  wb_dpop_verifier *v = verifier();
  char tp[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_dpop_verifier_allow_alg(v, WB_ALG_ES384, NULL), WB_OK);
  CHECK(!wb_dpop_verifier_allows(v, WB_ALG_ES256) && wb_dpop_verifier_allows(v, WB_ALG_ES384));
  char *p = sign(s, "GET", URL, NULL, NULL);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_dpop_verifier_allow_alg(v, WB_ALG_ES256, NULL), WB_OK);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_OK);
  wb_string_free(p);
  CHECK_ST(wb_dpop_verifier_set_max_age(v, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_leeway(v, -1, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_max_age(v, 300, NULL), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_leeway(v, 0, NULL), WB_OK);
  signer_time = NOW - 300;
  p = sign(s, "GET", URL, NULL, NULL);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_OK);
  wb_string_free(p);
  signer_time = NOW + 1;
  p = sign(s, "GET", URL, NULL, NULL);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_IAT_IN_FUTURE);
  wb_string_free(p);
  signer_time = NOW;
  CHECK_ST(wb_dpop_verifier_set_clock(v, signer_clock, NULL, NULL), WB_OK); /* the clock wins over set_now */
  CHECK_ST(wb_dpop_verifier_set_clock(v, NULL, NULL, NULL), WB_OK); /* the system clock: NOW is stale */
  p = sign(s, "GET", URL, NULL, NULL);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_EXPIRED);
  wb_string_free(p);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_key_free(k);
}

static void signer_refusals(void) {
  wb_key *k = gen(WB_ALG_ES256), *pub = NULL, *rsa = NULL;
  wb_dpop_signer *s = NULL;
  CHECK_ST(wb_key_public(&pub, k, NULL), WB_OK);
  CHECK_ST(wb_dpop_signer_new(&s, pub, WB_ALG_ES256, NULL), WB_ERR_ALG_NOT_ALLOWED); /* no private key */
  CHECK_ST(wb_key_generate(&rsa, WB_KTY_RSA, WB_CRV_NONE, 2048, NULL), WB_OK);
  CHECK_ST(wb_dpop_signer_new(&s, rsa, WB_ALG_INVALID, NULL), WB_ERR_INVALID_ARG); /* RSA: name the alg */
  CHECK_ST(wb_dpop_signer_new(&s, k, WB_ALG_ES384, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(s == NULL);
  s = signer_for(k, WB_ALG_ES256);
  char *p = NULL;
  const char *urls[] = {"/relative",
                        "ftp://x.example/",
                        "https://user@x.example/",
                        "https:///path",
                        "https://x.example:99999/",
                        "https://x.example/a b",
                        "https://x.example/%zz"};
  for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
    CHECK_ST(wb_dpop_sign(s, "GET", urls[i], NULL, 0, NULL, &p, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_sign(s, "", URL, NULL, 0, NULL, &p, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_sign(s, "GET\r\nX: y", URL, NULL, 0, NULL, &p, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK(p == NULL);
  size_t len = 7;
  CHECK_ST(wb_dpop_sign(s, "GET", URL, NULL, 0, NULL, &p, &len, NULL), WB_OK);
  CHECK(p != NULL && len == strlen(p));
  wb_string_free(p);
  wb_dpop_signer_free(s);
  wb_dpop_signer_free(NULL);
  wb_dpop_verifier_free(NULL);
  wb_key_free(k);
  wb_key_free(pub);
  wb_key_free(rsa);
}

static void url_normalisation(void) {
  const struct {
    const char *in, *out;
  } ok[] = {
      {"https://example.com", "https://example.com/"},
      {"HTTPS://EXAMPLE.COM:443/", "https://example.com/"},
      {"http://Example.com:80/a", "http://example.com/a"},
      {"http://example.com:443/a", "http://example.com:443/a"},
      {"https://example.com:/a", "https://example.com/a"},
      {"https://example.com:0080/a", "https://example.com:80/a"},
      {"https://example.com/a/./b/../c", "https://example.com/a/c"},
      {"https://example.com/../../a", "https://example.com/a"},
      {"https://example.com/a/..", "https://example.com/"},
      {"https://example.com/a/.", "https://example.com/a/"},
      {"https://example.com/%7euser/%2fx%2F", "https://example.com/~user/%2Fx%2F"},
      {"https://example.com/%2E%2E/b", "https://example.com/b"},
      {"https://%45xample.com/", "https://example.com/"},
      {"https://[2001:DB8::1]:8443/x?y#z", "https://[2001:db8::1]:8443/x"},
      {"https://example.com/a?b=c/../d#e", "https://example.com/a"},
      {"https://example.com/a:b@c;d=e", "https://example.com/a:b@c;d=e"},
  };
  char out[128];
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    wb_error err;
    CHECK_ST(wb__dpop_url_normalise(ok[i].in, strlen(ok[i].in), out, sizeof(out), &err), WB_OK);
    if (strcmp(out, ok[i].out) != 0)
      fprintf(stderr, "normalise %s: got %s, want %s\n", ok[i].in, out, ok[i].out);
    CHECK(strcmp(out, ok[i].out) == 0);
  }
  const char *bad[] = {"",
                       "https:",
                       "https://",
                       "https:/x",
                       "mailto:a@b",
                       "javascript://x/",
                       "https://a@b/",
                       "https://x:65536/",
                       "https://x:8a/",
                       "https://[::1/",
                       "https://[]/",
                       "https://x/\x7f",
                       "https://x/%4",
                       "https://x/\"",
                       "https://x/?a b",
                       "https://x/\xc3\xa9",
                       "https://x y/"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK_ST(wb__dpop_url_normalise(bad[i], strlen(bad[i]), out, sizeof(out), NULL), WB_ERR_MALFORMED);
    CHECK(out[0] == '\0');
  }
  CHECK_ST(wb__dpop_url_normalise("https://example.com/abcdef", 26, out, 10, NULL), WB_ERR_TOO_LARGE);
  CHECK(out[0] == '\0');
  char *huge = malloc(WB_DPOP_MAX_URL_LEN + 16);
  memcpy(huge, "https://x/", 10);
  memset(huge + 10, 'a', WB_DPOP_MAX_URL_LEN);
  CHECK_ST(wb__dpop_url_normalise(huge, WB_DPOP_MAX_URL_LEN + 10, out, sizeof(out), NULL), WB_ERR_TOO_LARGE);
  free(huge);
}

/* The verifier's cache of proof keys (lib/dpop_keys.c): a proof whose header "jwk" has the bytes
 * of an earlier one takes the cached key, and every check still applies to it. */
typedef struct cache_race {
  const wb_dpop_verifier *v;
  char **proofs;
  int n;
  int ok;
} cache_race;

static void *cache_race_one(void *p) {
  cache_race *r = p;
  char tp[WB_THUMBPRINT_LEN];
  for (int i = 0; i < r->n; i++)
    r->ok += wb_dpop_verify(r->v, r->proofs[i], strlen(r->proofs[i]), "GET", URL, tp, NULL) == WB_OK;
  return NULL;
}

static void key_cache(void) {
  wb_key *a = gen(WB_ALG_ES256), *b = gen(WB_ALG_ES256), *k384 = gen(WB_ALG_ES384);
  wb_dpop_verifier *v = verifier();
  char ta[WB_THUMBPRINT_LEN], tb[WB_THUMBPRINT_LEN], tp[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(a, ta, NULL), WB_OK);
  CHECK_ST(wb_key_thumbprint(b, tb, NULL), WB_OK);
  char *pub = pub_jwk(a), header[1024], payload[256];
  snprintf(header, sizeof(header), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}", pub);
  for (int i = 0; i < 3; i++) { /* the first imports, the others hit */
    snprintf(payload, sizeof(payload), "{\"jti\":\"a%d\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":%lld}",
             i, (long long)NOW);
    char *p = forge(a, header, payload);
    CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_OK);
    CHECK(strcmp(tp, ta) == 0);
    wb_string_free(p);
  }
  /* a's key in the header, b's signature: the cached key does not verify it */
  snprintf(payload, sizeof(payload), "{\"jti\":\"b1\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":%lld}",
           (long long)NOW);
  char *p = forge(b, header, payload);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_BAD_SIGNATURE);
  CHECK(tp[0] == '\0');
  wb_string_free(p);
  /* the cached P-256 key under ES384: the alg is checked against the cached key too */
  char h384[1024];
  snprintf(h384, sizeof(h384), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES384\",\"jwk\":%s}", pub);
  p = forge(k384, h384, payload);
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), WB_ERR_ALG_NOT_ALLOWED);
  wb_string_free(p);
  /* an RSA key pinned to RS256 in the header's jwk: cached by an RS256 proof, then a PS256 proof
   * with the same bytes (the family fits, the pin does not) */
  wb_key *rsa = gen(WB_ALG_RS256);
  char *rpub = pub_jwk(rsa), rh[2048];
  CHECK(strstr(rpub, "\"alg\":\"RS256\"") != NULL);
  for (int i = 0; i < 2; i++) {
    snprintf(rh, sizeof(rh), "{\"typ\":\"dpop+jwt\",\"alg\":\"%s\",\"jwk\":%s}", i ? "PS256" : "RS256", rpub);
    snprintf(payload, sizeof(payload), "{\"jti\":\"r%d\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":%lld}",
             i, (long long)NOW);
    p = forge_alg(rsa, i ? WB_ALG_PS256 : WB_ALG_RS256, rh, payload);
    CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, NULL), i ? WB_ERR_ALG_NOT_ALLOWED : WB_OK);
    wb_string_free(p);
  }
  wb_string_free(rpub);
  wb_key_free(rsa);
  /* the cached key against another key's cnf.jkt */
  snprintf(payload, sizeof(payload),
           "{\"jti\":\"a9\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":%lld,\"ath\":\"%s\"}", (long long)NOW,
           "tmLqYz8MY3ooWUUjRrJfr-Nzzu0aObMlVUAP7UxNzmY");
  p = forge(a, header, payload);
  wb_error err;
  wb_status st = wb_dpop_verify_bound(v, p, strlen(p), "GET", URL, "x", 1, tb, &err);
  CHECK(st == WB_ERR_KEY_MISMATCH || st == WB_ERR_TOKEN_MISMATCH);
  wb_string_free(p);
  /* more keys than slots: each still verifies, and so does a again */
  for (int i = 0; i < 80; i++) {
    wb_key *k = gen(i % 2 ? WB_ALG_ES256 : WB_ALG_EDDSA);
    wb_dpop_signer *s = signer_for(k, wb_key_default_alg(k));
    char *q = sign(s, "GET", URL, NULL, NULL);
    CHECK_ST(wb_dpop_verify(v, q, strlen(q), "GET", URL, tp, NULL), WB_OK);
    wb_string_free(q);
    wb_dpop_signer_free(s);
    wb_key_free(k);
  }
  /* four threads, one key, all proofs accepted once */
  enum { THREADS = 4, EACH = 25 };
  char *proofs[THREADS * EACH];
  wb_dpop_signer *sa = signer_for(a, WB_ALG_ES256);
  for (int i = 0; i < THREADS * EACH; i++)
    proofs[i] = sign(sa, "GET", URL, NULL, NULL);
  cache_race r[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    r[i] = (cache_race){v, proofs + i * EACH, EACH, 0};
    pthread_create(&t[i], NULL, cache_race_one, &r[i]);
  }
  int ok = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    ok += r[i].ok;
  }
  CHECK(ok == THREADS * EACH);
  for (int i = 0; i < THREADS * EACH; i++)
    wb_string_free(proofs[i]);
  wb_dpop_signer_free(sa);
  wb_string_free(pub);
  wb_dpop_verifier_free(v);
  wb_key_free(k384);
  wb_key_free(b);
  wb_key_free(a);
}

int main(void) {
  round_trips();
  proof_shape();
  replayed();
  other_request();
  time_window();
  token_and_key_binding();
  hostile_headers();
  symmetric_and_none();
  bad_signature_and_sizes();
  nonces();
  replay_callback();
  replay_cache_bounds();
  policy();
  signer_refusals();
  url_normalisation();
  key_cache();
  return CHECK_DONE();
}
