/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwe_attacks_test.c - one test per defence of the JWE decrypter (issue 13), each with a
 * crafted input and the exact status it must get: invalid-curve and identity epk, small-order
 * X25519/X448 points, truncated tags and tags of another token, flipped ciphertext / IV / AAD /
 * protected header, a CEK of the wrong size, a CBC padding error under a valid tag, GCM IVs and
 * tags of the wrong size, p2c of 10^9, a zip bomb, RSA1_5 without opt-in, keys bound to signing
 * used to decrypt and the reverse, and header members repeated across the header parts.
 *
 * Forged tokens are built with the library's own primitives (lib/jwe_int.h) so that the attack is
 * the only thing wrong with them: headers, AAD and tags are otherwise exactly right.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <zlib.h>

#include "check.h"
#include "jwe_int.h"

static const char *attack = "";
#define ATTACK(name) (attack = (name))
#define CHECK_ATTACK(call, want)                                                                             \
  do {                                                                                                       \
    wb_status attack_st_ = (call);                                                                           \
    if (attack_st_ != (want))                                                                                \
      fprintf(stderr, "attack %s: ", attack);                                                                \
    CHECK_ST(attack_st_, want);                                                                              \
  } while (0)

/* ---- building tokens -------------------------------------------------------------------------- */

static char *b64u(const void *data, size_t n) {
  size_t cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *out = malloc(cap);
  if (wb_b64url_encode(out, cap, data, n, NULL, NULL) != WB_OK) {
    free(out);
    return NULL;
  }
  return out;
}

/* The five parts joined with dots (new string). */
static char *compact(const char *h64, const char *ek, const char *iv, const char *ct, const char *tag) {
  size_t n = strlen(h64) + strlen(ek) + strlen(iv) + strlen(ct) + strlen(tag) + 5;
  char *out = malloc(n);
  snprintf(out, n, "%s.%s.%s.%s.%s", h64, ek, iv, ct, tag);
  return out;
}

/* A compact JWE with header hdr, encrypted key ek, and pt encrypted under cek with enc: every
 * part as a correct encrypter makes it, tag_len bytes of the tag kept, iv_len bytes of IV. */
static char *craft_iv(const char *hdr, const unsigned char *ek, size_t ek_len, const unsigned char *cek,
                      wb_enc enc, const void *pt, size_t pt_len, size_t iv_len, size_t tag_len) {
  const wb_enc_info *ei = wb__enc_info(enc);
  char *h64 = b64u(hdr, strlen(hdr));
  unsigned char iv[64] = {1, 2, 3}, tag[WB_JWE_MAX_TAG], *ct = malloc(pt_len + 16);
  size_t ct_len = 0;
  CHECK_ST(wb__ce_encrypt(ei, cek, iv, (const unsigned char *)h64, strlen(h64), pt, pt_len, ct, &ct_len, tag,
                          NULL),
           WB_OK);
  char *e64 = b64u(ek, ek_len), *i64 = b64u(iv, iv_len), *c64 = b64u(ct, ct_len), *t64 = b64u(tag, tag_len);
  char *tok = compact(h64, e64, i64, c64, t64);
  free(h64), free(e64), free(i64), free(c64), free(t64), free(ct);
  return tok;
}

static char *craft(const char *hdr, const unsigned char *ek, size_t ek_len, const unsigned char *cek,
                   wb_enc enc, const void *pt, size_t pt_len) {
  const wb_enc_info *ei = wb__enc_info(enc);
  return craft_iv(hdr, ek, ek_len, cek, enc, pt, pt_len, ei->iv_len, ei->tag_len);
}

