/* SPDX-License-Identifier: MIT */
/*
 * lib/dpop.c - DPoP proofs (RFC 9449): the signer that makes them and the verifier that checks
 * them against a request. Contract: include/wristband/dpop.h. The URL normalisation is
 * lib/dpop_url.c, the built-in replay cache lib/dpop_replay.c.
 *
 * A proof is checked in the order of RFC 9449 4.3, stopping at the first failure: size, the
 * three segments, the header (typ dpop+jwt, an allowed asymmetric alg, no crit, a "jwk" that
 * holds no private member and imports as a valid key of that alg), the signature by that key,
 * the payload's claims (types, then htm, htu, iat window, nonce, ath), the key's thumbprint
 * against the token's cnf.jkt, and last the replay cache, so that only a proof that passed
 * everything else takes a place in it.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dpop_int.h"
#include "jws.h"

#define METHOD_MAX  32   /* longest HTTP method taken (RFC 9110 tokens; real ones are short) */
#define NONCE_MAX   1024 /* longest nonce written or read */
#define JTI_MAX     256  /* longest jti read */
#define ATH_LEN     43   /* base64url of a SHA-256 hash */
#define MAX_LEEWAY  3600
#define MAX_AGE_MAX 86400

/* ---- shared helpers ------------------------------------------------------------------------ */

static int64_t system_clock(void *ctx) {
  (void)ctx;
  return wb__now_s();
}

/* RFC 9110 5.6.2 token: the method of a request. */
static bool method_ok(const char *m) {
  static const char tchar[] = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  size_t n = strlen(m);
  return n > 0 && n <= METHOD_MAX && strspn(m, tchar) == n;
}

/* RFC 9449 8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
static bool nonce_ok(const char *s, size_t n) {
  if (n == 0 || n > NONCE_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
      return false;
  }
  return true;
}

/* base64url(SHA-256(token)) into out[ATH_LEN + 1]. */
static wb_status ath_of(const char *token, size_t len, char out[ATH_LEN + 1], wb_error *err) {
  unsigned char h[32];
  if (!wb__sha256(token, len, h))
    return wb__fail(err, WB_ERR_CRYPTO, "SHA-256 failed");
  wb__b64url_encode_to(out, h, sizeof(h));
  return WB_OK;
}

/* ---- the signer --------------------------------------------------------------------------- */

struct wb_dpop_signer {
  wb_key *key;  /* own reference: the private key */
  wb_alg alg;   /* the proof's alg */
  char *header; /* {"typ":"dpop+jwt","alg":...,"jwk":...}, prepared once */
  size_t header_len;
  wb_clock_fn clock; /* iat */
  void *clock_ctx;
};

/* The public JWK of key without kid, alg or use: only what identifies the key goes in the header. */
static wb_status public_jwk(const wb_key *key, char **jwk, wb_error *err) {
  wb_key *pub = NULL;
  wb_status st = wb_key_public(&pub, key, err);
  if (st == WB_OK)
    st = wb_key_set_kid(pub, NULL, err);
  if (st == WB_OK)
    st = wb_key_set_alg(pub, WB_ALG_INVALID, err);
  if (st == WB_OK)
    st = wb_key_set_use(pub, WB_USE_ANY, err);
  if (st == WB_OK)
    st = wb_key_to_jwk(pub, WB_KEY_PUBLIC, jwk, err);
  wb_key_free(pub);
  return st;
}

