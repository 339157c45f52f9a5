/* SPDX-License-Identifier: MIT */
/*
 * bench/jwe_bench.c - the JWE rows of the benchmark (bench/jwe.sh): decrypting the reference
 * token of each pair (made by jwcrypto, bench/jwe_workload.py) and encrypting the benchmark claims,
 * for two rows:
 *   wristband    the public API: a decrypter and an encrypter built once, wb_jwe_decrypt /
 *                wb_jwe_encrypt per operation (the plaintext or token freed each time)
 *   openssl-raw  the limit: only the cryptography of the pair with OpenSSL 3, the token's parts
 *                decoded once at set-up and every context that can be prepared once prepared:
 *                dir: AES-GCM keyed once, the IV set per message; A256KW: AES key (un)wrap (RFC 3394 over
 * AES-ECB keyed once, block by block with EVP_Cipher, the fastest form: OpenSSL's wrap mode runs the software
 * AES) + AES-GCM; ECDH-ES+A256KW: the epk point imported and checked (decrypt) or an ephemeral key made and
 * its point exported (encrypt), ECDH, one SHA-256 of the Concat KDF, AES key (un)wrap, AES-GCM; RSA-OAEP-256:
 * RSA-OAEP with a prepared context + AES-GCM. No base64url, no JSON. Before timing (outside the timed loop):
 * wristband decrypts the reference token to the claims, decrypts its own encryption and refuses the reference
 * token with a changed tag, and the raw decryption of the reference token succeeds; otherwise both rows print
 * FAIL, never a figure. Output: impl<TAB>pair<TAB>op<TAB>ops_per_sec. Usage: jwe_bench --work DIR [--impl
 * NAME] [--pairs A,B] With --count N --op decrypt|encrypt (one --impl, one pair): the checks, one operation,
 * then N operations in count_loop() and nothing timed, for instruction counts (valgrind --tool=callgrind
 * --collect-atstart=no --toggle-collect=count_loop: Ir / N is the cost of one operation).
 */
#include "jwe_common.h"
#include "timing.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "internal.h" /* set-up only: the raw row takes the EVP_PKEY / secret out of a parsed JWK */

typedef struct jb {
  const char *pair;
  char *token, *claims;
  size_t token_len, claims_len;
  wb_key *priv, *pub;
  /* wristband */
  wb_decrypter *d;
  wb_encrypter *e;
  /* raw: the token's parts decoded once */
  unsigned char ek[512], iv[12], tag[16], ct[4096], epk_x[32], epk_y[32];
  size_t ek_len, ct_len, aad_len;
  const char *aad;
  EVP_CIPHER *gcm, *ecb;
  EVP_CIPHER_CTX *gcm_ctx, *kw_ctx[2]; /* kw_ctx: A256KW's ECB keyed with the key, unwrap / wrap */
  EVP_PKEY_CTX *rsa_dec, *rsa_enc, *eph_gen;
  EVP_MD *sha256;
  int kind; /* 0 dir, 1 kw, 2 ecdh p256, 3 ecdh x25519, 4 rsa */
} jb;

/* ---- wristband ------------------------------------------------------------------------------ */

static int wb_decrypt_op(void *p) {
  jb *s = p;
  unsigned char *pt = NULL;
  size_t n = 0;
  if (wb_jwe_decrypt(s->d, s->token, s->token_len, &pt, &n, NULL) != WB_OK)
    return 1;
  wb_plaintext_free(pt, n);
  return 0;
}

static int wb_encrypt_op(void *p) {
  jb *s = p;
  char *tok = NULL;
  if (wb_jwe_encrypt(s->e, (const unsigned char *)s->claims, s->claims_len, &tok, NULL, NULL) != WB_OK)
    return 1;
  wb_string_free(tok);
  return 0;
}

/* ---- the raw limit ---------------------------------------------------------------------------- */