/* Segment i of a compact token (new string). */
static char *segment(const char *tok, int i) {
  const char *p = tok;
  for (int k = 0; k < i; k++)
    p = strchr(p, '.') + 1;
  const char *end = strchr(p, '.');
  return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* tok with segment i replaced by seg (new string). */
static char *replace(const char *tok, int i, const char *seg) {
  char *s[5];
  for (int k = 0; k < 5; k++)
    s[k] = k == i ? strdup(seg) : segment(tok, k);
  char *out = compact(s[0], s[1], s[2], s[3], s[4]);
  for (int k = 0; k < 5; k++)
    free(s[k]);
  return out;
}

/* tok with one bit of the decoded segment i flipped (at byte at, from the start). */
static char *flip(const char *tok, int i, size_t at) {
  char *seg = segment(tok, i);
  unsigned char buf[4096];
  size_t n = 0;
  CHECK_ST(wb_b64url_decode(buf, sizeof(buf), seg, strlen(seg), &n, NULL), WB_OK);
  buf[at % n] ^= 0x01;
  char *b = b64u(buf, n), *out = replace(tok, i, b);
  free(seg);
  free(b);
  return out;
}

/* ---- decrypting --------------------------------------------------------------------------------- */

static wb_status try_decrypt(const wb_decrypter *d, const char *tok) {
  unsigned char *pt = (unsigned char *)&attack;
  size_t n = 7;
  wb_error err = {0};
  wb_status st = wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, &err);
  if (st != WB_OK)
    CHECK(pt == NULL && n == 0); /* a rejection hands out nothing */
  else
    wb_plaintext_free(pt, n);
  return st;
}

static wb_decrypter *decrypter(const wb_key *key) {
  wb_decrypter *d = NULL;
  CHECK_ST(wb_decrypter_new_key(&d, key, NULL), WB_OK);
  return d;
}

static char *encrypt(const wb_key *key, wb_jwe_alg alg, wb_enc enc) {
  wb_encrypter *e = NULL;
  char *tok = NULL;
  CHECK_ST(wb_encrypter_new(&e, key, alg, enc, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"attack at dawn", 14, &tok, NULL, NULL), WB_OK);
  wb_encrypter_free(e);
  return tok;
}

static wb_key *gen(wb_kty kty, wb_crv crv, unsigned bits) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate(&k, kty, crv, bits, NULL), WB_OK);
  return k;
}

/* ---- ECDH-ES ------------------------------------------------------------------------------------ */

/* A header for ECDH-ES with an epk of kty/crv and base64url x (and y when not NULL). */
static char *epk_header(const char *kty, const char *crv, const char *x, const char *y) {
  char *h = malloc(1024);
  if (y != NULL)
    snprintf(h, 1024,
             "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\",\"epk\":{\"kty\":\"%s\",\"crv\":\"%s\",\"x\":\"%s\","
             "\"y\":\"%s\"}}",
             kty, crv, x, y);
  else
    snprintf(h, 1024,
             "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\",\"epk\":{\"kty\":\"%s\",\"crv\":\"%s\",\"x\":\"%s\"}}",
             kty, crv, x);
  return h;
}

/* The epk header hdr on any content: the epk is refused before anything is decrypted. */
static wb_status epk_attack(const wb_decrypter *d, const char *hdr) {
  unsigned char cek[16] = {0};
  char *tok = craft(hdr, NULL, 0, cek, WB_ENC_A128GCM, "x", 1);
  wb_status st = try_decrypt(d, tok);
  free(tok);
  return st;
}

static void test_invalid_curve_epk(void) {
  ATTACK("invalid-curve epk");
  wb_key *p256 = gen(WB_KTY_EC, WB_CRV_P256, 0), *p384 = gen(WB_KTY_EC, WB_CRV_P384, 0);
  wb_decrypter *d = decrypter(p256);
  char *jwk = NULL;
  CHECK_ST(wb_key_to_jwk(p256, WB_KEY_PUBLIC, &jwk, NULL), WB_OK);
  /* a point of the right size whose y is changed by one bit: off the curve */
  const char *xs = strstr(jwk, "\"x\":\"") + 5, *ys = strstr(jwk, "\"y\":\"") + 5;
  char *x = strndup(xs, 43), *y = strndup(ys, 43), *y_ok = strndup(ys, 43);
  y[0] = y[0] == 'A' ? 'B' : 'A';
  char *h = epk_header("EC", "P-256", x, y);
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
  free(h);
  /* a valid point of another curve */
  char *other = NULL;
  CHECK_ST(wb_key_to_jwk(p384, WB_KEY_PUBLIC, &other, NULL), WB_OK);
  char *x384 = strndup(strstr(other, "\"x\":\"") + 5, 64), *y384 = strndup(strstr(other, "\"y\":\"") + 5, 64);
  h = epk_header("EC", "P-384", x384, y384);
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
  free(h);
  h = epk_header("EC", "P-256", x384, y384); /* the other curve's coordinates, named P-256 */
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
  free(h);
  h = epk_header("EC", "P-384", x, y_ok); /* this curve's point, named as another curve */
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
  free(h);
  h = epk_header("OKP", "X25519", x, NULL); /* another key type */
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
  free(h);
  ATTACK("epk with a private key");
  h = malloc(1024);
  snprintf(h, 1024,
           "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\",\"epk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\","
           "\"y\":\"%s\",\"d\":\"%s\"}}",
           x, y_ok, x);
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_MALFORMED);
  free(h);
  free(x), free(y), free(y_ok), free(x384), free(y384), wb_string_free(jwk), wb_string_free(other);
  wb_decrypter_free(d);
  wb_key_free(p256);
  wb_key_free(p384);
}

