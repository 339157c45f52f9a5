/* SPDX-License-Identifier: MIT */
/*
 * lib/verifier.c - the verifier: RFC 7515 verification of compact tokens with the RFC 8725
 * policy, and the RFC 7519 claims checks.
 *
 * Set-up (lib/verifier_setup.c) resolves everything that does not depend on the token: which
 * algorithms each key allows, and for each algorithm the one key a kid-less token may use (the
 * key view, lib/keyview.c; a following verifier's is swapped under it, lib/verifier_follow.c,
 * and read here under its read side). wb_verify() then does,
 * in order and stopping at the first failure: size limits; split; strict base64url + strict
 * JSON header; alg allowed (never "none"); key choice by kid; signature; typ; payload scan
 * (strict JSON, no tree); registered claim types; exp/nbf/iat/max-age; iss/sub/aud; required
 * claims; and, for a verifier that follows a revocation feed, the revocation check. It allocates
 * only the claims it returns (and buffers for unusually large tokens).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "claims.h"
#include "jws.h"
#include "revocation.h"
#include "verifier.h"

#define MAX_LIST      WB_VERIFIER_MAX_LIST
#define STACK_SEGMENT 2048 /* header / payload bytes decoded on the stack */

/* ---- verification -------------------------------------------------------------------------- */

/* A decoded segment: on the stack when small, else on the heap. */
typedef struct segment {
  char *buf;
  size_t len;
  char stack[STACK_SEGMENT];
} segment;

