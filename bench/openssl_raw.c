/* SPDX-License-Identifier: MIT */
/*
 * bench/openssl_raw.c - the limit: only the cryptography of each JWS algorithm, with OpenSSL 3,
 * over the very signing-input bytes (base64url header "." base64url payload) of the reference
 * token. No base64url, no JSON, no claims: what no JWT library can beat on this machine.
 *
 * Everything that can be prepared once is: HS256 uses one keyed EVP_MAC_CTX re-initialised with
 * a NULL key per operation (the key schedule is kept); RS256 and ES256 hash with a reused
 * EVP_MD_CTX and sign/verify the digest with an EVP_PKEY_CTX initialised once; Ed25519 (which
 * has no prehash mode) re-initialises a reused EVP_MD_CTX per operation. Counted beyond the raw
 * primitive is only what the JWS format needs: ES256 R||S <-> DER (a hand-written DER writer for
 * verification, d2i + BN_bn2binpad for signing). The reference token's signature is
 * base64url-decoded once, at set-up; other tokens (the checks) are decoded when verified.
 */
#include "common.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

enum raw_kind { RAW_HMAC, RAW_RSA, RAW_EC, RAW_ED };

typedef struct raw_state {
  enum raw_kind kind;
  const char *si; /* signing input of the reference token */
  size_t si_len;
  EVP_MAC *mac;
  EVP_MAC_CTX *mac_ctx;
  EVP_MD *md;
  EVP_MD_CTX *md_ctx;
  EVP_PKEY *priv, *pub;
  EVP_PKEY_CTX *sign_ctx, *verify_ctx;
  /* the reference token's signature, decoded once at set-up */
  size_t sig_len;
  unsigned char sig[512];
} raw_state;

/* ---- base64url (outside the timed loop only) -------------------------------------------- */

static int b64url_val(int c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Lenient about trailing bits (the libraries decide strictness; this is the crypto limit). */
static int b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len) {
  unsigned long acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    int v = b64url_val((unsigned char)in[i]);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (unsigned long)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap)
        return -1;
      out[n++] = (unsigned char)(acc >> bits);
    }
  }
  *out_len = n;
  return 0;
}

static void b64url_encode(const unsigned char *in, size_t len, char *out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned long acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    acc = (acc << 8) | in[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      *out++ = a[(acc >> bits) & 63];
    }
  }
  if (bits)
    *out++ = a[(acc << (6 - bits)) & 63];
  *out = '\0';
}

/* ---- set-up ------------------------------------------------------------------------------- */

static const char *raw_unsupported(const char *alg) {
  (void)alg;
  return NULL;
}

static EVP_PKEY *raw_load_pem(const bench_workload *w, const char *post, int priv) {
  size_t n;
  char *pem = bench_read_w(w, "keys/", post, &n);
  BIO *bio = pem ? BIO_new_mem_buf(pem, (int)n) : NULL;
  EVP_PKEY *k = NULL;
  if (bio)
    k = priv ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
  BIO_free(bio);
  free(pem);
  return k;
}

static void raw_teardown(void *p) {
  raw_state *s = p;
  EVP_MAC_CTX_free(s->mac_ctx);
  EVP_MAC_free(s->mac);
  EVP_MD_CTX_free(s->md_ctx);
  EVP_MD_free(s->md);
  EVP_PKEY_CTX_free(s->sign_ctx);
  EVP_PKEY_CTX_free(s->verify_ctx);
  EVP_PKEY_free(s->priv);
  EVP_PKEY_free(s->pub);
  free(s);
}

