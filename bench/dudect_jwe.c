/* SPDX-License-Identifier: MIT */
/*
 * bench/dudect_jwe.c - a dudect-style measurement (Reparaz, Balasch, Verbauwhede, "Dude, is my
 * code constant time?", DATE 2017) that the JWE decryption failures are indistinguishable by
 * their timing: for each pair of failure classes, decryptions of both classes are interleaved in
 * a random order, each timed with a monotonic clock, and Welch's t-test compares the two timing
 * distributions, over all measurements and after cropping the slowest ones at several
 * percentiles (as dudect does, against the long tail of interruptions). |t| above 4.5 is
 * evidence of a difference; below it, none was found with this many measurements.
 *
 * The classes, each with inputs of equal length (lengths are public):
 *   RSA-OAEP-256 + A128CBC-HS256   OAEP decoding fails | a CEK of the wrong size | the tag fails
 *   RSA1_5 + A128CBC-HS256         PKCS#1 padding fails | a CEK of the wrong size | the tag fails
 *   A256KW + A256GCM               the unwrap's integrity check fails | the tag fails | the tag
 *                                  fails, other inputs (a second input set of the same class: the
 *                                  spread that the inputs alone cause)
 *   dir + A128CBC-HS256            the padding fails under a valid tag | the tag fails | the
 *                                  ciphertext is changed
 * Each suite also measures its first class against itself under another label (the control): its
 * t is the noise floor of the machine during that run, against which the other pairs are read.
 * It is a measurement, not a test: nothing asserts a time (STYLE.md). Run by bench/dudect.sh.
 * Usage: dudect_jwe [SAMPLES_PER_CLASS [SUITE]] (default 20000; RSA pairs use a tenth; SUITE cbc, kw,
 * oaep or rsa1_5 runs that one alone).
 */
#include <math.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwe_int.h"

/* ---- forging the inputs (as tests/unit/jwe_attacks_test.c does) -------------------------------- */

static char *b64u(const void *p, size_t n) {
  size_t cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *s = malloc(cap);
  if (wb_b64url_encode(s, cap, p, n, NULL, NULL) != WB_OK)
    abort();
  return s;
}

/* A compact JWE: header, encrypted key, and 48 bytes under cek with enc; flip_tag / flip_ct
 * (1 + the byte) changes one byte of the tag or the ciphertext. */
static char *forge(const char *hdr, const unsigned char *ek, size_t ek_len, const unsigned char *cek,
                   wb_enc enc, int flip_tag, int flip_ct) {
  const wb_enc_info *ei = wb__enc_info(enc);
  char *h = b64u(hdr, strlen(hdr));
  unsigned char iv[16] = {1, 2, 3}, tag[32], ct[80];
  size_t ct_len = 0;
  const char *pt = "the same 40 bytes of plaintext, always..";
  if (wb__ce_encrypt(ei, cek, iv, (const unsigned char *)h, strlen(h), (const unsigned char *)pt, 40, ct,
                     &ct_len, tag, NULL) != WB_OK)
    abort();
  if (flip_tag)
    tag[(flip_tag - 1) % ei->tag_len] ^= 0x01;
  if (flip_ct)
    ct[(flip_ct - 1) % ct_len] ^= 0x01;
  char *e = b64u(ek, ek_len), *i = b64u(iv, ei->iv_len), *c = b64u(ct, ct_len), *t = b64u(tag, ei->tag_len);
  size_t n = strlen(h) + strlen(e) + strlen(i) + strlen(c) + strlen(t) + 5;
  char *tok = malloc(n);
  snprintf(tok, n, "%s.%s.%s.%s.%s", h, e, i, c, t);
  free(h), free(e), free(i), free(c), free(t);
  return tok;
}

/* RSA encryption of msg with padding (OAEP-SHA256 or PKCS#1 v1.5), or raw of a k-byte block. */
static size_t rsa_enc(const wb_key *k, int padding, const unsigned char *msg, size_t len,
                      unsigned char *out) {
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
  size_t n = 512;
  if (EVP_PKEY_encrypt_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, padding) != 1 ||
      (padding == RSA_PKCS1_OAEP_PADDING && EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) != 1) ||
      (padding == RSA_PKCS1_OAEP_PADDING && EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) != 1) ||
      EVP_PKEY_encrypt(c, out, &n, msg, len) != 1)
    abort();
  EVP_PKEY_CTX_free(c);
  return n;
}

/* ---- measuring ------------------------------------------------------------------------------------ */

#define VARIANTS 16 /* inputs per class, picked at random: no single input for a predictor to learn */

