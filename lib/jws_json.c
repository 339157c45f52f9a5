/* SPDX-License-Identifier: MIT */
/*
 * lib/jws_json.c - the JWS serializations besides the plain compact one: the general and flattened
 * JSON serializations (RFC 7515 7.2) with several signatures, unprotected headers and an explicit
 * policy for several signatures; detached payloads (RFC 7515 appendix F); and RFC 7797 unencoded
 * payloads ("b64": false, only with "crit": ["b64"], never for a JWT).
 *
 * Verification applies the verifier's header policy to each signature's JOSE Header (protected
 * joined with unprotected, disjoint names, "crit" protected and naming "b64" only, "b64" protected
 * and the same for every signature), chooses the key by kid, checks the signature over
 * ASCII(protected) || "." || payload, and reports a status per signature. Compact signing and
 * verification are lib/jws.c and lib/verifier.c. Contract: include/wristband/jws.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "jose.h"
#include "jws.h"

#define MAX_SIGNERS 16

/* ---- signing ----------------------------------------------------------------------------------- */

/* The payload part of the signing input: BASE64URL(payload), or the payload itself when !b64. */
static void payload_part(wb_strbuf *b, const unsigned char *payload, size_t len, bool b64) {
  if (b64)
    wb__sb_b64(b, payload, len);
  else
    wb__sb_put(b, payload, len);
}

/* Appends BASE64URL(signature of h64 "." part) for signer s. */
static wb_status sign_one(const wb_signer *s, const char *part, size_t part_len, wb_strbuf *out,
                          wb_error *err) {
  size_t h64_len = 0;
  const char *h64 = wb__signer_header_b64(s, &h64_len);
  wb_strbuf input;
  wb__sb_init(&input, SIZE_MAX / 4);
  wb__sb_put(&input, h64, h64_len);
  wb__sb_put(&input, ".", 1);
  wb__sb_put(&input, part, part_len);
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0;
  wb_status st = wb__sb_done(&input, err);
  if (st == WB_OK)
    st = wb__signer_sign_input(s, (const unsigned char *)input.p, input.len, sig, &sig_len, err);
  if (st == WB_OK)
    wb__sb_b64(out, sig, sig_len);
  wb__sb_free(&input);
  return st;
}

static wb_status take(wb_strbuf *b, char **out, size_t *out_len, wb_error *err) {
  wb_status st = wb__sb_done(b, err);
  if (st != WB_OK) {
    wb__sb_free(b);
    return st;
  }
  *out = b->p;
  if (out_len != NULL)
    *out_len = b->len;
  return wb__ok(err);
}

