/* SPDX-License-Identifier: MIT */
/*
 * bench/dpop_loop.c - the DPoP proof check without HTTP (issue 15): wb_dpop_verify_bound over
 * COUNT proofs of one ES256 key for one access token (each proof used once, through the built-in
 * replay cache), against OpenSSL's EVP_DigestVerify of the same proofs' signatures over the same
 * signing inputs with the same public key: what the library adds to the one signature check a
 * proof needs. The proofs are made and their signatures converted to DER before the clock runs.
 * Three rounds, each timing both in turn on a fresh verifier; prints the microseconds a proof.
 *
 * Usage: dpop_loop [COUNT]   (default 5000; run by bench/server.sh after the DPoP row)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <wristband/wristband.h>

#define TOKEN_LEN 700 /* about the size of the server's access tokens */
#define URL       "http://127.0.0.1:8080/oauth/userinfo"

typedef struct proof {
  char *text;
  size_t len, signing_input_len, der_len;
  unsigned char der[80];
} proof;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The proof's R || S (base64url, 86 characters) as the DER that EVP_DigestVerify takes. */
static int to_der(proof *p) {
  const char *dot = strrchr(p->text, '.');
  unsigned char rs[64];
  size_t n = 0;
  p->signing_input_len = (size_t)(dot - p->text);
  if (wb_b64url_decode(rs, sizeof(rs), dot + 1, p->len - p->signing_input_len - 1, &n, NULL) != WB_OK ||
      n != sizeof(rs))
    return 0;
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
  if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return 0;
  }
  unsigned char *out = p->der;
  int len = i2d_ECDSA_SIG(sig, NULL) <= (int)sizeof(p->der) ? i2d_ECDSA_SIG(sig, &out) : -1;
  ECDSA_SIG_free(sig);
  p->der_len = len > 0 ? (size_t)len : 0;
  return len > 0;
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 5000;
  wb_key *key = NULL;
  wb_dpop_signer *signer = NULL;
  char jkt[WB_THUMBPRINT_LEN], token[TOKEN_LEN + 1], *pem = NULL;
  proof *proofs = calloc((size_t)(count > 0 ? count : 1), sizeof(*proofs));
  if (count <= 0 || proofs == NULL || wb_key_generate_for_alg(&key, WB_ALG_ES256, 0, 0, NULL) != WB_OK ||
      wb_dpop_signer_new(&signer, key, WB_ALG_ES256, NULL) != WB_OK ||
      wb_key_thumbprint(key, jkt, NULL) != WB_OK || wb_key_to_pem(key, WB_KEY_PUBLIC, &pem, NULL) != WB_OK) {
    fprintf(stderr, "dpop_loop: set-up failed\n");
    return 1;
  }
  BIO *bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY *pub = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  memset(token, 'a', TOKEN_LEN);
  token[TOKEN_LEN] = '\0';
  int ok = pub != NULL && md != NULL;
  for (int i = 0; ok && i < count; i++)
    ok = wb_dpop_sign(signer, "GET", URL, token, TOKEN_LEN, NULL, &proofs[i].text, &proofs[i].len, NULL) ==
             WB_OK &&
         to_der(&proofs[i]);
  for (int round = 0; ok && round < 3; round++) {
    wb_dpop_verifier *v = NULL;
    ok = wb_dpop_verifier_new(&v, NULL) == WB_OK &&
         wb_dpop_verifier_set_replay_cache(v, (size_t)count * 2, NULL) == WB_OK;
    double t0 = now_s();
    for (int i = 0; ok && i < count; i++)
      ok = wb_dpop_verify_bound(v, proofs[i].text, proofs[i].len, "GET", URL, token, TOKEN_LEN, jkt, NULL) ==
           WB_OK;
    double t1 = now_s();
    for (int i = 0; ok && i < count; i++)
      ok = EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL) == 1 &&
           EVP_DigestVerify(md, proofs[i].der, proofs[i].der_len, (const unsigned char *)proofs[i].text,
                            proofs[i].signing_input_len) == 1;
    double t2 = now_s();
    wb_dpop_verifier_free(v);
    if (ok)
      printf("round %d: wb_dpop_verify_bound %.1f us a proof, EVP_DigestVerify of its signature %.1f us\n",
             round + 1, (t1 - t0) / count * 1e6, (t2 - t1) / count * 1e6);
  }
  if (!ok)
    fprintf(stderr, "dpop_loop: a proof did not verify\n");
  for (int i = 0; i < count; i++)
    wb_string_free(proofs[i].text);
  free(proofs);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pub);
  BIO_free(bio);
  wb_string_free(pem);
  wb_dpop_signer_free(signer);
  wb_key_free(key);
  return ok ? 0 : 1;
}