static void test_identity_epk(void) {
  ATTACK("identity epk");
  wb_key *p256 = gen(WB_KTY_EC, WB_CRV_P256, 0), *x25519 = gen(WB_KTY_OKP, WB_CRV_X25519, 0);
  wb_decrypter *d = decrypter(p256), *dx = decrypter(x25519);
  unsigned char zero[32] = {0};
  char *z = b64u(zero, 32);
  char *h = epk_header("EC", "P-256", z, z); /* (0, 0): the usual stand-in for the point at infinity */
  CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
  free(h);
  h = epk_header("OKP", "X25519", z, NULL); /* u = 0 */
  CHECK_ATTACK(epk_attack(dx, h), WB_ERR_BAD_KEY);
  free(h);
  free(z);
  wb_decrypter_free(d);
  wb_decrypter_free(dx);
  wb_key_free(p256);
  wb_key_free(x25519);
}

/* The points of small order of RFC 7748 / Wycheproof (X25519): every one gives Z = 0. */
static void test_small_order_x25519(void) {
  ATTACK("small-order X25519 point");
  static const char *const points[] = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  wb_key *k = gen(WB_KTY_OKP, WB_CRV_X25519, 0), *k448 = gen(WB_KTY_OKP, WB_CRV_X448, 0);
  wb_decrypter *d = decrypter(k), *d448 = decrypter(k448);
  for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
    unsigned char u[32];
    for (int j = 0; j < 32; j++)
      sscanf(points[i] + 2 * j, "%2hhx", &u[j]);
    char *x = b64u(u, 32), *h = epk_header("OKP", "X25519", x, NULL);
    CHECK_ATTACK(epk_attack(d, h), WB_ERR_BAD_KEY);
    free(x), free(h);
  }
  ATTACK("small-order X448 point");
  unsigned char u448[56] = {1}; /* u = 1 */
  char *x = b64u(u448, 56), *h = epk_header("OKP", "X448", x, NULL);
  CHECK_ATTACK(epk_attack(d448, h), WB_ERR_BAD_KEY);
  free(x), free(h);
  wb_decrypter_free(d);
  wb_decrypter_free(d448);
  wb_key_free(k);
  wb_key_free(k448);
}

/* ---- tags, ciphertext, IV, AAD, header ----------------------------------------------------------- */

static void test_truncated_and_foreign_tags(void) {
  static const wb_enc encs[2] = {WB_ENC_A256GCM, WB_ENC_A128CBC_HS256};
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 256);
  wb_decrypter *d = decrypter(k);
  for (int i = 0; i < 2; i++) {
    char *a = encrypt(k, WB_JWE_A256KW, encs[i]), *b = encrypt(k, WB_JWE_A256KW, encs[i]);
    char *tag = segment(a, 4), *other = segment(b, 4);
    unsigned char raw[64];
    size_t n = 0;
    CHECK_ST(wb_b64url_decode(raw, sizeof(raw), tag, strlen(tag), &n, NULL), WB_OK);
    ATTACK("truncated tag");
    for (size_t cut = 1; cut <= 8; cut *= 2) {
      char *t = b64u(raw, n - cut), *tok = replace(a, 4, t);
      CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
      free(t), free(tok);
    }
    ATTACK("tag of another token");
    char *tok = replace(a, 4, other);
    CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
    free(tok);
    ATTACK("tag with its last bit flipped (compared over its full length)");
    tok = flip(a, 4, n - 1);
    CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
    free(tok);
    CHECK_ATTACK(try_decrypt(d, a), WB_OK);
    free(a), free(b), free(tag), free(other);
  }
  wb_decrypter_free(d);
  wb_key_free(k);
}

