/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_libjwt.c - libjwt 1.10 (Debian libjwt-dev, OpenSSL backend) on the workload.
 *
 * verify: jwt_decode() with the key (PEM for RS256/ES256, the raw secret for HS256; libjwt parses
 * the key on every call, that is its API), then what libjwt 1.10 leaves to the caller: the alg must
 * be the expected one (libjwt takes it from the header), exp in the future, iss and aud equal.
 * sign: jwt_new, jwt_set_alg with the private key, the eight claims as grants, jwt_encode_str.
 * EdDSA: n/a, libjwt 1.10 has no EdDSA (JWT_ALG_* stops at ES512).
 */
#include "common.h"

#include <jwt.h>
#include <time.h>

typedef struct lj_state {
  const bench_workload *w;
  jwt_alg_t alg;
  unsigned char *priv, *pub; /* key bytes as libjwt wants them */
  size_t priv_len, pub_len;
} lj_state;

static const char *lj_unsupported(const char *alg) {
  return strcmp(alg, "EdDSA") ? NULL : "libjwt 1.10 has no EdDSA";
}

static void lj_teardown(void *p) {
  lj_state *s = p;
  free(s->priv);
  if (s->pub != s->priv)
    free(s->pub);
  free(s);
}

static void *lj_setup(const bench_workload *w) {
  lj_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->w = w;
  s->alg = jwt_str_alg(w->alg);
  if (!strcmp(w->alg, "HS256")) {
    s->priv = (unsigned char *)bench_read_w(w, "keys/", ".key", &s->priv_len);
    s->pub = s->priv;
    s->pub_len = s->priv_len;
  } else {
    s->priv = (unsigned char *)bench_read_w(w, "keys/", ".priv.pem", &s->priv_len);
    s->pub = (unsigned char *)bench_read_w(w, "keys/", ".pub.pem", &s->pub_len);
  }
  if (!s->priv || !s->pub || s->alg == JWT_ALG_INVAL) {
    lj_teardown(s);
    return NULL;
  }
  return s;
}

static int lj_verify(void *p, const char *token, size_t len) {
  lj_state *s = p;
  jwt_t *jwt = NULL;
  const char *iss, *aud;
  int rc = -1;
  (void)len; /* libjwt wants a NUL-terminated string */
  if (jwt_decode(&jwt, token, s->pub, (int)s->pub_len) != 0)
    return -1;
  if (jwt_get_alg(jwt) == s->alg && jwt_get_grant_int(jwt, "exp") > (long)time(NULL) &&
      (iss = jwt_get_grant(jwt, "iss")) && !strcmp(iss, "https://auth.example.com") &&
      (aud = jwt_get_grant(jwt, "aud")) && !strcmp(aud, "api"))
    rc = 0;
  jwt_free(jwt);
  return rc;
}

static int lj_sign(void *p, char **out, size_t *out_len) {
  lj_state *s = p;
  jwt_t *jwt = NULL;
  char *tok = NULL;
  if (jwt_new(&jwt) != 0)
    return -1;
  if (jwt_add_grant(jwt, "sub", "user123") == 0 && jwt_add_grant(jwt, "name", "Alice") == 0 &&
      jwt_add_grant(jwt, "role", "admin") == 0 &&
      jwt_add_grant(jwt, "iss", "https://auth.example.com") == 0 && jwt_add_grant(jwt, "aud", "api") == 0 &&
      jwt_add_grant_int(jwt, "iat", (long)s->w->iat) == 0 &&
      jwt_add_grant_int(jwt, "exp", (long)s->w->exp) == 0 && jwt_add_grant(jwt, "jti", s->w->jti) == 0 &&
      jwt_set_alg(jwt, s->alg, s->priv, (int)s->priv_len) == 0)
    tok = jwt_encode_str(jwt);
  jwt_free(jwt);
  if (!tok)
    return -1;
  if (out) {
    *out_len = strlen(tok);
    *out = strdup(tok);
  }
  free(tok); /* libjwt 1.10: "the caller must free it" */
  return out && !*out ? -1 : 0;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"libjwt", lj_unsupported, lj_setup, lj_verify, lj_sign, lj_teardown, 1};
  return bench_main(&impl, argc, argv);
}
