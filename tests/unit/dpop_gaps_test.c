/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/dpop_gaps_test.c - the DPoP checks dpop_test.c does not reach (lib/dpop.c,
 * lib/dpop_url.c): every NULL and out-of-range argument of the signer and the verifier, with
 * out-parameters left NULL; methods and nonces the signer refuses; the system clock; forged
 * proofs whose typ is no plain string, whose header has b64 or an alg name too long, whose
 * signature is too long, whose jti, htu, nonce or ath break their rules, bound to another
 * thumbprint; a caller's replay cache that fails without a message; and URLs with odd IP
 * literals, host characters, ports, escapes and dot segments.
 */
#include <time.h>

#include "check.h"
#include "dpop_forge.h"
#include "dpop_int.h"

#define URL   "https://api.example/r"
#define TOKEN "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
#define NOW   INT64_C(1700000000)

static wb_key *gen(wb_alg alg) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, alg, WB_CRV_NONE, 0, NULL), WB_OK);
  return k;
}

static wb_dpop_verifier *verifier(void) {
  wb_dpop_verifier *v = NULL;
  CHECK_ST(wb_dpop_verifier_new(&v, NULL), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_now(v, NOW, NULL), WB_OK);
  return v;
}

static bool any_nonce(void *ctx, const char *nonce, size_t len) {
  (void)ctx;
  (void)nonce;
  (void)len;
  return true;
}

static wb_status silent_failure(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                                wb_error *err) {
  (void)ctx;
  (void)id;
  (void)expires;
  (void)err;
  return WB_ERR_IO; /* and no message */
}

