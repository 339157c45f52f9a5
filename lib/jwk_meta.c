/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_meta.c - JWK import of the members that say how a key may be used (RFC 7517 4.2-4.5):
 * "kid", "use", "key_ops" and "alg", checked against each other and against the key material
 * already read (lib/jwk_import.c). "alg" names a JWS algorithm (lib/jwa.c), which pins the key,
 * or a JWE one, which is kept for export only. Contract: include/wristband/key.h.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- tables -------------------------------------------------------------------------------- */

/* JWE "alg" and "enc" names (RFC 7518 4.1, 5.1, RFC 8037 3.2) a key may carry. Such a key is
 * accepted (a JWKS may hold encryption keys) but can never sign or verify. */
typedef enum { JWE_RSA, JWE_OCT, JWE_ECDH } jwe_kind;
typedef struct {
  const char *name;
  jwe_kind kind;
} jwe_fit;

static const jwe_fit jwe_fits[] = {
    {"RSA1_5", JWE_RSA},
    {"RSA-OAEP", JWE_RSA},
    {"RSA-OAEP-256", JWE_RSA},
    {"RSA-OAEP-384", JWE_RSA},
    {"RSA-OAEP-512", JWE_RSA},
    {"A128KW", JWE_OCT},
    {"A192KW", JWE_OCT},
    {"A256KW", JWE_OCT},
    {"A128GCMKW", JWE_OCT},
    {"A192GCMKW", JWE_OCT},
    {"A256GCMKW", JWE_OCT},
    {"dir", JWE_OCT},
    {"PBES2-HS256+A128KW", JWE_OCT},
    {"PBES2-HS384+A192KW", JWE_OCT},
    {"PBES2-HS512+A256KW", JWE_OCT},
    {"A128CBC-HS256", JWE_OCT},
    {"A192CBC-HS384", JWE_OCT},
    {"A256CBC-HS512", JWE_OCT},
    {"A128GCM", JWE_OCT},
    {"A192GCM", JWE_OCT},
    {"A256GCM", JWE_OCT},
    {"ECDH-ES", JWE_ECDH},
    {"ECDH-ES+A128KW", JWE_ECDH},
    {"ECDH-ES+A192KW", JWE_ECDH},
    {"ECDH-ES+A256KW", JWE_ECDH},
};

const char *const wb__op_names[WB_OPBIT_COUNT] = {"sign",    "verify",    "encrypt",   "decrypt",
                                                  "wrapKey", "unwrapKey", "deriveKey", "deriveBits"};
#define OPS_SIG (WB_OPBIT_SIGN | WB_OPBIT_VERIFY)

/* The JWS algorithm named exactly name (the table is lib/jwa.c's), or NULL. */
static const wb_alg_info *jws_by_name(const char *name) {
  return wb__alg_info(wb_alg_from_name(name, strlen(name)));
}

static const jwe_fit *jwe_fit_by_name(const char *name) {
  for (size_t i = 0; i < sizeof(jwe_fits) / sizeof(jwe_fits[0]); i++)
    if (strcmp(jwe_fits[i].name, name) == 0)
      return &jwe_fits[i];
  return NULL;
}

static bool jwe_fits_key(const jwe_fit *fit, wb_kty kty, wb_crv crv) {
  if (fit->kind == JWE_RSA)
    return kty == WB_KTY_RSA;
  if (fit->kind == JWE_OCT)
    return kty == WB_KTY_OCT;
  return kty == WB_KTY_EC || crv == WB_CRV_X25519 || crv == WB_CRV_X448; /* JWE_ECDH */
}

/* ---- members -------------------------------------------------------------------------------- */