typedef struct klass {
  const char *name;
  char *token[VARIANTS];
  double *t; /* nanoseconds, one per measurement */
  size_t n;
} klass;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * One decryption of tok, timed; it must fail with decrypt_failed (anything else is a bug). The
 * token is first copied (untimed) into one buffer aligned on a cache line, so that every
 * measurement of every class reads its input at the same address: malloc placed the inputs of
 * one class at 0 or 32 mod 64 and those of the next at 16 or 48, and that alone (memchr, the
 * copies and the base64url decoding run at different speeds over different alignments) showed as
 * |t| 65-76 between two classes of the A256KW suite while the library did the same work.
 */
static double time_one(const wb_decrypter *d, const char *input, size_t len) {
  static _Alignas(64) char tok[8192];
  unsigned char *pt = NULL;
  size_t n = 0;
  if (len >= sizeof(tok))
    abort();
  memcpy(tok, input, len + 1);
  double t0 = now_ns();
  wb_status st = wb_jwe_decrypt(d, tok, len, &pt, &n, NULL);
  double t1 = now_ns();
  if (st != WB_ERR_DECRYPT_FAILED) {
    fprintf(stderr, "dudect_jwe: expected decrypt_failed, got %s\n", wb_status_name(st));
    exit(1);
  }
  return t1 - t0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Welch's t of the measurements of a and b below the cut-off (all when cut is INFINITY). */
static double welch_t(const klass *a, const klass *b, double cut) {
  double m[2] = {0, 0}, v[2] = {0, 0}, n[2] = {0, 0};
  const klass *k[2] = {a, b};
  for (int c = 0; c < 2; c++) {
    for (size_t i = 0; i < k[c]->n; i++)
      if (k[c]->t[i] < cut) {
        n[c]++;
        double d = k[c]->t[i] - m[c];
        m[c] += d / n[c];
        v[c] += d * (k[c]->t[i] - m[c]);
      }
    v[c] = n[c] > 1 ? v[c] / (n[c] - 1) : 0;
  }
  double den = sqrt(v[0] / n[0] + v[1] / n[1]);
  return den > 0 ? (m[0] - m[1]) / den : 0;
}

static double median(const klass *k) {
  double *s = malloc(k->n * sizeof(double));
  memcpy(s, k->t, k->n * sizeof(double));
  qsort(s, k->n, sizeof(double), cmp_double);
  double r = s[k->n / 2];
  free(s);
  return r;
}

/* The cut-offs of dudect: the pooled measurements' percentiles 1 - 0.5^(10 * (i + 1) / 10). */
static void report(const char *suite, const klass *a, const klass *b) {
  size_t total = a->n + b->n;
  double *all = malloc(total * sizeof(double));
  memcpy(all, a->t, a->n * sizeof(double));
  memcpy(all + a->n, b->t, b->n * sizeof(double));
  qsort(all, total, sizeof(double), cmp_double);
  double worst = fabs(welch_t(a, b, INFINITY));
  for (int i = 0; i < 10; i++) {
    double p = 1 - pow(0.5, 10.0 * (i + 1) / 10.0);
    double t = fabs(welch_t(a, b, all[(size_t)(p * (double)(total - 1))]));
    worst = t > worst ? t : worst;
  }
  free(all);
  printf("%-28s %-28s vs %-28s n=%-6zu median %8.0f / %8.0f ns   max |t| = %5.2f  %s\n", suite, a->name,
         b->name, a->n, median(a), median(b), worst, worst > 4.5 ? "DIFFERENCE" : "no difference found");
}

/* Measures every class of cs against the first (the tag failure), interleaved at random. */
static void measure(const char *suite, const wb_decrypter *d, klass *given, size_t ngiven, size_t samples) {
  /* the classes, then a control: the first class again, the same inputs under another label, whose
   * t shows the noise floor of this machine at this moment (no code or data differs) */
  klass cs[5];
  size_t ncls = ngiven + 1;
  size_t len[5][VARIANTS];
  memcpy(cs, given, ngiven * sizeof(*cs));
  cs[ngiven] = given[0];
  cs[ngiven].name = "the same (control)";
  for (size_t c = 0; c < ncls; c++) {
    cs[c].t = malloc(samples * sizeof(double));
    cs[c].n = 0;
    for (int v = 0; v < VARIANTS; v++) {
      len[c][v] = strlen(cs[c].token[v]);
      for (int w = 0; w < 4; w++) /* warm-up */
        (void)time_one(d, cs[c].token[v], len[c][v]);
    }
  }
  /* exactly samples measurements of each class in a uniformly shuffled order (Fisher-Yates): no
   * class is left to run alone at the end, when the machine's load may differ */
  size_t total = samples * ncls;
  uint32_t *order = malloc(total * sizeof(*order)), r[2];
  for (size_t i = 0; i < total; i++)
    order[i] = (uint32_t)(i % ncls);
  for (size_t i = total - 1; i > 0; i--) {
    if (RAND_bytes((unsigned char *)r, sizeof(r)) != 1)
      abort();
    size_t j = (((uint64_t)r[0] << 32) | r[1]) % (i + 1);
    uint32_t tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  unsigned char *variant = malloc(total); /* which of the class's inputs, at random */
  if (RAND_bytes(variant, (int)total) != 1)
    abort();
  for (size_t i = 0; i < total; i++) {
    size_t c = order[i], v = variant[i] % VARIANTS;
    cs[c].t[cs[c].n++] = time_one(d, cs[c].token[v], len[c][v]);
  }
  free(variant);
  free(order);
  for (size_t c = 1; c < ncls; c++)
    report(suite, &cs[0], &cs[c]);
  for (size_t c = 0; c < ncls; c++) {
    free(cs[c].t);
    for (int v = 0; c < ngiven && v < VARIANTS; v++) /* the control shares the first class's inputs */
      free(cs[c].token[v]);
  }
}

/* ---- the suites --------------------------------------------------------------------------------- */

static wb_decrypter *decrypter(const wb_key *k, int rsa1_5) {
  wb_decrypter *d = NULL;
  if (wb_decrypter_new_key(&d, k, NULL) != WB_OK || (rsa1_5 && wb_decrypter_allow_rsa1_5(d, NULL) != WB_OK))
    abort();
  return d;
}

static void suite_rsa(const wb_key *rsa, int oaep, size_t samples) {
  const char *hdr = oaep ? "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A128CBC-HS256\"}"
                         : "{\"alg\":\"RSA1_5\",\"enc\":\"A128CBC-HS256\"}";
  int pad = oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING;
  klass cs[3] = {{"tag fails", {NULL}, NULL, 0},
                 {oaep ? "OAEP decoding fails" : "PKCS#1 padding fails", {NULL}, NULL, 0},
                 {"CEK of the wrong size", {NULL}, NULL, 0}};
  for (int v = 0; v < VARIANTS; v++) {
    unsigned char cek[32], ek[512], bad[256];
    RAND_bytes(cek, sizeof(cek));
    RAND_bytes(bad, sizeof(bad));
    bad[0] = 0; /* below the modulus: a valid RSA input whose decoding fails */
    size_t n = rsa_enc(rsa, pad, cek, 32, ek);
    cs[0].token[v] = forge(hdr, ek, n, cek, WB_ENC_A128CBC_HS256, 1 + v, 0);
    cs[1].token[v] = forge(hdr, bad, n, cek, WB_ENC_A128CBC_HS256, 0, 0);
    n = rsa_enc(rsa, pad, cek, 16 + (size_t)v % 2 * 32, ek); /* 16 or 48 bytes: A128CBC-HS256 needs 32 */
    cs[2].token[v] = forge(hdr, ek, n, cek, WB_ENC_A128CBC_HS256, 0, 0);
  }
  wb_decrypter *d = decrypter(rsa, !oaep);
  measure(oaep ? "RSA-OAEP-256 + A128CBC-HS256" : "RSA1_5 + A128CBC-HS256", d, cs, 3, samples);
  wb_decrypter_free(d);
}

static void suite_kw(size_t samples) {
  wb_key *k = NULL;
  if (wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 256, NULL) != WB_OK)
    abort();
  const char *hdr = "{\"alg\":\"A256KW\",\"enc\":\"A256GCM\"}";
  klass cs[3] = {{"tag fails", {NULL}, NULL, 0},
                 {"unwrap fails", {NULL}, NULL, 0},
                 {"tag fails (other inputs)", {NULL}, NULL, 0}};
  for (int v = 0; v < VARIANTS; v++) {
    unsigned char cek[32], ek[40];
    RAND_bytes(cek, sizeof(cek));
    if (wb__aeskw_wrap(k->secret, 32, cek, 32, ek, NULL) != WB_OK)
      abort();
    cs[0].token[v] = forge(hdr, ek, 40, cek, WB_ENC_A256GCM, 1 + v, 0);
    ek[(size_t)v * 5 % 40] ^= 1;
    cs[1].token[v] = forge(hdr, ek, 40, cek, WB_ENC_A256GCM, 0, 0);
    RAND_bytes(cek, sizeof(cek));
    if (wb__aeskw_wrap(k->secret, 32, cek, 32, ek, NULL) != WB_OK)
      abort();
    cs[2].token[v] = forge(hdr, ek, 40, cek, WB_ENC_A256GCM, 1 + (v + 7) % 16, 0);
  }
  wb_decrypter *d = decrypter(k, 0);
  measure("A256KW + A256GCM", d, cs, 3, samples);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* dir + A128CBC-HS256: three blocks whose last has a wrong padding byte (bad), under a valid tag. */
static char *bad_padding_token(const unsigned char *cek, const char *hdr, unsigned char bad) {
  char *h = b64u(hdr, strlen(hdr));
  unsigned char iv[16] = {1, 2, 3}, block[48], ct[48], mac[32], al[8] = {0};
  memset(block, 'x', sizeof(block));
  block[47] = bad; /* 0, or over 16, or a run that does not match */
  block[46] = (unsigned char)(bad + 1);
  int n1 = 0, n2 = 0;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, cek + 16, iv);
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_EncryptUpdate(c, ct, &n1, block, 48);
  EVP_EncryptFinal_ex(c, ct + n1, &n2);
  EVP_CIPHER_CTX_free(c);
  uint64_t bits = (uint64_t)strlen(h) * 8;
  for (int i = 7; i >= 0; i--, bits >>= 8)
    al[i] = (unsigned char)bits;
  EVP_MAC *hm = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *m = EVP_MAC_CTX_new(hm);
  OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end()};
  size_t ml = 0;
  EVP_MAC_init(m, cek, 16, p);
  EVP_MAC_update(m, (unsigned char *)h, strlen(h));
  EVP_MAC_update(m, iv, 16);
  EVP_MAC_update(m, ct, 48);
  EVP_MAC_update(m, al, 8);
  EVP_MAC_final(m, mac, &ml, sizeof(mac));
  EVP_MAC_CTX_free(m);
  EVP_MAC_free(hm);
  char *i = b64u(iv, 16), *cc = b64u(ct, 48), *t = b64u(mac, 16);
  size_t n = strlen(h) + strlen(i) + strlen(cc) + strlen(t) + 5;
  char *tok = malloc(n);
  snprintf(tok, n, "%s..%s.%s.%s", h, i, cc, t);
  free(h), free(i), free(cc), free(t);
  return tok;
}

