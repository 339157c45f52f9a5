/*
 * lib/jwk.c - keys: JWK import and export (RFC 7517, RFC 7518 section 6, RFC 8037), the checks
 * every import runs (lib/internal.h wb__key_adopt_pkey), accessors and set-up calls, algorithm
 * fit (wb_key_check_alg), RFC 7638 thumbprints and RFC 9278 thumbprint URIs, reference counting.
 *
 * The public contract is include/wristband/key.h. PEM/DER live in lib/jwk_pem.c, generation in
 * lib/jwk_gen.c, key sets in lib/keyset.c. Status rules for imports: input that is not JSON, or
 * a member of the wrong JSON type, is WB_ERR_MALFORMED; everything else wrong with a key (bad
 * base64url, sizes, weak or inconsistent values, unknown kty/crv/alg) is WB_ERR_BAD_KEY.
 * Messages name the member at fault and never contain key material.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/** Largest JWK text accepted: an RSA-16384 private key is about 16 KiB. */
#define JWK_MAX_LEN 65536

/* ---- tables ------------------------------------------------------------------------------- */

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

/* Curves: JWK name, OpenSSL name, sizes. pub_len is the EC coordinate or OKP "x" size, priv_len
 * the exact "d" size (RFC 7518 6.2.2.1 and RFC 8037 2 require the full length). */
typedef struct {
  wb_crv crv;
  wb_kty kty;
  const char *jwk_name;
  const char *ossl_name;
  size_t pub_len;
  size_t priv_len;
  unsigned bits;
} curve_fit;

static const curve_fit curves[] = {
    {WB_CRV_P256, WB_KTY_EC, "P-256", "prime256v1", 32, 32, 256},
    {WB_CRV_P384, WB_KTY_EC, "P-384", "secp384r1", 48, 48, 384},
    {WB_CRV_P521, WB_KTY_EC, "P-521", "secp521r1", 66, 66, 521},
    {WB_CRV_SECP256K1, WB_KTY_EC, "secp256k1", "secp256k1", 32, 32, 256},
    {WB_CRV_ED25519, WB_KTY_OKP, "Ed25519", "ED25519", 32, 32, 255},
    {WB_CRV_ED448, WB_KTY_OKP, "Ed448", "ED448", 57, 57, 448},
    {WB_CRV_X25519, WB_KTY_OKP, "X25519", "X25519", 32, 32, 255},
    {WB_CRV_X448, WB_KTY_OKP, "X448", "X448", 56, 56, 448},
};

static const char *const op_names[] = {"sign",    "verify",    "encrypt",   "decrypt",
                                       "wrapKey", "unwrapKey", "deriveKey", "deriveBits"};
#define OP_COUNT (sizeof(op_names) / sizeof(op_names[0]))
#define OPS_SIG  (WB_OP_SIGN | WB_OP_VERIFY)

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

static const curve_fit *curve_by_crv(wb_crv crv) {
  for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
    if (curves[i].crv == crv)
      return &curves[i];
  return NULL;
}

static const curve_fit *curve_by_jwk_name(wb_kty kty, const char *name) {
  for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
    if (curves[i].kty == kty && strcmp(curves[i].jwk_name, name) == 0)
      return &curves[i];
  return NULL;
}

static const curve_fit *curve_by_ossl_name(const char *name) {
  for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
    if (curves[i].kty == WB_KTY_EC && strcmp(curves[i].ossl_name, name) == 0)
      return &curves[i];
  return NULL;
}

static const char *kty_name(wb_kty kty) {
  switch (kty) {
  case WB_KTY_OCT:
    return "oct";
  case WB_KTY_RSA:
    return "RSA";
  case WB_KTY_EC:
    return "EC";
  case WB_KTY_OKP:
    return "OKP";
  default:
    return "?";
  }
}

/* True when a key of this type and curve may be used with the JWS alg described by fit. */
static bool jws_fits_key(const wb_alg_info *fit, wb_kty kty, wb_crv crv) {
  if (fit->kty != kty)
    return false;
  if (fit->family == WB_FAMILY_EDDSA)
    return crv == WB_CRV_ED25519 || crv == WB_CRV_ED448;
  return fit->crv == WB_CRV_NONE || fit->crv == crv;
}

