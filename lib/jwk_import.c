/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_import.c - JWK import (RFC 7517, RFC 7518 section 6, RFC 8037): the key material of
 * oct, RSA, EC and OKP keys into a wb_key, then its kid, use, key_ops and alg (lib/jwk_meta.c).
 * Also raw secrets (wb_key_from_secret) and format sniffing (wb_key_parse: JWK, PEM or DER).
 *
 * Every asymmetric key ends in wb__key_adopt_pkey (lib/jwk_validate.c). Status rules for imports:
 * input that is not JSON, or a member of the wrong JSON type, is WB_ERR_MALFORMED; everything else
 * wrong with a key (bad base64url, sizes, weak or inconsistent values, unknown kty/crv/alg) is
 * WB_ERR_BAD_KEY. Messages name the member at fault and never contain key material.
 * Contract: include/wristband/key.h.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *const wb__rsa_members[WB_RSA_MEMBERS] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
const char *const wb__rsa_params[WB_RSA_MEMBERS] = {
    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,           OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,     OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};

/* ---- reading members ------------------------------------------------------------------------ */

static void wipe_free(unsigned char *p, size_t len) {
  if (p == NULL)
    return;
  OPENSSL_cleanse(p, len);
  free(p);
}

wb_status wb__jwk_get_str(const json_t *j, const char *name, bool required, const char **out, wb_error *err) {
  *out = NULL;
  json_t *v = json_object_get(j, name);
  if (v == NULL && required)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: missing \"%s\"", name);
  if (v == NULL)
    return WB_OK;
  if (json_typeof(v) != JSON_STRING) /* v is not NULL: no json_is_string */
    return wb__fail(err, WB_ERR_MALFORMED, "JWK: \"%s\" must be a string", name);
  *out = json_string_value(v);
  return WB_OK;
}

/*
 * Decodes the base64url member name into a new buffer (*out, *out_len; wipe_free it). Absent and
 * not required: WB_OK with *out NULL. want_len != 0 demands exactly that many bytes.
 */
static wb_status get_b64(const json_t *j, const char *name, bool required, size_t want_len,
                         unsigned char **out, size_t *out_len, wb_error *err) {
  *out = NULL;
  *out_len = 0;
  const char *s;
  wb_status st = wb__jwk_get_str(j, name, required, &s, err);
  if (st != WB_OK || s == NULL)
    return st;
  size_t len = strlen(s);
  size_t cap = WB_B64URL_DECODED_MAX(len) + 1;
  unsigned char *buf = malloc(cap);
  if (buf == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  size_t n = 0;
  if (wb_b64url_decode(buf, cap, s, len, &n, NULL) != WB_OK) {
    wipe_free(buf, cap);
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"%s\" is not canonical unpadded base64url", name);
  }
  if (want_len != 0 && n != want_len) {
    wipe_free(buf, cap);
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"%s\" must be %zu bytes, not %zu", name, want_len, n);
  }
  *out = buf;
  *out_len = n;
  return WB_OK;
}

/* ---- key material ---------------------------------------------------------------------------- */

/* Makes key an oct key around the secret it already holds. */
static void oct_setup(wb_key *key) {
  key->kty = WB_KTY_OCT;
  key->is_private = true;
  key->bits = (unsigned)(key->secret_len * 8);
}

static wb_status oct_from_jwk(wb_key *key, const json_t *j, wb_error *err) {
  wb_status st = get_b64(j, "k", true, 0, &key->secret, &key->secret_len, err);
  if (st != WB_OK)
    return st;
  if (key->secret_len == 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"k\" is empty");
  oct_setup(key);
  return WB_OK;
}

/* Builds an EVP_PKEY of type name from params, as a key pair or a public key; why is the message. */
static wb_status pkey_from_params(EVP_PKEY **out, const char *name, OSSL_PARAM_BLD *bld, bool priv,
                                  const char *why, wb_error *err) {
  *out = NULL;
  wb_status st = WB_ERR_NOMEM;
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
  if (params == NULL || ctx == NULL) {
    wb__fail(err, st, "JWK: out of memory");
    goto out;
  }
  st = WB_ERR_BAD_KEY;
  if (EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, out, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
    wb__fail(err, st, "JWK: %s", why);
    goto out;
  }
  st = WB_OK;
out:
  OSSL_PARAM_free(params); /* clears the secure block that holds private numbers */
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return st;
}