static void suite_cbc(size_t samples) {
  unsigned char cek[32];
  RAND_bytes(cek, sizeof(cek));
  wb_key *k = NULL;
  if (wb_key_from_secret(&k, cek, 32, NULL) != WB_OK)
    abort();
  const char *hdr = "{\"alg\":\"dir\",\"enc\":\"A128CBC-HS256\"}";
  static const unsigned char bad[VARIANTS] = {0, 17, 18,  32, 64, 99,  128, 255,
                                              0, 17, 200, 33, 0,  250, 19,  100};
  klass cs[3] = {{"tag fails", {NULL}, NULL, 0},
                 {"padding fails, tag valid", {NULL}, NULL, 0},
                 {"ciphertext changed", {NULL}, NULL, 0}};
  for (int v = 0; v < VARIANTS; v++) {
    cs[0].token[v] = forge(hdr, NULL, 0, cek, WB_ENC_A128CBC_HS256, 1 + v, 0);
    cs[1].token[v] = bad_padding_token(cek, hdr, bad[v]);
    cs[2].token[v] = forge(hdr, NULL, 0, cek, WB_ENC_A128CBC_HS256, 0, 1 + 3 * v);
  }
  wb_decrypter *d = decrypter(k, 0);
  measure("dir + A128CBC-HS256", d, cs, 3, samples);
  wb_decrypter_free(d);
  wb_key_free(k);
}

int main(int argc, char **argv) {
  size_t samples = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 20000;
  const char *only = argc > 2 ? argv[2] : NULL; /* cbc, kw, oaep or rsa1_5: that suite alone */
  if (samples < 100)
    samples = 100;
  printf("dudect-style timing of JWE decryption failures (Welch's t, percentile crops; |t| > 4.5 = a "
         "difference)\n");
  if (only == NULL || strcmp(only, "cbc") == 0)
    suite_cbc(samples);
  if (only == NULL || strcmp(only, "kw") == 0)
    suite_kw(samples);
  if (only == NULL || strcmp(only, "oaep") == 0 || strcmp(only, "rsa1_5") == 0) {
    wb_key *rsa = NULL;
    if (wb_key_generate(&rsa, WB_KTY_RSA, WB_CRV_NONE, 2048, NULL) != WB_OK)
      abort();
    if (only == NULL || strcmp(only, "oaep") == 0)
      suite_rsa(rsa, 1, samples / 10);
    if (only == NULL || strcmp(only, "rsa1_5") == 0)
      suite_rsa(rsa, 0, samples / 10);
    wb_key_free(rsa);
  }
  return 0;
}
