/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_cjose.c - cjose 0.6 (Debian libcjose-dev, OpenSSL + jansson) on the workload.
 *
 * Keys are imported once from JWK (cjose_jwk_import). verify: cjose_jws_import, the header alg
 * must be the expected one (cjose verifies with whatever alg the header names), cjose_jws_verify,
 * then the payload is parsed with jansson (cjose has no JWT layer) and exp, iss and aud checked.
 * sign: the claims object built with jansson and serialised, a header {alg, typ}, cjose_jws_sign,
 * cjose_jws_export. EdDSA: n/a, cjose 0.6 implements no EdDSA (no OKP keys).
 */
#include "common.h"

#include <cjose/cjose.h>
#include <jansson.h>
#include <time.h>

typedef struct cj_state {
  const bench_workload *w;
  cjose_jwk_t *priv, *pub;
} cj_state;

static const char *cj_unsupported(const char *alg) {
  return strcmp(alg, "EdDSA") ? NULL : "cjose 0.6 has no EdDSA (no OKP key type)";
}

static void cj_teardown(void *p) {
  cj_state *s = p;
  cjose_jwk_release(s->priv);
  cjose_jwk_release(s->pub);
  free(s);
}

static cjose_jwk_t *cj_import(const bench_workload *w, const char *post) {
  size_t n;
  char *json = bench_read_w(w, "keys/", post, &n);
  cjose_jwk_t *k = json ? cjose_jwk_import(json, n, NULL) : NULL;
  free(json);
  return k;
}

static void *cj_setup(const bench_workload *w) {
  cj_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->w = w;
  if (!(s->priv = cj_import(w, ".priv.jwk")) || !(s->pub = cj_import(w, ".pub.jwk"))) {
    cj_teardown(s);
    return NULL;
  }
  return s;
}

static int cj_claims_ok(const uint8_t *payload, size_t len) {
  json_t *c = json_loadb((const char *)payload, len, 0, NULL);
  json_t *exp = json_object_get(c, "exp");
  const char *iss = json_string_value(json_object_get(c, "iss"));
  const char *aud = json_string_value(json_object_get(c, "aud"));
  int ok = c && json_is_integer(exp) && json_integer_value(exp) > (json_int_t)time(NULL) && iss &&
           !strcmp(iss, "https://auth.example.com") && aud && !strcmp(aud, "api");
  json_decref(c);
  return ok;
}

static int cj_verify(void *p, const char *token, size_t len) {
  cj_state *s = p;
  cjose_jws_t *jws = cjose_jws_import(token, len, NULL);
  const char *alg;
  uint8_t *payload = NULL;
  size_t payload_len = 0;
  int rc = -1;
  if (!jws)
    return -1;
  if ((alg = cjose_header_get(cjose_jws_get_protected(jws), CJOSE_HDR_ALG, NULL)) &&
      !strcmp(alg, s->w->alg) && cjose_jws_verify(jws, s->pub, NULL) &&
      cjose_jws_get_plaintext(jws, &payload, &payload_len, NULL) && cj_claims_ok(payload, payload_len))
    rc = 0;
  cjose_jws_release(jws);
  return rc;
}

static int cj_sign(void *p, char **out, size_t *out_len) {
  cj_state *s = p;
  const bench_workload *w = s->w;
  json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "sub", "user123", "name", "Alice", "role",
                        "admin", "iss", "https://auth.example.com", "aud", "api", "iat", (json_int_t)w->iat,
                        "exp", (json_int_t)w->exp, "jti", w->jti);
  char *payload = c ? json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  cjose_header_t *hdr = cjose_header_new(NULL);
  cjose_jws_t *jws = NULL;
  const char *ser = NULL;
  int rc = -1;
  if (payload && hdr && cjose_header_set(hdr, CJOSE_HDR_ALG, w->alg, NULL) &&
      cjose_header_set(hdr, "typ", "JWT", NULL) &&
      (jws = cjose_jws_sign(s->priv, hdr, (const uint8_t *)payload, strlen(payload), NULL)) &&
      cjose_jws_export(jws, &ser, NULL)) {
    rc = 0;
    if (out) {
      *out_len = strlen(ser);
      rc = (*out = strdup(ser)) ? 0 : -1;
    }
  }
  cjose_jws_release(jws);
  cjose_header_release(hdr);
  free(payload);
  json_decref(c);
  return rc;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"cjose", cj_unsupported, cj_setup, cj_verify, cj_sign, cj_teardown, 1};
  return bench_main(&impl, argc, argv);
}