static wb_status parse_kid(wb_key *key, const json_t *j, wb_error *err) {
  const char *kid;
  wb_status st = wb__jwk_get_str(j, "kid", false, &kid, err);
  if (st != WB_OK || kid == NULL)
    return st;
  key->kid = strdup(kid);
  if (key->kid == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  return WB_OK;
}

static wb_status parse_use(wb_key *key, const json_t *j, wb_error *err) {
  const char *use;
  wb_status st = wb__jwk_get_str(j, "use", false, &use, err);
  if (st != WB_OK || use == NULL)
    return st;
  if (strcmp(use, "sig") == 0)
    key->use = WB_USE_SIG;
  else if (strcmp(use, "enc") == 0)
    key->use = WB_USE_ENC;
  else
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"use\" must be \"sig\" or \"enc\"");
  return WB_OK;
}

static unsigned op_bit(const char *name) {
  for (size_t i = 0; i < WB_OPBIT_COUNT; i++)
    if (strcmp(wb__op_names[i], name) == 0)
      return 1u << i;
  return 0;
}

static wb_status parse_key_ops(wb_key *key, const json_t *j, wb_error *err) {
  json_t *ops = json_object_get(j, "key_ops");
  if (ops == NULL)
    return WB_OK;
  /* json_typeof, not json_is_*: ops and its elements are never NULL, there is nothing to test */
  if (json_typeof(ops) != JSON_ARRAY)
    return wb__fail(err, WB_ERR_MALFORMED, "JWK: \"key_ops\" must be an array");
  for (size_t i = 0; i < json_array_size(ops); i++) {
    json_t *v = json_array_get(ops, i);
    if (json_typeof(v) != JSON_STRING)
      return wb__fail(err, WB_ERR_MALFORMED, "JWK: \"key_ops\" must hold strings");
    unsigned bit = op_bit(json_string_value(v));
    if (bit == 0)
      return wb__fail(err, WB_ERR_BAD_KEY, "JWK: unknown operation in \"key_ops\"");
    if (key->key_ops & bit)
      return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"key_ops\" lists %s twice", json_string_value(v));
    key->key_ops |= bit;
  }
  key->has_key_ops = true;
  /* RFC 7517 4.3: when both are present they must agree */
  if (key->use == WB_USE_SIG && (key->key_ops & ~(unsigned)OPS_SIG) != 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"key_ops\" disagrees with \"use\":\"sig\"");
  if (key->use == WB_USE_ENC && (key->key_ops & OPS_SIG) != 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"key_ops\" disagrees with \"use\":\"enc\"");
  return WB_OK;
}

static wb_status parse_alg(wb_key *key, const json_t *j, wb_error *err) {
  const char *alg;
  wb_status st = wb__jwk_get_str(j, "alg", false, &alg, err);
  if (st != WB_OK || alg == NULL)
    return st;
  const wb_alg_info *jws = jws_by_name(alg);
  const jwe_fit *jwe = jwe_fit_by_name(alg);
  if (jws != NULL) {
    if (!wb__jws_fits_key(jws, key->kty, key->crv))
      return wb__fail(err, WB_ERR_BAD_KEY, "JWK: alg %s does not fit this %s key", jws->name,
                      wb__kty_name(key->kty));
    if (key->use == WB_USE_ENC)
      return wb__fail(err, WB_ERR_BAD_KEY, "JWK: signature alg %s with \"use\":\"enc\"", jws->name);
    key->alg = jws->alg;
    return wb__key_check_hmac_len(key, jws, err);
  }
  if (jwe == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: unknown or forbidden alg"); /* includes "none" */
  if (!jwe_fits_key(jwe, key->kty, key->crv))
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: alg %s does not fit this %s key", jwe->name,
                    wb__kty_name(key->kty));
  if (key->use == WB_USE_SIG)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: encryption alg %s with \"use\":\"sig\"", jwe->name);
  key->jwe_alg = strdup(jwe->name);
  return key->jwe_alg != NULL ? WB_OK : wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
}

wb_status wb__jwk_read_meta(wb_key *key, const json_t *j, wb_error *err) {
  wb_status st = parse_kid(key, j, err);
  if (st == WB_OK)
    st = parse_use(key, j, err);
  if (st == WB_OK)
    st = parse_key_ops(key, j, err);
  if (st == WB_OK)
    st = parse_alg(key, j, err);
  return st;
}
