/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jws_edges_test.c - the edges of JWS signing and verifying that jws_test.c and the
 * attack tests do not reach: compact tokens with too many segments, non-string header members
 * and overlong signature segments; unencoded (b64 false) compact payloads; exact headers with
 * "crit"; the JSON serializations' refusals of signers (too many, NULL, disagreeing on b64, the
 * wrong form) and of texts (bad policy, over the length limit, too many signatures, signatures
 * that are not objects, overlong signatures, signatures disagreeing on b64); an Ed25519 public key
 * whose first byte is 1 (not the small-order point y = 1).
 * Every refusal is checked for its exact status and its out-parameters left NULL.
 */
#include "check.h"

static const unsigned char secret[32] = "0123456789abcdef0123456789abcdef";

static char *b64u(const char *s) {
  size_t n = strlen(s), cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *out = malloc(cap);
  if (out != NULL && wb_b64url_encode(out, cap, (const unsigned char *)s, n, NULL, NULL) != WB_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static wb_key *hs_key(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_secret(&k, secret, sizeof(secret), NULL), WB_OK);
  return k;
}

/* ---- compact ------------------------------------------------------------------------------------ */

static void test_compact_refusals(void) {
  wb_key *k = hs_key();
  wb_verifier *v = NULL;
  char *h = (char *)"x", *p = (char *)"x";
  wb_error err;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  const char *seven = "a.b.c.d.e.f.g";
  CHECK_ST(wb_verify(v, seven, strlen(seven), NULL, &err), WB_ERR_MALFORMED);
  CHECK(strstr(err.message, "too many segments") != NULL);
  /* a header member the library reads must be a string */
  const char *bad_typ = "{\"alg\":\"HS256\",\"typ\":1}";
  char *out = (char *)"x";
  CHECK_ST(wb_jws_sign_header(k, bad_typ, strlen(bad_typ), (const unsigned char *)"p", 1, &out, NULL, &err),
           WB_ERR_MALFORMED);
  CHECK(out == NULL && strstr(err.message, "\"typ\" must be a string") != NULL);
  /* a signature segment longer than any signature (RSA-16384's 2048 bytes) */
  char *h64 = b64u("{\"alg\":\"HS256\"}"), *p64 = b64u("{}"), tok[4096];
  size_t n = (size_t)snprintf(tok, sizeof(tok), "%s.%s.", h64, p64);
  CHECK(n + 3000 < sizeof(tok));
  memset(tok + n, 'A', 3000);
  tok[n + 3000] = '\0';
  CHECK_ST(wb_jws_decode_unverified(tok, strlen(tok), &h, &p, &err), WB_ERR_MALFORMED);
  CHECK(h == NULL && p == NULL && strstr(err.message, "too long") != NULL);
  /* the same as a detached token: the signature is refused before it is decoded */
  n = (size_t)snprintf(tok, sizeof(tok), "%s..", h64);
  memset(tok + n, 'A', 3000);
  tok[n + 3000] = '\0';
  CHECK_ST(wb_jws_verify_detached(v, tok, strlen(tok), (const unsigned char *)"{}", 2, &err),
           WB_ERR_BAD_SIGNATURE);
  free(h64);
  free(p64);
  wb_verifier_free(v);
  wb_key_free(k);
}

/* RFC 7797: an unencoded payload is carried as it is, and cannot hold a '.' in a compact token. */
static void test_unencoded_compact(void) {
  wb_key *k = hs_key();
  wb_signer *s = NULL;
  char *tok = NULL;
  size_t len = 0;
  wb_error err;
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_signer_set_b64(s, false, NULL), WB_OK);
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"plain$text", 10, &tok, &len, NULL), WB_OK);
  const char *mid = tok ? strchr(tok, '.') : NULL;
  CHECK(mid != NULL && strncmp(mid + 1, "plain$text.", 11) == 0 && len == strlen(tok));
  wb_string_free(tok);
  tok = NULL;
  CHECK_ST(wb_jws_sign(s, NULL, 0, &tok, NULL, NULL), WB_OK); /* empty: header..signature */
  mid = tok ? strchr(tok, '.') : NULL;
  CHECK(mid != NULL && mid[1] == '.');
  wb_string_free(tok);
  tok = (char *)"x";
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"a.b", 3, &tok, NULL, &err), WB_ERR_INVALID_ARG);
  CHECK(tok == NULL && strstr(err.message, "'.'") != NULL);
  /* crit in a verified header: listed twice, or beside a member of the wrong JSON type */
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  static const char *const crit_headers[] = {
      "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\",\"b64\"]}",
      "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"],\"epk\":1}",
  };
  static const wb_status crit_want[] = {WB_ERR_UNSUPPORTED_CRIT, WB_ERR_MALFORMED};
  for (int i = 0; i < 2; i++) {
    char *h64 = b64u(crit_headers[i]), t[256];
    snprintf(t, sizeof(t), "%s.payload.AAAA", h64);
    CHECK_ST(wb_verify(v, t, strlen(t), NULL, &err), crit_want[i]);
    CHECK(i != 0 || strstr(err.message, "twice") != NULL);
    free(h64);
  }
  wb_verifier_free(v);
  /* an exact header may not carry crit (wb_signer_set_b64 writes it) */
  const char *hdr = "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}";
  tok = (char *)"x";
  CHECK_ST(wb_jws_sign_header(k, hdr, strlen(hdr), (const unsigned char *)"p", 1, &tok, NULL, &err),
           WB_ERR_UNSUPPORTED_CRIT);
  CHECK(tok == NULL);
  wb_signer_free(s);
  wb_key_free(k);
}