static wb_status segment_decode(segment *s, const char *b64, size_t len, size_t max, char *into,
                                wb_error *err) {
  size_t exact = WB_B64URL_DECODED_LEN(len);
  s->buf = NULL;
  if (exact > max)
    return wb__fail(err, WB_ERR_TOO_LARGE, "segment larger than %zu bytes", max);
  s->buf = into ? into : exact < sizeof(s->stack) ? s->stack : malloc(exact + 1);
  if (s->buf == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb_status st = wb_b64url_decode((unsigned char *)s->buf, exact + 1, b64, len, &s->len, err);
  if (st == WB_OK)
    s->buf[s->len] = '\0';
  return st;
}

static void segment_release(segment *s, const char *into) {
  if (s->buf != NULL && s->buf != s->stack && s->buf != into)
    free(s->buf);
  s->buf = NULL;
}

/* For messages: at most SHOWN bytes of s[0..n) in quotes, control bytes as '?', "..." when cut.
 * Values shown come from the token or the caller; they are never key material. */
#define SHOWN 48
static const char *shown(char out[SHOWN + 8], const char *s, size_t n) {
  size_t k = n > SHOWN ? SHOWN : n;
  out[0] = '"';
  for (size_t i = 0; i < k; i++)
    out[i + 1] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  memcpy(out + k + 1, n > SHOWN ? "\"..." : "\"", n > SHOWN ? 5 : 2);
  return out;
}

/* The key for this token, among the keys of view k: by kid, else the only key that fits alg. */
static wb_status choose_key(const wb_keyview *k, const wb_jws_header *h, const wb_key **key, wb_error *err) {
  *key = NULL;
  if (k->awaited_mask & (1u << h->alg)) /* following: the keys for it may be on their way */
    return wb__fail(err, WB_ERR_KEY_NOT_FOUND, "no key for algorithm %s (yet)", wb_alg_name(h->alg));
  if (!(k->allowed_mask & (1u << h->alg)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "algorithm %s is not allowed", wb_alg_name(h->alg));
  if (h->kid != NULL) {
    for (size_t i = 0; i < k->nkeys; i++) {
      const char *kid = k->keys[i]->kid;
      if (kid != NULL && strlen(kid) == h->kid_len && memcmp(kid, h->kid, h->kid_len) == 0) {
        *key = k->keys[i];
        return wb_key_check_alg(*key, h->alg, WB_KEY_OP_VERIFY, err);
      }
    }
    char kid[SHOWN + 8];
    if (k->nkeys != 1 || k->keys[0]->kid != NULL)
      return wb__fail(err, WB_ERR_KEY_NOT_FOUND, "no key has the token's kid %s",
                      shown(kid, h->kid, h->kid_len));
  }
  int idx = k->sole_key[h->alg]; /* the alg is allowed: some key fits it, -2 when several do */
  if (idx < 0)
    return wb__fail(err, WB_ERR_KEY_NOT_FOUND, "token has no kid and several keys fit %s",
                    wb_alg_name(h->alg));
  *key = k->keys[idx];
  return WB_OK;
}

/* typ comparison of RFC 8725 3.11: case-insensitive, "application/" optional. */
static const char *typ_core(const char *t) {
  return strncasecmp(t, "application/", 12) == 0 ? t + 12 : t;
}

/* What a protected header decides, given the verifier: the alg, the key, and the typ check. */
typedef struct header_verdict {
  wb_alg alg;
  size_t key_index;
  bool typ_ok;
  bool b64; /* false: RFC 7797 unencoded payload (never for a JWT) */
} header_verdict;

/*
 * A per-thread memo of the last header accepted by a verifier. Tokens of one issuer share
 * their header bytes, so most calls skip decoding and scanning it. Keyed by the serial of the
 * key view it was judged under, which every set-up call and every new key set renews; read and
 * written by its own thread only.
 */
#define MEMO_HEADER_MAX 160
typedef struct header_memo {
  uint64_t serial;
  size_t len;
  char b64[MEMO_HEADER_MAX];
  header_verdict verdict;
} header_memo;
static _Thread_local header_memo memo;

static wb_status judge_header(const wb_verifier *v, const wb_keyview *k, const wb_jws_parts *parts,
                              header_verdict *out, wb_error *err) {
  segment h;
  wb_status st = segment_decode(&h, parts->h64, parts->h64_len, v->limits.max_header_len, NULL, err);
  wb_jws_header hdr;
  if (st == WB_OK)
    st = wb__jws_parse_header(h.buf, h.len, &v->limits, &hdr, err);
  const wb_key *key = NULL;
  if (st == WB_OK)
    st = choose_key(k, &hdr, &key, err);
  if (st == WB_OK) {
    out->alg = hdr.alg;
    for (out->key_index = 0; k->keys[out->key_index] != key; out->key_index++)
      ;
    out->typ_ok = v->typ == NULL || (hdr.typ != NULL && strcasecmp(typ_core(hdr.typ), typ_core(v->typ)) == 0);
    out->b64 = hdr.b64;
  }
  segment_release(&h, NULL);
  return st;
}

/* Header (memoised), key, signature: everything up to a trusted payload segment. */
static wb_status verify_signature(const wb_verifier *v, const wb_keyview *k, const char *token, size_t len,
                                  wb_jws_parts *parts, header_verdict *out, wb_error *err) {
  wb_status st = wb__jws_split(token, len, &v->limits, parts, err);
  if (st != WB_OK)
    return st;
  header_verdict verdict;
  if (memo.serial == k->serial && memo.len == parts->h64_len && memcmp(memo.b64, parts->h64, memo.len) == 0) {
    verdict = memo.verdict;
  } else {
    st = judge_header(v, k, parts, &verdict, err);
    if (st != WB_OK)
      return st;
    if (parts->h64_len <= MEMO_HEADER_MAX) {
      memo.serial = k->serial;
      memo.len = parts->h64_len;
      memcpy(memo.b64, parts->h64, parts->h64_len);
      memo.verdict = verdict;
    }
  }
  *out = verdict;
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0;
  if (parts->s64_len > WB_B64URL_ENCODED_LEN(WB_MAX_SIG_LEN))
    return wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature too long");
  st = wb_b64url_decode(sig, sizeof(sig), parts->s64, parts->s64_len, &sig_len, err);
  if (st != WB_OK)
    return st;
  return wb__verify(k->keys[verdict.key_index], verdict.alg, (const unsigned char *)token,
                    parts->h64_len + 1 + parts->p64_len, sig, sig_len, err);
}

enum { C_ISS, C_SUB, C_AUD, C_EXP, C_NBF, C_IAT, C_JTI, C_REGISTERED };

static int64_t current_time(const wb_verifier *v) {
  if (v->has_now)
    return v->now;
  if (v->clock != NULL)
    return v->clock(v->clock_ctx);
  return wb__now_s();
}

static wb_status check_types(const wb_jfield *f, wb_error *err) {
  static const char *const names[C_REGISTERED] = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"};
  for (int i = 0; i < C_REGISTERED; i++) {
    wb_json_type t = f[i].type;
    if (t == WB_JSON_ABSENT)
      continue;
    bool date = i == C_EXP || i == C_NBF || i == C_IAT;
    bool ok = date ? (t == WB_JSON_INTEGER || t == WB_JSON_REAL)
                   : (t == WB_JSON_STRING || (i == C_AUD && t == WB_JSON_ARRAY));
    if (!ok)
      return wb__fail(err, WB_ERR_MALFORMED, "claim \"%s\" must be %s", names[i],
                      date         ? "a number (NumericDate)"
                      : i == C_AUD ? "a string or an array"
                                   : "a string");
  }
  return WB_OK;
}

static wb_status check_times(const wb_verifier *v, const wb_jfield *f, double d[3], wb_error *err) {
  double now = (double)current_time(v), leeway = (double)v->leeway;
  for (int i = 0; i < 3; i++) {
    const wb_jfield *x = &f[C_EXP + i];
    int64_t ival;
    wb_jnum_kind kind;
    d[i] = 0;
    if (x->type != WB_JSON_ABSENT && wb__jnum_parse(x->value, x->len, &d[i], &ival, &kind) != WB_OK)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  if (f[C_EXP].type == WB_JSON_ABSENT && !v->exp_optional)
    return wb__fail(err, WB_ERR_MISSING_CLAIM, "token has no \"exp\" claim");
  if (f[C_EXP].type != WB_JSON_ABSENT && d[0] <= now - leeway)
    return wb__fail(err, WB_ERR_EXPIRED, "token expired %.0f seconds ago", now - d[0]);
  if (f[C_NBF].type != WB_JSON_ABSENT && d[1] > now + leeway)
    return wb__fail(err, WB_ERR_NOT_YET_VALID, "token not valid for another %.0f seconds", d[1] - now);
  if (f[C_IAT].type != WB_JSON_ABSENT && d[2] > now + leeway)
    return wb__fail(err, WB_ERR_IAT_IN_FUTURE, "token issued %.0f seconds in the future", d[2] - now);
  if (v->has_max_age) {
    if (f[C_IAT].type == WB_JSON_ABSENT)
      return wb__fail(err, WB_ERR_MISSING_CLAIM, "token has no \"iat\" claim (max age is set)");
    if (now - d[2] > (double)v->max_age + leeway)
      return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "token older than the maximum age");
  }
  return WB_OK;
}

static bool aud_matches(const wb_verifier *v, const wb_jfield *aud) {
  for (size_t k = 0; k < v->naud; k++) {
    if (aud->type == WB_JSON_STRING) {
      if (wb__jstr_equal(aud->value, aud->len, aud->escaped, v->aud[k]))
        return true;
      continue;
    }
    size_t pos = 0;
    const char *raw;
    size_t rlen;
    bool esc;
    while (wb__jarray_next_string(aud->value, aud->len, &pos, &raw, &rlen, &esc) == 1)
      if (wb__jstr_equal(raw, rlen, esc, v->aud[k]))
        return true;
  }
  return false;
}

/* True when the token's iss x is the issuer URL want (no trailing slash) followed by none or
 * more slashes, written plain or escaped ("\/"). An escaped iss longer than ISS_URL_MAX is not
 * decoded: it is not the issuer (refused). */
#define ISS_URL_MAX 2048
static bool iss_url_equal(const wb_jfield *x, const char *want) {
  char plain[ISS_URL_MAX];
  const char *p = x->value;
  size_t n = x->len;
  if (x->escaped) {
    if (x->len > sizeof(plain))
      return false;
    n = wb__jstr_decode(x->value, x->len, true, plain); /* never longer than its escaped form */
    p = plain;
  }
  while (n > 0 && p[n - 1] == '/')
    n--;
  return n == strlen(want) && memcmp(p, want, n) == 0;
}

static wb_status check_expected(const wb_verifier *v, const wb_jfield *f, wb_error *err) {
  const struct {
    const char *want, *name;
    int idx;
  } exp[2] = {{v->iss, "iss", C_ISS}, {v->sub, "sub", C_SUB}};
  for (int i = 0; i < 2; i++) {
    if (exp[i].want == NULL)
      continue;
    const wb_jfield *x = &f[exp[i].idx];
    char want[SHOWN + 8], got[SHOWN + 8];
    shown(want, exp[i].want, strlen(exp[i].want));
    if (x->type == WB_JSON_ABSENT)
      return wb__fail(err, WB_ERR_MISSING_CLAIM, "token has no \"%s\" claim (expected %s)", exp[i].name,
                      want);
    bool same = i == 0 && v->iss_url ? iss_url_equal(x, exp[i].want)
                                     : wb__jstr_equal(x->value, x->len, x->escaped, exp[i].want);
    if (!same)
      return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "\"%s\" is %s, expected %s", exp[i].name,
                      shown(got, x->value, x->len), want); /* the token's text as written */
  }
  const char *aud_text = f[C_AUD].value; /* for messages: the aud as written, quotes included */
  size_t aud_len = f[C_AUD].len;
  if (f[C_AUD].type == WB_JSON_STRING) {
    aud_text--;
    aud_len += 2;
  }
  int shown_len = aud_len > SHOWN ? SHOWN : (int)aud_len;
  const char *more = aud_len > SHOWN ? "..." : "";
  if (v->naud == 0 && f[C_AUD].type != WB_JSON_ABSENT && !v->any_audience) /* RFC 7519 4.1.3 */
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH,
                    "token has \"aud\" %.*s%s but no audience is expected (name one, or accept any)",
                    shown_len, aud_text, more);
  if (v->naud > 0) {
    if (f[C_AUD].type == WB_JSON_ABSENT)
      return wb__fail(err, WB_ERR_MISSING_CLAIM, "token has no \"aud\" claim");
    int bad = 0;
    if (f[C_AUD].type == WB_JSON_ARRAY) { /* every element must be a string */
      size_t pos = 0;
      const char *raw;
      size_t rlen;
      bool esc;
      int r;
      while ((r = wb__jarray_next_string(f[C_AUD].value, f[C_AUD].len, &pos, &raw, &rlen, &esc)) == 1)
        ;
      bad = r < 0;
    }
    if (bad)
      return wb__fail(err, WB_ERR_MALFORMED, "claim \"aud\" must hold strings only");
    if (!aud_matches(v, &f[C_AUD])) {
      char want[SHOWN + 8], one[SHOWN + 8];
      size_t used = 0;
      for (size_t k = 0; k < v->naud && used < SHOWN; k++)
        used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%s", k > 0 ? ", " : "",
                                 shown(one, v->aud[k], strlen(v->aud[k])));
      if (used >= SHOWN)
        memcpy(want + SHOWN, "...", 4);
      return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "\"aud\" %.*s%s does not contain an expected audience (%s)",
                      shown_len, aud_text, more, want);
    }
  }
  for (size_t i = 0; i < v->nrequired; i++)
    if (f[C_REGISTERED + i].type == WB_JSON_ABSENT)
      return wb__fail(err, WB_ERR_MISSING_CLAIM, "token has no \"%.60s\" claim", v->required[i]);
  return WB_OK;
}