static bool jwe_fits_key(const jwe_fit *fit, wb_kty kty, wb_crv crv) {
  switch (fit->kind) {
  case JWE_RSA:
    return kty == WB_KTY_RSA;
  case JWE_OCT:
    return kty == WB_KTY_OCT;
  case JWE_ECDH:
    return kty == WB_KTY_EC || crv == WB_CRV_X25519 || crv == WB_CRV_X448;
  }
  return false;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static atomic_uint_fast64_t next_serial = 1; /* process-wide counter: serials are never reused */

wb_key *wb__key_alloc(void) {
  wb_key *key = calloc(1, sizeof(*key));
  if (key == NULL)
    return NULL;
  atomic_init(&key->refs, 1);
  key->serial = (uint64_t)atomic_fetch_add(&next_serial, 1);
  return key;
}

wb_key *wb__key_ref(const wb_key *key) {
  wb_key *k = (wb_key *)key; /* the count is the one mutable part of a frozen key */
  atomic_fetch_add(&k->refs, 1);
  return k;
}

void wb_key_free(wb_key *key) {
  if (key == NULL)
    return;
  if (atomic_fetch_sub(&key->refs, 1) != 1)
    return;
  if (key->secret != NULL) {
    OPENSSL_cleanse(key->secret, key->secret_len);
    free(key->secret);
  }
  EVP_PKEY_free(key->pkey);
  free(key->kid);
  free(key->jwe_alg);
  OPENSSL_cleanse(key, sizeof(*key));
  free(key);
}

/* ---- small helpers ------------------------------------------------------------------------- */

static void wipe_free(unsigned char *p, size_t len) {
  if (p == NULL)
    return;
  OPENSSL_cleanse(p, len);
  free(p);
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

/*
 * Reads member name of j as a string: *out is borrowed from j, NULL when absent. A present member
 * that is not a string is WB_ERR_MALFORMED; an absent required one WB_ERR_BAD_KEY.
 */
static wb_status get_str(const json_t *j, const char *name, bool required, const char **out, wb_error *err) {
  *out = NULL;
  json_t *v = json_object_get(j, name);
  if (v == NULL && required)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: missing \"%s\"", name);
  if (v == NULL)
    return WB_OK;
  if (!json_is_string(v))
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
  wb_status st = get_str(j, name, required, &s, err);
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

/* ---- validation shared by every import ----------------------------------------------------- */

/*
 * ROCA (CVE-2017-15361, Nemec et al., CCS 2017): Infineon primes are 65537^a mod M plus a
 * multiple of M, so n mod p lies in the subgroup generated by 65537 for every small prime p of M.
 * A random modulus fails that for some p almost surely. These are the primes of the authors'
 * detector; the subgroup is walked with a small loop per prime, nothing is precomputed.
 */
static const unsigned short roca_primes[] = {3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,
                                             47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103,
                                             107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};

static bool in_65537_subgroup(BN_ULONG r, unsigned p) {
  BN_ULONG g = 65537 % p, x = 1;
  do {
    if (x == r)
      return true;
    x = (x * g) % p;
  } while (x != 1);
  return false;
}

static wb_status rsa_check_modulus(const BIGNUM *n, wb_error *err) {
  if (!BN_is_odd(n))
    return wb__fail(err, WB_ERR_BAD_KEY, "RSA modulus is even");
  bool all_in = true;
  for (size_t i = 0; i < sizeof(roca_primes) / sizeof(roca_primes[0]); i++) {
    BN_ULONG r = BN_mod_word(n, roca_primes[i]);
    if (r == (BN_ULONG)-1)
      return wb__fail(err, WB_ERR_CRYPTO, "RSA: BN_mod_word failed");
    if (r == 0)
      return wb__fail(err, WB_ERR_BAD_KEY, "RSA modulus has a small prime factor");
    if (!in_65537_subgroup(r, roca_primes[i]))
      all_in = false;
  }
  if (all_in)
    return wb__fail(err, WB_ERR_BAD_KEY, "RSA key has the ROCA fingerprint (CVE-2017-15361)");
  return WB_OK;
}

static wb_status rsa_check_public(const BIGNUM *n, const BIGNUM *e, wb_error *err) {
  int bits = BN_num_bits(n);
  if (bits < 2048)
    return wb__fail(err, WB_ERR_BAD_KEY, "RSA key under 2048 bits");
  if (bits > 16384)
    return wb__fail(err, WB_ERR_BAD_KEY, "RSA key over 16384 bits");
  if (!BN_is_odd(e) || BN_num_bits(e) < 2)
    return wb__fail(err, WB_ERR_BAD_KEY, "RSA public exponent must be odd and at least 3");
  if (BN_num_bits(e) > 64) /* bounds the cost of a verification, as OpenSSL does for n > 3072 */
    return wb__fail(err, WB_ERR_BAD_KEY, "RSA public exponent over 64 bits");
  return rsa_check_modulus(n, err);
}

/* A private key without CRT factors: check that (2^e)^d == 2 mod n, i.e. d inverts e. */
static wb_status rsa_check_d(const EVP_PKEY *pkey, const BIGNUM *n, const BIGNUM *e, wb_error *err) {
  wb_status st = WB_ERR_NOMEM;
  BIGNUM *d = NULL, *m = BN_new(), *c = BN_new(), *r = BN_new();
  BN_CTX *ctx = BN_CTX_new();
  if (m == NULL || c == NULL || r == NULL || ctx == NULL)
    goto out;
  st = wb__fail(err, WB_ERR_CRYPTO, "RSA: reading d failed");
  if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &d) || !BN_set_word(m, 2))
    goto out;
  BN_set_flags(d, BN_FLG_CONSTTIME);
  if (!BN_mod_exp(c, m, e, n, ctx) || !BN_mod_exp_mont_consttime(r, c, d, n, ctx, NULL))
    goto out;
  st = BN_cmp(r, m) == 0 ? WB_OK
                         : wb__fail(err, WB_ERR_BAD_KEY, "RSA private exponent does not match n and e");
out:
  BN_clear_free(d);
  BN_free(m);
  BN_free(c);
  BN_clear_free(r);
  BN_CTX_free(ctx);
  return st;
}

