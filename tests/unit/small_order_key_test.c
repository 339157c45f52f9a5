/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/small_order_key_test.c - the small-order public key attack on EdDSA (issue 7,
 * defect 5): with a public key of small order, one fixed signature verifies every payload.
 *
 * The table below lists every encoding of the small-order points of Ed25519 (the 8 torsion
 * points, "negative zero" x, y >= p) and of Ed448 (the 4 torsion points, the same two kinds of
 * non-canonical encodings, a stray bit in the last byte). tests/unit/eddsa_points.py recomputes
 * the points from the curve equations and checks this table against them, so the list is
 * complete and every entry is what its comment says.
 *
 * 1. The reproducer: a key built around such a point WITHOUT the import check (the internal key
 *    object, as the library held one before the fix) lets wristband's own verifier accept a
 *    token with the fixed signature R = identity, S = 0: every payload for encodings of the
 *    identity, some payloads for the other Ed25519 points (OpenSSL refuses the Ed448 ones).
 * 2. The fix: every import path refuses every such encoding with bad_key and leaves the out
 *    parameter NULL: JWK, JWKS, PEM and DER. (Generation and wb_key_public go through the same
 *    wb__key_adopt_pkey; generated and ordinary keys still import.) If an import ever succeeds
 *    again, the forgery is tried through the imported key too and reported.
 */
#include <openssl/evp.h>

#include "check.h"
#include "internal.h"

#define PAYLOADS 64

typedef struct {
  wb_crv crv;
  const char *hex; /* the public key as encoded in "x" */
  int forges_all;  /* the point is the identity: the fixed signature verifies every payload */
  const char *what;
} small_point;