static void test_flipped_parts(void) {
  static const wb_enc encs[2] = {WB_ENC_A128GCM, WB_ENC_A256CBC_HS512};
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 128);
  wb_decrypter *d = decrypter(k);
  for (int i = 0; i < 2; i++) {
    char *tok = encrypt(k, WB_JWE_A128KW, encs[i]), *bad;
    static const char *const names[4] = {"flipped encrypted key", "flipped IV", "flipped ciphertext",
                                         "flipped ciphertext (first byte)"};
    static const int seg[4] = {1, 2, 3, 3};
    for (int s = 0; s < 4; s++) {
      ATTACK(names[s]);
      bad = flip(tok, seg[s], s == 3 ? 0 : 5);
      CHECK_ATTACK(try_decrypt(d, bad), WB_ERR_DECRYPT_FAILED);
      free(bad);
    }
    ATTACK("changed protected header (a member added: the AAD differs)");
    char *h = malloc(256);
    snprintf(h, 256, "{\"alg\":\"A128KW\",\"enc\":\"%s\",\"x\":1}", wb_enc_name(encs[i]));
    char *h64 = b64u(h, strlen(h));
    bad = replace(tok, 0, h64);
    CHECK_ATTACK(try_decrypt(d, bad), WB_ERR_DECRYPT_FAILED);
    free(bad), free(h), free(h64), free(tok);
  }
  ATTACK("flipped AAD (JSON \"aad\")");
  wb_encrypter *e = NULL;
  char *json = NULL;
  CHECK_ST(wb_encrypter_new(&e, k, WB_JWE_A128KW, WB_ENC_A128GCM, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_FLATTENED, (const unsigned char *)"pt", 2,
                               (const unsigned char *)"ab", 2, &json, NULL, NULL),
           WB_OK);
  char *aad = strstr(json, "\"aad\":\"YWI\"");
  CHECK(aad != NULL);
  if (aad != NULL)
    aad[7] = 'Z'; /* "ab" -> another 2 bytes */
  unsigned char *pt = NULL;
  size_t n = 0;
  CHECK_ATTACK(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, NULL), WB_ERR_DECRYPT_FAILED);
  wb_string_free(json);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* A256KW wrapping a 16-byte CEK for A256GCM (32 bytes): the unwrap succeeds, the size does not. */
static void test_cek_of_the_wrong_size(void) {
  ATTACK("CEK of the wrong size for enc");
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 256), *rsa = gen(WB_KTY_RSA, WB_CRV_NONE, 2048);
  wb_decrypter *d = decrypter(k), *dr = decrypter(rsa);
  unsigned char cek[32] = {7}, ek[WB_JWE_MAX_EK];
  size_t ek_len = 0;
  CHECK_ST(wb__aeskw_wrap(k->secret, 32, cek, 16, ek, NULL), WB_OK);
  /* content encrypted under the 16 bytes padded to 32: only the CEK size is wrong */
  char *tok = craft("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\"}", ek, 24, cek, WB_ENC_A256GCM, "x", 1);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
  free(tok);
  wb_strbuf params;
  wb__sb_init(&params, 1024);
  CHECK_ST(wb__km_wrap(rsa, wb__jwe_alg_info(WB_JWE_RSA_OAEP_256), NULL, wb__enc_info(WB_ENC_A128GCM), 0, cek,
                       ek, &ek_len, &params, NULL),
           WB_OK);
  tok = craft("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}", ek, ek_len, cek, WB_ENC_A256GCM, "x", 1);
  CHECK_ATTACK(try_decrypt(dr, tok), WB_ERR_DECRYPT_FAILED);
  free(tok);
  wb__sb_free(&params);
  wb_decrypter_free(d);
  wb_decrypter_free(dr);
  wb_key_free(k);
  wb_key_free(rsa);
}