/* Fills the registered values of verified claims c from the scan. */
static void fill_claims(wb_claims *c, const wb_jfield *f, const double d[3], const wb_jfield *sid) {
  size_t used = c->payload_len + 1;
  c->data_used = used;
  if (f[C_ISS].type == WB_JSON_STRING)
    c->iss = wb__claims_store_string(c, &used, f[C_ISS].value, f[C_ISS].len, f[C_ISS].escaped);
  if (f[C_SUB].type == WB_JSON_STRING)
    c->sub = wb__claims_store_string(c, &used, f[C_SUB].value, f[C_SUB].len, f[C_SUB].escaped);
  if (f[C_JTI].type == WB_JSON_STRING)
    c->jti = wb__claims_store_string(c, &used, f[C_JTI].value, f[C_JTI].len, f[C_JTI].escaped);
  if (sid != NULL && sid->type == WB_JSON_STRING)
    c->sid = wb__claims_store_string(c, &used, sid->value, sid->len, sid->escaped);
  c->has_exp = f[C_EXP].type != WB_JSON_ABSENT;
  c->has_nbf = f[C_NBF].type != WB_JSON_ABSENT;
  c->has_iat = f[C_IAT].type != WB_JSON_ABSENT;
  c->exp = d[0];
  c->nbf = d[1];
  c->iat = d[2];
}

