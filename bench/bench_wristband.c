/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_wristband.c - wristband itself on the workload, through the public API only.
 *
 * Set-up (once): the private key from PEM (HS256: wb_key_from_secret), its public half
 * (wb_key_public; HS256 uses the secret), a wb_signer for the alg and a wb_verifier on the public key
 * with the alg allowed, the issuer and the audience expected (exp is required by default).
 * verify: wb_verify(v, token, len, NULL, &err) - no claims object asked for.
 * sign: wb_builder_new, the eight claims, wb_sign, then free both (a server builds claims per token).
 * With --threads N the same verifier is shared by N threads (the wristband-Nthreads row).
 * With --cached the verifier has the result cache on (wb_verifier_enable_cache) and verify asks
 * for the claims object, as fast-jwt's cached verifier returns the payload: the
 * wristband-cached row, to compare with fast-jwt-cached (a cache hit on the repeated token).
 * With --remote the verifier is built on a remote key set (wb_verifier_new_remote) holding the
 * public key, loaded from a persistence file written for it (its URL, on a closed loopback port,
 * never answers: the background refreshes fail quietly and the keys stay): the wristband-remote
 * row, which shows what following an issuer costs on the verify path (HS256 has no row: a
 * remote key set holds no secrets).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#include <wristband/wristband.h>

static int wbb_cached; /* --cached: the wristband-cached row */
static int wbb_remote; /* --remote: the wristband-remote row */

typedef struct wbb_state {
  const bench_workload *w;
  wb_alg alg;
  wb_key *priv, *pub;
  wb_signer *signer;
  wb_verifier *verifier;
  wb_remote_keyset *remote; /* --remote */
} wbb_state;

static const char *wbb_unsupported(const char *alg) {
  if (wbb_remote && strcmp(alg, "HS256") == 0)
    return "a remote key set holds public keys only";
  return wb_alg_from_name(alg, strlen(alg)) == WB_ALG_INVALID ? "not an algorithm wristband knows" : NULL;
}

/* --remote: a remote key set whose persistence file holds pub (the file written here). */
static wb_status remote_verifier(wbb_state *s, wb_error *err) {
  static const char url[] = "http://127.0.0.1:9/jwks"; /* discard: nothing listens */
  char path[] = "/tmp/wb-bench-keysXXXXXX", *jwks = NULL;
  wb_keyset *set = NULL;
  wb_status st = wb_keyset_new(&set, err);
  if (st == WB_OK)
    st = wb_keyset_add(set, s->pub, err);
  if (st == WB_OK)
    st = wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &jwks, err);
  int fd = st == WB_OK ? mkstemp(path) : -1;
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (st == WB_OK && f == NULL)
    st = WB_ERR_IO;
  if (f != NULL) {
    fprintf(f,
            "{\"wristband_keys\":1,\"source\":\"%s\",\"jwks_uri\":\"%s\",\"fetched\":%lld,\"etag\":\"\","
            "\"jwks\":%s}",
            url, url, (long long)time(NULL), jwks);
    fclose(f);
  }
  wb_remote_options o;
  wb_remote_options_default(&o);
  o.allow_http = true;
  o.persist_file = path;
  if (st == WB_OK)
    st = wb_remote_keyset_new(&s->remote, url, &o, err);
  if (st == WB_OK)
    st = wb_verifier_new_remote(&s->verifier, s->remote, err);
  if (fd >= 0)
    unlink(path);
  wb_string_free(jwks);
  wb_keyset_free(set);
  return st;
}

static void wbb_teardown(void *p) {
  wbb_state *s = p;
  wb_verifier_free(s->verifier);
  wb_remote_keyset_free(s->remote);
  wb_signer_free(s->signer);
  wb_key_free(s->pub);
  wb_key_free(s->priv);
  free(s);
}