/* AES-CBC-HMAC with a valid tag over a ciphertext whose padding is wrong: the same answer. */
static void test_padding_error_under_a_valid_tag(void) {
  ATTACK("CBC padding error under a valid tag");
  unsigned char cek[32] = {1, 2, 3, 4}, iv[16] = {9}, block[16] = {0}, ct[16], mac[32], al[8] = {0};
  const char *hdr = "{\"alg\":\"dir\",\"enc\":\"A128CBC-HS256\"}";
  char *h64 = b64u(hdr, strlen(hdr));
  int n1 = 0, n2 = 0;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  CHECK(EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, cek + 16, iv) == 1 &&
        EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_EncryptUpdate(c, ct, &n1, block, 16) == 1 &&
        EVP_EncryptFinal_ex(c, ct + n1, &n2) == 1); /* pad byte 0 */
  EVP_CIPHER_CTX_free(c);
  al[7] = (unsigned char)(strlen(h64) * 8), al[6] = (unsigned char)((strlen(h64) * 8) >> 8);
  EVP_MAC *hm = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *m = EVP_MAC_CTX_new(hm);
  OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end()};
  size_t ml = 0;
  CHECK(EVP_MAC_init(m, cek, 16, p) == 1 && EVP_MAC_update(m, (unsigned char *)h64, strlen(h64)) == 1 &&
        EVP_MAC_update(m, iv, 16) == 1 && EVP_MAC_update(m, ct, 16) == 1 && EVP_MAC_update(m, al, 8) == 1 &&
        EVP_MAC_final(m, mac, &ml, sizeof(mac)) == 1);
  EVP_MAC_CTX_free(m);
  EVP_MAC_free(hm);
  char *i64 = b64u(iv, 16), *c64 = b64u(ct, 16), *t64 = b64u(mac, 16), *tok = compact(h64, "", i64, c64, t64);
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_secret(&k, cek, 32, NULL), WB_OK);
  wb_decrypter *d = decrypter(k);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
  wb_decrypter_free(d);
  wb_key_free(k);
  free(h64), free(i64), free(c64), free(t64), free(tok);
}

static void test_gcm_sizes(void) {
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 256);
  wb_decrypter *d = decrypter(k);
  const char *hdr = "{\"alg\":\"dir\",\"enc\":\"A256GCM\"}";
  unsigned char *cek = k->secret;
  ATTACK("GCM IV of 16 bytes");
  char *tok = craft_iv(hdr, NULL, 0, cek, WB_ENC_A256GCM, "x", 1, 16, 16);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
  free(tok);
  ATTACK("GCM IV of 8 bytes");
  tok = craft_iv(hdr, NULL, 0, cek, WB_ENC_A256GCM, "x", 1, 8, 16);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
  free(tok);
  ATTACK("GCM tag of 12 bytes (a valid truncation to OpenSSL)");
  tok = craft_iv(hdr, NULL, 0, cek, WB_ENC_A256GCM, "x", 1, 12, 12);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_DECRYPT_FAILED);
  free(tok);
  ATTACK("the well-made control");
  tok = craft_iv(hdr, NULL, 0, cek, WB_ENC_A256GCM, "x", 1, 12, 16);
  CHECK_ATTACK(try_decrypt(d, tok), WB_OK);
  free(tok);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* ---- PBES2, zip, RSA1_5 ------------------------------------------------------------------------ */

