/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_rhonabwy.c - rhonabwy 1.1 (Debian librhonabwy-dev, GnuTLS/nettle + jansson) on the
 * workload.
 *
 * Keys are imported once from JWK (r_jwk_import_from_json_str). verify: r_jwt_init, r_jwt_parsen,
 * the header alg must be the expected one, r_jwt_verify_signature, r_jwt_validate_claims (iss, aud,
 * exp after now), r_jwt_free. sign: r_jwt_init, alg, the eight claims, r_jwt_serialize_signed.
 */
#include "common.h"

#include <rhonabwy.h>

typedef struct rh_state {
  const bench_workload *w;
  jwa_alg alg;
  jwk_t *priv, *pub;
} rh_state;

static const char *rh_unsupported(const char *alg) {
  (void)alg;
  return NULL;
}

static void rh_teardown(void *p) {
  rh_state *s = p;
  r_jwk_free(s->priv);
  r_jwk_free(s->pub);
  free(s);
}

static jwk_t *rh_import(const bench_workload *w, const char *post) {
  char *json = bench_read_w(w, "keys/", post, NULL);
  jwk_t *k = NULL;
  if (json && r_jwk_init(&k) == RHN_OK && r_jwk_import_from_json_str(k, json) != RHN_OK) {
    r_jwk_free(k);
    k = NULL;
  }
  free(json);
  return k;
}

static void *rh_setup(const bench_workload *w) {
  rh_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->w = w;
  s->alg = r_str_to_jwa_alg(w->alg);
  if (s->alg == R_JWA_ALG_UNKNOWN || !(s->priv = rh_import(w, ".priv.jwk")) ||
      !(s->pub = rh_import(w, ".pub.jwk"))) {
    rh_teardown(s);
    return NULL;
  }
  return s;
}

static int rh_verify(void *p, const char *token, size_t len) {
  rh_state *s = p;
  jwt_t *jwt = NULL;
  int rc = -1;
  if (r_jwt_init(&jwt) != RHN_OK)
    return -1;
  if (r_jwt_parsen(jwt, token, len, 0) == RHN_OK && r_jwt_get_sign_alg(jwt) == s->alg &&
      r_jwt_verify_signature(jwt, s->pub, 0) == RHN_OK &&
      r_jwt_validate_claims(jwt, R_JWT_CLAIM_ISS, "https://auth.example.com", R_JWT_CLAIM_AUD, "api",
                            R_JWT_CLAIM_EXP, R_JWT_CLAIM_NOW, R_JWT_CLAIM_NOP) == RHN_OK)
    rc = 0;
  r_jwt_free(jwt);
  return rc;
}

static int rh_sign(void *p, char **out, size_t *out_len) {
  rh_state *s = p;
  const bench_workload *w = s->w;
  jwt_t *jwt = NULL;
  char *tok = NULL;
  if (r_jwt_init(&jwt) != RHN_OK)
    return -1;
  if (r_jwt_set_sign_alg(jwt, s->alg) == RHN_OK && r_jwt_set_header_str_value(jwt, "typ", "JWT") == RHN_OK &&
      r_jwt_set_claim_str_value(jwt, "sub", "user123") == RHN_OK &&
      r_jwt_set_claim_str_value(jwt, "name", "Alice") == RHN_OK &&
      r_jwt_set_claim_str_value(jwt, "role", "admin") == RHN_OK &&
      r_jwt_set_claim_str_value(jwt, "iss", "https://auth.example.com") == RHN_OK &&
      r_jwt_set_claim_str_value(jwt, "aud", "api") == RHN_OK &&
      r_jwt_set_claim_int_value(jwt, "iat", (rhn_int_t)w->iat) == RHN_OK &&
      r_jwt_set_claim_int_value(jwt, "exp", (rhn_int_t)w->exp) == RHN_OK &&
      r_jwt_set_claim_str_value(jwt, "jti", w->jti) == RHN_OK)
    tok = r_jwt_serialize_signed(jwt, s->priv, 0);
  r_jwt_free(jwt);
  if (!tok)
    return -1;
  if (out) {
    *out_len = strlen(tok);
    *out = strdup(tok);
  }
  r_free(tok);
  return out && !*out ? -1 : 0;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"rhonabwy", rh_unsupported, rh_setup, rh_verify, rh_sign, rh_teardown, 1};
  int rc;
  if (r_global_init() != RHN_OK)
    return 1;
  rc = bench_main(&impl, argc, argv);
  r_global_close();
  return rc;
}