/* A private key with CRT factors: n == p*q, then OpenSSL's full pairwise check (primes, d, dp, dq, qi). */
static wb_status rsa_check_crt(EVP_PKEY *pkey, const BIGNUM *n, const BIGNUM *p, wb_error *err) {
  wb_status st = WB_ERR_NOMEM;
  BIGNUM *q = NULL, *pq = BN_new();
  BN_CTX *bctx = BN_CTX_new();
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  if (pq == NULL || bctx == NULL || ctx == NULL)
    goto out;
  st = wb__fail(err, WB_ERR_BAD_KEY, "RSA: p and q do not multiply to n");
  if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, &q) || !BN_mul(pq, p, q, bctx) ||
      BN_cmp(pq, n) != 0)
    goto out;
  st = WB_OK;
  if (EVP_PKEY_pairwise_check(ctx) != 1)
    st = wb__fail(err, WB_ERR_BAD_KEY, "RSA private key is inconsistent (d, dp, dq or qi)");
out:
  BN_clear_free(q);
  BN_clear_free(pq);
  BN_CTX_free(bctx);
  EVP_PKEY_CTX_free(ctx);
  return st;
}

static wb_status rsa_validate(wb_key *key, wb_error *err) {
  wb_status st = wb__fail(err, WB_ERR_BAD_KEY, "RSA key without n or e");
  BIGNUM *n = NULL, *e = NULL, *d = NULL, *p = NULL;
  if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
      !EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &e))
    goto out;
  st = rsa_check_public(n, e, err);
  if (st != WB_OK)
    goto out;
  key->bits = (unsigned)BN_num_bits(n);
  key->is_private = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_D, &d) == 1;
  if (!key->is_private)
    goto out;
  if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) == 1)
    st = rsa_check_crt(key->pkey, n, p, err);
  else
    st = rsa_check_d(key->pkey, n, e, err);
out:
  BN_free(n);
  BN_free(e);
  BN_clear_free(d);
  BN_clear_free(p);
  return st;
}

static wb_status ec_validate(wb_key *key, wb_error *err) {
  char group[64];
  if (!EVP_PKEY_get_utf8_string_param(key->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL))
    return wb__fail(err, WB_ERR_BAD_KEY, "EC key without a named curve");
  const curve_fit *c = curve_by_ossl_name(group);
  if (c == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "EC curve %s is not supported", group);
  key->crv = c->crv;
  key->bits = c->bits;
  BIGNUM *d = NULL;
  key->is_private = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
  BN_clear_free(d);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
  if (ctx == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "EC: out of memory");
  wb_status st = WB_OK;
  if (EVP_PKEY_public_check(ctx) != 1)
    st = wb__fail(err, WB_ERR_BAD_KEY, "EC public point is not a valid point of %s", c->jwk_name);
  else if (key->is_private && EVP_PKEY_private_check(ctx) != 1)
    st = wb__fail(err, WB_ERR_BAD_KEY, "EC private scalar is out of range");
  else if (key->is_private && EVP_PKEY_pairwise_check(ctx) != 1)
    st = wb__fail(err, WB_ERR_BAD_KEY, "EC private scalar does not match the public point");
  EVP_PKEY_CTX_free(ctx);
  return st;
}

static wb_status okp_validate(wb_key *key, const curve_fit *c, wb_error *err) {
  size_t len = 0;
  key->crv = c->crv;
  key->bits = c->bits;
  if (EVP_PKEY_get_raw_public_key(key->pkey, NULL, &len) != 1 || len != c->pub_len)
    return wb__fail(err, WB_ERR_BAD_KEY, "%s public key has the wrong size", c->jwk_name);
  key->is_private = EVP_PKEY_get_raw_private_key(key->pkey, NULL, &len) == 1;
  return WB_OK;
}

static const curve_fit *okp_curve_of(const EVP_PKEY *pkey) {
  for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
    if (curves[i].kty == WB_KTY_OKP && EVP_PKEY_is_a(pkey, curves[i].ossl_name))
      return &curves[i];
  return NULL;
}

static wb_status adopt_checks(wb_key *key, wb_error *err) {
  const curve_fit *okp = okp_curve_of(key->pkey);
  if (EVP_PKEY_is_a(key->pkey, "RSA")) {
    key->kty = WB_KTY_RSA;
    return rsa_validate(key, err);
  }
  if (EVP_PKEY_is_a(key->pkey, "EC")) {
    key->kty = WB_KTY_EC;
    return ec_validate(key, err);
  }
  if (okp != NULL) {
    key->kty = WB_KTY_OKP;
    return okp_validate(key, okp, err);
  }
  return wb__fail(err, WB_ERR_BAD_KEY, "key type %s is not supported", EVP_PKEY_get0_type_name(key->pkey));
}

