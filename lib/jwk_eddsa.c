/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_eddsa.c - the check every Ed25519 and Ed448 public key passes at import, whatever its
 * path (JWK, PEM, DER, generation, public half: wb__key_adopt_pkey in lib/jwk_validate.c).
 *
 * Why: with a public key A of small order (one of the 8 torsion points of Ed25519, the 4 of
 * Ed448), [k]A takes at most 8 values whatever the message, so one fixed signature (R the
 * identity, S = 0) verifies every payload under the identity and a fixed share of payloads under
 * the others: a forgery without any private key. OpenSSL accepts such Ed25519 keys and
 * signatures; libsodium refuses them (ge25519_has_small_order and ge25519_is_canonical in
 * crypto_sign_verify_detached), and so do we, at import, once:
 *   - the encoding is canonical (RFC 8032 5.1.3, 5.2.3): y < p, and for Ed448 the last byte
 *     holds nothing but the sign of x;
 *   - y is not that of a small-order point (the sign bit is ignored, so "negative zero" x is
 *     covered): Ed25519 y in {0, 1, p-1, y8, p-y8}, Ed448 y in {0, 1, p-1};
 *   - the point is on the curve: x^2 = (y^2 - 1) / (d y^2 + 1) (Ed25519, a = -1) or
 *     (y^2 - 1) / (d y^2 - 1) (Ed448, a = 1) has a square root.
 * The encodings were computed from the curve equations and are checked independently by
 * tests/unit/eddsa_points.py. Public data only: nothing here needs to be constant-time.
 */
#include <openssl/bn.h>
#include <string.h>

#include "internal.h"

#define ED25519_LEN 32
#define ED448_LEN   WB_OKP_MAX_LEN

/* y of the Ed25519 points of order 8, little-endian (the order-8 points are (+-x, y8), (+-x, p-y8)). */
static const unsigned char ed25519_y8[2][ED25519_LEN] = {
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
     0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
     0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a}};

/* The curve's constants as BIGNUMs: p, and d (Ed25519 -121665/121666, Ed448 -39081) mod p. */
static bool curve_constants(wb_crv crv, BIGNUM *p, BIGNUM *d, BN_CTX *ctx) {
  BIGNUM *t = BN_CTX_get(ctx);
  if (t == NULL || !BN_set_word(p, 0))
    return false;
  if (crv == WB_CRV_ED25519) /* p = 2^255 - 19 */
    return BN_set_bit(p, 255) && BN_sub_word(p, 19) && BN_set_word(t, 121666) &&
           BN_mod_inverse(t, t, p, ctx) != NULL && BN_set_word(d, 121665) && BN_mod_mul(d, d, t, p, ctx) &&
           BN_sub(d, p, d);
  /* Ed448: p = 2^448 - 2^224 - 1 */
  return BN_set_bit(p, 448) && BN_set_word(t, 0) && BN_set_bit(t, 224) && BN_sub(p, p, t) &&
         BN_sub_word(p, 1) && BN_copy(d, p) != NULL && BN_sub_word(d, 39081);
}

/* True when u / v is a square mod the prime p (u = 0 included): Euler's criterion. */
static bool is_square(const BIGNUM *u, const BIGNUM *v, const BIGNUM *p, BN_CTX *ctx, bool *ok) {
  BIGNUM *w = BN_CTX_get(ctx), *e = BN_CTX_get(ctx);
  *ok = w != NULL && e != NULL && BN_mod_inverse(w, v, p, ctx) != NULL && BN_mod_mul(w, w, u, p, ctx) &&
        BN_sub(e, p, BN_value_one()) && BN_rshift1(e, e) && BN_mod_exp(e, w, e, p, ctx);
  return *ok && (BN_is_zero(w) || BN_is_one(e));
}