static wb_status check_claims(const wb_verifier *v, const char *payload, size_t len, wb_claims *c,
                              wb_error *err) {
  static const wb_jfield registered[C_REGISTERED] = {WB_JFIELD("iss"), WB_JFIELD("sub"), WB_JFIELD("aud"),
                                                     WB_JFIELD("exp"), WB_JFIELD("nbf"), WB_JFIELD("iat"),
                                                     WB_JFIELD("jti")};
  wb_jfield
      f[C_REGISTERED + MAX_LIST + 1]; /* registered, required, and "sid" when revocations are followed */
  memcpy(f, registered, sizeof(registered));
  for (size_t i = 0; i < v->nrequired; i++) {
    f[C_REGISTERED + i].name = v->required[i];
    f[C_REGISTERED + i].name_len = strlen(v->required[i]);
  }
  size_t nf = C_REGISTERED + v->nrequired;
  wb_jfield *sid = NULL;
  if (v->rev != NULL) {
    sid = &f[nf++];
    *sid = (wb_jfield)WB_JFIELD("sid");
  }
  wb_status st = wb__jscan_object(payload, len, &v->limits, f, nf, err);
  if (st != WB_OK)
    return st;
  double d[3];
  if ((st = check_types(f, err)) != WB_OK || (st = check_times(v, f, d, err)) != WB_OK ||
      (st = check_expected(v, f, err)) != WB_OK)
    return st;
  if (c != NULL)
    fill_claims(c, f, d, sid);
  return WB_OK;
}