static wb_status signer_header(wb_dpop_signer *s, wb_error *err) {
  char *jwk = NULL;
  wb_status st = public_jwk(s->key, &jwk, err);
  if (st != WB_OK)
    return st;
  static const char fmt[] = "{\"typ\":\"dpop+jwt\",\"alg\":\"%s\",\"jwk\":%s}";
  size_t cap = sizeof(fmt) + strlen(wb_alg_name(s->alg)) + strlen(jwk);
  s->header = malloc(cap);
  if (s->header == NULL) {
    wb_string_free(jwk);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  int n = snprintf(s->header, cap, fmt, wb_alg_name(s->alg), jwk);
  s->header_len = (size_t)n;
  wb_string_free(jwk);
  return WB_OK;
}

wb_status wb_dpop_signer_new(wb_dpop_signer **out, const wb_key *key, wb_alg alg, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL key");
  if (wb_key_kty(key) == WB_KTY_OCT)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED,
                    "a DPoP key must be asymmetric (the server must not hold it)");
  if (alg == WB_ALG_INVALID && (alg = wb_key_default_alg(key)) == WB_ALG_INVALID)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the key does not determine an algorithm: name one");
  wb_status st = wb_key_check_alg(key, alg, WB_KEY_OP_SIGN, err);
  if (st != WB_OK)
    return st;
  wb_dpop_signer *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  s->key = wb__key_ref(key);
  s->alg = alg;
  s->clock = system_clock;
  st = signer_header(s, err);
  if (st != WB_OK) {
    wb_dpop_signer_free(s);
    return st;
  }
  *out = s;
  return wb__ok(err);
}