static void test_pbes2_p2c(void) {
  wb_decrypter *d = NULL;
  CHECK_ST(wb_decrypter_new_password(&d, "pw", 2, NULL), WB_OK);
  unsigned char cek[16] = {0}, ek[24] = {0};
  static const struct {
    const char *name, *hdr;
    wb_status want;
  } cases[] = {
      {"p2c of 10^9 (refused before any PBKDF2 work)",
       "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"p2c\":"
       "1000000000}",
       WB_ERR_TOO_LARGE},
      {"p2c of 2^64",
       "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAAAAAAAAA\",\"p2c\":"
       "18446744073709551616}",
       WB_ERR_TOO_LARGE},
      {"p2c below 1000",
       "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAAAAAAAAA\",\"p2c\":999}",
       WB_ERR_ALG_NOT_ALLOWED},
      {"p2c not an integer",
       "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAAAAAAAAA\",\"p2c\":1e4}",
       WB_ERR_MALFORMED},
      {"salt of 4 bytes",
       "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAAAA\",\"p2c\":1000}",
       WB_ERR_MALFORMED},
      {"no p2s", "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2c\":1000}", WB_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ATTACK(cases[i].name);
    char *tok = craft(cases[i].hdr, ek, sizeof(ek), cek, WB_ENC_A128GCM, "x", 1);
    CHECK_ATTACK(try_decrypt(d, tok), cases[i].want);
    free(tok);
  }
  wb_decrypter_free(d);
  ATTACK("PBES2 without the opt-in");
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 256);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  char *tok = craft(cases[0].hdr, ek, sizeof(ek), cek, WB_ENC_A128GCM, "x", 1);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_ALG_NOT_ALLOWED);
  free(tok);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* Raw DEFLATE of n zero bytes, fed in chunks (run-length strategy: fast, about 1000:1). */
static unsigned char *deflate_zeros(size_t n, size_t *out_len) {
  static unsigned char zeros[1 << 16];
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  CHECK(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_RLE) == Z_OK);
  size_t cap = n / 900 + 4096;
  unsigned char *out = malloc(cap);
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  bool ok = true;
  for (size_t left = n; left > 0;) {
    size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
    zs.next_in = zeros;
    zs.avail_in = (uInt)k;
    left -= k;
    ok = ok && deflate(&zs, left ? Z_NO_FLUSH : Z_FINISH) != Z_STREAM_ERROR;
  }
  CHECK(ok);
  *out_len = zs.total_out;
  deflateEnd(&zs);
  return out;
}

static void test_zip_bomb(void) {
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 256);
  wb_decrypter *d = decrypter(k);
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_token_len = 4u << 20;
  CHECK_ST(wb_decrypter_set_limits(d, &lim, NULL), WB_OK);
  CHECK_ST(wb_decrypter_allow_zip(d, 0, NULL), WB_OK); /* the default ceiling, 256 KiB */
  const char *hdr = "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"zip\":\"DEF\"}";
  static const struct {
    const char *name;
    size_t inflated;
  } bombs[2] = {
      {"zip bomb: 1 KiB that inflates to 1 MiB", (size_t)1 << 20},
      {"zip bomb: 1 MiB that inflates to 1 GiB (DEFLATE's ratio is at most 1032:1)", (size_t)1 << 30}};
  for (int i = 0; i < 2; i++) {
    ATTACK(bombs[i].name);
    size_t n = 0;
    unsigned char *z = deflate_zeros(bombs[i].inflated, &n);
    char *tok = craft(hdr, NULL, 0, k->secret, WB_ENC_A256GCM, z, n);
    CHECK(n < bombs[i].inflated / 900);
    CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_TOO_LARGE);
    free(z);
    free(tok);
  }
  ATTACK("zip in the unprotected header");
  wb_encrypter *e = NULL;
  char *json = NULL;
  CHECK_ST(wb_encrypter_new(&e, k, WB_JWE_DIR, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(
      wb_jwe_encrypt_json(e, WB_SER_FLATTENED, (const unsigned char *)"x", 1, NULL, 0, &json, NULL, NULL),
      WB_OK);
  char *moved = malloc(strlen(json) + 64);
  snprintf(moved, strlen(json) + 64, "{\"unprotected\":{\"zip\":\"DEF\"},%s", json + 1);
  unsigned char *pt = NULL;
  size_t pn = 0;
  CHECK_ATTACK(wb_jwe_decrypt_json(d, moved, strlen(moved), &pt, &pn, NULL, NULL, NULL), WB_ERR_MALFORMED);
  free(moved);
  wb_string_free(json);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  wb_key_free(k);
}

static void test_rsa1_5_needs_opt_in(void) {
  ATTACK("RSA1_5 without opt-in");
  wb_key *rsa = gen(WB_KTY_RSA, WB_CRV_NONE, 2048);
  unsigned char cek[32] = {5}, ek[256];
  size_t ek_len = sizeof(ek);
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa->pkey, NULL);
  CHECK(EVP_PKEY_encrypt_init(c) == 1 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
        EVP_PKEY_encrypt(c, ek, &ek_len, cek, 32) == 1);
  EVP_PKEY_CTX_free(c);
  char *tok =
      craft("{\"alg\":\"RSA1_5\",\"enc\":\"A128CBC-HS256\"}", ek, ek_len, cek, WB_ENC_A128CBC_HS256, "x", 1);
  wb_decrypter *d = decrypter(rsa);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_decrypter_allow_rsa1_5(d, NULL), WB_OK);
  CHECK_ATTACK(try_decrypt(d, tok), WB_OK);
  ATTACK("RSA1_5 with a flipped encrypted key (padding error)");
  char *bad = flip(tok, 1, 100);
  CHECK_ATTACK(try_decrypt(d, bad), WB_ERR_DECRYPT_FAILED);
  free(bad), free(tok);
  wb_decrypter_free(d);
  wb_key_free(rsa);
}