/* The window in which verified claims c stay valid under v's policy (for the cache). */
static wb_vc_window claims_window(const wb_verifier *v, const wb_claims *c) {
  double leeway = (double)v->leeway;
  wb_vc_window w = {-INFINITY, INFINITY, INFINITY};
  if (c->has_exp)
    w.until = c->exp + leeway;
  if (c->has_nbf)
    w.from = c->nbf - leeway;
  if (c->has_iat) {
    w.from = fmax(w.from, c->iat - leeway);
    if (v->has_max_age)
      w.until_inclusive = c->iat + (double)v->max_age + leeway;
  }
  return w;
}

/* The typ check failed (the verdict is memoised without the typ): decodes the header again to
 * name the token's typ next to the expected one. Failure path only. */
static wb_status typ_mismatch(const wb_verifier *v, const wb_jws_parts *parts, wb_error *err) {
  segment h;
  wb_jws_header hdr = {WB_ALG_INVALID, NULL, 0, NULL, true, false};
  char want[SHOWN + 8], got[SHOWN + 8];
  shown(want, v->typ, strlen(v->typ));
  if (segment_decode(&h, parts->h64, parts->h64_len, v->limits.max_header_len, NULL, NULL) == WB_OK)
    (void)wb__jws_parse_header(h.buf, h.len, &v->limits, &hdr, NULL);
  wb_status st = hdr.typ == NULL
                     ? wb__fail(err, WB_ERR_CLAIM_MISMATCH, "token has no typ header (expected %s)", want)
                     : wb__fail(err, WB_ERR_CLAIM_MISMATCH, "header typ %s does not match the expected %s",
                                shown(got, hdr.typ, strlen(hdr.typ)), want);
  segment_release(&h, NULL);
  return st;
}

/* Verified claims able to hold exact payload bytes: reuse (emptied) when it has room, else new. */
static wb_claims *claims_for(wb_claims *reuse, size_t exact, const wb_limits *lim) {
  if (reuse != NULL && reuse->data_cap >= 2 * exact + 8) {
    wb__claims_reset(reuse, lim);
    return reuse;
  }
  wb_claims_free(reuse);
  return wb__claims_alloc(exact < 1024 ? 1024 : exact, lim); /* room for the next ones too */
}

/*
 * Signature and policy under key view k, no cache. With want_claims, on success *out holds the
 * claims, reusing the verified claims *out held on entry when they have room. On failure *out
 * is freed and NULL.
 */