/* Decodes RSA member i into a new BIGNUM (secure for private values); NULL when absent. */
static wb_status rsa_member(const json_t *j, size_t i, BIGNUM **bn, wb_error *err) {
  unsigned char *buf = NULL;
  size_t len = 0;
  *bn = NULL;
  wb_status st = get_b64(j, wb__rsa_members[i], i < 2, 0, &buf, &len, err);
  if (st != WB_OK || buf == NULL)
    return st;
  if (i < 2 && (len == 0 || buf[0] == 0)) /* RFC 7518 6.3.1: the minimal big-endian octets */
    st = wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"%s\" is empty or has leading zero bytes", wb__rsa_members[i]);
  else if ((*bn = i < 2 ? BN_new() : BN_secure_new()) == NULL || BN_bin2bn(buf, (int)len, *bn) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  wipe_free(buf, len + 1);
  return st;
}

/* Checks which private members are present: none, d alone, or d with all five CRT values. */
static wb_status rsa_member_set(BIGNUM *const bn[WB_RSA_MEMBERS], const json_t *j, wb_error *err) {
  int crt = 0;
  for (size_t i = 3; i < WB_RSA_MEMBERS; i++)
    crt += bn[i] != NULL;
  if (json_object_get(j, "oth") != NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: multi-prime RSA (\"oth\") is not supported");
  if (crt != 0 && crt != 5)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: RSA p, q, dp, dq and qi must be all present or all absent");
  if (crt != 0 && bn[2] == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: RSA CRT values without \"d\"");
  return WB_OK;
}

static wb_status rsa_from_jwk(wb_key *key, const json_t *j, wb_error *err) {
  BIGNUM *bn[WB_RSA_MEMBERS] = {NULL};
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM_BLD *bld = NULL;
  wb_status st = WB_OK;
  for (size_t i = 0; i < WB_RSA_MEMBERS && st == WB_OK; i++)
    st = rsa_member(j, i, &bn[i], err);
  if (st == WB_OK)
    st = rsa_member_set(bn, j, err);
  if (st == WB_OK) /* fail fast on the cheap checks before OpenSSL builds anything */
    st = wb__rsa_check_public(bn[0], bn[1], err);
  if (st != WB_OK)
    goto out;
  st = wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  if ((bld = OSSL_PARAM_BLD_new()) == NULL)
    goto out;
  for (size_t i = 0; i < WB_RSA_MEMBERS; i++)
    if (bn[i] != NULL && !OSSL_PARAM_BLD_push_BN(bld, wb__rsa_params[i], bn[i]))
      goto out;
  st = pkey_from_params(&pkey, "RSA", bld, bn[2] != NULL, "RSA values rejected by OpenSSL", err);
  if (st == WB_OK)
    st = wb__key_adopt_pkey(key, pkey, err);
out:
  for (size_t i = 0; i < WB_RSA_MEMBERS; i++)
    BN_clear_free(bn[i]);
  OSSL_PARAM_BLD_free(bld);
  return st;
}

static wb_status curve_from_jwk(const json_t *j, wb_kty kty, const wb_curve_info **c, wb_error *err) {
  const char *crv;
  wb_status st = wb__jwk_get_str(j, "crv", true, &crv, err);
  if (st != WB_OK)
    return st;
  *c = wb__curve_by_jwk_name(kty, crv);
  if (*c == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: unsupported %s curve", wb__kty_name(kty));
  return WB_OK;
}

/*
 * Builds the EC params: named group, uncompressed point 04||x||y, optional secure d. point
 * (1 + 2 * 66 bytes) must outlive bld: OSSL_PARAM_BLD keeps the pointer until _to_param.
 */
static wb_status ec_params(OSSL_PARAM_BLD *bld, const wb_curve_info *c, const unsigned char *x,
                           const unsigned char *y, BIGNUM *d, unsigned char *point, wb_error *err) {
  point[0] = 0x04;
  memcpy(point + 1, x, c->pub_len);
  memcpy(point + 1 + c->pub_len, y, c->pub_len);
  if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->ossl_name, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * c->pub_len) ||
      (d != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
    return wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  return WB_OK;
}

static wb_status ec_from_jwk(wb_key *key, const json_t *j, wb_error *err) {
  const wb_curve_info *c = NULL;
  unsigned char *x = NULL, *y = NULL, *d = NULL, point[1 + 2 * 66];
  size_t xl = 0, yl = 0, dl = 0;
  BIGNUM *dbn = NULL;
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM_BLD *bld = NULL;
  wb_status st = curve_from_jwk(j, WB_KTY_EC, &c, err);
  if (st == WB_OK)
    st = get_b64(j, "x", true, c->pub_len, &x, &xl, err);
  if (st == WB_OK)
    st = get_b64(j, "y", true, c->pub_len, &y, &yl, err);
  if (st == WB_OK)
    st = get_b64(j, "d", false, c->priv_len, &d, &dl, err);
  if (st != WB_OK)
    goto out;
  st = wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  if (d != NULL && ((dbn = BN_secure_new()) == NULL || BN_bin2bn(d, (int)dl, dbn) == NULL))
    goto out;
  if ((bld = OSSL_PARAM_BLD_new()) == NULL)
    goto out;
  st = ec_params(bld, c, x, y, dbn, point, err);
  if (st == WB_OK)
    st = pkey_from_params(&pkey, "EC", bld, d != NULL, "EC point (x, y) is not on the curve", err);
  if (st == WB_OK)
    st = wb__key_adopt_pkey(key, pkey, err);
out:
  wipe_free(x, xl);
  wipe_free(y, yl);
  wipe_free(d, dl);
  BN_clear_free(dbn);
  OSSL_PARAM_BLD_free(bld);
  return st;
}

/* OKP private key from d, then the derived public key must equal x (RFC 8037 2). */
static wb_status okp_private(EVP_PKEY **pkey, const wb_curve_info *c, const unsigned char *x,
                             const unsigned char *d, wb_error *err) {
  unsigned char pub[WB_OKP_MAX_LEN];
  size_t len = sizeof(pub);
  *pkey = EVP_PKEY_new_raw_private_key_ex(NULL, c->ossl_name, NULL, d, c->priv_len);
  if (*pkey == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: %s private key rejected by OpenSSL", c->jwk_name);
  if (EVP_PKEY_get_raw_public_key(*pkey, pub, &len) != 1 || len != c->pub_len ||
      CRYPTO_memcmp(pub, x, len) != 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: %s \"d\" does not match \"x\"", c->jwk_name);
  return WB_OK;
}

static wb_status okp_from_jwk(wb_key *key, const json_t *j, wb_error *err) {
  const wb_curve_info *c = NULL;
  unsigned char *x = NULL, *d = NULL;
  size_t xl = 0, dl = 0;
  EVP_PKEY *pkey = NULL;
  wb_status st = curve_from_jwk(j, WB_KTY_OKP, &c, err);
  if (st == WB_OK)
    st = get_b64(j, "x", true, c->pub_len, &x, &xl, err);
  if (st == WB_OK)
    st = get_b64(j, "d", false, c->priv_len, &d, &dl, err);
  if (st != WB_OK)
    goto out;
  if (d != NULL) {
    st = okp_private(&pkey, c, x, d, err);
  } else {
    pkey = EVP_PKEY_new_raw_public_key_ex(NULL, c->ossl_name, NULL, x, xl);
    if (pkey == NULL)
      st = wb__fail(err, WB_ERR_BAD_KEY, "JWK: %s public key rejected by OpenSSL", c->jwk_name);
  }
  if (st == WB_OK) {
    st = wb__key_adopt_pkey(key, pkey, err);
    pkey = NULL;
  }
out:
  EVP_PKEY_free(pkey);
  wipe_free(x, xl);
  wipe_free(d, dl);
  ERR_clear_error();
  return st;
}

static wb_status material_from_jwk(wb_key *key, const json_t *j, wb_error *err) {
  const char *kty;
  wb_status st = wb__jwk_get_str(j, "kty", true, &kty, err);
  if (st != WB_OK)
    return st;
  if (strcmp(kty, "oct") == 0)
    return oct_from_jwk(key, j, err);
  if (strcmp(kty, "RSA") == 0)
    return rsa_from_jwk(key, j, err);
  if (strcmp(kty, "EC") == 0)
    return ec_from_jwk(key, j, err);
  if (strcmp(kty, "OKP") == 0)
    return okp_from_jwk(key, j, err);
  return wb__fail(err, WB_ERR_BAD_KEY, "JWK: unsupported kty");
}

/* ---- entry points ------------------------------------------------------------------------- */

wb_status wb__key_from_json(wb_key **out, const json_t *j, wb_error *err) {
  *out = NULL;
  if (json_typeof(j) != JSON_OBJECT) /* j is a parsed document or an element of one: never NULL */
    return wb__fail(err, WB_ERR_MALFORMED, "JWK: not a JSON object");
  wb_key *key = wb__key_alloc();
  if (key == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  wb_status st = material_from_jwk(key, j, err);
  if (st == WB_OK)
    st = wb__jwk_read_meta(key, j, err);
  if (st != WB_OK) {
    wb_key_free(key);
    return st;
  }
  *out = key;
  return wb__ok(err);
}

wb_status wb_key_from_jwk(wb_key **out, const char *json, size_t len, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_from_jwk: NULL out");
  *out = NULL;
  wb_error local;
  json_t *j = wb__json_parse(json, len, NULL, WB_KEY_TEXT_MAX, true, &local);
  if (j == NULL)
    return wb__fail(err, local.code, "JWK: %s", local.message);
  wb_status st;
  if (json_object_get(j, "keys") != NULL && json_object_get(j, "kty") == NULL)
    st = wb__fail(err, WB_ERR_INVALID_ARG, "this is a JWK set, not a JWK: use wb_keyset_parse");
  else
    st = wb__key_from_json(out, j, err);
  wb__json_free(j);
  return st;
}

wb_status wb_key_from_secret(wb_key **out, const unsigned char *secret, size_t len, wb_error *err) {
  if (out != NULL) /* NULL on every failure, a NULL input included */
    *out = NULL;
  if (out == NULL || (secret == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_from_secret: NULL argument");
  if (len == 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "empty secret");
  if (len > WB_KEY_TEXT_MAX)
    return wb__fail(err, WB_ERR_TOO_LARGE, "secret longer than %d bytes", WB_KEY_TEXT_MAX);
  wb_key *key = wb__key_alloc();
  if (key == NULL || (key->secret = malloc(len)) == NULL) {
    wb_key_free(key);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  memcpy(key->secret, secret, len);
  key->secret_len = len;
  oct_setup(key);
  *out = key;
  return wb__ok(err);
}

/* Skips JSON/PEM leading white space for sniffing. */
static size_t skip_ws(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
    i++;
  return i;
}

wb_status wb_key_parse(wb_key **out, const char *data, size_t len, wb_error *err) {
  if (out != NULL) /* NULL on every failure, a NULL input included */
    *out = NULL;
  if (out == NULL || data == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_parse: NULL argument");
  size_t i = skip_ws(data, len);
  if (i < len && data[i] == '{')
    return wb_key_from_jwk(out, data, len, err);
  for (size_t k = i; k + 10 <= len; k++) /* PEM may follow a preamble ("Bag Attributes", comments) */
    if (data[k] == '-' && memcmp(data + k, "-----BEGIN", 10) == 0)
      return wb_key_from_pem(out, data, len, err);
  return wb_key_from_der(out, (const unsigned char *)data, len, err);
}