wb_status wb_dpop_signer_set_clock(wb_dpop_signer *s, wb_clock_fn clock, void *ctx, wb_error *err) {
  if (s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL signer");
  s->clock = clock != NULL ? clock : system_clock;
  s->clock_ctx = clock != NULL ? ctx : NULL;
  return wb__ok(err);
}

void wb_dpop_signer_free(wb_dpop_signer *s) {
  if (s == NULL)
    return;
  wb_key_free(s->key);
  free(s->header);
  free(s);
}

/* The payload {"jti","htm","htu","iat"[,"ath"][,"nonce"]} into a new string. htu and nonce hold
 * no character JSON escapes (checked), method is a token. */
static wb_status proof_payload(const wb_dpop_signer *s, const char *method, const char *htu, const char *ath,
                               const char *nonce, char **out, size_t *len, wb_error *err) {
  unsigned char raw[16];
  char jti[WB_B64URL_ENCODED_LEN(16) + 1];
  wb_status st = wb_random(raw, sizeof(raw), err);
  if (st != WB_OK)
    return st;
  wb__b64url_encode_to(jti, raw, sizeof(raw));
  size_t cap = 128 + strlen(method) + strlen(htu) + (ath ? strlen(ath) : 0) + (nonce ? strlen(nonce) : 0);
  char *p = malloc(cap);
  if (p == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  int n = snprintf(p, cap, "{\"jti\":\"%s\",\"htm\":\"%s\",\"htu\":\"%s\",\"iat\":%lld%s%s%s%s%s%s}", jti,
                   method, htu, (long long)s->clock(s->clock_ctx), ath ? ",\"ath\":\"" : "", ath ? ath : "",
                   ath ? "\"" : "", nonce ? ",\"nonce\":\"" : "", nonce ? nonce : "", nonce ? "\"" : "");
  *out = p;
  *len = (size_t)n;
  return WB_OK;
}

wb_status wb_dpop_sign(const wb_dpop_signer *s, const char *method, const char *url, const char *access_token,
                       size_t access_token_len, const char *nonce, char **proof, size_t *proof_len,
                       wb_error *err) {
  if (proof != NULL)
    *proof = NULL;
  if (proof_len != NULL)
    *proof_len = 0;
  if (s == NULL || method == NULL || url == NULL || proof == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (!method_ok(method))
    return wb__fail(err, WB_ERR_INVALID_ARG, "the method must be an HTTP token (\"GET\") of at most %d bytes",
                    METHOD_MAX);
  if (nonce != NULL && !nonce_ok(nonce, strlen(nonce)))
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "a nonce is 1 to %d printable ASCII characters, no quote or backslash", NONCE_MAX);
  char htu[WB_DPOP_MAX_URL_LEN + 2], ath[ATH_LEN + 1];
  wb_error why;
  wb_status st = wb__dpop_url_normalise(url, strlen(url), htu, sizeof(htu), &why);
  if (st != WB_OK)
    return wb__fail(err, st == WB_ERR_MALFORMED ? WB_ERR_INVALID_ARG : st, "url: %s", why.message);
  if (access_token != NULL && (st = ath_of(access_token, access_token_len, ath, err)) != WB_OK)
    return st;
  char *payload = NULL;
  size_t plen = 0;
  st = proof_payload(s, method, htu, access_token != NULL ? ath : NULL, nonce, &payload, &plen, err);
  if (st != WB_OK)
    return st;
  st = wb_jws_sign_header(s->key, s->header, s->header_len, (const unsigned char *)payload, plen, proof,
                          proof_len, err);
  free(payload);
  return st;
}

/* ---- the verifier: set-up ------------------------------------------------------------------- */

struct wb_dpop_verifier {
  uint32_t algs;   /* allowed algorithms (bit per wb_alg), asymmetric only */
  bool narrowed;   /* wb_dpop_verifier_allow_alg was called: algs holds the named ones */
  int64_t max_age; /* iat at least now - max_age */
  int64_t leeway;  /* iat at most now + leeway */
  bool has_now;    /* the clock is fixed at now */
  int64_t now;
  wb_clock_fn clock;
  void *clock_ctx;
  wb_dpop_replay_fn replay; /* the caller's replay cache, else cache */
  void *replay_ctx;
  wb_dpop_cache *cache;
  wb_dpop_keys *keys;     /* the proof keys imported so far */
  wb_dpop_nonce_fn nonce; /* NULL: nonces not required */
  void *nonce_ctx;
};

static bool asymmetric(wb_alg alg) {
  const wb_alg_info *ai = wb__alg_info(alg);
  return ai != NULL && ai->family != WB_FAMILY_HMAC;
}

wb_status wb_dpop_verifier_new(wb_dpop_verifier **out, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  wb_dpop_verifier *v = calloc(1, sizeof(*v));
  if (v == NULL || (v->cache = wb__dpop_cache_new(WB_DPOP_DEFAULT_REPLAY_CACHE)) == NULL ||
      (v->keys = wb__dpop_keys_new()) == NULL) {
    if (v != NULL)
      wb__dpop_cache_free(v->cache);
    free(v);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  for (int a = WB_ALG_INVALID + 1; a < WB_ALG_COUNT_; a++)
    if (asymmetric((wb_alg)a))
      v->algs |= 1u << a;
  v->max_age = WB_DPOP_DEFAULT_MAX_AGE;
  v->leeway = WB_DPOP_DEFAULT_LEEWAY;
  v->clock = system_clock;
  *out = v;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_allow_alg(wb_dpop_verifier *v, wb_alg alg, wb_error *err) {
  if (v == NULL || wb__alg_info(alg) == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown algorithm");
  if (!asymmetric(alg))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED,
                    "%s is symmetric: a DPoP proof needs a key only the client holds", wb_alg_name(alg));
  v->algs = (v->narrowed ? v->algs : 0) | 1u << alg;
  v->narrowed = true;
  return wb__ok(err);
}

bool wb_dpop_verifier_allows(const wb_dpop_verifier *v, wb_alg alg) {
  return v != NULL && wb__alg_info(alg) != NULL && (v->algs & (1u << alg)) != 0;
}

wb_status wb_dpop_verifier_set_max_age(wb_dpop_verifier *v, int64_t seconds, wb_error *err) {
  if (v == NULL || seconds < 1 || seconds > MAX_AGE_MAX)
    return wb__fail(err, WB_ERR_INVALID_ARG, "max age must be between 1 second and one day");
  v->max_age = seconds;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_set_leeway(wb_dpop_verifier *v, int64_t seconds, wb_error *err) {
  if (v == NULL || seconds < 0 || seconds > MAX_LEEWAY)
    return wb__fail(err, WB_ERR_INVALID_ARG, "leeway must be between 0 and one hour");
  v->leeway = seconds;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_set_clock(wb_dpop_verifier *v, wb_clock_fn clock, void *ctx, wb_error *err) {
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  v->clock = clock != NULL ? clock : system_clock;
  v->clock_ctx = clock != NULL ? ctx : NULL;
  v->has_now = false;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_set_now(wb_dpop_verifier *v, int64_t now, wb_error *err) {
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  v->now = now;
  v->has_now = true;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_set_replay_cache(wb_dpop_verifier *v, size_t entries, wb_error *err) {
  if (v == NULL || entries < 16 || entries > ((size_t)1 << 24))
    return wb__fail(err, WB_ERR_INVALID_ARG, "replay cache entries must be between 16 and 2^24");
  wb_dpop_cache *c = wb__dpop_cache_new(entries);
  if (c == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb__dpop_cache_free(v->cache);
  v->cache = c;
  v->replay = NULL;
  v->replay_ctx = NULL;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_set_replay_fn(wb_dpop_verifier *v, wb_dpop_replay_fn fn, void *ctx,
                                         wb_error *err) {
  if (v == NULL || fn == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb__dpop_cache_free(v->cache);
  v->cache = NULL;
  v->replay = fn;
  v->replay_ctx = ctx;
  return wb__ok(err);
}

wb_status wb_dpop_verifier_require_nonce(wb_dpop_verifier *v, wb_dpop_nonce_fn fn, void *ctx, wb_error *err) {
  if (v == NULL || fn == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  v->nonce = fn;
  v->nonce_ctx = ctx;
  return wb__ok(err);
}

void wb_dpop_verifier_free(wb_dpop_verifier *v) {
  if (v == NULL)
    return;
  wb__dpop_cache_free(v->cache);
  wb__dpop_keys_free(v->keys);
  free(v);
}

/* ---- the verifier: checks ------------------------------------------------------------------- */

/* What the caller's request says the proof must match. */
typedef struct expect {
  const char *method;
  char htu[WB_DPOP_MAX_URL_LEN + 2]; /* the request's URL, normalised */
  const char *token;                 /* the access token presented, or NULL */
  size_t token_len;
  const char *jkt; /* the token's cnf.jkt, or NULL */
  int64_t now;     /* the verifier's clock, read once per proof */
} expect;

/* A decoded segment, NUL-terminated, on the heap (proofs are small and rare next to tokens). */
typedef struct seg {
  char *p;
  size_t len;
} seg;

static wb_status decode(seg *s, const char *b64, size_t len, size_t max, wb_error *err) {
  return wb__b64url_decode_alloc(b64, len, max, &s->p, &s->len, err);
}

enum { H_TYP, H_ALG, H_JWK, H_CRIT, H_B64, H_COUNT };
enum { J_D, J_P, J_Q, J_DP, J_DQ, J_QI, J_OTH, J_K, J_COUNT };

/* The proof's "jwk": an object with no private member, imported as a key that may verify alg. */
static wb_status header_key(const wb_dpop_verifier *v, const wb_jfield *jwk, wb_alg alg, const wb_limits *lim,
                            wb_key **key, wb_error *err) {
  static const char *const private_names[J_COUNT] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};
  wb_jfield f[J_COUNT] = {WB_JFIELD("d"),  WB_JFIELD("p"),  WB_JFIELD("q"),   WB_JFIELD("dp"),
                          WB_JFIELD("dq"), WB_JFIELD("qi"), WB_JFIELD("oth"), WB_JFIELD("k")};
  if (jwk->type == WB_JSON_ABSENT)
    return wb__fail(err, WB_ERR_MALFORMED, "the proof header has no \"jwk\"");
  if (jwk->type != WB_JSON_OBJECT)
    return wb__fail(err, WB_ERR_MALFORMED, "the proof header's \"jwk\" must be an object");
  /* These exact bytes passed the checks below before: the same key, only alg is checked again. */
  wb_status st;
  if ((*key = wb__dpop_keys_get(v->keys, jwk->value, jwk->len)) != NULL) {
    if ((st = wb_key_check_alg(*key, alg, WB_KEY_OP_VERIFY, err)) != WB_OK) {
      wb_key_free(*key);
      *key = NULL;
    }
    return st;
  }
  st = wb__jscan_object(jwk->value, jwk->len, lim, f, J_COUNT, err);
  if (st != WB_OK)
    return st;
  for (int i = 0; i < J_COUNT; i++)
    if (f[i].type != WB_JSON_ABSENT)
      return wb__fail(err, WB_ERR_BAD_KEY, "the proof's \"jwk\" holds the private member \"%s\"",
                      private_names[i]);
  st = wb_key_from_jwk(key, jwk->value, jwk->len, err);
  if (st == WB_OK && (wb_key_is_private(*key) || wb_key_kty(*key) == WB_KTY_OCT))
    st = wb__fail(err, WB_ERR_BAD_KEY, "the proof's \"jwk\" is not a public key");
  if (st == WB_OK)
    st = wb_key_check_alg(*key, alg, WB_KEY_OP_VERIFY, err);
  if (st == WB_OK)
    wb__dpop_keys_put(v->keys, jwk->value, jwk->len, *key);
  if (st != WB_OK) {
    wb_key_free(*key);
    *key = NULL;
  }
  return st;
}

static bool typ_ok(const wb_jfield *typ) {
  if (typ->type != WB_JSON_STRING || typ->escaped)
    return false;
  const char *t = typ->value;
  size_t n = typ->len;
  if (n > 12 && strncasecmp(t, "application/", 12) == 0) {
    t += 12;
    n -= 12;
  }
  return n == 8 && strncasecmp(t, "dpop+jwt", 8) == 0;
}

/* The header: typ, alg (allowed, asymmetric), no crit or b64, the key. */
static wb_status check_header(const wb_dpop_verifier *v, seg *h, const wb_limits *lim, wb_alg *alg,
                              wb_key **key, wb_error *err) {
  wb_jfield f[H_COUNT] = {WB_JFIELD("typ"), WB_JFIELD("alg"), WB_JFIELD("jwk"), WB_JFIELD("crit"),
                          WB_JFIELD("b64")};
  wb_status st = wb__jscan_object(h->p, h->len, lim, f, H_COUNT, err);
  if (st != WB_OK)
    return st;
  if (f[H_CRIT].type != WB_JSON_ABSENT || f[H_B64].type != WB_JSON_ABSENT)
    return wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "the proof header has \"crit\" or \"b64\"");
  if (f[H_ALG].type != WB_JSON_STRING)
    return wb__fail(err, WB_ERR_MALFORMED, "the proof header has no \"alg\" string");
  if (f[H_TYP].type == WB_JSON_ABSENT)
    return wb__fail(err, WB_ERR_MALFORMED, "the proof header has no \"typ\"");
  if (!typ_ok(&f[H_TYP]))
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "the proof header's typ is not \"dpop+jwt\"");
  char name[16];
  size_t n =
      f[H_ALG].len < sizeof(name) ? wb__jstr_decode(f[H_ALG].value, f[H_ALG].len, f[H_ALG].escaped, name) : 0;
  *alg = wb_alg_from_name(name, n);
  if (*alg == WB_ALG_INVALID)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the proof's alg is unknown or \"none\"");
  if (!asymmetric(*alg))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the proof's alg %s is symmetric", wb_alg_name(*alg));
  if (!(v->algs & (1u << *alg)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "the proof's alg %s is not allowed", wb_alg_name(*alg));
  return header_key(v, &f[H_JWK], *alg, lim, key, err);
}

/* h64 "." p64 verified with key under alg. */
static wb_status check_signature(const wb_key *key, wb_alg alg, const char *proof, const wb_jws_parts *parts,
                                 wb_error *err) {
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0;
  if (parts->s64_len > WB_B64URL_ENCODED_LEN(WB_MAX_SIG_LEN))
    return wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature too long");
  wb_status st = wb_b64url_decode(sig, sizeof(sig), parts->s64, parts->s64_len, &sig_len, err);
  if (st != WB_OK)
    return st;
  return wb__verify(key, alg, (const unsigned char *)proof, parts->h64_len + 1 + parts->p64_len, sig, sig_len,
                    err);
}

enum { C_JTI, C_HTM, C_HTU, C_IAT, C_ATH, C_NONCE, C_COUNT };

static wb_status check_types(const wb_jfield *f, wb_error *err) {
  static const char *const names[C_COUNT] = {"jti", "htm", "htu", "iat", "ath", "nonce"};
  for (int i = 0; i < C_COUNT; i++) {
    bool number = i == C_IAT;
    if (f[i].type == WB_JSON_ABSENT) {
      if (i <= C_IAT)
        return wb__fail(err, WB_ERR_MISSING_CLAIM, "the proof has no \"%s\"", names[i]);
      continue;
    }
    bool ok =
        number ? (f[i].type == WB_JSON_INTEGER || f[i].type == WB_JSON_REAL) : f[i].type == WB_JSON_STRING;
    if (!ok)
      return wb__fail(err, WB_ERR_MALFORMED, "the proof's \"%s\" must be %s", names[i],
                      number ? "a number" : "a string");
  }
  if (f[C_JTI].len == 0 || f[C_JTI].len > JTI_MAX)
    return wb__fail(err, WB_ERR_MALFORMED, "the proof's jti must be 1 to %d bytes", JTI_MAX);
  return WB_OK;
}

static int64_t now_of(const wb_dpop_verifier *v) {
  return v->has_now ? v->now : v->clock(v->clock_ctx);
}

/* htm and htu against the request. */
static wb_status check_request(const wb_jfield *f, const expect *x, wb_error *err) {
  if (!wb__jstr_equal(f[C_HTM].value, f[C_HTM].len, f[C_HTM].escaped, x->method))
    return wb__fail(err, WB_ERR_REQUEST_MISMATCH, "the proof was made for another method (htm is not %.32s)",
                    x->method);
  if (f[C_HTU].len > WB_DPOP_MAX_URL_LEN)
    return wb__fail(err, WB_ERR_REQUEST_MISMATCH, "the proof's htu is too long");
  char raw[WB_DPOP_MAX_URL_LEN + 1], htu[WB_DPOP_MAX_URL_LEN + 2];
  size_t n = wb__jstr_decode(f[C_HTU].value, f[C_HTU].len, f[C_HTU].escaped, raw);
  wb_error why;
  if (wb__dpop_url_normalise(raw, n, htu, sizeof(htu), &why) != WB_OK)
    return wb__fail(err, WB_ERR_MALFORMED, "the proof's htu: %s", why.message);
  if (strcmp(htu, x->htu) != 0)
    return wb__fail(err, WB_ERR_REQUEST_MISMATCH,
                    "the proof was made for another URL (htu is not the request's)");
  return WB_OK;
}

/* iat in [now - max_age, now + leeway]; *stale_at: until when the replay cache must remember the
 * proof: the first second it is stale, plus a margin (the leeway, at least a second) for a cache
 * that reads its own clock later than this check did, or on another machine whose clock is ahead
 * (the server's store, purged by every instance): without it a replay landing on the proof's last
 * second while the clock ticks over would find the first use forgotten. */
static wb_status check_iat(const wb_dpop_verifier *v, const wb_jfield *iat, int64_t now_s, int64_t *stale_at,
                           wb_error *err) {
  double d = 0;
  int64_t i = 0;
  wb_jnum_kind kind;
  if (wb__jnum_parse(iat->value, iat->len, &d, &i, &kind) != WB_OK)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  double now = (double)now_s;
  if (!(d >= now - (double)v->max_age)) /* also NaN-proof: a huge negative or -inf is stale */
    return wb__fail(err, WB_ERR_EXPIRED, "the proof is stale: iat more than %lld seconds ago",
                    (long long)v->max_age);
  if (d > now + (double)v->leeway)
    return wb__fail(err, WB_ERR_IAT_IN_FUTURE, "the proof's iat is %.0f seconds in the future", d - now);
  *stale_at = (int64_t)floor(d) + v->max_age + 1 + (v->leeway > 0 ? v->leeway : 1);
  return WB_OK;
}

static wb_status check_nonce(const wb_dpop_verifier *v, const wb_jfield *nonce, wb_error *err) {
  if (v->nonce == NULL)
    return WB_OK;
  char text[NONCE_MAX + 1];
  if (nonce->type == WB_JSON_ABSENT)
    return wb__fail(err, WB_ERR_USE_DPOP_NONCE, "the server requires a nonce in the proof (DPoP-Nonce)");
  if (nonce->len > NONCE_MAX)
    return wb__fail(err, WB_ERR_USE_DPOP_NONCE, "the proof's nonce is not the server's");
  size_t n = wb__jstr_decode(nonce->value, nonce->len, nonce->escaped, text);
  if (!nonce_ok(text, n) || !v->nonce(v->nonce_ctx, text, n))
    return wb__fail(err, WB_ERR_USE_DPOP_NONCE, "the proof's nonce is not (or no longer) the server's");
  return WB_OK;
}

/* ath against the token presented (a proof for a token endpoint has none). */
static wb_status check_ath(const wb_jfield *ath, const expect *x, wb_error *err) {
  if (x->token == NULL) {
    if (ath->type != WB_JSON_ABSENT)
      return wb__fail(err, WB_ERR_TOKEN_MISMATCH, "the proof has an ath but no access token was presented");
    return WB_OK;
  }
  if (ath->type == WB_JSON_ABSENT)
    return wb__fail(err, WB_ERR_MISSING_CLAIM, "the proof has no \"ath\" (the access token's hash)");
  char want[ATH_LEN + 1];
  wb_status st = ath_of(x->token, x->token_len, want, err);
  if (st != WB_OK)
    return st;
  if (ath->escaped || ath->len != ATH_LEN || CRYPTO_memcmp(ath->value, want, ATH_LEN) != 0)
    return wb__fail(err, WB_ERR_TOKEN_MISMATCH,
                    "the proof's ath is not the hash of the access token presented");
  return WB_OK;
}

/* The replay id, SHA-256(jkt || jti), through the caller's cache or the built-in one. */
static wb_status check_replay(const wb_dpop_verifier *v, const char *jkt, const wb_jfield *jti,
                              int64_t stale_at, int64_t now, wb_error *err) {
  unsigned char in[WB_THUMBPRINT_LEN + JTI_MAX], id[WB_DPOP_REPLAY_ID_LEN];
  size_t n = strlen(jkt);
  memcpy(in, jkt, n);
  n += wb__jstr_decode(jti->value, jti->len, jti->escaped, (char *)in + n);
  _Static_assert(WB_DPOP_REPLAY_ID_LEN == 32, "a replay id is a SHA-256");
  if (!wb__sha256(in, n, id))
    return wb__fail(err, WB_ERR_CRYPTO, "SHA-256 failed");
  if (v->replay == NULL)
    return wb__dpop_cache_use(v->cache, id, stale_at, now, err);
  wb_error mine = {WB_OK, ""};
  wb_status st = v->replay(v->replay_ctx, id, stale_at, &mine);
  if (st == WB_OK)
    return WB_OK;
  if (st == WB_ERR_REPLAYED)
    return wb__fail(err, WB_ERR_REPLAYED, "the proof's jti was used before (a replayed proof)");
  return wb__fail(err, st, "replay cache: %s", mine.message[0] ? mine.message : wb_status_name(st));
}

/* The payload's claims, the binding and the replay cache, for the proof signed by key. */
static wb_status check_claims(const wb_dpop_verifier *v, const seg *p, const wb_limits *lim,
                              const wb_key *key, const expect *x, char jkt[WB_THUMBPRINT_LEN],
                              wb_error *err) {
  wb_jfield f[C_COUNT] = {WB_JFIELD("jti"), WB_JFIELD("htm"), WB_JFIELD("htu"),
                          WB_JFIELD("iat"), WB_JFIELD("ath"), WB_JFIELD("nonce")};
  int64_t stale_at = 0;
  wb_status st = wb__jscan_object(p->p, p->len, lim, f, C_COUNT, err);
  if (st == WB_OK)
    st = check_types(f, err);
  if (st == WB_OK)
    st = check_request(f, x, err);
  if (st == WB_OK)
    st = check_iat(v, &f[C_IAT], x->now, &stale_at, err);
  if (st == WB_OK)
    st = check_nonce(v, &f[C_NONCE], err);
  if (st == WB_OK)
    st = check_ath(&f[C_ATH], x, err);
  if (st == WB_OK)
    st = wb_key_thumbprint(key, jkt, err);
  /* both are 43 characters: wb_dpop_verify_bound checked the caller's, a thumbprint is that long */
  if (st == WB_OK && x->jkt != NULL && CRYPTO_memcmp(x->jkt, jkt, WB_THUMBPRINT_LEN - 1) != 0)
    st = wb__fail(err, WB_ERR_KEY_MISMATCH, "the proof is signed by another key than the token is bound to");
  if (st == WB_OK)
    st = check_replay(v, jkt, &f[C_JTI], stale_at, x->now, err);
  return st;
}

static wb_status verify_proof(const wb_dpop_verifier *v, const char *proof, size_t len, const expect *x,
                              char jkt[WB_THUMBPRINT_LEN], wb_error *err) {
  if (len > WB_DPOP_MAX_PROOF_LEN)
    return wb__fail(err, WB_ERR_TOO_LARGE, "proof longer than %d bytes", WB_DPOP_MAX_PROOF_LEN);
  wb_limits lim;
  wb_limits_default(&lim);
  wb_jws_parts parts;
  seg h = {NULL, 0}, p = {NULL, 0};
  wb_key *key = NULL;
  wb_alg alg = WB_ALG_INVALID;
  wb_status st = wb__jws_split(proof, len, &lim, &parts, err);
  if (st == WB_OK)
    st = decode(&h, parts.h64, parts.h64_len, lim.max_header_len, err);
  if (st == WB_OK)
    st = check_header(v, &h, &lim, &alg, &key, err);
  if (st == WB_OK)
    st = check_signature(key, alg, proof, &parts, err);
  if (st == WB_OK)
    st = decode(&p, parts.p64, parts.p64_len, lim.max_claims_len, err);
  if (st == WB_OK)
    st = check_claims(v, &p, &lim, key, x, jkt, err);
  wb_key_free(key);
  free(h.p);
  free(p.p);
  if (st != WB_OK) {
    jkt[0] = '\0';
    return st;
  }
  return wb__ok(err);
}

/* The request side of a check: method and URL. */
/* Fills x for a request. Member by member: an initialiser would zero the 8 KiB URL buffer on every
 * proof. */
static wb_status expect_request(expect *x, const char *method, const char *url, const char *token,
                                size_t token_len, const char *jkt, int64_t now, wb_error *err) {
  x->method = NULL;
  x->htu[0] = '\0';
  x->token = token;
  x->token_len = token_len;
  x->jkt = jkt;
  x->now = now;
  if (!method_ok(method))
    return wb__fail(err, WB_ERR_INVALID_ARG, "the method must be an HTTP token (\"GET\")");
  wb_status st = wb__dpop_url_normalise(url, strlen(url), x->htu, sizeof(x->htu), err);
  if (st == WB_ERR_MALFORMED)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the request URL is not an absolute http(s) URL");
  x->method = method;
  return st;
}

wb_status wb_dpop_verify(const wb_dpop_verifier *v, const char *proof, size_t len, const char *method,
                         const char *url, char jkt[WB_THUMBPRINT_LEN], wb_error *err) {
  if (jkt != NULL)
    jkt[0] = '\0';
  if (v == NULL || proof == NULL || method == NULL || url == NULL || jkt == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  expect x;
  wb_status st = expect_request(&x, method, url, NULL, 0, NULL, now_of(v), err);
  if (st != WB_OK)
    return st;
  return verify_proof(v, proof, len, &x, jkt, err);
}

wb_status wb_dpop_verify_bound(const wb_dpop_verifier *v, const char *proof, size_t len, const char *method,
                               const char *url, const char *access_token, size_t access_token_len,
                               const char *jkt, wb_error *err) {
  if (v == NULL || proof == NULL || method == NULL || url == NULL || access_token == NULL || jkt == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (access_token_len == 0 || strlen(jkt) + 1 != WB_THUMBPRINT_LEN)
    return wb__fail(err, WB_ERR_INVALID_ARG, "an access token and a 43-character jkt are required");
  expect x;
  wb_status st = expect_request(&x, method, url, access_token, access_token_len, jkt, now_of(v), err);
  if (st != WB_OK)
    return st;
  char got[WB_THUMBPRINT_LEN];
  return verify_proof(v, proof, len, &x, got, err);
}