static wb_status verify_uncached(const wb_verifier *v, const wb_keyview *k, const char *token, size_t len,
                                 bool want_claims, wb_claims **out, wb_error *err) {
  wb_claims *c = *out;
  *out = NULL;
  wb_jws_parts parts;
  header_verdict verdict;
  wb_status st = verify_signature(v, k, token, len, &parts, &verdict, err);
  if (st == WB_OK && !verdict.b64) /* RFC 7797 7 */
    st = wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "a JWT never has an unencoded payload (b64 false)");
  if (st == WB_OK && !verdict.typ_ok)
    st = typ_mismatch(v, &parts, err);
  size_t exact = WB_B64URL_DECODED_LEN(parts.p64_len);
  if (st == WB_OK && want_claims && exact > v->limits.max_claims_len)
    st = wb__fail(err, WB_ERR_TOO_LARGE, "claims larger than %zu bytes", v->limits.max_claims_len);
  if (st == WB_OK && want_claims && (c = claims_for(c, exact, &v->limits)) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (st != WB_OK || !want_claims) {
    wb_claims_free(c);
    c = NULL;
  }
  if (st != WB_OK)
    return st;
  segment p;
  st = segment_decode(&p, parts.p64, parts.p64_len, v->limits.max_claims_len, c ? c->data : NULL, err);
  if (st == WB_OK && c != NULL)
    c->payload_len = p.len;
  if (st == WB_OK)
    st = check_claims(v, p.buf, p.len, c, err);
  segment_release(&p, c ? c->data : NULL);
  if (st != WB_OK) {
    wb_claims_free(c);
    return st;
  }
  *out = c;
  return WB_OK;
}

/*
 * The keys to verify with: a local verifier's view, or a following verifier's current view,
 * read under its read side (leave it with view_leave). No lock, no wait.
 */
static const wb_keyview *view_enter(const wb_verifier *v, unsigned *ticket) {
  if (v->rcu == NULL)
    return v->view;
  *ticket = wb__rcu_read_lock(v->rcu);
  return atomic_load(&v->current);
}

static void view_leave(const wb_verifier *v, unsigned ticket) {
  if (v->rcu != NULL)
    wb__rcu_read_unlock(v->rcu, ticket);
}

/* A following verifier met an unknown kid: true when its key source fetched again (try once more). */
static bool refetched(const wb_verifier *v, wb_status st, int attempt) {
  return st == WB_ERR_KEY_NOT_FOUND && v->src != NULL && attempt == 0 && v->src->ops->unknown_kid(v->src);
}

/*
 * One verification under view k, through the cache when there is one. *c on entry: claims to
 * reuse or NULL; on success the claims when want_claims (else NULL), on failure NULL.
 */
static wb_status verify_with(const wb_verifier *v, const wb_keyview *k, const char *token, size_t len,
                             bool want_claims, wb_claims **c, wb_error *err) {
  unsigned char digest[16];
  wb_status st;
  /* HMAC results are never cached (a lookup costs about what the MAC costs), and a verifier's keys
   * are all oct or all asymmetric (key sets do not mix them), so an HMAC verifier skips the hash. */
  const uint32_t hmac_algs = (1u << WB_ALG_HS256) | (1u << WB_ALG_HS384) | (1u << WB_ALG_HS512);
  bool cacheable = v->cache != NULL && (k->allowed_mask & ~hmac_algs) != 0 && len <= WB_VCACHE_MAX_TOKEN;
  if (cacheable) {
    wb_claims *hit = NULL;
    if ((st = wb__vcache_digest(v->cache, token, len, digest, err)) != WB_OK ||
        wb__vcache_lookup(v->cache, digest, token, len, k->serial, (double)current_time(v),
                          want_claims ? &hit : NULL, &st)) {
      wb_claims_free(*c);
      *c = hit;
      return st == WB_OK ? WB_OK : wb__fail(err, st, "verification cache failed");
    }
  }
  st = verify_uncached(v, k, token, len, want_claims || cacheable, c, err);
  if (st != WB_OK || !cacheable)
    return st;
  /* an asymmetric alg: a verifier whose keys allow one has no oct key */
  wb_vc_window w = claims_window(v, *c);
  wb_claims *keep = want_claims ? wb__claims_clone(*c) : *c;
  if (keep != NULL)
    wb__vcache_store(v->cache, digest, token, len, k->serial, &w, keep);
  if (!want_claims)
    *c = NULL; /* now owned by the cache */
  return WB_OK;
}

