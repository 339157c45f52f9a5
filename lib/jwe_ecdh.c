/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_ecdh.c - ECDH-ES key agreement for JWE (RFC 7518 4.6 on P-256, P-384, P-521; RFC 8037
 * 3.2 on X25519 and X448): the ephemeral key ("epk") made by the encrypter, the epk checked by the
 * recipient, the shared secret Z and the Concat KDF of NIST SP 800-56A (RFC 7518 4.6.2).
 *
 * The recipient trusts nothing in the epk: it must be a public key ("d" absent) of the recipient
 * key's own type and curve (the invalid-curve attack feeds points of another, weak curve), its
 * point must decode onto that curve and not be the identity (OpenSSL's decoding plus
 * EVP_PKEY_public_check_quick; the NIST curves have cofactor 1, so on the curve and not the
 * identity is in the prime-order group), and an all-zero Z (X25519/X448 small-order points) is
 * refused. Contract: lib/jwe_int.h.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <string.h>

#include "jwe_int.h"

#define PARTY_MAX 1024 /* bytes of apu / apv accepted */
#define Z_MAX     66   /* P-521 */

/* ---- Concat KDF ------------------------------------------------------------------------------- */

static void be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* Feeds len32(data) || data (RFC 7518 4.6.2: AlgorithmID, PartyUInfo and PartyVInfo). */
static int update_party(EVP_MD_CTX *ctx, const unsigned char *data, size_t len) {
  unsigned char n[4];
  be32(n, (uint32_t)len);
  /* LCOV_EXCL_BR_START: cov-openssl-infallible */
  return EVP_DigestUpdate(ctx, n, 4) == 1 && (len == 0 || EVP_DigestUpdate(ctx, data, len) == 1);
  /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
}

wb_status wb__concat_kdf(const unsigned char *z, size_t z_len, const char *algid, const unsigned char *apu,
                         size_t apu_len, const unsigned char *apv, size_t apv_len, size_t keylen,
                         unsigned char *out, wb_error *err) {
  const EVP_MD *md = wb__jwe_md("SHA256");
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char block[32], counter[4], supp[4];
  wb_status st = WB_OK;
  be32(supp, (uint32_t)(keylen * 8));
  for (uint32_t round = 1, done = 0; done < keylen; round++) {
    be32(counter, round);
    int ok = md != NULL && ctx != NULL && EVP_DigestInit_ex2(ctx, md, NULL) == 1;
    /* LCOV_EXCL_BR_START: cov-openssl-infallible */
    ok = ok && EVP_DigestUpdate(ctx, counter, 4) == 1 && EVP_DigestUpdate(ctx, z, z_len) == 1 &&
         update_party(ctx, (const unsigned char *)algid, strlen(algid)) && update_party(ctx, apu, apu_len) &&
         update_party(ctx, apv, apv_len) && EVP_DigestUpdate(ctx, supp, 4) == 1 &&
         EVP_DigestFinal_ex(ctx, block, NULL) == 1;
    /* LCOV_EXCL_BR_STOP: cov-openssl-infallible */
    if (!ok) {
      st = wb__fail(err, WB_ERR_CRYPTO, "Concat KDF failed");
      break;
    }
    size_t k = keylen - done < sizeof(block) ? keylen - done : sizeof(block);
    memcpy(out + done, block, k);
    done += (uint32_t)k;
  }
  OPENSSL_cleanse(block, sizeof(block));
  EVP_MD_CTX_free(ctx);
  return st;
}

/* ---- Z ---------------------------------------------------------------------------------------- */

wb_status wb__ecdh_z(EVP_PKEY *priv, EVP_PKEY *peer, unsigned char *z, size_t *z_len, wb_error *err) {
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
  size_t n = Z_MAX;
  wb_status st = WB_OK;
  /* the peer was validated by whoever built it (epk_import or our own key checks) */
  if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1 ||
      EVP_PKEY_derive(ctx, z, &n) != 1) {
    st = wb__fail(err, WB_ERR_BAD_KEY, "key agreement failed (a small-order or invalid public key?)");
  } else {
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
      acc |= z[i];
    /* X25519/X448 with a small-order point (RFC 7748 6.1). LCOV_EXCL_START: cov-openssl-checks-first */
    if (acc == 0)
      st = wb__fail(err, WB_ERR_BAD_KEY, "key agreement gave an all-zero shared secret");
    /* LCOV_EXCL_STOP: cov-openssl-checks-first */
  }
  *z_len = st == WB_OK ? n : 0;
  if (st != WB_OK)
    OPENSSL_cleanse(z, Z_MAX);
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return st;
}