static void *raw_setup(const bench_workload *w) {
  raw_state *s = calloc(1, sizeof *s);
  int ok = 0;
  if (!s)
    return NULL;
  s->si = w->token;
  s->si_len = bench_signing_input_len(w->token, w->token_len);
  s->md_ctx = EVP_MD_CTX_new();
  if (!strcmp(w->alg, "HS256")) {
    size_t n;
    char *key = bench_read_w(w, "keys/", ".key", &n);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    s->kind = RAW_HMAC;
    ok = key && (s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) && (s->mac_ctx = EVP_MAC_CTX_new(s->mac)) &&
         EVP_MAC_init(s->mac_ctx, (unsigned char *)key, n, params) == 1;
    if (key)
      OPENSSL_cleanse(key, n);
    free(key);
  } else if (!strcmp(w->alg, "EdDSA")) {
    s->kind = RAW_ED;
    ok = (s->priv = raw_load_pem(w, ".priv.pem", 1)) && (s->pub = raw_load_pem(w, ".pub.pem", 0));
  } else {
    s->kind = !strcmp(w->alg, "RS256") ? RAW_RSA : RAW_EC;
    ok = (s->priv = raw_load_pem(w, ".priv.pem", 1)) && (s->pub = raw_load_pem(w, ".pub.pem", 0)) &&
         (s->md = EVP_MD_fetch(NULL, "SHA256", NULL)) && (s->sign_ctx = EVP_PKEY_CTX_new(s->priv, NULL)) &&
         (s->verify_ctx = EVP_PKEY_CTX_new(s->pub, NULL)) && EVP_PKEY_sign_init(s->sign_ctx) == 1 &&
         EVP_PKEY_verify_init(s->verify_ctx) == 1 && EVP_PKEY_CTX_set_signature_md(s->sign_ctx, s->md) == 1 &&
         EVP_PKEY_CTX_set_signature_md(s->verify_ctx, s->md) == 1;
    if (ok && s->kind == RAW_RSA)
      ok = EVP_PKEY_CTX_set_rsa_padding(s->sign_ctx, RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_padding(s->verify_ctx, RSA_PKCS1_PADDING) == 1;
  }
  if (ok && s->si_len)
    ok = b64url_decode(w->token + s->si_len + 1, w->token_len - s->si_len - 1, s->sig, sizeof s->sig,
                       &s->sig_len) == 0;
  if (!ok || !s->md_ctx || !s->si_len) {
    raw_teardown(s);
    return NULL;
  }
  return s;
}

/* ---- the primitives ----------------------------------------------------------------------- */

static int raw_digest(raw_state *s, const char *msg, size_t len, unsigned char dg[32]) {
  unsigned int n;
  return EVP_DigestInit_ex2(s->md_ctx, s->md, NULL) == 1 && EVP_DigestUpdate(s->md_ctx, msg, len) == 1 &&
                 EVP_DigestFinal_ex(s->md_ctx, dg, &n) == 1
             ? 0
             : -1;
}

static int raw_hmac(raw_state *s, const char *msg, size_t len, unsigned char mac[32]) {
  size_t n;
  return EVP_MAC_init(s->mac_ctx, NULL, 0, NULL) == 1 &&
                 EVP_MAC_update(s->mac_ctx, (const unsigned char *)msg, len) == 1 &&
                 EVP_MAC_final(s->mac_ctx, mac, &n, 32) == 1 && n == 32
             ? 0
             : -1;
}

/* One INTEGER of a DER ECDSA-Sig-Value from a 32-byte big-endian number. */
static size_t der_int(unsigned char *out, const unsigned char *v) {
  size_t i = 0, n;
  while (i < 31 && v[i] == 0)
    i++;
  n = 32 - i;
  out[0] = 0x02;
  if (v[i] & 0x80) {
    out[1] = (unsigned char)(n + 1);
    out[2] = 0;
    memcpy(out + 3, v + i, n);
    return n + 3;
  }
  out[1] = (unsigned char)n;
  memcpy(out + 2, v + i, n);
  return n + 2;
}

/* Signs the reference signing input; sig receives the JWS signature bytes. */
static int raw_sign_bytes(raw_state *s, unsigned char *sig, size_t *sig_len) {
  unsigned char dg[32], der[80];
  size_t der_len = sizeof der;
  if (s->kind == RAW_HMAC) {
    *sig_len = 32;
    return raw_hmac(s, s->si, s->si_len, sig);
  }
  if (s->kind == RAW_ED) {
    *sig_len = 64;
    return EVP_MD_CTX_reset(s->md_ctx) == 1 &&
                   EVP_DigestSignInit(s->md_ctx, NULL, NULL, NULL, s->priv) == 1 &&
                   EVP_DigestSign(s->md_ctx, sig, sig_len, (const unsigned char *)s->si, s->si_len) == 1
               ? 0
               : -1;
  }
  if (raw_digest(s, s->si, s->si_len, dg) != 0)
    return -1;
  if (s->kind == RAW_RSA) {
    *sig_len = 512;
    return EVP_PKEY_sign(s->sign_ctx, sig, sig_len, dg, 32) == 1 ? 0 : -1;
  }
  if (EVP_PKEY_sign(s->sign_ctx, der, &der_len, dg, 32) != 1)
    return -1;
  const unsigned char *p = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  int ok = es && BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) == 32 &&
           BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) == 32;
  ECDSA_SIG_free(es);
  *sig_len = 64;
  return ok ? 0 : -1;
}