/* ---- key binding, header parts -------------------------------------------------------------------- */

/* An EC P-256 key with extra JWK members (a string like ",\"use\":\"enc\""). */
static wb_key *ec_with(const wb_key *base, const char *extra) {
  char *jwk = NULL;
  CHECK_ST(wb_key_to_jwk(base, WB_KEY_PRIVATE, &jwk, NULL), WB_OK);
  size_t n = strlen(jwk) + strlen(extra) + 1;
  char *text = malloc(n);
  snprintf(text, n, "%.*s%s}", (int)strlen(jwk) - 1, jwk, extra);
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, text, strlen(text), NULL), WB_OK);
  free(text);
  wb_string_free(jwk);
  return k;
}

static void test_key_bound_to_one_job(void) {
  wb_key *base = gen(WB_KTY_EC, WB_CRV_P256, 0);
  static const char *const enc_bound[] = {",\"use\":\"enc\"", ",\"alg\":\"ECDH-ES\"",
                                          ",\"key_ops\":[\"deriveKey\"]"};
  static const char *const sig_bound[] = {",\"use\":\"sig\"", ",\"alg\":\"ES256\"",
                                          ",\"key_ops\":[\"sign\",\"verify\"]"};
  wb_verifier *v = NULL;
  wb_decrypter *d = NULL;
  wb_encrypter *e = NULL;
  wb_signer *s = NULL;
  for (int i = 0; i < 3; i++) {
    ATTACK("a JWE key used to verify a JWS");
    wb_key *k = ec_with(base, enc_bound[i]);
    CHECK_ATTACK(wb_verifier_new_key(&v, k, NULL), WB_ERR_ALG_NOT_ALLOWED);
    CHECK_ATTACK(wb_signer_new(&s, k, WB_ALG_ES256, NULL), WB_ERR_ALG_NOT_ALLOWED);
    CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK); /* its own job */
    wb_decrypter_free(d);
    wb_key_free(k);
    ATTACK("a JWS key used to decrypt a JWE");
    k = ec_with(base, sig_bound[i]);
    CHECK_ATTACK(wb_decrypter_new_key(&d, k, NULL), WB_ERR_ALG_NOT_ALLOWED);
    CHECK_ATTACK(wb_encrypter_new(&e, k, WB_JWE_ECDH_ES, WB_ENC_INVALID, NULL), WB_ERR_ALG_NOT_ALLOWED);
    CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
    wb_verifier_free(v);
    wb_key_free(k);
  }
  CHECK(d == NULL && e == NULL && s == NULL);
  ATTACK("a JWE key pinned to another JWE alg");
  wb_key *k = ec_with(base, ",\"alg\":\"ECDH-ES+A256KW\"");
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  char *tok = encrypt(base, WB_JWE_ECDH_ES, WB_ENC_A128GCM);
  CHECK_ATTACK(try_decrypt(d, tok), WB_ERR_ALG_NOT_ALLOWED);
  free(tok);
  wb_decrypter_free(d);
  wb_key_free(k);
  wb_key_free(base);
}