/* ---- JSON serializations: signers ------------------------------------------------------------------ */

static void test_json_signers(void) {
  wb_key *k = hs_key();
  wb_signer *s[17] = {0}, *plain = NULL;
  for (int i = 0; i < 17; i++)
    CHECK_ST(wb_signer_new(&s[i], k, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&plain, k, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_signer_set_b64(s[1], false, NULL), WB_OK);
  const wb_signer *const *all = (const wb_signer *const *)s;
  const unsigned char *msg = (const unsigned char *)"m";
  char *json = (char *)"x";
  size_t len = 9;
  wb_error err;
  CHECK_ST(wb_jws_sign_json(all, 17, WB_SER_GENERAL, msg, 1, false, &json, &len, &err), WB_ERR_TOO_LARGE);
  CHECK(json == NULL && len == 0);
  CHECK_ST(wb_jws_sign_json(all, 1, WB_SER_INVALID, msg, 1, false, &json, &len, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jws_sign_json(all, 2, WB_SER_FLATTENED, msg, 1, false, &json, &len, &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "one signature") != NULL);
  CHECK_ST(wb_jws_sign_json(all, 2, WB_SER_GENERAL, msg, 1, false, &json, &len, &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "b64") != NULL);
  const wb_signer *with_null[2] = {plain, NULL};
  CHECK_ST(wb_jws_sign_json(with_null, 2, WB_SER_GENERAL, msg, 1, false, &json, &len, &err),
           WB_ERR_INVALID_ARG);
  CHECK(json == NULL && len == 0 && strstr(err.message, "NULL signer") != NULL);
  for (int i = 0; i < 17; i++)
    wb_signer_free(s[i]);
  wb_signer_free(plain);
  wb_key_free(k);
}

/* ---- JSON serializations: texts -------------------------------------------------------------------- */

/* Verifies json with v under policy; wants st, and the outputs left NULL / 0 on failure. */
static void verify_want(const wb_verifier *v, wb_jws_policy policy, const char *json, wb_status want) {
  char *payload = (char *)"x";
  size_t n = 9;
  wb_error err;
  wb_status st = wb_jws_verify_json(v, policy, json, strlen(json), &payload, &n, NULL, 0, NULL, &err);
  if (st != want)
    fprintf(stderr, "%.80s: %s (%s)\n", json, wb_status_name(st), err.message);
  CHECK_ST(st, want);
  if (st == WB_OK)
    wb_string_free(payload);
  else
    CHECK(payload == NULL && n == 0 && err.code == want);
}

static void test_json_texts(void) {
  wb_key *k = hs_key();
  wb_verifier *v = NULL;
  wb_signer *s = NULL, *u = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&u, k, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_signer_set_b64(u, false, NULL), WB_OK);
  char *flat = NULL, *flat_u = NULL;
  const wb_signer *one[1] = {s}, *one_u[1] = {u};
  CHECK_ST(
      wb_jws_sign_json(one, 1, WB_SER_FLATTENED, (const unsigned char *)"pay", 3, false, &flat, NULL, NULL),
      WB_OK);
  CHECK_ST(wb_jws_sign_json(one_u, 1, WB_SER_FLATTENED, (const unsigned char *)"pay", 3, false, &flat_u, NULL,
                            NULL),
           WB_OK);
  verify_want(v, WB_JWS_ANY, flat, WB_OK);
  verify_want(v, WB_JWS_POLICY_INVALID, flat, WB_ERR_INVALID_ARG);
  /* over the verifier's length limit: refused before it is read */
  wb_verifier *small = NULL;
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_token_len = 16;
  CHECK_ST(wb_verifier_new_key(&small, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_limits(small, &lim, NULL), WB_OK);
  verify_want(small, WB_JWS_ANY, flat, WB_ERR_TOO_LARGE);
  wb_verifier_free(small);
  /* the members of the flattened signature, taken apart to build general ones */
  const char *pp = strstr(flat, "\"protected\":\""), *sp = strstr(flat, "\"signature\":\"");
  const char *up = strstr(flat_u, "\"protected\":\""), *usp = strstr(flat_u, "\"signature\":\"");
  char prot[256], sig[256], uprot[256], usig[256];
  snprintf(prot, sizeof(prot), "%.*s", (int)strcspn(pp + 13, "\""), pp + 13);
  snprintf(sig, sizeof(sig), "%.*s", (int)strcspn(sp + 13, "\""), sp + 13);
  snprintf(uprot, sizeof(uprot), "%.*s", (int)strcspn(up + 13, "\""), up + 13);
  snprintf(usig, sizeof(usig), "%.*s", (int)strcspn(usp + 13, "\""), usp + 13);
  char *json = malloc(16384);
  /* 65 signatures: more than four times the signers a JWS may have */
  size_t w = (size_t)snprintf(json, 16384, "{\"payload\":\"cGF5\",\"signatures\":[");
  for (int i = 0; i < 65; i++)
    w += (size_t)snprintf(json + w, 16384 - w, "%s{\"protected\":\"%s\",\"signature\":\"%s\"}", i ? "," : "",
                          prot, sig);
  snprintf(json + w, 16384 - w, "]}");
  verify_want(v, WB_JWS_ANY, json, WB_ERR_TOO_LARGE);
  snprintf(json, 16384, "{\"payload\":\"cGF5\",\"signatures\":[1]}");
  verify_want(v, WB_JWS_ANY, json, WB_ERR_MALFORMED);
  /* an overlong signature */
  char longsig[3000];
  memset(longsig, 'A', sizeof(longsig) - 1);
  longsig[sizeof(longsig) - 1] = '\0';
  snprintf(json, 16384, "{\"payload\":\"cGF5\",\"protected\":\"%s\",\"signature\":\"%s\"}", prot, longsig);
  verify_want(v, WB_JWS_ANY, json, WB_ERR_BAD_SIGNATURE);
  /* two signatures that disagree on b64: the payload cannot be both */
  snprintf(json, 16384,
           "{\"payload\":\"pay\",\"signatures\":[{\"protected\":\"%s\",\"signature\":\"%s\"},"
           "{\"protected\":\"%s\",\"signature\":\"%s\"}]}",
           uprot, usig, prot, sig);
  verify_want(v, WB_JWS_ALL, json, WB_ERR_MALFORMED);
  free(json);
  wb_string_free(flat);
  wb_string_free(flat_u);
  wb_signer_free(s);
  wb_signer_free(u);
  wb_verifier_free(v);
  wb_key_free(k);
}

/* An Ed25519 public key whose y starts with the byte 1 is not the point y = 1 (refused as small-order). */
static void test_ed25519_first_byte_one(void) {
  int found = 0;
  for (int i = 0; i < 5000 && !found; i++) {
    wb_key *k = NULL, *back = NULL;
    char *json = NULL;
    CHECK_ST(wb_key_generate(&k, WB_KTY_OKP, WB_CRV_ED25519, 0, NULL), WB_OK);
    CHECK_ST(wb_key_to_jwk(k, WB_KEY_PUBLIC, &json, NULL), WB_OK);
    const char *x = json ? strstr(json, "\"x\":\"") : NULL;
    unsigned char pt[32];
    size_t n = 0;
    if (x != NULL && wb_b64url_decode(pt, sizeof(pt), x + 5, 43, &n, NULL) == WB_OK && n == 32 &&
        pt[0] == 1) {
      found = 1;
      CHECK_ST(wb_key_from_jwk(&back, json, strlen(json), NULL), WB_OK);
      CHECK(back != NULL && !wb_key_is_private(back));
    }
    wb_key_free(back);
    wb_string_free(json);
    wb_key_free(k);
  }
  CHECK(found);
}

/* A NULL payload with a length is a caller's mistake in every signing and detached verifying
 * call (invalid_arg, nothing out); a NULL payload of length 0 is the empty payload. */
static void test_null_payload(void) {
  wb_key *k = hs_key();
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  char *out = NULL;
  size_t n = 99;
  CHECK_ST(wb_jws_sign_detached(s, NULL, 5, &out, &n, NULL), WB_ERR_INVALID_ARG);
  CHECK(out == NULL && n == 0);
  const wb_signer *one[1] = {s};
  CHECK_ST(wb_jws_sign_json(one, 1, WB_SER_FLATTENED, NULL, 5, true, &out, &n, NULL), WB_ERR_INVALID_ARG);
  CHECK(out == NULL && n == 0);
  CHECK_ST(wb_jws_sign_detached(s, NULL, 0, &out, NULL, NULL), WB_OK);
  CHECK_ST(wb_jws_verify_detached(v, out, strlen(out), NULL, 5, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jws_verify_detached(v, out, strlen(out), NULL, 0, NULL), WB_OK);
  CHECK_ST(wb_jws_verify_detached(v, out, strlen(out), (const unsigned char *)"x", 1, NULL),
           WB_ERR_BAD_SIGNATURE);
  wb_string_free(out);
  CHECK_ST(wb_jws_sign_json(one, 1, WB_SER_FLATTENED, NULL, 0, true, &out, NULL, NULL), WB_OK);
  size_t nsig = 9;
  CHECK_ST(wb_jws_verify_json_detached(v, WB_JWS_ANY, out, strlen(out), NULL, 5, NULL, 0, &nsig, NULL),
           WB_ERR_INVALID_ARG);
  CHECK(nsig == 0);
  CHECK_ST(wb_jws_verify_json_detached(v, WB_JWS_ANY, out, strlen(out), NULL, 0, NULL, 0, &nsig, NULL),
           WB_OK);
  CHECK(nsig == 1);
  wb_string_free(out);
  wb_verifier_free(v);
  wb_signer_free(s);
  wb_key_free(k);
}

int main(void) {
  test_compact_refusals();
  test_unencoded_compact();
  test_json_signers();
  test_json_texts();
  test_ed25519_first_byte_one();
  test_null_payload();
  return CHECK_DONE();
}