/* ---- the encrypter's side -------------------------------------------------------------------- */

/* Appends the public JWK of the ephemeral key: kty, crv, x (and y). */
static wb_status write_epk(wb_strbuf *params, EVP_PKEY *eph, const wb_curve_info *c, wb_error *err) {
  unsigned char pt[1 + 2 * 66];
  size_t n = 0;
  wb__sb_str(params, c->kty == WB_KTY_EC ? ",\"epk\":{\"kty\":\"EC\",\"crv\":\""
                                         : ",\"epk\":{\"kty\":\"OKP\",\"crv\":\"");
  wb__sb_str(params, c->jwk_name);
  wb__sb_str(params, "\",\"x\":\"");
  if (c->kty == WB_KTY_OKP) {
    n = sizeof(pt);
    /* LCOV_EXCL_START: cov-openssl-infallible */
    if (EVP_PKEY_get_raw_public_key(eph, pt, &n) != 1 || n != c->pub_len)
      return wb__fail(err, WB_ERR_CRYPTO, "reading the ephemeral key failed");
    /* LCOV_EXCL_STOP: cov-openssl-infallible */
    wb__sb_b64(params, pt, n);
  } else {
    /* LCOV_EXCL_START: cov-openssl-infallible */
    if (EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) != 1 ||
        n != 1 + 2 * c->pub_len || pt[0] != 0x04)
      return wb__fail(err, WB_ERR_CRYPTO, "reading the ephemeral key failed");
    /* LCOV_EXCL_STOP: cov-openssl-infallible */
    wb__sb_b64(params, pt + 1, c->pub_len);
    wb__sb_str(params, "\",\"y\":\"");
    wb__sb_b64(params, pt + 1 + c->pub_len, c->pub_len);
  }
  wb__sb_str(params, "\"}");
  return WB_OK;
}

wb_status wb__ecdh_send(const wb_key *recipient, const char *algid, size_t keylen, unsigned char *derived,
                        wb_strbuf *params, wb_error *err) {
  const wb_curve_info *c = wb__curve_by_crv(recipient->crv);
  EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_pkey(NULL, recipient->pkey, NULL);
  EVP_PKEY *eph = NULL;
  unsigned char z[Z_MAX];
  size_t z_len = 0;
  wb_status st = WB_OK;
  /* the recipient key is the template: the ephemeral key is made on its curve */
  if (c == NULL || gen == NULL || EVP_PKEY_keygen_init(gen) != 1 || EVP_PKEY_keygen(gen, &eph) != 1)
    st = wb__fail(err, WB_ERR_CRYPTO, "ephemeral key generation failed");
  if (st == WB_OK)
    st = wb__ecdh_z(eph, recipient->pkey, z, &z_len, err);
  if (st == WB_OK)
    st = wb__concat_kdf(z, z_len, algid, NULL, 0, NULL, 0, keylen, derived, err);
  if (st == WB_OK)
    st = write_epk(params, eph, c, err);
  OPENSSL_cleanse(z, sizeof(z));
  EVP_PKEY_free(eph);
  EVP_PKEY_CTX_free(gen);
  ERR_clear_error();
  return st;
}

/* ---- the recipient's side -------------------------------------------------------------------- */

/* The string member name of the epk object (unescaped), or NULL. */
static const char *epk_member(const wb_jtape *t, uint32_t epk, const char *name, bool *bad_type) {
  uint32_t k = wb__jtape_member(t, epk, name, strlen(name));
  if (k == 0)
    return NULL;
  if (t->nodes[k].type != WB_JSON_STRING) {
    *bad_type = true;
    return NULL;
  }
  return t->arena + t->nodes[k].str;
}

/* Decodes coordinate s into out: exactly len bytes of canonical base64url. */
static bool coord(const char *s, size_t len, unsigned char *out) {
  size_t n = 0;
  return s != NULL && wb_b64url_decode(out, len, s, strlen(s), &n, NULL) == WB_OK && n == len;
}