/* On the curve: x^2 = (y^2 - 1) / (d y^2 - a) has a solution (a = -1 Ed25519, 1 Ed448). */
static wb_status check_on_curve(wb_crv crv, const unsigned char *y_le, size_t ylen, const char *name,
                                wb_error *err) {
  wb_status st = wb__fail(err, WB_ERR_NOMEM, "%s: out of memory", name);
  BN_CTX *ctx = BN_CTX_new();
  if (ctx == NULL)
    return st;
  BN_CTX_start(ctx);
  BIGNUM *p = BN_CTX_get(ctx), *d = BN_CTX_get(ctx), *y = BN_CTX_get(ctx), *u = BN_CTX_get(ctx),
         *v = BN_CTX_get(ctx);
  bool ok = v != NULL && curve_constants(crv, p, d, ctx) && BN_lebin2bn(y_le, (int)ylen, y) != NULL &&
            BN_mod_sqr(u, y, p, ctx) && BN_mod_mul(v, d, u, p, ctx) && BN_sub_word(u, 1) &&
            (crv == WB_CRV_ED25519 ? BN_add_word(v, 1) : BN_sub_word(v, 1));
  bool square = ok && is_square(u, v, p, ctx, &ok);
  if (!ok)
    st = wb__fail(err, WB_ERR_CRYPTO, "%s: point check failed", name);
  else if (!square)
    st = wb__fail(err, WB_ERR_BAD_KEY, "%s public key is not a point of the curve", name);
  else
    st = WB_OK;
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  return st;
}

/* 1 when the little-endian a[0..n) >= b[0..n). */
static bool le_at_least(const unsigned char *a, const unsigned char *b, size_t n) {
  for (size_t i = n; i-- > 0;)
    if (a[i] != b[i])
      return a[i] > b[i];
  return true;
}

/* y (little-endian, len bytes, sign bit cleared) is 0, 1 or p - 1 (given p). */
static bool y_is_trivial(const unsigned char *y, const unsigned char *p, size_t len) {
  static const unsigned char zero[ED448_LEN];
  unsigned char pm1[ED448_LEN];
  memcpy(pm1, p, len);
  pm1[0]--; /* p is odd: no borrow */
  bool one = y[0] == 1 && memcmp(y + 1, zero, len - 1) == 0;
  return memcmp(y, zero, len) == 0 || one || memcmp(y, pm1, len) == 0;
}

wb_status wb__eddsa_check_public(wb_crv crv, const unsigned char *pub, size_t len, wb_error *err) {
  unsigned char y[ED448_LEN], p[ED448_LEN];
  const char *name = crv == WB_CRV_ED25519 ? "Ed25519" : "Ed448";
  size_t ylen = crv == WB_CRV_ED25519 ? ED25519_LEN : ED448_LEN - 1;
  if ((crv != WB_CRV_ED25519 && crv != WB_CRV_ED448) ||
      len != (crv == WB_CRV_ED25519 ? ED25519_LEN : ED448_LEN))
    return wb__fail(err, WB_ERR_BAD_KEY, "not an EdDSA public key");
  memcpy(y, pub, ylen);
  memset(p, 0xff, ylen);
  if (crv == WB_CRV_ED25519) { /* p = 2^255 - 19, little-endian; the top bit of pub is x's sign */
    p[0] = 0xed;
    p[31] = 0x7f;
    y[31] &= 0x7f;
  } else { /* p = 2^448 - 2^224 - 1; byte 56 holds only x's sign */
    p[28] = 0xfe;
    if ((pub[56] & 0x7f) != 0)
      return wb__fail(err, WB_ERR_BAD_KEY, "Ed448 public key has a non-canonical encoding");
  }
  if (le_at_least(y, p, ylen))
    return wb__fail(err, WB_ERR_BAD_KEY, "%s public key has a non-canonical encoding (y >= p)", name);
  bool small = y_is_trivial(y, p, ylen);
  for (size_t i = 0; crv == WB_CRV_ED25519 && i < 2; i++)
    small |= memcmp(y, ed25519_y8[i], ED25519_LEN) == 0;
  if (small)
    return wb__fail(err, WB_ERR_BAD_KEY, "%s public key is a point of small order", name);
  return check_on_curve(crv, y, ylen, name, err);
}