static void *wbb_setup(const bench_workload *w) {
  wbb_state *s = calloc(1, sizeof *s);
  wb_error err = {0};
  wb_status st = WB_ERR_IO;
  size_t n = 0;
  char *data;
  if (!s)
    return NULL;
  s->w = w;
  s->alg = wb_alg_from_name(w->alg, strlen(w->alg));
  if (!strcmp(w->alg, "HS256")) {
    if ((data = bench_read_w(w, "keys/", ".key", &n)) &&
        (st = wb_key_from_secret(&s->priv, (unsigned char *)data, n, &err)) == WB_OK)
      st = wb_key_from_secret(&s->pub, (unsigned char *)data, n, &err);
  } else if ((data = bench_read_w(w, "keys/", ".priv.pem", &n)) &&
             (st = wb_key_from_pem(&s->priv, data, n, &err)) == WB_OK)
    st = wb_key_public(&s->pub, s->priv, &err);
  free(data);
  if (st == WB_OK)
    st = wb_signer_new(&s->signer, s->priv, s->alg, &err);
  if (st == WB_OK)
    st = wbb_remote ? remote_verifier(s, &err) : wb_verifier_new_key(&s->verifier, s->pub, &err);
  if (st == WB_OK)
    st = wb_verifier_allow_alg(s->verifier, s->alg, &err);
  if (st == WB_OK)
    st = wb_verifier_expect_issuer(s->verifier, "https://auth.example.com", &err);
  if (st == WB_OK)
    st = wb_verifier_expect_audience(s->verifier, "api", &err);
  if (st == WB_OK && wbb_cached)
    st = wb_verifier_enable_cache(s->verifier, 1024, &err);
  if (st != WB_OK) {
    fprintf(stderr, "wristband %s: set-up: %s: %s\n", w->alg, wb_status_name(st), err.message);
    wbb_teardown(s);
    return NULL;
  }
  return s;
}

static int wbb_verify(void *p, const char *token, size_t len) {
  wbb_state *s = p;
  wb_error err;
  if (!wbb_cached)
    return wb_verify(s->verifier, token, len, NULL, &err) == WB_OK ? 0 : -1;
  wb_claims *c = NULL;
  int rc = wb_verify(s->verifier, token, len, &c, &err) == WB_OK && wb_claims_sub(c) != NULL ? 0 : -1;
  wb_claims_free(c);
  return rc;
}

static int wbb_sign(void *p, char **out, size_t *out_len) {
  wbb_state *s = p;
  const bench_workload *w = s->w;
  wb_builder *c = NULL;
  wb_error err;
  char *tok = NULL;
  size_t len = 0;
  int ok = wb_builder_new(&c, &err) == WB_OK && wb_builder_set_string(c, "sub", "user123", &err) == WB_OK &&
           wb_builder_set_string(c, "name", "Alice", &err) == WB_OK &&
           wb_builder_set_string(c, "role", "admin", &err) == WB_OK &&
           wb_builder_set_string(c, "iss", "https://auth.example.com", &err) == WB_OK &&
           wb_builder_set_string(c, "aud", "api", &err) == WB_OK &&
           wb_builder_set_int(c, "iat", w->iat, &err) == WB_OK &&
           wb_builder_set_int(c, "exp", w->exp, &err) == WB_OK &&
           wb_builder_set_string(c, "jti", w->jti, &err) == WB_OK &&
           wb_sign(s->signer, c, &tok, &len, &err) == WB_OK;
  wb_builder_free(c);
  if (ok && out) {
    *out_len = len;
    ok = (*out = strdup(tok)) != NULL;
  }
  wb_string_free(tok);
  return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"wristband", wbb_unsupported, wbb_setup, wbb_verify,
                                  wbb_sign,    wbb_teardown,    1};
  static const bench_impl cached = {"wristband-cached", wbb_unsupported, wbb_setup, wbb_verify,
                                    wbb_sign,           wbb_teardown,    1};
  static const bench_impl remote = {"wristband-remote", wbb_unsupported, wbb_setup, wbb_verify,
                                    wbb_sign,           wbb_teardown,    1};
  if (argc > 1 && strcmp(argv[1], "--cached") == 0) { /* consume the flag, keep the rest */
    wbb_cached = 1;
    argv[1] = argv[0];
    return bench_main(&cached, argc - 1, argv + 1);
  }
  if (argc > 1 && strcmp(argv[1], "--remote") == 0) {
    wbb_remote = 1;
    argv[1] = argv[0];
    return bench_main(&remote, argc - 1, argv + 1);
  }
  return bench_main(&impl, argc, argv);
}