wb_status wb__key_adopt_pkey(wb_key *key, EVP_PKEY *pkey, wb_error *err) {
  if (key->pkey != NULL)
    EVP_PKEY_free(key->pkey);
  key->pkey = pkey;
  if (pkey == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "no key");
  wb_status st = adopt_checks(key, err);
  ERR_clear_error(); /* failed checks leave OpenSSL errors on this thread's queue */
  if (st != WB_OK)
    return st;
  return wb__key_fill_curve_info(key, err);
}

wb_status wb__key_fill_curve_info(wb_key *key, wb_error *err) {
  const curve_fit *c = curve_by_crv(key->crv);
  if (key->kty != WB_KTY_EC && key->kty != WB_KTY_OKP)
    return WB_OK;
  if (c == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "unknown curve");
  key->coord_len = c->pub_len;
  if (key->kty == WB_KTY_OKP)
    return WB_OK;
  BIGNUM *order = NULL;
  wb_status st = WB_OK;
  if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_ORDER, &order) || BN_num_bytes(order) > 66 ||
      BN_bn2binpad(order, key->order, (int)c->priv_len) < 0)
    st = wb__fail(err, WB_ERR_CRYPTO, "EC: reading the group order failed");
  else
    key->order_len = c->priv_len;
  BN_free(order);
  return st;
}

/* ---- JWK import: key material -------------------------------------------------------------- */

static wb_status oct_from_jwk(wb_key *key, const json_t *j, wb_error *err) {
  wb_status st = get_b64(j, "k", true, 0, &key->secret, &key->secret_len, err);
  if (st != WB_OK)
    return st;
  if (key->secret_len == 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"k\" is empty");
  key->kty = WB_KTY_OCT;
  key->is_private = true;
  key->bits = (unsigned)(key->secret_len * 8);
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

/* RSA members in JWK order with their OpenSSL names; 0 and 1 public, 2 d, 3..7 the CRT values. */
static const char *const rsa_members[8] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
static const char *const rsa_params[8] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                                          OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                                          OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                          OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};