/* AES-GCM of the claims (enc) or of the token's ciphertext; dir's context was keyed at set-up and
 * only takes the IV, every other pair's content key is new each time. */
static int gcm(jb *s, const unsigned char *cek, int enc, unsigned char *out) {
  int n = 0, f = 0;
  unsigned char tag[16];
  int keyed = s->kind == 0;
  if (EVP_CipherInit_ex2(s->gcm_ctx, keyed ? NULL : s->gcm, keyed ? NULL : cek, s->iv, enc, NULL) != 1 ||
      EVP_CipherUpdate(s->gcm_ctx, NULL, &n, (const unsigned char *)s->aad, (int)s->aad_len) != 1)
    return 1;
  if (enc) {
    return EVP_CipherUpdate(s->gcm_ctx, out, &n, (const unsigned char *)s->claims, (int)s->claims_len) != 1 ||
           EVP_CipherFinal_ex(s->gcm_ctx, out + n, &f) != 1 ||
           EVP_CIPHER_CTX_ctrl(s->gcm_ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1;
  }
  return EVP_CipherUpdate(s->gcm_ctx, out, &n, s->ct, (int)s->ct_len) != 1 ||
         EVP_CIPHER_CTX_ctrl(s->gcm_ctx, EVP_CTRL_GCM_SET_TAG, 16, s->tag) != 1 ||
         EVP_CipherFinal_ex(s->gcm_ctx, out + n, &f) != 1;
}

/* AES key wrap (RFC 3394) over AES-ECB: c is an ECB context keyed with the KEK for enc; the
 * fastest form with OpenSSL (its own wrap mode runs the software AES; EVP_Cipher calls the
 * provider's cipher directly, where EVP_CipherUpdate costs several times the AES of a block). */
static int kw_rounds(EVP_CIPHER_CTX *c, int enc, unsigned char a[8], unsigned char *r, size_t n) {
  unsigned char b[16];
  for (size_t step = 0; step < 6; step++) /* nested: no division per block */
    for (size_t k = 0; k < n; k++) {
      size_t j = enc ? step : 5 - step, i = enc ? k + 1 : n - k;
      uint64_t t = (uint64_t)(n * j + i);
      memcpy(b, a, 8);
      memcpy(b + 8, r + 8 * (i - 1), 8);
      if (!enc)
        for (int x = 7; x >= 0; x--, t >>= 8)
          b[x] ^= (unsigned char)t;
      if (EVP_Cipher(c, b, b, 16) <= 0)
        return 1;
      if (enc)
        for (int x = 7; x >= 0; x--, t >>= 8)
          b[x] ^= (unsigned char)t;
      memcpy(a, b, 8);
      memcpy(r + 8 * (i - 1), b + 8, 8);
    }
  return 0;
}

/* Wraps 32 bytes (enc) or unwraps 40: with the ECB context prepared at set-up when kek is the
 * key's (A256KW), else with a fresh one keyed with kek (ECDH-ES+A256KW: a KEK per message). */
static int kw(jb *s, const unsigned char *kek, int enc, const unsigned char *in, size_t len,
              unsigned char *out) {
  EVP_CIPHER_CTX *c = s->kind == 1 ? s->kw_ctx[enc] : EVP_CIPHER_CTX_new();
  unsigned char a[8];
  size_t n = enc ? len / 8 : len / 8 - 1;
  int bad = s->kind != 1 && (EVP_CipherInit_ex2(c, s->ecb, kek, NULL, enc, NULL) != 1 ||
                             EVP_CIPHER_CTX_set_padding(c, 0) != 1);
  if (enc) {
    memset(a, 0xA6, 8);
    memcpy(out + 8, in, len);
    bad = bad || kw_rounds(c, 1, a, out + 8, n);
    memcpy(out, a, 8);
  } else {
    memcpy(a, in, 8);
    memcpy(out, in + 8, len - 8);
    bad = bad || kw_rounds(c, 0, a, out, n);
    for (int k = 0; k < 8; k++)
      bad |= a[k] != 0xA6;
  }
  if (s->kind != 1)
    EVP_CIPHER_CTX_free(c);
  return bad;
}

/* One SHA-256 of the Concat KDF for ECDH-ES+A256KW (keydatalen 256, no apu/apv). */
static int kdf(jb *s, const unsigned char *z, size_t zl, unsigned char out[32]) {
  static const unsigned char tail[] = {0,   0,   0,   14,  'E', 'C', 'D', 'H', '-', 'E',
                                       'S', '+', 'A', '2', '5', '6', 'K', 'W', 0,   0,
                                       0,   0,   0,   0,   0,   0,   0,   0,   1,   0};
  static const unsigned char one[4] = {0, 0, 0, 1};
  unsigned int n = 0;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int bad = EVP_DigestInit_ex2(c, s->sha256, NULL) != 1 || EVP_DigestUpdate(c, one, 4) != 1 ||
            EVP_DigestUpdate(c, z, zl) != 1 || EVP_DigestUpdate(c, tail, sizeof(tail)) != 1 ||
            EVP_DigestFinal_ex(c, out, &n) != 1;
  EVP_MD_CTX_free(c);
  return bad;
}

static int derive(EVP_PKEY *priv, EVP_PKEY *peer, unsigned char *z, size_t *zl) {
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
  *zl = 66;
  int bad = EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer_ex(c, peer, 0) != 1 ||
            EVP_PKEY_derive(c, z, zl) != 1;
  EVP_PKEY_CTX_free(c);
  return bad;
}

/* The epk of the token as a checked public key (the work every recipient must do). */
static EVP_PKEY *epk(jb *s) {
  if (s->kind == 3)
    return EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, s->epk_x, 32);
  unsigned char pt[65] = {4};
  memcpy(pt + 1, s->epk_x, 32);
  memcpy(pt + 33, s->epk_y, 32);
  OSSL_PARAM params[3] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0),
                          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, 65),
                          OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *k = NULL;
  if (EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
    k = NULL;
  EVP_PKEY_CTX *chk = k ? EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL) : NULL;
  if (k != NULL && EVP_PKEY_public_check_quick(chk) != 1) {
    EVP_PKEY_free(k);
    k = NULL;
  }
  EVP_PKEY_CTX_free(chk);
  EVP_PKEY_CTX_free(c);
  return k;
}

