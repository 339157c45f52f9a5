/* SPDX-License-Identifier: MIT */
/*
 * bench/remote_overhead.c - what following an issuer costs on the verify path: one token, two
 * verifiers with the same key and policy, one local (wb_verifier_new_key) and one built on a
 * remote key set (wb_verifier_new_remote, its keys loaded from a persistence file written here;
 * its URL, on a closed loopback port, never answers). The two are timed in interleaved slices
 * (SLICES x OPS verifications each, alternating), so both see the same machine; the fastest
 * slice of each is the figure (noise only ever adds time). Prints, per algorithm:
 *   ALG  local_ns  remote_ns  ratio
 * Usage: remote_overhead [ALG...] (default ES256 EdDSA RS256).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wristband/wristband.h>

#define SLICES 200
#define OPS    200

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int fail(const char *what, const wb_error *e) {
  fprintf(stderr, "remote_overhead: %s: %s\n", what, e->message);
  return 1;
}

/* A remote key set trusting pub, from a persistence file. */
static wb_status remote_of(const wb_key *pub, wb_remote_keyset **out, wb_error *err) {
  static const char url[] = "http://127.0.0.1:9/jwks";
  char path[] = "/tmp/wb-overheadXXXXXX", *jwks = NULL;
  wb_keyset *set = NULL;
  wb_status st = wb_keyset_new(&set, err);
  if (st == WB_OK)
    st = wb_keyset_add(set, pub, err);
  if (st == WB_OK)
    st = wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &jwks, err);
  int fd = st == WB_OK ? mkstemp(path) : -1;
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f != NULL) {
    fprintf(f,
            "{\"wristband_keys\":1,\"source\":\"%s\",\"jwks_uri\":\"%s\",\"fetched\":%lld,\"etag\":\"\","
            "\"jwks\":%s}",
            url, url, (long long)time(NULL), jwks);
    fclose(f);
  } else if (st == WB_OK) {
    st = WB_ERR_IO;
  }
  wb_remote_options o;
  wb_remote_options_default(&o);
  o.allow_http = true;
  o.persist_file = path;
  if (st == WB_OK)
    st = wb_remote_keyset_new(out, url, &o, err);
  if (fd >= 0)
    unlink(path);
  wb_string_free(jwks);
  wb_keyset_free(set);
  return st;
}

static int measure(const char *name) {
  wb_error e = {0};
  wb_alg alg = wb_alg_from_name(name, strlen(name));
  wb_key *priv = NULL, *pub = NULL;
  wb_signer *s = NULL;
  wb_builder *b = NULL;
  wb_verifier *local = NULL, *remote = NULL;
  wb_remote_keyset *r = NULL;
  char *tok = NULL;
  int rc = 1;
  if (wb_key_generate_for_alg(&priv, alg, 0, 0, &e) != WB_OK || wb_key_public(&pub, priv, &e) != WB_OK ||
      wb_signer_new(&s, priv, alg, &e) != WB_OK || wb_builder_new(&b, &e) != WB_OK ||
      wb_builder_set_string(b, "iss", "https://auth.example.com", &e) != WB_OK ||
      wb_builder_set_string(b, "aud", "api", &e) != WB_OK ||
      wb_builder_set_int(b, "exp", (int64_t)time(NULL) + 3600, &e) != WB_OK ||
      wb_sign(s, b, &tok, NULL, &e) != WB_OK || wb_verifier_new_key(&local, pub, &e) != WB_OK ||
      remote_of(pub, &r, &e) != WB_OK || wb_verifier_new_remote(&remote, r, &e) != WB_OK) {
    rc = fail(name, &e);
    goto out;
  }
  wb_verifier *v[2] = {local, remote};
  for (int i = 0; i < 2; i++)
    if (wb_verifier_allow_alg(v[i], alg, &e) != WB_OK ||
        wb_verifier_expect_issuer(v[i], "https://auth.example.com", &e) != WB_OK ||
        wb_verifier_expect_audience(v[i], "api", &e) != WB_OK) {
      rc = fail(name, &e);
      goto out;
    }
  double best[2] = {1e30, 1e30};
  size_t len = strlen(tok);
  for (int slice = 0; slice < SLICES; slice++) {
    for (int i = 0; i < 2; i++) {
      int w = (slice & 1) ? 1 - i : i; /* alternate which goes first */
      double t0 = now_ns();
      for (int k = 0; k < OPS; k++)
        if (wb_verify(v[w], tok, len, NULL, &e) != WB_OK) {
          rc = fail(name, &e);
          goto out;
        }
      double per = (now_ns() - t0) / OPS;
      best[w] = per < best[w] ? per : best[w];
    }
  }
  printf("%s\t%.0f\t%.0f\t%.3f\n", name, best[0], best[1], best[1] / best[0]);
  rc = 0;
out:
  wb_verifier_free(local);
  wb_verifier_free(remote);
  wb_remote_keyset_free(r);
  wb_string_free(tok);
  wb_builder_free(b);
  wb_signer_free(s);
  wb_key_free(pub);
  wb_key_free(priv);
  return rc;
}

int main(int argc, char **argv) {
  static const char *const defaults[] = {"ES256", "EdDSA", "RS256"};
  int rc = 0;
  printf("alg\tlocal_ns\tremote_ns\tratio\n");
  if (argc > 1)
    for (int i = 1; i < argc; i++)
      rc |= measure(argv[i]);
  else
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
      rc |= measure(defaults[i]);
  return rc;
}
