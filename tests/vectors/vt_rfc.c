/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_rfc.c - the rfc/ vectors (RFC 7515-7519, 7638, 7797, 8037 examples, one file
 * per section, listed in rfc/index.json; format in ../shared/vectors/README.md).
 *
 * Policy: JWS vectors go through wb_jws_verify (header policy and signature, no claims checks);
 * JWT vectors (RFC 7519) through wb_verify with a fixed clock. Deterministic signatures (HMAC,
 * RS256, Ed25519) are re-signed with wb_jws_sign_header and compared byte for byte. "none" can
 * never be allowed in wristband, so the "allowed" variants of the unsecured examples are skipped;
 * the default variants must be rejected. JWE, the JSON serializations and RFC 7797 are run by
 * vt_jose_rfc.c.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"

#define VT_SKIP_NONE "alg \"none\" cannot be allowed in wristband (by design it has no wb_alg value)"

/* ---- name tables for the expected key properties --------------------------------------- */

static const char *const vt_kty_names[] = {"", "oct", "RSA", "EC", "OKP"};
static const char *const vt_crv_names[] = {"",        "P-256", "P-384",  "P-521", "secp256k1",
                                           "Ed25519", "Ed448", "X25519", "X448"};
static const char *const vt_use_names[] = {"", "sig", "enc"};

static const char *vt_name_of(const char *const *table, size_t n, unsigned v) {
  return v < n ? table[v] : "?";
}
#define VT_NAME(table, v) vt_name_of(table, sizeof(table) / sizeof(table[0]), (unsigned)(v))

/* ---- JWS ------------------------------------------------------------------------------- */

/* An unsecured object presented to a verifier holding some key: must be rejected. */
static void rfc_unsecured(const json_t *vec, const char *token, bool as_jwt) {
  const char *id = vt_str(vec, "id");
  if (json_is_true(json_object_get(vec, "allow_none"))) {
    vt_skip(id, VT_SKIP_NONE);
    return;
  }
  vt_vec v;
  vt_begin(&v, id, vt_str(vec, "description"));
  const char *hdr = vt_str(vec, "protected_json");
  /* RFC 7515 E carries both "none" and an unknown crit: either check may fire first. */
  unsigned accept = VT_ST(WB_ERR_ALG_NOT_ALLOWED);
  if (hdr != NULL && strstr(hdr, "\"crit\"") != NULL)
    accept |= VT_ST(WB_ERR_UNSUPPORTED_CRIT);
  wb_key *key = NULL;
  wb_verifier *ver = NULL;
  wb_error err = {0};
  wb_status st = wb_key_generate_for_alg(&key, WB_ALG_HS256, WB_CRV_NONE, 0, &err);
  if (vt_expect_status(&v, "generate an HS256 key", true, 0, st, &err))
    st = vt_verifier_for_key(&ver, key, &err);
  if (ver != NULL && !as_jwt)
    vt_check_jws(&v, "verify", ver, token, false, accept, NULL);
  if (ver != NULL && as_jwt) {
    /* A non-NULL sentinel (never dereferenced): the failed call must reset it to NULL. */
    wb_claims *claims = (wb_claims *)&v;
    st = wb_verify(ver, token, strlen(token), &claims, &err);
    vt_expect_status(&v, "wb_verify", false, accept, st, &err);
    vt_expect_true(&v, "*claims == NULL after a rejection", claims == NULL);
  }
  wb_verifier_free(ver);
  wb_key_free(key);
  vt_end(&v);
}

/* Parses member name of vec as a key; a failure is recorded. */
static wb_key *rfc_key(vt_vec *v, const json_t *vec, const char *name) {
  wb_key *key = NULL;
  wb_error err = {0};
  char what[64];
  snprintf(what, sizeof(what), "import the vector's \"%s\"", name);
  wb_status st = vt_key_from_json(&key, json_object_get(vec, name), &err);
  vt_expect_status(v, what, true, 0, st, &err);
  return key;
}