static int raw_decrypt_op(void *p) {
  jb *s = p;
  unsigned char cek[512], kek[32], z[66], out[4096]; /* RSA writes up to the modulus size */
  size_t zl = 0, n = sizeof(cek);
  int bad = 0;
  if (s->kind == 0) {
    memcpy(cek, s->priv->secret, 32);
  } else if (s->kind == 1) {
    bad = kw(s, s->priv->secret, 0, s->ek, s->ek_len, cek);
  } else if (s->kind == 4) {
    bad = EVP_PKEY_decrypt(s->rsa_dec, cek, &n, s->ek, s->ek_len) != 1;
  } else {
    EVP_PKEY *peer = epk(s);
    bad = peer == NULL || derive(s->priv->pkey, peer, z, &zl) || kdf(s, z, zl, kek) ||
          kw(s, kek, 0, s->ek, s->ek_len, cek);
    EVP_PKEY_free(peer);
  }
  return bad || gcm(s, cek, 0, out);
}

static int raw_encrypt_op(void *p) {
  jb *s = p;
  unsigned char cek[32], kek[32], z[66], ek[512], out[4096], pt[80];
  size_t zl = 0, n = sizeof(ek);
  if (RAND_bytes(s->iv, 12) != 1 || (s->kind != 0 && RAND_bytes(cek, 32) != 1))
    return 1;
  int bad = 0;
  if (s->kind == 0) {
    memcpy(cek, s->priv->secret, 32);
  } else if (s->kind == 1) {
    bad = kw(s, s->priv->secret, 1, cek, 32, ek);
  } else if (s->kind == 4) {
    bad = EVP_PKEY_encrypt(s->rsa_enc, ek, &n, cek, 32) != 1;
  } else {
    EVP_PKEY *eph = NULL;
    size_t pl = sizeof(pt);
    bad = EVP_PKEY_keygen(s->eph_gen, &eph) != 1 || derive(eph, s->pub->pkey, z, &zl) || kdf(s, z, zl, kek) ||
          kw(s, kek, 1, cek, 32, ek) ||
          (s->kind == 2 ? EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, pt, pl, &pl)
                        : EVP_PKEY_get_raw_public_key(eph, pt, &pl)) != 1;
    EVP_PKEY_free(eph);
  }
  return bad || gcm(s, cek, 1, out);
}

