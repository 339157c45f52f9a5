/* SPDX-License-Identifier: MIT */
/*
 * bench/jwe_peer_c.c - the C peers of the JWE rows (bench/jwe.sh), built twice:
 *   -DPEER_CJOSE     cjose 0.6.2: the JWK imported once and, for encryption, the header (alg, enc,
 *                    kid) made once; decrypt = cjose_jwe_import + cjose_jwe_decrypt; encrypt =
 *                    cjose_jwe_encrypt + cjose_jwe_export. cjose has neither ECDH-ES+A256KW nor
 *                    RSA-OAEP-256 (nor OKP keys): those cells are n/a.
 *   -DPEER_RHONABWY  rhonabwy 1.1 (GnuTLS/nettle): the JWKs imported once; decrypt = r_jwe_init +
 *                    r_jwe_compact_parsen + r_jwe_decrypt (+ the payload read); encrypt = r_jwe_init
 *                    + alg, enc, payload + r_jwe_serialize with the public key (a new JWE per
 *                    token: reusing one would reuse its content key and IV).
 * Before timing, each pair must decrypt the reference token (made by jwcrypto) to the benchmark
 * claims, decrypt its own encryption, and refuse the reference token with a changed tag: else FAIL;
 * a pair whose reference token the library cannot read at all is n/a (with the reason on stderr).
 * Output: impl<TAB>pair<TAB>op<TAB>ops_per_sec|n/a|FAIL. Usage: jwe_peer_X --work DIR
 */
#include "jwe_common.h"
#include "timing.h"

#include <stdio.h>
#include <string.h>

typedef struct peer {
  const char *pair, *alg, *enc;
  char *token, *claims, *bad_tag, *own;
  size_t token_len, claims_len;
  void *priv, *pub, *hdr;
} peer;

/* ---- the two libraries ---------------------------------------------------------------------- */

#ifdef PEER_CJOSE
#include <cjose/cjose.h>
#define IMPL "cjose"

static int lib_setup(peer *s, const char *priv_json, const char *pub_json) {
  cjose_err err;
  if (strcmp(s->alg, "dir") != 0 && strcmp(s->alg, "A256KW") != 0)
    return -1; /* not in cjose 0.6 */
  s->priv = cjose_jwk_import(priv_json, strlen(priv_json), &err);
  s->pub = cjose_jwk_import(pub_json, strlen(pub_json), &err);
  cjose_header_t *h = cjose_header_new(&err);
  if (s->priv == NULL || s->pub == NULL || h == NULL || !cjose_header_set(h, CJOSE_HDR_ALG, s->alg, &err) ||
      !cjose_header_set(h, CJOSE_HDR_ENC, s->enc, &err) || !cjose_header_set(h, CJOSE_HDR_KID, s->pair, &err))
    return -1;
  s->hdr = h;
  return 0;
}

/* Decrypts text; the plaintext (malloc'd copy) into *out when out is not NULL. 0 on success. */
static int lib_decrypt(const peer *s, const char *text, size_t len, char **out) {
  cjose_err err;
  size_t n = 0;
  cjose_jwe_t *jwe = cjose_jwe_import(text, len, &err);
  uint8_t *pt = jwe != NULL ? cjose_jwe_decrypt(jwe, s->priv, &n, &err) : NULL;
  int rc = pt == NULL;
  if (pt != NULL && out != NULL) {
    *out = malloc(n + 1);
    memcpy(*out, pt, n);
    (*out)[n] = '\0';
  }
  cjose_get_dealloc()(pt);
  cjose_jwe_release(jwe);
  return rc;
}

static int lib_encrypt(const peer *s, char **out) {
  cjose_err err;
  cjose_jwe_t *jwe = cjose_jwe_encrypt(s->pub, s->hdr, (const uint8_t *)s->claims, s->claims_len, &err);
  char *t = jwe != NULL ? cjose_jwe_export(jwe, &err) : NULL;
  int rc = t == NULL;
  if (out != NULL && t != NULL)
    *out = strdup(t);
  cjose_get_dealloc()(t);
  cjose_jwe_release(jwe);
  return rc;
}

static void lib_free(peer *s) {
  cjose_jwk_release(s->priv);
  cjose_jwk_release(s->pub);
  cjose_header_release(s->hdr);
}
#endif

#ifdef PEER_RHONABWY
#include <rhonabwy.h>
#define IMPL "rhonabwy"

static int lib_setup(peer *s, const char *priv_json, const char *pub_json) {
  jwk_t *priv = NULL, *pub = NULL;
  if (r_jwk_init(&priv) != RHN_OK || r_jwk_init(&pub) != RHN_OK ||
      r_jwk_import_from_json_str(priv, priv_json) != RHN_OK ||
      r_jwk_import_from_json_str(pub, pub_json) != RHN_OK) {
    r_jwk_free(priv);
    r_jwk_free(pub);
    return -1;
  }
  s->priv = priv;
  s->pub = pub;
  return 0;
}

static int lib_decrypt(const peer *s, const char *text, size_t len, char **out) {
  jwe_t *jwe = NULL;
  size_t n = 0;
  int rc = r_jwe_init(&jwe) != RHN_OK || r_jwe_compact_parsen(jwe, text, len, 0) != RHN_OK ||
           r_jwe_decrypt(jwe, s->priv, 0) != RHN_OK;
  const unsigned char *pt = rc == 0 ? r_jwe_get_payload(jwe, &n) : NULL;
  rc = rc || pt == NULL;
  if (rc == 0 && out != NULL) {
    *out = malloc(n + 1);
    memcpy(*out, pt, n);
    (*out)[n] = '\0';
  }
  r_jwe_free(jwe);
  return rc;
}