/* Decodes RSA member i into a new BIGNUM (secure for private values); NULL when absent. */
static wb_status rsa_member(const json_t *j, size_t i, BIGNUM **bn, wb_error *err) {
  unsigned char *buf = NULL;
  size_t len = 0;
  *bn = NULL;
  wb_status st = get_b64(j, rsa_members[i], i < 2, 0, &buf, &len, err);
  if (st != WB_OK || buf == NULL)
    return st;
  if (i < 2 && (len == 0 || buf[0] == 0)) /* RFC 7518 6.3.1: the minimal big-endian octets */
    st = wb__fail(err, WB_ERR_BAD_KEY, "JWK: \"%s\" is empty or has leading zero bytes", rsa_members[i]);
  else if ((*bn = i < 2 ? BN_new() : BN_secure_new()) == NULL || BN_bin2bn(buf, (int)len, *bn) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  wipe_free(buf, len + 1);
  return st;
}

/* Checks which private members are present: none, d alone, or d with all five CRT values. */
static wb_status rsa_member_set(BIGNUM *const bn[8], const json_t *j, wb_error *err) {
  int crt = 0;
  for (size_t i = 3; i < 8; i++)
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
  BIGNUM *bn[8] = {NULL};
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM_BLD *bld = NULL;
  wb_status st = WB_OK;
  for (size_t i = 0; i < 8 && st == WB_OK; i++)
    st = rsa_member(j, i, &bn[i], err);
  if (st == WB_OK)
    st = rsa_member_set(bn, j, err);
  if (st == WB_OK) /* fail fast on the cheap checks before OpenSSL builds anything */
    st = rsa_check_public(bn[0], bn[1], err);
  if (st != WB_OK)
    goto out;
  st = wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  if ((bld = OSSL_PARAM_BLD_new()) == NULL)
    goto out;
  for (size_t i = 0; i < 8; i++)
    if (bn[i] != NULL && !OSSL_PARAM_BLD_push_BN(bld, rsa_params[i], bn[i]))
      goto out;
  st = pkey_from_params(&pkey, "RSA", bld, bn[2] != NULL, "RSA values rejected by OpenSSL", err);
  if (st == WB_OK)
    st = wb__key_adopt_pkey(key, pkey, err);
out:
  for (size_t i = 0; i < 8; i++)
    BN_clear_free(bn[i]);
  OSSL_PARAM_BLD_free(bld);
  return st;
}

static wb_status curve_from_jwk(const json_t *j, wb_kty kty, const curve_fit **c, wb_error *err) {
  const char *crv;
  wb_status st = get_str(j, "crv", true, &crv, err);
  if (st != WB_OK)
    return st;
  *c = curve_by_jwk_name(kty, crv);
  if (*c == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: unsupported %s curve", kty_name(kty));
  return WB_OK;
}

/*
 * Builds the EC params: named group, uncompressed point 04||x||y, optional secure d. point
 * (1 + 2 * 66 bytes) must outlive bld: OSSL_PARAM_BLD keeps the pointer until _to_param.
 */
static wb_status ec_params(OSSL_PARAM_BLD *bld, const curve_fit *c, const unsigned char *x,
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
  const curve_fit *c = NULL;
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
static wb_status okp_private(EVP_PKEY **pkey, const curve_fit *c, const unsigned char *x,
                             const unsigned char *d, wb_error *err) {
  unsigned char pub[57];
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
  const curve_fit *c = NULL;
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
  wb_status st = get_str(j, "kty", true, &kty, err);
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

/* ---- JWK import: metadata ------------------------------------------------------------------ */

static wb_status parse_kid(wb_key *key, const json_t *j, wb_error *err) {
  const char *kid;
  wb_status st = get_str(j, "kid", false, &kid, err);
  if (st != WB_OK || kid == NULL)
    return st;
  key->kid = dup_str(kid);
  if (key->kid == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  return WB_OK;
}

static wb_status parse_use(wb_key *key, const json_t *j, wb_error *err) {
  const char *use;
  wb_status st = get_str(j, "use", false, &use, err);
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
  for (size_t i = 0; i < OP_COUNT; i++)
    if (strcmp(op_names[i], name) == 0)
      return 1u << i;
  return 0;
}

static wb_status parse_key_ops(wb_key *key, const json_t *j, wb_error *err) {
  json_t *ops = json_object_get(j, "key_ops"), *v;
  size_t i;
  if (ops == NULL)
    return WB_OK;
  if (!json_is_array(ops))
    return wb__fail(err, WB_ERR_MALFORMED, "JWK: \"key_ops\" must be an array");
  json_array_foreach(ops, i, v) {
    if (!json_is_string(v))
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

/* Refuses a pinned HMAC alg whose hash is longer than the secret. */
static wb_status check_hmac_len(const wb_key *key, const wb_alg_info *fit, wb_error *err) {
  if (fit->family == WB_FAMILY_HMAC && key->secret_len < fit->hash_len)
    return wb__fail(err, WB_ERR_BAD_KEY, "HMAC key shorter than the hash");
  return WB_OK;
}

static wb_status parse_alg(wb_key *key, const json_t *j, wb_error *err) {
  const char *alg;
  wb_status st = get_str(j, "alg", false, &alg, err);
  if (st != WB_OK || alg == NULL)
    return st;
  const wb_alg_info *jws = jws_by_name(alg);
  const jwe_fit *jwe = jwe_fit_by_name(alg);
  if (jws != NULL) {
    if (!jws_fits_key(jws, key->kty, key->crv))
      return wb__fail(err, WB_ERR_BAD_KEY, "JWK: alg %s does not fit this %s key", jws->name,
                      kty_name(key->kty));
    if (key->use == WB_USE_ENC)
      return wb__fail(err, WB_ERR_BAD_KEY, "JWK: signature alg %s with \"use\":\"enc\"", jws->name);
    key->alg = jws->alg;
    return check_hmac_len(key, jws, err);
  }
  if (jwe == NULL)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: unknown or forbidden alg"); /* includes "none" */
  if (!jwe_fits_key(jwe, key->kty, key->crv))
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: alg %s does not fit this %s key", jwe->name,
                    kty_name(key->kty));
  if (key->use == WB_USE_SIG)
    return wb__fail(err, WB_ERR_BAD_KEY, "JWK: encryption alg %s with \"use\":\"sig\"", jwe->name);
  key->jwe_alg = dup_str(jwe->name);
  return key->jwe_alg != NULL ? WB_OK : wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
}

wb_status wb__key_from_json(wb_key **out, const json_t *j, wb_error *err) {
  *out = NULL;
  if (!json_is_object(j))
    return wb__fail(err, WB_ERR_MALFORMED, "JWK: not a JSON object");
  wb_key *key = wb__key_alloc();
  if (key == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "JWK: out of memory");
  wb_status st = material_from_jwk(key, j, err);
  if (st == WB_OK)
    st = parse_kid(key, j, err);
  if (st == WB_OK)
    st = parse_use(key, j, err);
  if (st == WB_OK)
    st = parse_key_ops(key, j, err);
  if (st == WB_OK)
    st = parse_alg(key, j, err);
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
  json_t *j = wb__json_parse(json, len, NULL, JWK_MAX_LEN, true, &local);
  if (j == NULL)
    return wb__fail(err, local.code, "JWK: %s", local.message);
  wb_status st;
  if (json_object_get(j, "keys") != NULL && json_object_get(j, "kty") == NULL)
    st = wb__fail(err, WB_ERR_INVALID_ARG, "this is a JWK set, not a JWK: use wb_keyset_parse");
  else
    st = wb__key_from_json(out, j, err);
  json_decref(j);
  return st;
}

wb_status wb_key_from_secret(wb_key **out, const unsigned char *secret, size_t len, wb_error *err) {
  if (out == NULL || (secret == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_from_secret: NULL argument");
  *out = NULL;
  if (len == 0)
    return wb__fail(err, WB_ERR_BAD_KEY, "empty secret");
  if (len > JWK_MAX_LEN)
    return wb__fail(err, WB_ERR_TOO_LARGE, "secret longer than %d bytes", JWK_MAX_LEN);
  wb_key *key = wb__key_alloc();
  if (key == NULL || (key->secret = malloc(len)) == NULL) {
    wb_key_free(key);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  memcpy(key->secret, secret, len);
  key->secret_len = len;
  key->kty = WB_KTY_OCT;
  key->is_private = true;
  key->bits = (unsigned)(len * 8);
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
  if (out == NULL || data == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_parse: NULL argument");
  *out = NULL;
  size_t i = skip_ws(data, len);
  if (i < len && data[i] == '{')
    return wb_key_from_jwk(out, data, len, err);
  if (len - i >= 10 && memcmp(data + i, "-----BEGIN", 10) == 0)
    return wb_key_from_pem(out, data, len, err);
  return wb_key_from_der(out, (const unsigned char *)data, len, err);
}

/* ---- set-up and inspection ----------------------------------------------------------------- */

wb_status wb_key_set_kid(wb_key *key, const char *kid, wb_error *err) {
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_set_kid: NULL key");
  char *copy = NULL;
  if (kid != NULL) {
    json_t *probe = json_string(kid); /* the kid must serialise: valid UTF-8 */
    if (probe == NULL)
      return wb__fail(err, WB_ERR_INVALID_ARG, "kid is not valid UTF-8");
    json_decref(probe);
    if ((copy = dup_str(kid)) == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  free(key->kid);
  key->kid = copy;
  return wb__ok(err);
}

wb_status wb_key_set_alg(wb_key *key, wb_alg alg, wb_error *err) {
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_set_alg: NULL key");
  if (alg == WB_ALG_INVALID) {
    key->alg = WB_ALG_INVALID;
    return wb__ok(err);
  }
  const wb_alg_info *fit = wb__alg_info(alg);
  if (fit == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown algorithm");
  if (!jws_fits_key(fit, key->kty, key->crv))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "%s does not fit this %s key", fit->name,
                    kty_name(key->kty));
  wb_status st = check_hmac_len(key, fit, err);
  if (st != WB_OK)
    return st;
  free(key->jwe_alg);
  key->jwe_alg = NULL;
  key->alg = alg;
  return wb__ok(err);
}

wb_status wb_key_set_use(wb_key *key, wb_use use, wb_error *err) {
  if (key == NULL || (use != WB_USE_ANY && use != WB_USE_SIG && use != WB_USE_ENC))
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_set_use: bad argument");
  key->use = use;
  return wb__ok(err);
}

wb_kty wb_key_kty(const wb_key *key) {
  return key != NULL ? key->kty : WB_KTY_INVALID;
}

wb_crv wb_key_crv(const wb_key *key) {
  return key != NULL ? key->crv : WB_CRV_NONE;
}

wb_alg wb_key_alg(const wb_key *key) {
  return key != NULL ? key->alg : WB_ALG_INVALID;
}

const char *wb_key_kid(const wb_key *key) {
  return key != NULL ? key->kid : NULL;
}

wb_use wb_key_use(const wb_key *key) {
  return key != NULL ? key->use : WB_USE_ANY;
}

int wb_key_is_private(const wb_key *key) {
  return key != NULL && key->is_private;
}

unsigned wb_key_bits(const wb_key *key) {
  return key != NULL ? key->bits : 0;
}

wb_alg wb_key_default_alg(const wb_key *key) {
  if (key == NULL || key->jwe_alg != NULL)
    return WB_ALG_INVALID;
  if (key->alg != WB_ALG_INVALID)
    return key->alg;
  switch (key->crv) {
  case WB_CRV_P256:
    return WB_ALG_ES256;
  case WB_CRV_P384:
    return WB_ALG_ES384;
  case WB_CRV_P521:
    return WB_ALG_ES512;
  case WB_CRV_SECP256K1:
    return WB_ALG_ES256K;
  case WB_CRV_ED25519:
  case WB_CRV_ED448:
    return WB_ALG_EDDSA;
  default:
    return WB_ALG_INVALID; /* RSA and oct: several algs fit; X25519/X448: none */
  }
}

wb_status wb_key_check_alg(const wb_key *key, wb_alg alg, int sign, wb_error *err) {
  const wb_alg_info *fit = wb__alg_info(alg);
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_check_alg: NULL key");
  if (fit == NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "unknown algorithm");
  if (key->jwe_alg != NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key is for encryption (alg %s)", key->jwe_alg);
  if (!jws_fits_key(fit, key->kty, key->crv))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "%s does not fit this %s key", fit->name,
                    kty_name(key->kty));
  if (key->alg != WB_ALG_INVALID && key->alg != alg)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key is pinned to another algorithm than %s", fit->name);
  if (key->use == WB_USE_ENC)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key \"use\" is \"enc\"");
  if (key->has_key_ops && !(key->key_ops & (sign ? WB_OP_SIGN : WB_OP_VERIFY)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "key \"key_ops\" does not allow %s",
                    sign ? "sign" : "verify");
  wb_status st = check_hmac_len(key, fit, err);
  if (st != WB_OK)
    return st;
  if (sign && !key->is_private)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "signing needs a private key");
  return wb__ok(err);
}

/* ---- JWK export ----------------------------------------------------------------------------- */

/* A growable string whose old buffers are wiped: it may hold private key members. */
typedef struct {
  char *p;
  size_t len, cap;
  bool failed;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = malloc(cap);
    if (p == NULL) {
      b->failed = true;
      return;
    }
    if (b->p != NULL) {
      memcpy(p, b->p, b->len);
      OPENSSL_cleanse(b->p, b->cap);
      free(b->p);
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) {
  sb_put(b, s, strlen(s));
}

/* Appends ,"name":"value" (the leading comma unless first); value needs no escaping. */
static void sb_member(sbuf *b, const char *name, const char *value) {
  sb_str(b, b->len > 1 ? ",\"" : "\"");
  sb_str(b, name);
  sb_str(b, "\":\"");
  sb_str(b, value);
  sb_str(b, "\"");
}

static void sb_member_b64(sbuf *b, const char *name, const unsigned char *v, size_t n) {
  char *s = wb__b64url_encode_alloc(v, n, NULL);
  if (s == NULL) {
    b->failed = true;
    return;
  }
  sb_member(b, name, s);
  wb_string_free(s);
}

/* Appends a BIGNUM parameter as base64url, left-padded to pad bytes (0 = minimal). Absent: nothing. */
static void sb_member_bn(sbuf *b, const EVP_PKEY *pkey, const char *param, const char *name, size_t pad) {
  BIGNUM *bn = NULL;
  unsigned char buf[2048];
  if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
    return;
  size_t n = pad ? pad : (size_t)BN_num_bytes(bn);
  if (n > sizeof(buf) || BN_bn2binpad(bn, buf, (int)n) < 0)
    b->failed = true;
  else
    sb_member_b64(b, name, buf, n);
  OPENSSL_cleanse(buf, sizeof(buf));
  BN_clear_free(bn);
}

static void write_rsa(sbuf *b, const wb_key *key, bool priv) {
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_RSA_E, "e", 0);
  sb_member(b, "kty", "RSA");
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_RSA_N, "n", 0);
  for (size_t i = 2; priv && i < 8; i++)
    sb_member_bn(b, key->pkey, rsa_params[i], rsa_members[i], 0);
}

static void write_ec(sbuf *b, const wb_key *key, const curve_fit *c, bool priv) {
  sb_member(b, "crv", c->jwk_name);
  sb_member(b, "kty", "EC");
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, "x", c->pub_len);
  sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, "y", c->pub_len);
  if (priv)
    sb_member_bn(b, key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, "d", c->priv_len);
}

static void write_okp(sbuf *b, const wb_key *key, const curve_fit *c, bool priv) {
  unsigned char raw[57];
  size_t len = sizeof(raw);
  sb_member(b, "crv", c->jwk_name);
  sb_member(b, "kty", "OKP");
  if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &len) != 1)
    b->failed = true;
  else
    sb_member_b64(b, "x", raw, len);
  len = sizeof(raw);
  if (priv && EVP_PKEY_get_raw_private_key(key->pkey, raw, &len) != 1)
    b->failed = true;
  else if (priv)
    sb_member_b64(b, "d", raw, len);
  OPENSSL_cleanse(raw, sizeof(raw));
}

static void write_meta(sbuf *b, const wb_key *key) {
  if (key->kid != NULL) {
    json_t *s = json_string(key->kid);
    char *q = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    if (q == NULL)
      b->failed = true;
    sb_str(b, ",\"kid\":");
    sb_str(b, q != NULL ? q : "");
    free(q);
    json_decref(s);
  }
  const wb_alg_info *fit = wb__alg_info(key->alg);
  if (fit != NULL || key->jwe_alg != NULL)
    sb_member(b, "alg", fit != NULL ? fit->name : key->jwe_alg);
  if (key->use != WB_USE_ANY)
    sb_member(b, "use", key->use == WB_USE_SIG ? "sig" : "enc");
  if (!key->has_key_ops)
    return;
  sb_str(b, ",\"key_ops\":[");
  for (size_t i = 0, n = 0; i < OP_COUNT; i++) {
    if (!(key->key_ops & (1u << i)))
      continue;
    sb_str(b, n++ ? ",\"" : "\"");
    sb_str(b, op_names[i]);
    sb_str(b, "\"");
  }
  sb_str(b, "]");
}

/*
 * Writes the JWK: the RFC 7638 required members in lexicographic order, then (priv) the private
 * members, then (meta) kid, alg, use, key_ops. With priv and meta false it is the canonical
 * thumbprint input. The caller owns b->p (wipe it with wb_string_free).
 */
static wb_status write_jwk(sbuf *b, const wb_key *key, bool priv, bool meta, wb_error *err) {
  const curve_fit *c = curve_by_crv(key->crv);
  sb_str(b, "{");
  if (key->kty == WB_KTY_OCT) {
    sb_member_b64(b, "k", key->secret, key->secret_len);
    sb_member(b, "kty", "oct");
  } else if (key->kty == WB_KTY_RSA) {
    write_rsa(b, key, priv);
  } else if (key->kty == WB_KTY_EC && c != NULL) {
    write_ec(b, key, c, priv);
  } else if (key->kty == WB_KTY_OKP && c != NULL) {
    write_okp(b, key, c, priv);
  } else {
    return wb__fail(err, WB_ERR_INVALID_ARG, "key is not set up");
  }
  if (meta)
    write_meta(b, key);
  sb_str(b, "}");
  return b->failed ? wb__fail(err, WB_ERR_NOMEM, "JWK export: out of memory") : WB_OK;
}

wb_status wb_key_to_jwk(const wb_key *key, int include_private, char **json, wb_error *err) {
  if (json != NULL)
    *json = NULL;
  if (key == NULL || json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_to_jwk: NULL argument");
  if (!include_private && key->kty == WB_KTY_OCT)
    return wb__fail(err, WB_ERR_INVALID_ARG, "an oct key has no public half");
  sbuf b = {0};
  wb_status st = write_jwk(&b, key, include_private && key->is_private, true, err);
  if (st != WB_OK) {
    wb_string_free(b.p);
    return st;
  }
  *json = b.p;
  return wb__ok(err);
}

/* ---- thumbprints ---------------------------------------------------------------------------- */

wb_status wb_key_thumbprint(const wb_key *key, char out[WB_THUMBPRINT_LEN], wb_error *err) {
  if (key == NULL || out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_thumbprint: NULL argument");
  out[0] = '\0';
  unsigned char md[32];
  unsigned int md_len = 0;
  sbuf b = {0};
  wb_status st = write_jwk(&b, key, false, false, err);
  if (st == WB_OK && EVP_Digest(b.p, b.len, md, &md_len, EVP_sha256(), NULL) != 1)
    st = wb__fail(err, WB_ERR_CRYPTO, "SHA-256 failed");
  if (st == WB_OK)
    st = wb_b64url_encode(out, WB_THUMBPRINT_LEN, md, md_len, NULL, err);
  wb_string_free(b.p); /* for oct keys it holds the secret */
  return st;
}

wb_status wb_key_thumbprint_uri(const wb_key *key, char out[WB_THUMBPRINT_URI_LEN], wb_error *err) {
  static const char prefix[] = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:";
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_thumbprint_uri: NULL argument");
  out[0] = '\0';
  char tp[WB_THUMBPRINT_LEN];
  wb_status st = wb_key_thumbprint(key, tp, err);
  if (st != WB_OK)
    return st;
  memcpy(out, prefix, sizeof(prefix) - 1);
  memcpy(out + sizeof(prefix) - 1, tp, strlen(tp) + 1);
  return WB_OK;
}

/* ---- public half ---------------------------------------------------------------------------- */

static EVP_PKEY *public_pkey(const EVP_PKEY *pkey) {
  OSSL_PARAM *params = NULL;
  EVP_PKEY *pub = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, EVP_PKEY_get0_type_name(pkey), NULL);
  if (ctx != NULL && EVP_PKEY_todata(pkey, EVP_PKEY_PUBLIC_KEY, &params) == 1 &&
      EVP_PKEY_fromdata_init(ctx) == 1)
    (void)EVP_PKEY_fromdata(ctx, &pub, EVP_PKEY_PUBLIC_KEY, params);
  OSSL_PARAM_free(params);
  EVP_PKEY_CTX_free(ctx);
  return pub;
}

static wb_status copy_meta(wb_key *dst, const wb_key *src, wb_error *err) {
  dst->alg = src->alg;
  dst->use = src->use;
  dst->key_ops = src->key_ops;
  dst->has_key_ops = src->has_key_ops;
  if (src->kid != NULL && (dst->kid = dup_str(src->kid)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (src->jwe_alg != NULL && (dst->jwe_alg = dup_str(src->jwe_alg)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  return WB_OK;
}

wb_status wb_key_public(wb_key **out, const wb_key *key, wb_error *err) {
  if (out == NULL || key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_public: NULL argument");
  *out = NULL;
  if (key->kty == WB_KTY_OCT || key->pkey == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "an oct key has no public half");
  wb_key *pub = wb__key_alloc();
  if (pub == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  EVP_PKEY *pk = public_pkey(key->pkey);
  wb_status st =
      pk != NULL ? wb__key_adopt_pkey(pub, pk, err) : wb__fail(err, WB_ERR_CRYPTO, "public key copy failed");
  if (st == WB_OK)
    st = copy_meta(pub, key, err);
  if (st != WB_OK) {
    wb_key_free(pub);
    return st;
  }
  *out = pub;
  return wb__ok(err);
}