/* Decodes segment i of the token into out; its length. */
static size_t segment(const jb *s, int i, unsigned char *out, size_t cap) {
  const char *p = s->token;
  for (int k = 0; k < i; k++)
    p = strchr(p, '.') + 1;
  const char *e = strchr(p, '.');
  size_t n = 0;
  if (wb_b64url_decode(out, cap, p, e ? (size_t)(e - p) : strlen(p), &n, NULL) != WB_OK)
    return 0;
  return n;
}

static int raw_setup(jb *s) {
  s->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
  s->ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
  s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  s->gcm_ctx = EVP_CIPHER_CTX_new();
  if (s->gcm_ctx == NULL ||
      (s->kind == 0 && EVP_CipherInit_ex2(s->gcm_ctx, s->gcm, s->priv->secret, NULL, 0, NULL) != 1))
    return 1;
  s->aad = s->token;
  s->aad_len = (size_t)(strchr(s->token, '.') - s->token);
  s->ek_len = segment(s, 1, s->ek, sizeof(s->ek));
  s->ct_len = segment(s, 3, s->ct, sizeof(s->ct));
  if (segment(s, 2, s->iv, sizeof(s->iv)) != 12 || segment(s, 4, s->tag, sizeof(s->tag)) != 16)
    return 1;
  for (int enc = 0; s->kind == 1 && enc < 2; enc++) /* A256KW: the key's ECB contexts, keyed once */
    if ((s->kw_ctx[enc] = EVP_CIPHER_CTX_new()) == NULL ||
        EVP_CipherInit_ex2(s->kw_ctx[enc], s->ecb, s->priv->secret, NULL, enc, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(s->kw_ctx[enc], 0) != 1)
      return 1;
  if (s->kind == 4) {
    s->rsa_dec = EVP_PKEY_CTX_new_from_pkey(NULL, s->priv->pkey, NULL);
    s->rsa_enc = EVP_PKEY_CTX_new_from_pkey(NULL, s->pub->pkey, NULL);
    EVP_PKEY_CTX *c[2] = {s->rsa_dec, s->rsa_enc};
    for (int i = 0; i < 2; i++)
      if ((i ? EVP_PKEY_encrypt_init(c[i]) : EVP_PKEY_decrypt_init(c[i])) != 1 ||
          EVP_PKEY_CTX_set_rsa_padding(c[i], RSA_PKCS1_OAEP_PADDING) != 1 ||
          EVP_PKEY_CTX_set_rsa_oaep_md(c[i], s->sha256) != 1 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md(c[i], s->sha256) != 1)
        return 1;
  }
  if (s->kind == 2 || s->kind == 3) {
    s->eph_gen = EVP_PKEY_CTX_new_from_pkey(NULL, s->pub->pkey, NULL);
    if (EVP_PKEY_keygen_init(s->eph_gen) != 1)
      return 1;
    /* the epk's coordinates, from the protected header, decoded once */
    char hdr[1024];
    size_t hl = 0;
    if (wb_b64url_decode((unsigned char *)hdr, sizeof(hdr) - 1, s->token, s->aad_len, &hl, NULL) != WB_OK)
      return 1;
    hdr[hl] = '\0';
    const char *x = strstr(hdr, "\"x\":\""), *y = strstr(hdr, "\"y\":\"");
    size_t n = 0;
    if (x == NULL || wb_b64url_decode(s->epk_x, 32, x + 5, 43, &n, NULL) != WB_OK ||
        (s->kind == 2 && (y == NULL || wb_b64url_decode(s->epk_y, 32, y + 5, 43, &n, NULL) != WB_OK)))
      return 1;
  }
  return 0;
}

static void jb_free(jb *s) {
  wb_decrypter_free(s->d);
  wb_encrypter_free(s->e);
  wb_key_free(s->priv);
  wb_key_free(s->pub);
  EVP_CIPHER_free(s->gcm);
  EVP_CIPHER_free(s->ecb);
  EVP_MD_free(s->sha256);
  EVP_CIPHER_CTX_free(s->gcm_ctx);
  EVP_CIPHER_CTX_free(s->kw_ctx[0]);
  EVP_CIPHER_CTX_free(s->kw_ctx[1]);
  EVP_PKEY_CTX_free(s->rsa_dec);
  EVP_PKEY_CTX_free(s->rsa_enc);
  EVP_PKEY_CTX_free(s->eph_gen);
  free(s->token);
  free(s->claims);
}

/* ---- checks and timing ------------------------------------------------------------------------ */

/* Decrypts text with the pair's decrypter: 0 when it gives the claims. */
static int decrypts_to_claims(const jb *s, const char *text, size_t len) {
  unsigned char *pt = NULL;
  size_t n = 0;
  int ok = wb_jwe_decrypt(s->d, text, len, &pt, &n, NULL) == WB_OK && n == s->claims_len &&
           memcmp(pt, s->claims, n) == 0;
  wb_plaintext_free(pt, n);
  return ok ? 0 : 1;
}

/* The checks both rows must pass before a figure is printed. */
static int checks(jb *s) {
  char *own = NULL, *flipped = strdup(s->token);
  flipped[strlen(flipped) - 2] ^= 0x01; /* a changed tag character */
  unsigned char *pt = NULL;
  size_t n = 0;
  int bad =
      decrypts_to_claims(s, s->token, s->token_len) ||
      wb_jwe_encrypt(s->e, (const unsigned char *)s->claims, s->claims_len, &own, NULL, NULL) != WB_OK ||
      decrypts_to_claims(s, own, strlen(own)) ||
      wb_jwe_decrypt(s->d, flipped, strlen(flipped), &pt, &n, NULL) == WB_OK || raw_decrypt_op(s) != 0;
  wb_string_free(own);
  free(flipped);
  return bad;
}

static int jb_setup(jb *s, const char *dir, const char *pair) {
  memset(s, 0, sizeof(*s));
  s->pair = pair;
  size_t n = 0;
  char *priv = read_file(dir, "keys/", pair, ".jwk", &n), *pub = NULL;
  int bad = priv == NULL || wb_key_from_jwk(&s->priv, priv, n, NULL) != WB_OK;
  if (!bad)
    pub = read_file(dir, "keys/", pair, ".pub.jwk", &n);
  bad = bad || pub == NULL || wb_key_from_jwk(&s->pub, pub, n, NULL) != WB_OK;
  free(priv);
  free(pub);
  s->token = read_file(dir, "tokens/", pair, ".jwe", &s->token_len);
  s->claims = read_file(dir, "", "claims", ".json", &s->claims_len);
  s->kind = strncmp(pair, "dir", 3) == 0      ? 0
            : strncmp(pair, "A256KW", 6) == 0 ? 1
            : strstr(pair, "P256")            ? 2
            : strstr(pair, "X25519")          ? 3
                                              : 4;
  static const wb_jwe_alg algs[5] = {WB_JWE_DIR, WB_JWE_A256KW, WB_JWE_ECDH_ES_A256KW, WB_JWE_ECDH_ES_A256KW,
                                     WB_JWE_RSA_OAEP_256};
  return bad || s->token == NULL || s->claims == NULL ||
         wb_decrypter_new_key(&s->d, s->priv, NULL) != WB_OK ||
         wb_encrypter_new(&s->e, s->pub, algs[s->kind], WB_ENC_A256GCM, NULL) != WB_OK || raw_setup(s) ||
         checks(s);
}

static int wanted(const char *list, const char *name) {
  if (list == NULL)
    return 1;
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
      return 1;
  return 0;
}

/* N operations and nothing else: the instruction-count window (see the header). */
__attribute__((noinline)) static int count_loop(bench_op_fn op, void *ctx, long n) {
  int bad = 0;
  for (long i = 0; i < n && !bad; i++)
    bad = op(ctx);
  return bad;
}

int main(int argc, char **argv) {
  const char *dir = NULL, *impl = NULL, *pl = NULL, *op = NULL;
  long count = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--work") == 0)
      dir = argv[i + 1];
    else if (strcmp(argv[i], "--impl") == 0)
      impl = argv[i + 1];
    else if (strcmp(argv[i], "--pairs") == 0)
      pl = argv[i + 1];
    else if (strcmp(argv[i], "--op") == 0)
      op = argv[i + 1];
    else if (strcmp(argv[i], "--count") == 0)
      count = atol(argv[i + 1]);
  }
  if (dir == NULL) {
    fprintf(stderr, "usage: jwe_bench --work DIR [--impl wristband|openssl-raw] [--pairs A,B]\n"
                    "       jwe_bench --work DIR --impl NAME --pairs PAIR --op decrypt|encrypt --count N\n");
    return 2;
  }
  bench_config cfg = bench_config_from_env();
  static const struct {
    const char *name;
    bench_op_fn decrypt, encrypt;
  } impls[2] = {{"wristband", wb_decrypt_op, wb_encrypt_op}, {"openssl-raw", raw_decrypt_op, raw_encrypt_op}};
  int rc = 0;
  if (count > 0) { /* one impl, one pair, one op: no timing */
    int i = impl != NULL && strcmp(impl, "openssl-raw") == 0, dec = op == NULL || strcmp(op, "decrypt") == 0;
    for (size_t p = 0; p < NPAIRS; p++) {
      if (pl == NULL || strcmp(pl, pairs[p]) != 0)
        continue;
      jb s;
      bench_op_fn fn = dec ? impls[i].decrypt : impls[i].encrypt;
      rc = jb_setup(&s, dir, pairs[p]) || fn(&s) || count_loop(fn, &s, count);
      jb_free(&s);
      fprintf(stderr, "%s %s %s x %ld: %s\n", impls[i].name, pairs[p], dec ? "decrypt" : "encrypt", count,
              rc ? "FAIL" : "ok");
      return rc;
    }
    fprintf(stderr, "jwe_bench: --count needs --pairs with one pair\n");
    return 2;
  }
  for (size_t p = 0; p < NPAIRS; p++) {
    if (!wanted(pl, pairs[p]))
      continue;
    jb s;
    int bad = jb_setup(&s, dir, pairs[p]);
    for (int i = 0; i < 2; i++) {
      if (!wanted(impl, impls[i].name))
        continue;
      if (bad) {
        printf("%s\t%s\tdecrypt\tFAIL\n%s\t%s\tencrypt\tFAIL\n", impls[i].name, pairs[p], impls[i].name,
               pairs[p]);
        rc = 1;
        continue;
      }
      printf("%s\t%s\tdecrypt\t%.0f\n", impls[i].name, pairs[p], bench_measure(&cfg, impls[i].decrypt, &s));
      printf("%s\t%s\tencrypt\t%.0f\n", impls[i].name, pairs[p], bench_measure(&cfg, impls[i].encrypt, &s));
      fflush(stdout);
    }
    jb_free(&s);
  }
  return rc;
}