static int lib_encrypt(const peer *s, char **out) {
  jwe_t *jwe = NULL;
  char *t = NULL;
  if (r_jwe_init(&jwe) == RHN_OK && r_jwe_set_alg(jwe, r_str_to_jwa_alg(s->alg)) == RHN_OK &&
      r_jwe_set_enc(jwe, r_str_to_jwa_enc(s->enc)) == RHN_OK &&
      r_jwe_set_payload(jwe, (const unsigned char *)s->claims, s->claims_len) == RHN_OK)
    t = r_jwe_serialize(jwe, s->pub, 0);
  int rc = t == NULL;
  if (out != NULL && t != NULL)
    *out = strdup(t);
  r_free(t);
  r_jwe_free(jwe);
  return rc;
}

static void lib_free(peer *s) {
  r_jwk_free(s->priv);
  r_jwk_free(s->pub);
}
#endif

/* ---- the rows ------------------------------------------------------------------------------- */

static int decrypt_op(void *p) {
  const peer *s = p;
  return lib_decrypt(s, s->token, s->token_len, NULL);
}

static int encrypt_op(void *p) {
  return lib_encrypt(p, NULL);
}

/* The token with one character of its tag changed. */
static char *change_tag(const char *tok) {
  char *t = strdup(tok);
  char *c = strrchr(t, '.') + 1;
  *c = *c == 'A' ? 'B' : 'A';
  return t;
}

/* 0: measure; 1: n/a (the library cannot read the pair); 2: FAIL. */
static int setup(peer *s, const char *dir, const char *pair) {
  static const char *const algs[NPAIRS] = {"dir", "A256KW", "ECDH-ES+A256KW", "ECDH-ES+A256KW",
                                           "RSA-OAEP-256"};
  size_t i = 0;
  while (strcmp(pairs[i], pair) != 0)
    i++;
  s->pair = pair;
  s->alg = algs[i];
  s->enc = "A256GCM";
  char *priv = read_file(dir, "keys/", pair, ".jwk", NULL),
       *pub = read_file(dir, "keys/", pair, ".pub.jwk", NULL);
  s->token = read_file(dir, "tokens/", pair, ".jwe", &s->token_len);
  s->claims = read_file(dir, "", "claims", ".json", &s->claims_len);
  int rc = priv == NULL || pub == NULL || s->token == NULL || s->claims == NULL ? 2 : 0;
  if (rc == 0 && lib_setup(s, priv, pub) != 0)
    rc = 1;
  free(priv);
  free(pub);
  char *pt = NULL;
  if (rc == 0 && lib_decrypt(s, s->token, s->token_len, &pt) != 0)
    rc = 1;
  if (rc == 1) {
    fprintf(stderr, "%s: %s: cannot read the reference token (unsupported): n/a\n", IMPL, pair);
    return 1;
  }
  if (rc == 0 && strcmp(pt, s->claims) != 0)
    rc = 2, fprintf(stderr, "%s: %s: the reference token decrypts to other bytes\n", IMPL, pair);
  free(pt);
  pt = NULL;
  s->bad_tag = rc == 0 ? change_tag(s->token) : NULL;
  if (rc == 0 && lib_decrypt(s, s->bad_tag, s->token_len, NULL) == 0)
    rc = 2, fprintf(stderr, "%s: %s: accepts a changed tag\n", IMPL, pair);
  if (rc == 0 && (lib_encrypt(s, &s->own) != 0 || lib_decrypt(s, s->own, strlen(s->own), &pt) != 0 ||
                  strcmp(pt, s->claims) != 0))
    rc = 2, fprintf(stderr, "%s: %s: cannot decrypt its own encryption\n", IMPL, pair);
  free(pt);
  return rc;
}

int main(int argc, char **argv) {
  const char *dir = argc == 3 && strcmp(argv[1], "--work") == 0 ? argv[2] : NULL;
  if (dir == NULL) {
    fprintf(stderr, "usage: jwe_peer --work DIR\n");
    return 2;
  }
  bench_config cfg = bench_config_from_env();
#ifdef PEER_RHONABWY
  r_global_init();
#endif
  for (size_t i = 0; i < NPAIRS; i++) {
    peer s;
    memset(&s, 0, sizeof(s));
    int rc = setup(&s, dir, pairs[i]);
    double d = rc == 0 ? bench_measure(&cfg, decrypt_op, &s) : -1;
    double e = rc == 0 ? bench_measure(&cfg, encrypt_op, &s) : -1;
    const char *word = rc == 1 ? "n/a" : "FAIL";
    if (d < 0)
      printf("%s\t%s\tdecrypt\t%s\n", IMPL, pairs[i], word);
    else
      printf("%s\t%s\tdecrypt\t%.0f\n", IMPL, pairs[i], d);
    if (e < 0)
      printf("%s\t%s\tencrypt\t%s\n", IMPL, pairs[i], word);
    else
      printf("%s\t%s\tencrypt\t%.0f\n", IMPL, pairs[i], e);
    fflush(stdout);
    if (rc != 1 || s.priv != NULL)
      lib_free(&s);
    free(s.token);
    free(s.claims);
    free(s.bad_tag);
    free(s.own);
  }
#ifdef PEER_RHONABWY
  r_global_close();
#endif
  return 0;
}