static wb_status ec_point(EVP_PKEY **out, const wb_curve_info *c, const unsigned char *x,
                          const unsigned char *y, wb_error *err) {
  unsigned char pt[1 + 2 * 66];
  pt[0] = 0x04;
  memcpy(pt + 1, x, c->pub_len);
  memcpy(pt + 1 + c->pub_len, y, c->pub_len);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  wb_status st = WB_OK;
  if (bld == NULL || ctx == NULL ||
      !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->ossl_name, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * c->pub_len) ||
      (params = OSSL_PARAM_BLD_to_param(bld)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  else if (EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
    st = wb__fail(err, WB_ERR_BAD_KEY, "the epk is not a point of %s", c->jwk_name);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  return st;
}

/* The epk header member as a validated public key of key's curve. */
static wb_status epk_import(EVP_PKEY **out, const wb_key *key, const wb_jose_view *hdr, wb_error *err) {
  *out = NULL;
  const wb_curve_info *c = wb__curve_by_crv(key->crv);
  const wb_jnode *nd = wb__jose_node(hdr, WB_JH_EPK);
  if (nd == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "ECDH-ES needs the header member \"epk\"");
  const wb_jtape *t = hdr->m[WB_JH_EPK].tape;
  uint32_t epk = hdr->m[WB_JH_EPK].node;
  bool bad_type = false;
  const char *kty = epk_member(t, epk, "kty", &bad_type), *crv = epk_member(t, epk, "crv", &bad_type);
  const char *x = epk_member(t, epk, "x", &bad_type), *y = epk_member(t, epk, "y", &bad_type);
  if (bad_type || wb__jtape_member(t, epk, "d", 1) != 0)
    return wb__fail(err, WB_ERR_MALFORMED, "the epk must be a public JWK");
  if (c == NULL || kty == NULL || crv == NULL || strcmp(kty, wb__kty_name(key->kty)) != 0 ||
      strcmp(crv, c->jwk_name) != 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "the epk is not a key of the recipient's curve");
  unsigned char bx[66], by[66];
  if (!coord(x, c->pub_len, bx) || (key->kty == WB_KTY_EC && !coord(y, c->pub_len, by)))
    return wb__fail(err, WB_ERR_BAD_KEY, "the epk coordinates are not %zu bytes of base64url", c->pub_len);
  wb_status st = WB_OK;
  if (key->kty == WB_KTY_OKP) {
    if (y != NULL)
      return wb__fail(err, WB_ERR_BAD_KEY, "an %s epk has no \"y\"", c->jwk_name);
    if ((*out = EVP_PKEY_new_raw_public_key_ex(NULL, c->ossl_name, NULL, bx, c->pub_len)) == NULL)
      st = wb__fail(err, WB_ERR_BAD_KEY, "the epk is not an %s key", c->jwk_name);
  } else {
    st = ec_point(out, c, bx, by, err);
    EVP_PKEY_CTX *chk = st == WB_OK ? EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL) : NULL;
    if (st == WB_OK &&
        (chk == NULL || EVP_PKEY_public_check_quick(chk) != 1)) /* on the curve, not the identity */
      st = wb__fail(err, WB_ERR_BAD_KEY, "the epk is not a valid point of %s", c->jwk_name);
    EVP_PKEY_CTX_free(chk);
  }
  ERR_clear_error();
  if (st != WB_OK) {
    EVP_PKEY_free(*out);
    *out = NULL;
  }
  return st;
}

wb_status wb__ecdh_receive(const wb_key *key, const wb_jose_view *hdr, const char *algid, size_t keylen,
                           unsigned char *derived, wb_error *err) {
  unsigned char apu[PARTY_MAX], apv[PARTY_MAX], z[Z_MAX];
  size_t apu_len = 0, apv_len = 0, z_len = 0;
  EVP_PKEY *epk = NULL;
  wb_status st = wb__jose_b64(hdr, WB_JH_APU, apu, sizeof(apu), &apu_len, NULL, err);
  if (st == WB_OK)
    st = wb__jose_b64(hdr, WB_JH_APV, apv, sizeof(apv), &apv_len, NULL, err);
  if (st == WB_OK)
    st = epk_import(&epk, key, hdr, err);
  if (st == WB_OK)
    st = wb__ecdh_z(key->pkey, epk, z, &z_len, err);
  if (st == WB_OK)
    st = wb__concat_kdf(z, z_len, algid, apu, apu_len, apv, apv_len, keylen, derived, err);
  OPENSSL_cleanse(z, sizeof(z));
  EVP_PKEY_free(epk);
  return st;
}