static void signer_arguments(void) {
  wb_key *k = gen(WB_ALG_ES256);
  wb_dpop_signer *s = (wb_dpop_signer *)1;
  wb_error e;
  CHECK_ST(wb_dpop_signer_new(NULL, k, WB_ALG_ES256, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_signer_new(&s, NULL, WB_ALG_ES256, &e), WB_ERR_INVALID_ARG);
  CHECK(s == NULL);
  CHECK_ST(wb_dpop_signer_set_clock(NULL, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_signer_new(&s, k, WB_ALG_ES256, NULL), WB_OK);
  char *p = (char *)1;
  CHECK_ST(wb_dpop_sign(NULL, "GET", URL, NULL, 0, NULL, &p, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(p == NULL);
  CHECK_ST(wb_dpop_sign(s, NULL, URL, NULL, 0, NULL, &p, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_sign(s, "GET", NULL, NULL, 0, NULL, &p, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_sign(s, "GET", URL, NULL, 0, NULL, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  /* methods: RFC 9110 tokens of at most 32 bytes */
  const char *bad_methods[] = {"", "GE T", "GET\n", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG"};
  for (size_t i = 0; i < sizeof(bad_methods) / sizeof(bad_methods[0]); i++) {
    CHECK_ST(wb_dpop_sign(s, bad_methods[i], URL, NULL, 0, NULL, &p, NULL, &e), WB_ERR_INVALID_ARG);
    CHECK(p == NULL);
  }
  CHECK_ST(wb_dpop_sign(s, "M-SEARCH", URL, NULL, 0, NULL, &p, NULL, &e), WB_OK);
  wb_string_free(p);
  /* nonces: 1 to 1024 of %x21 / %x23-5B / %x5D-7E */
  char long_nonce[1100];
  memset(long_nonce, 'n', 1025);
  long_nonce[1025] = '\0';
  const char *bad_nonces[] = {"", "a b", "a\"b", "a\\b", "a\x7f", "\xc3\xa9", long_nonce};
  for (size_t i = 0; i < sizeof(bad_nonces) / sizeof(bad_nonces[0]); i++) {
    CHECK_ST(wb_dpop_sign(s, "GET", URL, NULL, 0, bad_nonces[i], &p, NULL, &e), WB_ERR_INVALID_ARG);
    CHECK(p == NULL);
  }
  long_nonce[1024] = '\0';
  CHECK_ST(wb_dpop_sign(s, "GET", URL, NULL, 0, long_nonce, &p, NULL, &e), WB_OK);
  wb_string_free(p);
  /* a URL the normaliser refuses: invalid_arg, naming the URL */
  CHECK_ST(wb_dpop_sign(s, "GET", "ftp://x/", NULL, 0, NULL, &p, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(strncmp(e.message, "url: ", 5) == 0);
  { /* a URL longer than any proof carries: too_large, not a malformed argument */
    char *long_url = malloc(WB_DPOP_MAX_URL_LEN + 64);
    strcpy(long_url, "https://x/");
    memset(long_url + 10, 'a', WB_DPOP_MAX_URL_LEN + 40);
    long_url[WB_DPOP_MAX_URL_LEN + 50] = '\0';
    CHECK_ST(wb_dpop_sign(s, "GET", long_url, NULL, 0, NULL, &p, NULL, &e), WB_ERR_TOO_LARGE);
    CHECK(p == NULL);
    free(long_url);
  }
  /* no clock given: the system's; the proof verifies against the real time */
  CHECK_ST(wb_dpop_signer_set_clock(s, NULL, NULL, NULL), WB_OK);
  CHECK_ST(wb_dpop_sign(s, "GET", URL, TOKEN, strlen(TOKEN), NULL, &p, NULL, &e), WB_OK);
  wb_dpop_verifier *v = NULL;
  char jkt[WB_THUMBPRINT_LEN], tp[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  CHECK_ST(wb_dpop_verifier_new(&v, NULL), WB_OK);
  CHECK_ST(wb_dpop_verify_bound(v, p, strlen(p), "GET", URL, TOKEN, strlen(TOKEN), jkt, &e), WB_OK);
  CHECK_ST(wb_dpop_verify_bound(v, p, strlen(p), "GET", URL, TOKEN, strlen(TOKEN), jkt, &e), WB_ERR_REPLAYED);
  /* with an ath, the proof is for a token: checked without one, it is not this request's */
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, &e), WB_ERR_TOKEN_MISMATCH);
  wb_string_free(p);
  wb_dpop_verifier_free(v);
  wb_dpop_signer_free(s);
  wb_dpop_signer_free(NULL);
  wb_key_free(k);
}

static void verifier_arguments(void) {
  wb_dpop_verifier *v = NULL;
  wb_error e;
  CHECK_ST(wb_dpop_verifier_new(NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_allow_alg(NULL, WB_ALG_ES256, &e), WB_ERR_INVALID_ARG);
  CHECK(!wb_dpop_verifier_allows(NULL, WB_ALG_ES256));
  v = verifier();
  CHECK_ST(wb_dpop_verifier_allow_alg(v, (wb_alg)999, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_allow_alg(v, WB_ALG_HS256, &e), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(!wb_dpop_verifier_allows(v, (wb_alg)999) && !wb_dpop_verifier_allows(v, WB_ALG_HS256));
  CHECK(wb_dpop_verifier_allows(v, WB_ALG_ES256));
  CHECK_ST(wb_dpop_verifier_allow_alg(v, WB_ALG_EDDSA, &e), WB_OK);
  CHECK(wb_dpop_verifier_allows(v, WB_ALG_EDDSA) && !wb_dpop_verifier_allows(v, WB_ALG_ES256));
  CHECK_ST(wb_dpop_verifier_set_max_age(NULL, 10, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_max_age(v, 0, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_max_age(v, 86401, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_max_age(v, 86400, &e), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_leeway(NULL, 1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_leeway(v, -1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_leeway(v, 3601, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_leeway(v, 3600, &e), WB_OK);
  CHECK_ST(wb_dpop_verifier_set_clock(NULL, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_now(NULL, NOW, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_replay_cache(NULL, 64, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_replay_cache(v, 15, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_replay_cache(v, ((size_t)1 << 24) + 1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_replay_fn(NULL, silent_failure, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_set_replay_fn(v, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_require_nonce(NULL, any_nonce, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verifier_require_nonce(v, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  /* verify: every argument */
  char jkt[WB_THUMBPRINT_LEN];
  const char *p = "a.b.c";
  CHECK_ST(wb_dpop_verify(NULL, p, 5, "GET", URL, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK(jkt[0] == '\0');
  CHECK_ST(wb_dpop_verify(v, NULL, 5, "GET", URL, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify(v, p, 5, NULL, URL, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify(v, p, 5, "GET", NULL, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify(v, p, 5, "GET", URL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(NULL, p, 5, "GET", URL, TOKEN, 5, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(v, NULL, 5, "GET", URL, TOKEN, 5, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(v, p, 5, NULL, URL, TOKEN, 5, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(v, p, 5, "GET", NULL, TOKEN, 5, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(v, p, 5, "GET", URL, NULL, 5, jkt, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_dpop_verify_bound(v, p, 5, "GET", URL, TOKEN, 5, NULL, &e), WB_ERR_INVALID_ARG);
  wb_dpop_verifier_free(v);
  wb_dpop_verifier_free(NULL);
}

/* Forged proofs: each is refused with its status; nothing is taken in the replay cache. */
static void forged(void) {
  wb_key *k = gen(WB_ALG_ES256);
  char *pub = NULL, header[4096], payload[10000];
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PUBLIC, &pub, NULL), WB_OK);
  char jkt[WB_THUMBPRINT_LEN], tp[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, jkt, NULL), WB_OK);
  const char *good_payload = "{\"jti\":\"J\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}";
  const struct {
    const char *typ_alg; /* the header's start, before "jwk" */
    wb_status want;
  } headers[] = {
      {"{\"typ\":1,\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH},
      {"{\"typ\":\"dpop\\u002bjwt\",\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH}, /* escaped: not as written */
      {"{\"typ\":\"application/jwt\",\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH},
      {"{\"typ\":\"dpop+jwtx\",\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH},
      {"{\"typ\":\"dpop+jwx\",\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH},
      {"{\"typ\":\"application/\",\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH},
      {"{\"typ\":\"application+dpop+jwt\",\"alg\":\"ES256\",", WB_ERR_CLAIM_MISMATCH}, /* not the prefix */
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"b64\":false,", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"typ\":\"dpop+jwt\",\"alg\":1,", WB_ERR_MALFORMED},
      {"{\"typ\":\"dpop+jwt\",\"alg\":\"ES256ES256ES256ES256\",", WB_ERR_ALG_NOT_ALLOWED},
  };
  wb_dpop_verifier *v = verifier();
  for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
    snprintf(header, sizeof(header), "%s\"jwk\":%s}", headers[i].typ_alg, pub);
    char *p = forge_alg(k, WB_ALG_ES256, header, good_payload);
    wb_error e;
    CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, &e), headers[i].want);
    CHECK(tp[0] == '\0');
    wb_string_free(p);
  }
  snprintf(header, sizeof(header), "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}", pub);
  /* a signature longer than any alg makes */
  char *p = forge_alg(k, WB_ALG_ES256, header, good_payload);
  size_t n = strlen(p);
  char *longer = malloc(n + 4000);
  memcpy(longer, p, n);
  memset(longer + n, 'A', 3000);
  longer[n + 3000] = '\0';
  CHECK_ST(wb_dpop_verify(v, longer, strlen(longer), "GET", URL, tp, NULL), WB_ERR_BAD_SIGNATURE);
  /* a signature that is not base64url */
  memcpy(longer, p, n + 1);
  longer[n - 3] = '!';
  CHECK_ST(wb_dpop_verify(v, longer, n, "GET", URL, tp, NULL), WB_ERR_MALFORMED);
  free(longer);
  wb_string_free(p);
  /* payloads */
  char long_jti[300], long_htu[WB_DPOP_MAX_URL_LEN + 64], long_nonce[1100];
  memset(long_jti, 'j', 257);
  long_jti[257] = '\0';
  snprintf(long_htu, sizeof(long_htu), "https://api.example/");
  memset(long_htu + 20, 'u', WB_DPOP_MAX_URL_LEN);
  long_htu[WB_DPOP_MAX_URL_LEN + 20] = '\0';
  memset(long_nonce, 'n', 1025);
  long_nonce[1025] = '\0';
  const struct {
    const char *jti, *htu, *nonce; /* nonce NULL: none */
    wb_status want;
  } payloads[] = {
      {"", URL, NULL, WB_ERR_MALFORMED},
      {long_jti, URL, NULL, WB_ERR_MALFORMED},
      {"a", long_htu, NULL, WB_ERR_REQUEST_MISMATCH},
      {"b", URL, long_nonce, WB_ERR_USE_DPOP_NONCE},
      {"c", URL, "a b", WB_ERR_USE_DPOP_NONCE},
      {"d", URL, "ok", WB_OK},
      {"e", URL "\\u0000/other", NULL, WB_ERR_MALFORMED}, /* the URL, then a NUL, then more */
  };
  wb_dpop_verifier *vn = verifier();
  CHECK_ST(wb_dpop_verifier_require_nonce(vn, any_nonce, NULL, NULL), WB_OK);
  for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
    char nonce[1200] = "";
    if (payloads[i].nonce != NULL)
      snprintf(nonce, sizeof(nonce), ",\"nonce\":\"%s\"", payloads[i].nonce);
    snprintf(payload, sizeof(payload), "{\"jti\":\"%s\",\"htm\":\"GET\",\"htu\":\"%s\",\"iat\":1700000000%s}",
             payloads[i].jti, payloads[i].htu, nonce);
    p = forge_alg(k, WB_ALG_ES256, header, payload);
    wb_error e;
    CHECK_ST(wb_dpop_verify(vn, p, strlen(p), "GET", URL, tp, &e), payloads[i].want);
    wb_string_free(p);
  }
  wb_dpop_verifier_free(vn);
  /* ath escaped, or of the wrong length: not the token's */
  const char *aths[] = {"\\u0041BCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOP", "short"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(payload, sizeof(payload),
             "{\"jti\":\"ath%zu\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000,\"ath\":\"%s\"}", i,
             aths[i]);
    p = forge_alg(k, WB_ALG_ES256, header, payload);
    CHECK_ST(wb_dpop_verify_bound(v, p, strlen(p), "GET", URL, TOKEN, strlen(TOKEN), jkt, NULL),
             WB_ERR_TOKEN_MISMATCH);
    wb_string_free(p);
  }
  /* bound to a thumbprint that is not 43 characters: the caller's mistake */
  snprintf(payload, sizeof(payload),
           "{\"jti\":\"k\",\"htm\":\"GET\",\"htu\":\"" URL "\",\"iat\":1700000000}");
  p = forge_alg(k, WB_ALG_ES256, header, payload);
  CHECK_ST(wb_dpop_verify_bound(v, p, strlen(p), "GET", URL, TOKEN, strlen(TOKEN), "short", NULL),
           WB_ERR_INVALID_ARG);
  /* a caller's replay cache that fails and says nothing: its status, named */
  CHECK_ST(wb_dpop_verifier_set_replay_fn(v, silent_failure, NULL, NULL), WB_OK);
  wb_error e;
  CHECK_ST(wb_dpop_verify(v, p, strlen(p), "GET", URL, tp, &e), WB_ERR_IO);
  CHECK(strcmp(e.message, "replay cache: io") == 0);
  wb_string_free(p);
  wb_dpop_verifier_free(v);
  wb_string_free(pub);
  wb_key_free(k);
}

static void urls(void) {
  const struct {
    const char *in, *out;
  } ok[] = {
      {"https://[v1.a:b]/", "https://[v1.a:b]/"},
      {"https://ex_am~ple-1.c!o$m/", "https://ex_am~ple-1.c!o$m/"},
      {"https://x:/", "https://x/"},
      {"https://x:443?q", "https://x/"},
      {"https://x#f", "https://x/"},
      {"https://x/%4a%4A%7e", "https://x/JJ~"},
      {"https://x/a/b/..", "https://x/a/"},
      {"https://x/a/b/.x/..y/.../z", "https://x/a/b/.x/..y/.../z"},
      {"https://x/a//b", "https://x/a//b"},
      {"https://x/./../a", "https://x/a"},
      {"https://x/a./b", "https://x/a./b"},
      {"https://[v1.a!b]/", "https://[v1.a!b]/"},
      {"https://x:8080", "https://x:8080/"},
      {"h1+-.://x/", NULL},
      {"httpsxxxx://x/", NULL},
      {"https://[::1", NULL},
      {"https://x/%!1", NULL},
      {"http+x://x/", NULL},
      {"https://[a%b]/", NULL},
      {"https://[::1]x/", NULL},
      {"https://x:1234567/", NULL},
      {"https://x/%g1", NULL},
      {"https://x/%1g", NULL},
      {"https://x/?a^b", NULL},
  };
  char out[256];
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    wb_error e;
    wb_status st = wb__dpop_url_normalise(ok[i].in, strlen(ok[i].in), out, sizeof(out), &e);
    CHECK(st == (ok[i].out != NULL ? WB_OK : WB_ERR_MALFORMED));
    if (ok[i].out != NULL && (st != WB_OK || strcmp(out, ok[i].out) != 0))
      fprintf(stderr, "  normalise %s: %s %s, want %s\n", ok[i].in, wb_status_name(st), out, ok[i].out);
    if (ok[i].out == NULL && st != WB_ERR_MALFORMED)
      fprintf(stderr, "  normalise %s: %s %s, want malformed\n", ok[i].in, wb_status_name(st), out);
    if (ok[i].out != NULL)
      CHECK(strcmp(out, ok[i].out) == 0);
    else
      CHECK(out[0] == '\0');
  }
  /* a NUL inside the given length is no URI character (the path and the query took it: strchr
   * finds the terminator of its set. Latent: the callers pass C strings, and a proof's htu with a
   * NUL is refused as malformed before, as "e" above shows) */
  static const char nul[] = "https://x/a\0b";
  CHECK_ST(wb__dpop_url_normalise(nul, sizeof(nul) - 1, out, sizeof(out), NULL), WB_ERR_MALFORMED);
  static const char nul_q[] = "https://x/a?\0";
  CHECK_ST(wb__dpop_url_normalise(nul_q, sizeof(nul_q) - 1, out, sizeof(out), NULL), WB_ERR_MALFORMED);
  /* no room, or room for the scheme only: too_large (it said malformed, judging the host empty
   * by what it had written), nothing left written */
  wb_error e;
  CHECK_ST(wb__dpop_url_normalise("https://x/", 10, out, 0, &e), WB_ERR_TOO_LARGE);
  CHECK(strstr(e.message, "longer than 0 bytes") != NULL);
  for (size_t cap = 1; cap < 11; cap++) {
    memset(out, 'z', sizeof(out));
    CHECK_ST(wb__dpop_url_normalise("https://x/", 10, out, cap, &e), WB_ERR_TOO_LARGE);
    CHECK(out[0] == '\0');
    CHECK_ST(wb__dpop_url_normalise("https://[::1]/", 14, out, cap, &e), WB_ERR_TOO_LARGE);
  }
  CHECK_ST(wb__dpop_url_normalise("https://x/", 10, out, 11, &e), WB_OK);
  CHECK(strcmp(out, "https://x/") == 0);
}

/* The verifier's cache of proof keys without a cache (lib/dpop_keys.c): nothing found, nothing kept. */
static void no_key_cache(void) {
  wb_key *k = gen(WB_ALG_ES256);
  CHECK(wb__dpop_keys_get(NULL, "{}", 2) == NULL);
  wb__dpop_keys_put(NULL, "{}", 2, k);
  wb__dpop_keys_free(NULL);
  wb_dpop_keys *c = wb__dpop_keys_new();
  CHECK(c != NULL && wb__dpop_keys_get(c, "{}", 2) == NULL);
  wb__dpop_keys_put(c, "{}", 2, k);
  wb_key *got = wb__dpop_keys_get(c, "{}", 2);
  CHECK(got == k && wb__dpop_keys_get(c, "{} ", 3) == NULL);
  wb_key_free(got);
  wb__dpop_keys_free(c);
  wb_key_free(k);
}

int main(void) {
  no_key_cache();
  signer_arguments();
  verifier_arguments();
  forged();
  urls();
  return CHECK_DONE();
}