wb_status wb_jws_sign_detached(const wb_signer *s, const unsigned char *payload, size_t len, char **token,
                               size_t *token_len, wb_error *err) {
  if (token_len != NULL)
    *token_len = 0;
  if (token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL token");
  *token = NULL;
  if (s == NULL || (payload == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_strbuf part, out;
  wb__sb_init(&part, SIZE_MAX / 4);
  wb__sb_init(&out, SIZE_MAX / 4);
  payload_part(&part, payload, len, wb__signer_b64(s));
  wb_status st = wb__sb_done(&part, err);
  size_t h64_len = 0;
  const char *h64 = wb__signer_header_b64(s, &h64_len);
  wb__sb_put(&out, h64, h64_len);
  wb__sb_put(&out, "..", 2);
  if (st == WB_OK)
    st = sign_one(s, part.p, part.len, &out, err);
  wb__sb_free(&part);
  if (st != WB_OK) {
    wb__sb_free(&out);
    return st;
  }
  return take(&out, token, token_len, err);
}

/* Checks the signers of a JSON serialization: 1..16, all with the same b64. */
static wb_status check_signers(const wb_signer *const *signers, size_t n, wb_serialization form,
                               wb_error *err) {
  if (signers == NULL || n == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "no signers");
  if (n > MAX_SIGNERS)
    return wb__fail(err, WB_ERR_TOO_LARGE, "at most %d signatures", MAX_SIGNERS);
  if (form != WB_SER_FLATTENED && form != WB_SER_GENERAL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "form must be WB_SER_FLATTENED or WB_SER_GENERAL");
  if (form == WB_SER_FLATTENED && n != 1)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the flattened serialization has one signature");
  for (size_t i = 0; i < n; i++) {
    if (signers[i] == NULL)
      return wb__fail(err, WB_ERR_INVALID_ARG, "NULL signer");
    if (wb__signer_b64(signers[i]) != wb__signer_b64(signers[0]))
      return wb__fail(err, WB_ERR_INVALID_ARG, "the signers disagree on b64 (RFC 7797 3)");
  }
  return WB_OK;
}

/* Appends "protected":"..","signature":"..". */
static wb_status signature_members(const wb_signer *s, const wb_strbuf *part, wb_strbuf *out, wb_error *err) {
  size_t h64_len = 0;
  const char *h64 = wb__signer_header_b64(s, &h64_len);
  wb__sb_str(out, "\"protected\":\"");
  wb__sb_put(out, h64, h64_len);
  wb__sb_str(out, "\",\"signature\":\"");
  wb_status st = sign_one(s, part->p, part->len, out, err);
  wb__sb_str(out, "\"");
  return st;
}

wb_status wb_jws_sign_json(const wb_signer *const *signers, size_t n, wb_serialization form,
                           const unsigned char *payload, size_t len, bool detached, char **json,
                           size_t *json_len, wb_error *err) {
  if (json_len != NULL)
    *json_len = 0;
  if (json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL json");
  *json = NULL;
  if (payload == NULL && len > 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL payload");
  wb_status st = check_signers(signers, n, form, err);
  if (st != WB_OK)
    return st;
  bool b64 = wb__signer_b64(signers[0]);
  wb_strbuf part, out;
  wb__sb_init(&part, SIZE_MAX / 4);
  wb__sb_init(&out, SIZE_MAX / 4);
  payload_part(&part, payload, len, b64);
  st = wb__sb_done(&part, err);
  wb__sb_str(&out, "{");
  if (!detached) {
    wb__sb_str(&out, "\"payload\":");
    if (b64) {
      wb__sb_str(&out, "\"");
      wb__sb_put(&out, part.p, part.len);
      wb__sb_str(&out, "\"");
    } else {
      wb__sb_json_string(&out, (const char *)payload, len); /* JSON text: valid UTF-8 only */
    }
    wb__sb_str(&out, ",");
  }
  if (form == WB_SER_GENERAL)
    wb__sb_str(&out, "\"signatures\":[");
  for (size_t i = 0; st == WB_OK && i < n; i++) {
    if (form == WB_SER_GENERAL)
      wb__sb_str(&out, i == 0 ? "{" : ",{");
    st = signature_members(signers[i], &part, &out, err);
    if (form == WB_SER_GENERAL)
      wb__sb_str(&out, "}");
  }
  wb__sb_str(&out, form == WB_SER_GENERAL ? "]}" : "}");
  wb__sb_free(&part);
  if (st != WB_OK) {
    wb__sb_free(&out);
    return st;
  }
  return take(&out, json, json_len, err);
}

/* ---- verifying a detached compact JWS ---------------------------------------------------------- */

wb_status wb_jws_verify_detached(const wb_verifier *v, const char *token, size_t len,
                                 const unsigned char *payload, size_t payload_len, wb_error *err) {
  if (v == NULL || (payload == NULL && payload_len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  const wb_limits *lim = wb__verifier_limits(v);
  wb_jws_parts parts;
  wb_status st = wb__jws_split(token, len, lim, &parts, err);
  if (st != WB_OK)
    return st;
  if (parts.p64_len != 0)
    return wb__fail(err, WB_ERR_MALFORMED, "the token has a payload: it is not detached");
  char *hdr_text = NULL;
  size_t hdr_len = 0;
  wb_jws_header hdr;
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0;
  wb_strbuf input;
  wb__sb_init(&input, SIZE_MAX / 4);
  st = wb__b64url_decode_alloc(parts.h64, parts.h64_len, lim->max_header_len, &hdr_text, &hdr_len, err);
  if (st == WB_OK)
    st = wb__jws_parse_header(hdr_text, hdr_len, lim, &hdr, err);
  if (st == WB_OK && parts.s64_len > WB_B64URL_ENCODED_LEN(WB_MAX_SIG_LEN))
    st = wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature too long");
  if (st == WB_OK)
    st = wb_b64url_decode(sig, sizeof(sig), parts.s64, parts.s64_len, &sig_len, err);
  if (st == WB_OK) {
    wb__sb_put(&input, parts.h64, parts.h64_len);
    wb__sb_put(&input, ".", 1);
    payload_part(&input, payload, payload_len, hdr.b64);
    st = wb__sb_done(&input, err);
  }
  if (st == WB_OK)
    st = wb__verifier_check(v, &hdr, (const unsigned char *)input.p, input.len, sig, sig_len, err);
  wb__sb_free(&input);
  free(hdr_text);
  return st == WB_OK ? wb__ok(err) : st;
}

/* ---- verifying the JSON serializations ---------------------------------------------------------- */

enum { S_PAYLOAD, S_SIGNATURES, S_PROTECTED, S_HEADER, S_SIGNATURE, S_COUNT };
static const struct {
  const char *name;
  wb_json_type type;
} jws_members[S_COUNT] = {{"payload", WB_JSON_STRING},
                          {"signatures", WB_JSON_ARRAY},
                          {"protected", WB_JSON_STRING},
                          {"header", WB_JSON_OBJECT},
                          {"signature", WB_JSON_STRING}};

static wb_status get_members(const wb_jtape *t, uint32_t obj, int first, int last, uint32_t *m,
                             wb_error *err) {
  for (int i = first; i <= last; i++) {
    m[i] = wb__jtape_member(t, obj, jws_members[i].name, strlen(jws_members[i].name));
    if (m[i] != 0 && t->nodes[m[i]].type != jws_members[i].type) {
      m[i] = 0; /* never read as a string */
      return wb__fail(err, WB_ERR_MALFORMED, "JWS member \"%s\" has the wrong JSON type",
                      jws_members[i].name);
    }
  }
  return WB_OK;
}

static const char *str_of(const wb_jtape *t, uint32_t k, size_t *len) {
  const char *s = k ? t->arena + t->nodes[k].str : "";
  *len = strlen(s);
  return s;
}

/* The verification of a whole JSON JWS in progress. */
typedef struct jws_json {
  const wb_verifier *v;
  const wb_jtape *t;
  const unsigned char *payload; /* the payload part of the signing input (b64 text or raw bytes) */
  size_t payload_len;
  int b64; /* -1 until the first signature says */
} jws_json;

/* The JOSE header of signature object sobj: its protected tape (new) and the view. */
static wb_status signature_header(jws_json *j, const uint32_t *m, wb_jtape **pt, char **ptext,
                                  wb_jose_view *h, wb_jws_header *hdr, wb_error *err) {
  const wb_limits *lim = wb__verifier_limits(j->v);
  wb_jose_part parts[2];
  size_t n = 0, plen = 0, tlen = 0;
  const char *p64 = str_of(j->t, m[S_PROTECTED], &plen);
  wb_status st = WB_OK;
  if (m[S_PROTECTED] != 0) {
    st = wb__b64url_decode_alloc(p64, plen, lim->max_header_len, ptext, &tlen, err);
    if (st == WB_OK)
      st = wb__jtape_build(pt, *ptext, tlen, lim, true, err);
    if (st != WB_OK)
      return st;
    parts[n++] = (wb_jose_part){*pt, 0, WB_JH_PROTECTED};
  }
  if (m[S_HEADER] != 0)
    parts[n++] = (wb_jose_part){j->t, m[S_HEADER], WB_JH_OWN};
  if (n == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "a signature needs a header");
  if ((st = wb__jose_view_build(h, parts, n, err)) != WB_OK ||
      (st = wb__jose_check_crit(h, wb__jws_crit_understood, 1, err)) != WB_OK)
    return st;
  memset(hdr, 0, sizeof(*hdr));
  size_t alg_len = 0;
  const char *alg = wb__jose_str(h, WB_JH_ALG, &alg_len);
  if (alg == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "header has no \"alg\"");
  if ((hdr->alg = wb_alg_from_name(alg, alg_len)) == WB_ALG_INVALID)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "algorithm \"%.20s\" is not allowed", alg);
  hdr->kid = wb__jose_str(h, WB_JH_KID, &hdr->kid_len);
  /* typ decides what kind of token this is (the verifier's expected typ): only a signed one counts */
  hdr->typ = h->m[WB_JH_TYP].src == WB_JH_PROTECTED ? wb__jose_str(h, WB_JH_TYP, NULL) : NULL;
  const wb_jnode *b64 = wb__jose_node(h, WB_JH_B64);
  hdr->crit = wb__jose_node(h, WB_JH_CRIT) != NULL;
  hdr->b64 = b64 == NULL || h->m[WB_JH_B64].tape->text[b64->off] == 't';
  if (b64 != NULL && (!hdr->crit || h->m[WB_JH_B64].src != WB_JH_PROTECTED))
    return wb__fail(err, WB_ERR_MALFORMED,
                    "header \"b64\" must be protected and named by \"crit\" (RFC 7797)");
  if (j->b64 >= 0 && j->b64 != hdr->b64)
    return wb__fail(err, WB_ERR_MALFORMED, "the signatures disagree on \"b64\" (RFC 7797 3)");
  j->b64 = hdr->b64;
  return WB_OK;
}

/* The members of signature object sobj (0 = the flattened top level, whose members are top). */
static wb_status signature_members_of(const jws_json *j, uint32_t sobj, const uint32_t *top, uint32_t *m,
                                      wb_error *err) {
  memset(m, 0, S_COUNT * sizeof(*m));
  if (sobj == 0) {
    memcpy(m, top, S_COUNT * sizeof(*m));
  } else {
    if (j->t->nodes[sobj].type != WB_JSON_OBJECT)
      return wb__fail(err, WB_ERR_MALFORMED, "each signature must be a JSON object");
    wb_status st = get_members(j->t, sobj, S_PROTECTED, S_SIGNATURE, m, err);
    if (st != WB_OK)
      return st;
  }
  if (m[S_SIGNATURE] == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "a signature needs \"signature\"");
  return WB_OK;
}

/* The b64 setting of the first signature (to encode a detached payload); *b64 -1 when unreadable. */
static void first_b64(const jws_json *j, const uint32_t *top, int *b64) {
  jws_json probe = *j;
  uint32_t m[S_COUNT];
  wb_jtape *pt = NULL;
  char *ptext = NULL;
  wb_jose_view h;
  wb_jws_header hdr;
  uint32_t sobj = top[S_SIGNATURES] ? top[S_SIGNATURES] + 1 : 0;
  *b64 = -1;
  if (signature_members_of(&probe, sobj, top, m, NULL) == WB_OK &&
      signature_header(&probe, m, &pt, &ptext, &h, &hdr, NULL) == WB_OK)
    *b64 = hdr.b64;
  wb__jtape_free(pt);
  free(ptext);
}

/* Verifies one signature object sobj (0 = the flattened top level). */
static wb_status verify_one(jws_json *j, uint32_t sobj, const uint32_t *top, wb_error *err) {
  uint32_t m[S_COUNT];
  wb_jtape *pt = NULL;
  char *ptext = NULL;
  wb_jose_view h;
  wb_jws_header hdr;
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0, s64_len = 0, p64_len = 0;
  wb_strbuf input;
  wb__sb_init(&input, SIZE_MAX / 4);
  wb_status st = signature_members_of(j, sobj, top, m, err);
  const char *s64 = str_of(j->t, m[S_SIGNATURE], &s64_len), *p64 = str_of(j->t, m[S_PROTECTED], &p64_len);
  if (st == WB_OK)
    st = signature_header(j, m, &pt, &ptext, &h, &hdr, err);
  if (st == WB_OK && s64_len > WB_B64URL_ENCODED_LEN(WB_MAX_SIG_LEN))
    st = wb__fail(err, WB_ERR_BAD_SIGNATURE, "signature too long");
  if (st == WB_OK)
    st = wb_b64url_decode(sig, sizeof(sig), s64, s64_len, &sig_len, err);
  if (st == WB_OK) {
    wb__sb_put(&input, p64, p64_len);
    wb__sb_put(&input, ".", 1);
    wb__sb_put(&input, j->payload, j->payload_len);
    st = wb__sb_done(&input, err);
  }
  if (st == WB_OK)
    st = wb__verifier_check(j->v, &hdr, (const unsigned char *)input.p, input.len, sig, sig_len, err);
  wb__sb_free(&input);
  wb__jtape_free(pt);
  free(ptext);
  return st;
}

/* The payload the caller receives: decoded (b64) or as it is. */
static wb_status payload_out(const jws_json *j, char **payload, size_t *payload_len, wb_error *err) {
  char *out = NULL;
  size_t n = j->payload_len;
  if (j->b64 != 0) {
    wb_status st =
        wb__b64url_decode_alloc((const char *)j->payload, j->payload_len, j->payload_len, &out, &n, err);
    if (st != WB_OK)
      return st;
  } else {
    if ((out = malloc(n + 1)) == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    if (n > 0)
      memcpy(out, j->payload, n);
    out[n] = '\0';
  }
  if (payload == NULL) {
    wb_string_free(out);
    return WB_OK;
  }
  *payload = out;
  if (payload_len != NULL)
    *payload_len = n;
  return WB_OK;
}

/* Verifies every signature under policy; statuses into results. */
static wb_status verify_all(jws_json *j, wb_jws_policy policy, const uint32_t *top, wb_status *results,
                            size_t cap, size_t *nsig, wb_error *err) {
  uint32_t arr = top[S_SIGNATURES];
  size_t count = arr ? j->t->nodes[arr].count : 1, good = 0;
  wb_error first = {WB_OK, ""};
  if (nsig != NULL)
    *nsig = count;
  for (size_t i = 0, k = arr ? arr + 1 : 0; i < count; i++, k = arr ? j->t->nodes[k].next : 0) {
    wb_error e = {WB_OK, ""};
    wb_status st = verify_one(j, (uint32_t)k, top, &e);
    if (results != NULL && i < cap)
      results[i] = st;
    if (st == WB_OK)
      good++;
    else if (first.code == WB_OK)
      first = e;
    if (st == WB_ERR_MALFORMED || st == WB_ERR_NOMEM) /* the whole object is unusable */
      return wb__fail(err, st, "signature %zu: %s", i, e.message);
  }
  if ((policy == WB_JWS_ANY && good > 0) || (policy == WB_JWS_ALL && good == count))
    return WB_OK;
  return wb__fail(err, first.code, "%s", first.message);
}

/* Where the payload part of the signing input comes from: the JSON, or the detached bytes. */
static wb_status payload_source(jws_json *j, const uint32_t *top, const unsigned char *detached,
                                size_t detached_len, wb_strbuf *encoded, wb_error *err) {
  if (top[S_PAYLOAD] != 0 && detached != NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the JWS has a payload: it is not detached");
  if (top[S_PAYLOAD] == 0 && detached == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "the JWS has no payload and none was given");
  if (top[S_PAYLOAD] != 0) {
    j->payload = (const unsigned char *)str_of(j->t, top[S_PAYLOAD], &j->payload_len);
    return WB_OK;
  }
  /* detached: b64 is known only once a header is read, so encode now and choose per signature */
  wb__sb_b64(encoded, detached, detached_len);
  return wb__sb_done(encoded, err);
}

static wb_status check_top(const wb_jtape *t, const uint32_t *top, wb_error *err) {
  if (top[S_SIGNATURES] != 0 && (top[S_PROTECTED] != 0 || top[S_HEADER] != 0 || top[S_SIGNATURE] != 0))
    return wb__fail(err, WB_ERR_MALFORMED, "\"signatures\" and a flattened signature");
  if (top[S_SIGNATURES] != 0 && t->nodes[top[S_SIGNATURES]].count == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "\"signatures\" is empty");
  if (top[S_SIGNATURES] == 0 && top[S_SIGNATURE] == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "not a JSON JWS: no \"signatures\" or \"signature\"");
  if (top[S_SIGNATURES] != 0 && t->nodes[top[S_SIGNATURES]].count > MAX_SIGNERS * 4)
    return wb__fail(err, WB_ERR_TOO_LARGE, "too many signatures");
  return WB_OK;
}

/* Both JSON verifications: detached is NULL when the JSON carries the payload. */
static wb_status verify_json(const wb_verifier *v, wb_jws_policy policy, const char *json, size_t len,
                             const unsigned char *detached, size_t detached_len, char **payload,
                             size_t *payload_len, wb_status *results, size_t results_cap, size_t *nsig,
                             wb_error *err) {
  if (policy != WB_JWS_ANY && policy != WB_JWS_ALL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "policy must be WB_JWS_ANY or WB_JWS_ALL");
  const wb_limits *lim = wb__verifier_limits(v);
  if (len > lim->max_token_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "JWS longer than %zu bytes", lim->max_token_len);
  wb_jtape *t = NULL;
  uint32_t top[S_COUNT] = {0};
  wb_strbuf encoded;
  wb__sb_init(&encoded, SIZE_MAX / 4);
  jws_json j = {v, NULL, NULL, 0, -1};
  wb_status st = wb__jtape_build(&t, json, len, lim, true, err);
  j.t = t;
  if (st == WB_OK)
    st = get_members(t, 0, S_PAYLOAD, S_SIGNATURE, top, err);
  if (st == WB_OK)
    st = check_top(t, top, err);
  if (st == WB_OK)
    st = payload_source(&j, top, detached, detached_len, &encoded, err);
  if (st == WB_OK && detached != NULL) {
    /* the first header's b64 picks the detached form: encoded, or the bytes as they are; a header
     * that cannot be read fails in verify_all, and every other must agree with the first */
    int b64 = -1;
    first_b64(&j, top, &b64);
    j.payload = b64 == 0 ? detached : (const unsigned char *)encoded.p;
    j.payload_len = b64 == 0 ? detached_len : encoded.len;
  }
  if (st == WB_OK)
    st = verify_all(&j, policy, top, results, results != NULL ? results_cap : 0, nsig, err);
  if (st == WB_OK && detached == NULL)
    st = payload_out(&j, payload, payload_len, err);
  wb__sb_free(&encoded);
  wb__jtape_free(t);
  return st == WB_OK ? wb__ok(err) : st;
}

wb_status wb_jws_verify_json(const wb_verifier *v, wb_jws_policy policy, const char *json, size_t len,
                             char **payload, size_t *payload_len, wb_status *results, size_t results_cap,
                             size_t *nsig, wb_error *err) {
  if (payload != NULL)
    *payload = NULL;
  if (payload_len != NULL)
    *payload_len = 0;
  if (nsig != NULL)
    *nsig = 0;
  if (v == NULL || json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  return verify_json(v, policy, json, len, NULL, 0, payload, payload_len, results, results_cap, nsig, err);
}

wb_status wb_jws_verify_json_detached(const wb_verifier *v, wb_jws_policy policy, const char *json,
                                      size_t len, const unsigned char *payload, size_t payload_len,
                                      wb_status *results, size_t results_cap, size_t *nsig, wb_error *err) {
  static const unsigned char empty[1] = {0};
  if (nsig != NULL)
    *nsig = 0;
  if (v == NULL || json == NULL || (payload == NULL && payload_len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  return verify_json(v, policy, json, len, payload != NULL ? payload : empty, payload_len, NULL, NULL,
                     results, results_cap, nsig, err);
}