/* A signed compact JWS: verifies with the key (and its public form), re-signs identically. */
static void rfc_jws_signed(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const char *compact = vt_str(vec, "compact");
  const char *payload = vt_str(vec, "payload");
  wb_key *key = rfc_key(&v, vec, "key");
  if (key != NULL)
    vt_check_jws_key(&v, "verify with the key", key, compact, true, 0, payload);
  if (json_object_get(vec, "public_key") != NULL) {
    wb_key *pub = rfc_key(&v, vec, "public_key");
    if (pub != NULL)
      vt_check_jws_key(&v, "verify with the public key", pub, compact, true, 0, payload);
    wb_key_free(pub);
  }
  const char *op = vt_str(vec, "operation");
  if (key != NULL && strcmp(op, "sign+verify") == 0 && json_is_true(json_object_get(vec, "deterministic"))) {
    const char *hdr = vt_str(vec, "protected_json");
    vt_check_resign(&v, key, hdr, strlen(hdr), payload, strlen(payload), compact);
  }
  wb_key_free(key);
  vt_end(&v);
}

static void rfc_jws(const json_t *vec) {
  if (strcmp(vt_str(vec, "alg"), "none") == 0)
    rfc_unsecured(vec, vt_str(vec, "compact"), false);
  else if (json_object_get(vec, "compact_detached") != NULL)
    vt_rfc_b64_false(vec);
  else
    rfc_jws_signed(vec);
}

/* ---- JWK, JWKS, thumbprints ------------------------------------------------------------ */

/* Standard base64 (x5c) to DER; new buffer (free()) or NULL. */
static unsigned char *vt_b64_std_decode(const char *text, int *len) {
  size_t n = strlen(text);
  unsigned char *der = malloc(n);
  if (der == NULL)
    return NULL;
  int out = EVP_DecodeBlock(der, (const unsigned char *)text, (int)n);
  /* EVP_DecodeBlock counts the '=' padding as zero bytes: drop them. */
  for (size_t i = n; i > 0 && text[i - 1] == '='; i--)
    out--;
  *len = out;
  return der;
}

/* The SPKI PEM of the first certificate's public key (free()), or NULL. */
static char *vt_x5c_spki_pem(const char *cert_b64) {
  int der_len = 0;
  unsigned char *der = vt_b64_std_decode(cert_b64, &der_len);
  const unsigned char *p = der;
  X509 *cert = der != NULL && der_len > 0 ? d2i_X509(NULL, &p, der_len) : NULL;
  BIO *bio = BIO_new(BIO_s_mem());
  char *pem = NULL;
  if (cert != NULL && bio != NULL && PEM_write_bio_PUBKEY(bio, X509_get0_pubkey(cert)) == 1) {
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    pem = calloc((size_t)n + 1, 1);
    if (pem != NULL)
      memcpy(pem, data, (size_t)n);
  }
  BIO_free(bio);
  X509_free(cert);
  free(der);
  return pem;
}

/* RFC 7517 B: the key must equal the public key of the x5c certificate. */
static void rfc_check_x5c(vt_vec *v, const wb_key *key, const json_t *jwk) {
  const char *cert = json_string_value(json_array_get(json_object_get(jwk, "x5c"), 0));
  char *want = cert != NULL ? vt_x5c_spki_pem(cert) : NULL;
  char *got = NULL;
  wb_error err = {0};
  wb_status st = wb_key_to_pem(key, WB_KEY_PUBLIC, &got, &err);
  if (vt_expect_true(v, "x5c[0] to be a readable certificate", want != NULL) &&
      vt_expect_status(v, "export the key as PEM", true, 0, st, &err))
    vt_expect_str(v, "public key of x5c[0] vs the JWK's", want, got);
  wb_string_free(got);
  free(want);
}

static void rfc_jwk(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const json_t *jwk = json_object_get(vec, "jwk");
  wb_key *key = rfc_key(&v, vec, "jwk");
  if (key != NULL) {
    vt_check_jwk_roundtrip(&v, key, jwk);
    const json_t *priv = json_object_get(vec, "expected_private");
    if (priv != NULL)
      vt_expect_true(&v, "wb_key_is_private == expected_private",
                     (wb_key_is_private(key) != 0) == json_is_true(priv));
    if (json_is_true(json_object_get(vec, "expected_x5c_matches_key")))
      rfc_check_x5c(&v, key, jwk);
  }
  wb_key_free(key);
  vt_end(&v);
}