static void test_header_member_repeated(void) {
  wb_key *k = gen(WB_KTY_OCT, WB_CRV_NONE, 128);
  wb_decrypter *d = decrypter(k);
  wb_encrypter *e = NULL;
  char *json = NULL;
  CHECK_ST(wb_encrypter_new(&e, k, WB_JWE_A128KW, WB_ENC_A128GCM, NULL), WB_OK);
  CHECK_ST(
      wb_jwe_encrypt_json(e, WB_SER_FLATTENED, (const unsigned char *)"x", 1, NULL, 0, &json, NULL, NULL),
      WB_OK);
  static const struct {
    const char *name, *prefix;
  } cases[] = {
      {"enc repeated in the shared unprotected header", "{\"unprotected\":{\"enc\":\"A128GCM\"},"},
      {"alg repeated in the per-recipient header", "{\"header\":{\"alg\":\"A128KW\"},"},
      {"alg repeated under an escaped name", "{\"header\":{\"\\u0061lg\":\"A128KW\"},"},
      {"kid in the shared and the per-recipient header",
       "{\"unprotected\":{\"kid\":\"a\"},\"header\":{\"kid\":\"a\"},"},
      {"crit outside the protected header", "{\"header\":{\"crit\":[\"x\"],\"x\":1},"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ATTACK(cases[i].name);
    size_t n = strlen(json) + strlen(cases[i].prefix) + 1;
    char *text = malloc(n);
    snprintf(text, n, "%s%s", cases[i].prefix, json + 1);
    unsigned char *pt = NULL;
    size_t pn = 0;
    CHECK_ATTACK(wb_jwe_decrypt_json(d, text, strlen(text), &pt, &pn, NULL, NULL, NULL), WB_ERR_MALFORMED);
    free(text);
  }
  ATTACK("crit in a JWE (no extension understood)");
  char *tok = craft("{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"crit\":[\"exp\"],\"exp\":1}", NULL, 0, k->secret,
                    WB_ENC_A128GCM, "x", 1);
  wb_decrypter *dd = NULL;
  CHECK_ST(wb_decrypter_new_key(&dd, k, NULL), WB_OK);
  CHECK_ATTACK(try_decrypt(dd, tok), WB_ERR_UNSUPPORTED_CRIT);
  free(tok);
  ATTACK("alg none");
  tok = craft("{\"alg\":\"none\",\"enc\":\"A128GCM\"}", NULL, 0, k->secret, WB_ENC_A128GCM, "x", 1);
  CHECK_ATTACK(try_decrypt(dd, tok), WB_ERR_ALG_NOT_ALLOWED);
  free(tok);
  wb_decrypter_free(dd);
  wb_string_free(json);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* JWS JSON: a header member in both the protected and the unprotected header. */
static void test_jws_header_member_repeated(void) {
  ATTACK("JWS JSON: alg in the protected and the unprotected header");
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_HS256, WB_CRV_NONE, 0, NULL), WB_OK);
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  char *json = NULL;
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  const wb_signer *one[1] = {s};
  CHECK_ST(
      wb_jws_sign_json(one, 1, WB_SER_FLATTENED, (const unsigned char *)"p", 1, false, &json, NULL, NULL),
      WB_OK);
  CHECK_ST(wb_jws_verify_json(v, WB_JWS_ALL, json, strlen(json), NULL, NULL, NULL, 0, NULL, NULL), WB_OK);
  size_t n = strlen(json) + 64;
  char *text = malloc(n);
  snprintf(text, n, "{\"header\":{\"alg\":\"HS256\"},%s", json + 1);
  CHECK_ATTACK(wb_jws_verify_json(v, WB_JWS_ANY, text, strlen(text), NULL, NULL, NULL, 0, NULL, NULL),
               WB_ERR_MALFORMED);
  free(text);
  wb_string_free(json);
  wb_signer_free(s);
  wb_verifier_free(v);
  wb_key_free(k);
}

int main(void) {
  test_invalid_curve_epk();
  test_identity_epk();
  test_small_order_x25519();
  test_truncated_and_foreign_tags();
  test_flipped_parts();
  test_cek_of_the_wrong_size();
  test_padding_error_under_a_valid_tag();
  test_gcm_sizes();
  test_pbes2_p2c();
  test_zip_bomb();
  test_rsa1_5_needs_opt_in();
  test_key_bound_to_one_job();
  test_header_member_repeated();
  test_jws_header_member_repeated();
  return CHECK_DONE();
}