/* wb_verify and wb_verify_reuse: *claims on entry is NULL, or verified claims to reuse. */
static wb_status verify(const wb_verifier *v, const char *token, size_t len, wb_claims **claims,
                        wb_error *err) {
  wb_claims *c = claims != NULL ? *claims : NULL;
  if (claims != NULL)
    *claims = NULL;
  if (v == NULL || token == NULL) {
    wb_claims_free(c);
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  }
  bool want_claims = claims != NULL || v->rev != NULL; /* the revocation check reads sid, jti, sub, iat */
  wb_status st;
  for (int attempt = 0;; attempt++) {
    unsigned ticket = 0;
    const wb_keyview *k = view_enter(v, &ticket);
    st = verify_with(v, k, token, len, want_claims, &c, err);
    view_leave(v, ticket);
    if (!refetched(v, st, attempt))
      break;
  }
  if (st == WB_OK && v->rev != NULL)
    st = wb__revocations_check(v->rev, c, err);
  if (st != WB_OK) {
    wb_claims_free(c);
    return st;
  }
  if (claims != NULL)
    *claims = c;
  else
    wb_claims_free(c);
  return wb__ok(err);
}

wb_status wb_verify(const wb_verifier *v, const char *token, size_t len, wb_claims **claims, wb_error *err) {
  if (claims != NULL)
    *claims = NULL;
  return verify(v, token, len, claims, err);
}

wb_status wb_verify_reuse(const wb_verifier *v, const char *token, size_t len, wb_claims **claims,
                          wb_error *err) {
  if (claims == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL claims");
  return verify(v, token, len, claims, err);
}

/* wb_jws_verify's signature check under the current keys (retried once after a refetch). */
static wb_status jws_signature(const wb_verifier *v, const char *token, size_t len, wb_jws_parts *parts,
                               header_verdict *verdict, wb_error *err) {
  wb_status st;
  for (int attempt = 0;; attempt++) {
    unsigned ticket = 0;
    const wb_keyview *k = view_enter(v, &ticket);
    st = verify_signature(v, k, token, len, parts, verdict, err);
    view_leave(v, ticket);
    if (st == WB_OK && !verdict->typ_ok)
      st = typ_mismatch(v, parts, err);
    if (!refetched(v, st, attempt))
      return st;
  }
}

wb_status wb_jws_verify(const wb_verifier *v, const char *token, size_t len, char **payload,
                        size_t *payload_len, wb_error *err) {
  if (payload != NULL)
    *payload = NULL;
  if (payload_len != NULL)
    *payload_len = 0;
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  wb_jws_parts parts;
  header_verdict verdict;
  wb_status st = jws_signature(v, token, len, &parts, &verdict, err);
  if (st != WB_OK)
    return st;
  char *out; /* decoded even when the caller wants no payload: it must be base64url all the same */
  size_t n = parts.p64_len;
  if (!verdict.b64) { /* RFC 7797: the payload segment is the payload */
    if ((out = malloc(n + 1)) == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    memcpy(out, parts.p64, n);
    out[n] = '\0';
  } else if ((st = wb__b64url_decode_alloc(parts.p64, parts.p64_len, v->limits.max_token_len, &out, &n,
                                           err)) != WB_OK) {
    return st;
  }
  if (payload == NULL) {
    wb_string_free(out);
    return wb__ok(err);
  }
  *payload = out;
  if (payload_len != NULL)
    *payload_len = n;
  return wb__ok(err);
}

wb_status wb__verifier_check(const wb_verifier *v, const wb_jws_header *hdr, const unsigned char *input,
                             size_t len, const unsigned char *sig, size_t sig_len, wb_error *err) {
  wb_status st;
  for (int attempt = 0;; attempt++) {
    unsigned ticket = 0;
    const wb_key *key = NULL;
    const wb_keyview *k = view_enter(v, &ticket);
    st = choose_key(k, hdr, &key, err);
    if (st == WB_OK && v->typ != NULL &&
        (hdr->typ == NULL || strcasecmp(typ_core(hdr->typ), typ_core(v->typ)) != 0))
      st = wb__fail(err, WB_ERR_CLAIM_MISMATCH, "header typ does not match");
    if (st == WB_OK)
      st = wb__verify(key, hdr->alg, input, len, sig, sig_len, err);
    view_leave(v, ticket);
    if (!refetched(v, st, attempt))
      return st;
  }
}

const wb_limits *wb__verifier_limits(const wb_verifier *v) {
  return &v->limits;
}