/* Compares one key of a parsed set with its expected_keys entry. */
static void rfc_check_expected_key(vt_vec *v, const wb_key *key, const json_t *want) {
  const char *s;
  if ((s = vt_str(want, "kid")) != NULL)
    vt_expect_str(v, "kid", s, wb_key_kid(key));
  if ((s = vt_str(want, "kty")) != NULL)
    vt_expect_str(v, "kty", s, VT_NAME(vt_kty_names, wb_key_kty(key)));
  if ((s = vt_str(want, "crv")) != NULL)
    vt_expect_str(v, "crv", s, VT_NAME(vt_crv_names, wb_key_crv(key)));
  if ((s = vt_str(want, "use")) != NULL)
    vt_expect_str(v, "use", s, VT_NAME(vt_use_names, wb_key_use(key)));
  /* Only JWS algorithms have a wb_alg; a JWE alg such as A128KW cannot be read back. */
  if ((s = vt_str(want, "alg")) != NULL && wb_alg_from_name(s, strlen(s)) != WB_ALG_INVALID)
    vt_expect_str(v, "alg", s, wb_alg_name(wb_key_alg(key)));
  const json_t *priv = json_object_get(want, "private");
  if (priv != NULL)
    vt_expect_true(v, "private flag as expected", (wb_key_is_private(key) != 0) == json_is_true(priv));
  json_int_t bits = json_integer_value(json_object_get(want, "modulus_bits"));
  if (bits == 0)
    bits = 8 * json_integer_value(json_object_get(want, "key_octets"));
  if (bits != 0)
    vt_expect_true(v, "wb_key_bits as expected", wb_key_bits(key) == (unsigned)bits);
}

static void rfc_jwks(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const json_t *want = json_object_get(vec, "expected_keys");
  wb_keyset *set = NULL;
  wb_error err = {0};
  wb_status st = vt_keyset_from_json(&set, json_object_get(vec, "jwks"), &err);
  if (vt_expect_status(&v, "parse the JWK Set", true, 0, st, &err) &&
      vt_expect_true(&v, "as many keys as expected", wb_keyset_count(set) == json_array_size(want))) {
    for (size_t i = 0; i < json_array_size(want); i++)
      rfc_check_expected_key(&v, wb_keyset_get(set, i), json_array_get(want, i));
  }
  wb_keyset_free(set);
  vt_end(&v);
}

static void rfc_thumbprint(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  wb_key *key = rfc_key(&v, vec, "jwk");
  char tp[WB_THUMBPRINT_LEN] = {0};
  wb_error err = {0};
  if (key != NULL && vt_expect_status(&v, "thumbprint", true, 0, wb_key_thumbprint(key, tp, &err), &err))
    vt_expect_str(&v, "thumbprint", vt_str(vec, "thumbprint_b64u"), tp);
  wb_key_free(key);
  vt_end(&v);
}

/* ---- JWT ------------------------------------------------------------------------------- */

/* The claims of RFC 7519 3.1 as read through the getters. */
static void rfc_check_claims(vt_vec *v, const wb_claims *c, const json_t *want) {
  int64_t exp = 0;
  bool root = false;
  vt_expect_str(v, "iss", vt_str(want, "iss"), wb_claims_iss(c));
  vt_expect_true(v, "exp as in the vector",
                 wb_claims_exp(c, &exp, NULL) == WB_OK &&
                     exp == json_integer_value(json_object_get(want, "exp")));
  vt_expect_true(v, "is_root == true",
                 wb_claims_get_bool(c, "http://example.com/is_root", &root, NULL) == WB_OK && root);
}

/* Verifies the JWT at a given clock (now < 0: the system clock). */
static void rfc_jwt_at(vt_vec *v, const wb_key *key, const char *jwt, int64_t now, int64_t leeway,
                       bool want_ok, const json_t *want_claims) {
  wb_verifier *ver = NULL;
  wb_claims *claims = NULL;
  wb_error err = {0};
  wb_status st = vt_verifier_for_key(&ver, key, &err);
  if (st == WB_OK && now >= 0)
    st = wb_verifier_set_now(ver, now, &err);
  if (st == WB_OK)
    st = wb_verifier_set_leeway(ver, leeway, &err);
  if (!vt_expect_status(v, "verifier set-up", true, 0, st, &err))
    goto out;
  st = wb_verify(ver, jwt, strlen(jwt), &claims, &err);
  char what[96];
  snprintf(what, sizeof(what), "wb_verify at %s %lld",
           now < 0 ? "the system clock" : "now =", (long long)(now < 0 ? 0 : now));
  if (vt_expect_status(v, what, want_ok, VT_ST(WB_ERR_EXPIRED), st, &err) && want_ok)
    rfc_check_claims(v, claims, want_claims);
out:
  wb_claims_free(claims);
  wb_verifier_free(ver);
}