/* BEGIN small-order encodings (checked by eddsa_points.py) */
static const small_point points[] = {
    {WB_CRV_ED25519, "0100000000000000000000000000000000000000000000000000000000000000", 1, "identity"},
    {WB_CRV_ED25519, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 0,
     "order 2 (y = -1)"},
    {WB_CRV_ED25519, "0000000000000000000000000000000000000000000000000000000000000000", 0,
     "order 4, x even"},
    {WB_CRV_ED25519, "0000000000000000000000000000000000000000000000000000000000000080", 0, "order 4, x odd"},
    {WB_CRV_ED25519, "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 0, "order 8"},
    {WB_CRV_ED25519, "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", 0, "order 8"},
    {WB_CRV_ED25519, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", 0, "order 8"},
    {WB_CRV_ED25519, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", 0, "order 8"},
    {WB_CRV_ED25519, "0100000000000000000000000000000000000000000000000000000000000080", 1,
     "identity, negative zero x"},
    {WB_CRV_ED25519, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0,
     "order 2, negative zero x"},
    {WB_CRV_ED25519, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 0,
     "y = p (0), order 4"},
    {WB_CRV_ED25519, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0,
     "y = p (0), order 4"},
    {WB_CRV_ED25519, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 1,
     "y = p + 1 (1), identity"},
    {WB_CRV_ED25519, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 1,
     "y = p + 1, identity, negative zero x"},
    {WB_CRV_ED448,
     "0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000",
     1, "identity"},
    {WB_CRV_ED448,
     "fefffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffff00",
     0, "order 2 (y = -1)"},
    {WB_CRV_ED448,
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000",
     0, "order 4, x = 1"},
    {WB_CRV_ED448,
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000080",
     0, "order 4, x = -1"},
    {WB_CRV_ED448,
     "0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000080",
     1, "identity, negative zero x"},
    {WB_CRV_ED448,
     "fefffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffff80",
     0, "order 2, negative zero x"},
    {WB_CRV_ED448,
     "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffff00",
     0, "y = p (0), order 4"},
    {WB_CRV_ED448,
     "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffff80",
     0, "y = p (0), order 4"},
    {WB_CRV_ED448,
     "00000000000000000000000000000000000000000000000000000000fffffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffff00",
     1, "y = p + 1 (1), identity"},
    {WB_CRV_ED448,
     "00000000000000000000000000000000000000000000000000000000fffffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffff80",
     1, "y = p + 1, identity, negative zero x"},
    {WB_CRV_ED448,
     "0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000001",
     1, "identity, a stray bit in the last byte"},
};
/* END small-order encodings */
#define NPOINTS (sizeof(points) / sizeof(points[0]))

/* A point of neither curve: y = 2 has no x on Ed25519 (x^2 = 3 / (4d + 1) is not a square). */
static const char off_curve_25519[] = "0200000000000000000000000000000000000000000000000000000000000000";

static size_t unhex(const char *hex, unsigned char *out) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++)
    sscanf(hex + 2 * i, "%2hhx", &out[i]);
  return n;
}

static const char *crv_name(wb_crv crv) {
  return crv == WB_CRV_ED25519 ? "Ed25519" : "Ed448";
}

/* The JWK of the public key pub[0..n). */
static void make_jwk(char *jwk, size_t cap, wb_crv crv, const unsigned char *pub, size_t n) {
  char x[100];
  CHECK_ST(wb_b64url_encode(x, sizeof(x), pub, n, NULL, NULL), WB_OK);
  snprintf(jwk, cap, "{\"kty\":\"OKP\",\"crv\":\"%s\",\"x\":\"%s\"}", crv_name(crv), x);
}

/* The SPKI (RFC 8410) DER of the public key: a fixed prefix, then the key. */
static size_t make_der(unsigned char *der, wb_crv crv, const unsigned char *pub, size_t n) {
  static const unsigned char p25519[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                         0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  static const unsigned char p448[] = {0x30, 0x43, 0x30, 0x05, 0x06, 0x03,
                                       0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00};
  const unsigned char *prefix = crv == WB_CRV_ED25519 ? p25519 : p448;
  memcpy(der, prefix, sizeof(p25519));
  memcpy(der + sizeof(p25519), pub, n);
  return sizeof(p25519) + n;
}

static size_t make_pem(char *pem, const unsigned char *der, size_t n) {
  int len = sprintf(pem, "-----BEGIN PUBLIC KEY-----\n");
  len += EVP_EncodeBlock((unsigned char *)pem + len, der, (int)n);
  len += sprintf(pem + len, "\n-----END PUBLIC KEY-----\n");
  return (size_t)len;
}

/*
 * Verifies, with a verifier on key, PAYLOADS tokens that all carry the fixed signature R = the
 * identity's encoding, S = 0. Returns how many verify.
 */
static int forged_tokens_accepted(const wb_key *key, wb_crv crv) {
  wb_verifier *v = NULL;
  if (wb_verifier_new_key(&v, key, NULL) != WB_OK)
    return 0;
  size_t half = crv == WB_CRV_ED25519 ? 32 : 57;
  unsigned char sig[114] = {1}; /* R = (0, 1), S = 0 */
  char sig64[160], head64[64], body64[128], token[400];
  CHECK_ST(wb_b64url_encode(sig64, sizeof(sig64), sig, 2 * half, NULL, NULL), WB_OK);
  const char *head = "{\"alg\":\"EdDSA\"}";
  CHECK_ST(wb_b64url_encode(head64, sizeof(head64), (const unsigned char *)head, strlen(head), NULL, NULL),
           WB_OK);
  int accepted = 0;
  for (int i = 0; i < PAYLOADS; i++) {
    char body[64];
    int n = snprintf(body, sizeof(body), "{\"sub\":\"mallory\",\"n\":%d,\"exp\":4102444800}", i);
    CHECK_ST(wb_b64url_encode(body64, sizeof(body64), (const unsigned char *)body, (size_t)n, NULL, NULL),
             WB_OK);
    snprintf(token, sizeof(token), "%s.%s.%s", head64, body64, sig64);
    char *payload = NULL;
    accepted += wb_jws_verify(v, token, strlen(token), &payload, NULL, NULL) == WB_OK;
    wb_string_free(payload);
  }
  wb_verifier_free(v);
  return accepted;
}

/* A key around pub that skipped the import check: what every import made before the fix. */
static wb_key *unchecked_key(wb_crv crv, const unsigned char *pub, size_t n) {
  EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, crv_name(crv), NULL, pub, n);
  if (pk == NULL)
    return NULL; /* OpenSSL refuses this encoding itself */
  wb_key *k = wb__key_alloc();
  k->kty = WB_KTY_OKP;
  k->crv = crv;
  k->pkey = pk;
  k->coord_len = n;
  k->bits = crv == WB_CRV_ED25519 ? 255 : 448;
  return k;
}

static void test_reproducer(void) {
  for (size_t i = 0; i < NPOINTS; i++) {
    unsigned char pub[57];
    size_t n = unhex(points[i].hex, pub);
    wb_key *k = unchecked_key(points[i].crv, pub, n);
    int accepted = k != NULL ? forged_tokens_accepted(k, points[i].crv) : 0;
    printf("without the check: %s %s: %d of %d forged tokens verify\n", crv_name(points[i].crv),
           points[i].what, accepted, PAYLOADS);
    if (points[i].crv == WB_CRV_ED25519) /* OpenSSL 3 refuses the Ed448 ones in its verify */
      CHECK(points[i].forges_all ? accepted == PAYLOADS : accepted > 0);
    wb_key_free(k);
  }
}

/* Every import path refuses the encoding; if one does not, the forgery is tried through it. */
static void check_refused(const small_point *pt) {
  unsigned char pub[57], der[80];
  char jwk[200], jwks[220], pem[200];
  size_t n = unhex(pt->hex, pub);
  make_jwk(jwk, sizeof(jwk), pt->crv, pub, n);
  snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", jwk);
  size_t der_len = make_der(der, pt->crv, pub, n);
  size_t pem_len = make_pem(pem, der, der_len);
  wb_key *k[3] = {(wb_key *)1, (wb_key *)1, (wb_key *)1};
  wb_keyset *set = (wb_keyset *)1;
  wb_error e = {0};
  CHECK_ST(wb_key_from_jwk(&k[0], jwk, strlen(jwk), &e), WB_ERR_BAD_KEY);
  CHECK(strstr(e.message, "small order") != NULL || strstr(e.message, "non-canonical") != NULL);
  CHECK_ST(wb_key_from_der(&k[1], der, der_len, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb_key_from_pem(&k[2], pem, pem_len, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb_keyset_from_jwks(&set, jwks, strlen(jwks), NULL, NULL), WB_ERR_BAD_KEY);
  CHECK(set == NULL);
  for (int j = 0; j < 3; j++) {
    if (k[j] == NULL)
      continue;
    CHECK(k[j] == NULL);
    if (k[j] == (wb_key *)1)
      continue;
    fprintf(stderr, "%s %s imported: %d of %d forged tokens verify with it\n", crv_name(pt->crv), pt->what,
            forged_tokens_accepted(k[j], pt->crv), PAYLOADS);
    wb_key_free(k[j]);
  }
  if (set != NULL && set != (wb_keyset *)1)
    wb_keyset_free(set);
}

/* Ordinary keys still import by every path: generated ones, and their PEM, DER and public JWK. */
static void check_ordinary(wb_crv crv) {
  wb_key *k = NULL, *back = NULL;
  char *jwk = NULL, *pem = NULL;
  CHECK_ST(wb_key_generate(&k, WB_KTY_OKP, crv, 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PUBLIC, &jwk, NULL), WB_OK);
  CHECK_ST(wb_key_to_pem(k, WB_KEY_PUBLIC, &pem, NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&back, jwk, jwk ? strlen(jwk) : 0, NULL), WB_OK);
  wb_key_free(back);
  back = NULL;
  CHECK_ST(wb_key_from_pem(&back, pem, pem ? strlen(pem) : 0, NULL), WB_OK);
  wb_key_free(back);
  wb_string_free(jwk);
  wb_string_free(pem);
  wb_key_free(k);
}

/* The check itself is only for EdDSA keys of their exact size: anything else is not one. */
static void check_wrong_inputs(void) {
  unsigned char pub[57] = {9};
  wb_error e = {0};
  CHECK_ST(wb__eddsa_check_public(WB_CRV_X25519, pub, 32, &e), WB_ERR_BAD_KEY);
  CHECK(strcmp(e.message, "not an EdDSA public key") == 0);
  CHECK_ST(wb__eddsa_check_public(WB_CRV_P256, pub, 32, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb__eddsa_check_public(WB_CRV_ED25519, pub, 31, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb__eddsa_check_public(WB_CRV_ED25519, pub, 57, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb__eddsa_check_public(WB_CRV_ED448, pub, 32, NULL), WB_ERR_BAD_KEY);
}

int main(void) {
  check_wrong_inputs();
  test_reproducer();
  for (size_t i = 0; i < NPOINTS; i++)
    check_refused(&points[i]);
  unsigned char pub[32];
  char jwk[200];
  wb_key *k = (wb_key *)1;
  wb_error e = {0};
  make_jwk(jwk, sizeof(jwk), WB_CRV_ED25519, pub, unhex(off_curve_25519, pub));
  CHECK_ST(wb_key_from_jwk(&k, jwk, strlen(jwk), &e), WB_ERR_BAD_KEY);
  CHECK(k == NULL && strstr(e.message, "not a point") != NULL);
  for (int i = 0; i < 20; i++) { /* random keys are never refused */
    check_ordinary(WB_CRV_ED25519);
    check_ordinary(WB_CRV_ED448);
  }
  return CHECK_DONE();
}