static int raw_verify(void *p, const char *tok, size_t len) {
  raw_state *s = p;
  unsigned char dg[32], der[80], other[512];
  const unsigned char *sig = s->sig;
  size_t sig_len = s->sig_len, si_len = bench_signing_input_len(tok, len);
  if (!si_len)
    return -1;
  if (tok != s->si) { /* not the reference token (a check): decode its signature now */
    if (b64url_decode(tok + si_len + 1, len - si_len - 1, other, sizeof other, &sig_len) != 0)
      return -1;
    sig = other;
  }
  if (s->kind == RAW_HMAC) {
    unsigned char mac[32];
    return sig_len == 32 && raw_hmac(s, tok, si_len, mac) == 0 && CRYPTO_memcmp(mac, sig, 32) == 0 ? 0 : -1;
  }
  if (s->kind == RAW_ED)
    return sig_len == 64 && EVP_MD_CTX_reset(s->md_ctx) == 1 &&
                   EVP_DigestVerifyInit(s->md_ctx, NULL, NULL, NULL, s->pub) == 1 &&
                   EVP_DigestVerify(s->md_ctx, sig, 64, (const unsigned char *)tok, si_len) == 1
               ? 0
               : -1;
  if (raw_digest(s, tok, si_len, dg) != 0)
    return -1;
  if (s->kind == RAW_RSA)
    return EVP_PKEY_verify(s->verify_ctx, sig, sig_len, dg, 32) == 1 ? 0 : -1;
  if (sig_len != 64)
    return -1;
  size_t body = der_int(der + 2, sig);
  body += der_int(der + 2 + body, sig + 32);
  der[0] = 0x30;
  der[1] = (unsigned char)body;
  return EVP_PKEY_verify(s->verify_ctx, der, body + 2, dg, 32) == 1 ? 0 : -1;
}

static int raw_sign(void *p, char **out, size_t *out_len) {
  raw_state *s = p;
  unsigned char sig[512];
  size_t sig_len;
  if (raw_sign_bytes(s, sig, &sig_len) != 0)
    return -1;
  if (out) { /* the checks want a whole token: signing input "." base64url(signature) */
    size_t n = s->si_len + 1 + (sig_len * 4 + 2) / 3;
    if (!(*out = malloc(n + 1)))
      return -1;
    memcpy(*out, s->si, s->si_len);
    (*out)[s->si_len] = '.';
    b64url_encode(sig, sig_len, *out + s->si_len + 1);
    *out_len = strlen(*out);
  }
  return 0;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"openssl-raw", raw_unsupported, raw_setup, raw_verify,
                                  raw_sign,      raw_teardown,    0};
  return bench_main(&impl, argc, argv);
}