/* RFC 7519 3.1: each claims_check at its fixed clock, then expired at the current time. */
static void rfc_jwt_signed(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  wb_key *key = rfc_key(&v, vec, "key");
  const char *jwt = vt_str(vec, "jwt");
  const json_t *checks = json_object_get(vec, "claims_checks");
  const json_t *want_claims = json_object_get(vec, "expected_claims");
  for (size_t i = 0; key != NULL && i < json_array_size(checks); i++) {
    const json_t *c = json_array_get(checks, i);
    rfc_jwt_at(&v, key, jwt, json_integer_value(json_object_get(c, "now")),
               json_integer_value(json_object_get(c, "leeway")), strcmp(vt_str(c, "expected"), "valid") == 0,
               want_claims);
  }
  if (key != NULL)
    rfc_jwt_at(&v, key, jwt, -1, 0, false, NULL);
  wb_key_free(key);
  vt_end(&v);
}

static void rfc_jwt(const json_t *vec) {
  const char *op = vt_str(vec, "operation");
  const char *alg = vt_str(vec, "alg");
  if (strcmp(op, "verify") != 0)
    vt_rfc_jwt_encrypted(vec);
  else if (alg != NULL && strcmp(alg, "none") == 0)
    rfc_unsecured(vec, vt_str(vec, "jwt"), true);
  else
    rfc_jwt_signed(vec);
}

/* ---- dispatch -------------------------------------------------------------------------- */

typedef void (*rfc_handler)(const json_t *vec);

static const struct {
  const char *type;
  rfc_handler run;
} rfc_handlers[] = {
    {"jws", rfc_jws},
    {"jws-json", vt_rfc_jws_json},
    {"jwk", rfc_jwk},
    {"jwks", rfc_jwks},
    {"jwk-thumbprint", rfc_thumbprint},
    {"jwt", rfc_jwt},
    {"jwe", vt_rfc_jwe},
    {"jwe-json", vt_rfc_jwe_json},
    {"aead-aes-cbc-hmac-sha2", vt_rfc_aead},
    {"ecdh-es-kdf", vt_rfc_ecdh_kdf},
    {"xdh", vt_rfc_xdh},
};

static rfc_handler rfc_find_handler(const char *type) {
  for (size_t i = 0; type != NULL && i < sizeof(rfc_handlers) / sizeof(rfc_handlers[0]); i++) {
    if (strcmp(rfc_handlers[i].type, type) == 0)
      return rfc_handlers[i].run;
  }
  return NULL;
}

static void rfc_run_file(const char *dir, const char *file) {
  char rel[512];
  snprintf(rel, sizeof(rel), "rfc/%s", file);
  vt_file_begin(rel);
  json_t *root = vt_load(dir, rel);
  rfc_handler run = root != NULL ? rfc_find_handler(vt_str(root, "type")) : NULL;
  if (root != NULL && run == NULL)
    vt_file_error("unknown vector type");
  const json_t *vecs = json_object_get(root, "vectors");
  for (size_t i = 0; run != NULL && i < json_array_size(vecs); i++)
    run(json_array_get(vecs, i));
  json_decref(root);
  vt_file_end();
}

void vt_run_rfc(const char *dir) {
  vt_file_begin("rfc/index.json");
  json_t *index = vt_load(dir, "rfc/index.json");
  if (index == NULL) {
    vt_file_end();
    return;
  }
  const json_t *files = json_object_get(index, "files");
  for (size_t i = 0; i < json_array_size(files); i++)
    rfc_run_file(dir, vt_str(json_array_get(files, i), "file"));
  json_decref(index);
}
