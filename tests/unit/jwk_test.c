/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwk_test.c - lib/jwk.c, lib/jwk_pem.c: JWK import and every rejection it must make
 * (bad base64url, sizes, off-curve points, weak RSA, ROCA, inconsistent CRT, alg/use/key_ops
 * misuse), export round trips, RFC 7638/8037 thumbprint vectors, PEM/DER, wb_key_check_alg, and
 * the key object's setters, default algorithms and public half. Each failing import must leave
 * the out-param NULL (checked in import()). Generation: jwk_gen_test.c.
 */
#include <jansson.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>

#include "check.h"
#include "internal.h"
#include "vectors.h"

/* Wycheproof json_web_key_test.json P-256 key (also in json_web_crypto_test.json). */
#define EC_X     "04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY"
#define EC_Y     "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"
#define EC_Y_OFF "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgnw" /* Wycheproof invalid_point */
#define EC_D     "yy49oPcINGK2ps0LmtxpB6UTEOiITghHBif6wDqmJ3c"
#define EC_D_OTHER                                                                                           \
  "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE" /* RFC 7517 A.2: a valid scalar, wrong key                   \
                                                 */
#define EC_PUB  "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}"
#define EC_PRIV "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\",\"d\":\"" EC_D "\"}"

/* Wycheproof keysize_too_small: a 1024-bit modulus. */
#define RSA1024_N                                                                                            \
  "rJBIp6T1YK-RtPyvYqFFlcucqewSAA_IReSFchE8qyiQrbARqRlXWkB2DR8j_"                                            \
  "pJQnIpYELbQWZC5Cd0PTGAU8rMbar2AW6zpmBbi7aQf17"                                                            \
  "lUBdt8XI9M9rq7FPVQ1dDdUXm1SVH_9qqWhvMPR422SbfHBEzCAtzK0ANDRo6qz78"
/* Wycheproof jws_rsa_roca_key: an Infineon (ROCA, CVE-2017-15361) modulus. */
#define ROCA_N                                                                                               \
  "AanFpofbj7KjD4Lf-N2hVMKR7yewSyXhhbirIMTGpfYEhZ_lnt5UoK98DnKIgArXGTu3MaW_"                                 \
  "HhFw16HGaTDUHqPrId7fe4r11CqRw09yB"                                                                        \
  "FuW79V8sYIwHdzCaWflUI6auImYbVfoN9_nD5n8N8SY9DwXw7mwZM9wREPXoDPgOoIWl6q_"                                  \
  "MPsp7n0zs3Z5ZaiQWOOzl1S9OhwAfSiiOw"                                                                       \
  "z6efnXEaxuTEtPd7BjSx7NaFka8Dx9U7YqXy2RFj1O9PjyaDGuRh7YXsX3iMUSP_wSyHQg_c_"                                \
  "qHRtKUsNSGCT7OZg0hzm2KphtjnayKJvC"                                                                        \
  "64vAbROBR4Ubg6Bxg9IQVZ-QYyE"

/* RFC 8037 A.1 Ed25519 key. */
#define ED_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ED_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"

/* Imports json, checks the out-param contract and the message, returns the status. */
static wb_status import_msg(const char *json, char *msg, size_t msg_cap) {
  wb_key *k = (wb_key *)1;
  wb_error e = {0};
  wb_status st = wb_key_from_jwk(&k, json, strlen(json), &e);
  CHECK((st == WB_OK) == (k != NULL));
  CHECK(st == WB_OK || e.message[0] != '\0');
  if (msg != NULL)
    snprintf(msg, msg_cap, "%s", e.message);
  wb_key_free(k);
  return st;
}

static wb_status import(const char *json) {
  return import_msg(json, NULL, 0);
}

/* Returns a copy of json with member set to value (a JSON text) or removed (value NULL). */
static char *with(const char *json, const char *member, const char *value) {
  json_t *j = json_loads(json, 0, NULL);
  if (value == NULL)
    json_object_del(j, member);
  else
    json_object_set_new(j, member, json_loads(value, JSON_DECODE_ANY, NULL));
  char *s = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  return s;
}

/* Checks that with(json, member, value) imports with status want; frees the temporary. */
static void check_with(const char *json, const char *member, const char *value, wb_status want, int line) {
  char *s = with(json, member, value);
  wb_status got = import(s);
  if (got != want)
    fprintf(stderr, "line %d: %s=%s gave %s, want %s\n", line, member, value ? value : "(removed)",
            wb_status_name(got), wb_status_name(want));
  CHECK(got == want);
  free(s);
}
#define CHECK_WITH(json, member, value, want) check_with(json, member, value, want, __LINE__)

static void test_oct(void) {
  const char *good = "{\"kty\":\"oct\",\"k\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"}";
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, good, strlen(good), NULL), WB_OK);
  CHECK(wb_key_kty(k) == WB_KTY_OCT && wb_key_bits(k) == 256 && wb_key_is_private(k));
  CHECK(wb_key_default_alg(k) == WB_ALG_INVALID); /* HS256/384/512 all fit: ambiguous */
  char *pub = NULL;
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PUBLIC, &pub, NULL), WB_ERR_INVALID_ARG);
  CHECK(pub == NULL);
  wb_key_free(k);

  CHECK_WITH(good, "k", "\"\"", WB_ERR_BAD_KEY);                         /* empty secret */
  CHECK_WITH(good, "k", NULL, WB_ERR_BAD_KEY);                           /* missing */
  CHECK_WITH(good, "k", "\"AAECAwQFBgcICQoLDA0ODxA=\"", WB_ERR_BAD_KEY); /* padding */
  CHECK_WITH(good, "k", "\"AAECAwQFBgcICQoLDA0ODx+/\"", WB_ERR_BAD_KEY); /* base64, not url */
  CHECK_WITH(good, "k", "\"AAECAwQFBgcICQoLDA0ODxB\"", WB_ERR_BAD_KEY);  /* non-zero trailing bits */
  CHECK_WITH(good, "k", "\"AAEC AwQF\"", WB_ERR_BAD_KEY);                /* white space */
  CHECK_WITH(good, "k", "42", WB_ERR_MALFORMED);                         /* wrong JSON type */
  CHECK_WITH(good, "kty", "\"OCT\"", WB_ERR_BAD_KEY);                    /* case matters */
  CHECK_WITH(good, "kty", NULL, WB_ERR_BAD_KEY);
  CHECK_WITH(good, "kty", "[\"oct\"]", WB_ERR_MALFORMED);
  CHECK_WITH(good, "kid", "7", WB_ERR_MALFORMED);
  CHECK_WITH(good, "x-unknown", "{\"a\":1}", WB_OK); /* unknown members are ignored */

  CHECK_ST(import("not json"), WB_ERR_MALFORMED);
  CHECK_ST(import("[1,2]"), WB_ERR_MALFORMED);
  CHECK_ST(import("{\"kty\":\"oct\",\"k\":\"AA\",\"k\":\"AA\"}"), WB_ERR_MALFORMED); /* duplicate member */
  CHECK_ST(import("{\"keys\":[]}"), WB_ERR_INVALID_ARG);                             /* a JWKS */

  CHECK_ST(wb_key_from_secret(&k, (const unsigned char *)"", 0, NULL), WB_ERR_BAD_KEY);
  CHECK(k == NULL);
}

static void test_metadata(void) {
  char msg[160];
  CHECK_WITH(EC_PRIV, "use", "\"sig\"", WB_OK);
  CHECK_WITH(EC_PRIV, "use", "\"enc\"", WB_OK);
  CHECK_WITH(EC_PRIV, "use", "\"signature\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "use", "1", WB_ERR_MALFORMED);
  CHECK_WITH(EC_PRIV, "key_ops", "[\"sign\",\"verify\"]", WB_OK);
  CHECK_WITH(EC_PRIV, "key_ops", "[]", WB_OK);
  CHECK_WITH(EC_PRIV, "key_ops", "[\"sign\",\"sign\"]", WB_ERR_BAD_KEY); /* duplicates */
  CHECK_WITH(EC_PRIV, "key_ops", "[\"sign, verify\"]", WB_ERR_BAD_KEY);  /* Wycheproof tc 349 shape */
  CHECK_WITH(EC_PRIV, "key_ops", "[\"Sign\"]", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "key_ops", "\"sign\"", WB_ERR_MALFORMED);
  CHECK_WITH(EC_PRIV, "key_ops", "[1]", WB_ERR_MALFORMED);
  CHECK_WITH(EC_PRIV, "alg", "\"ES256\"", WB_OK);
  CHECK_WITH(EC_PRIV, "alg", "\"ES512\"", WB_ERR_BAD_KEY); /* Wycheproof mismatchedAlgAndCurve */
  CHECK_WITH(EC_PRIV, "alg", "\"ES521\"", WB_ERR_BAD_KEY); /* not a registered alg */
  CHECK_WITH(EC_PRIV, "alg", "\"ES224\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "alg", "\"none\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "alg", "\"HS256\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "alg", "\"es256\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "alg", "\"ECDH-ES+A128KW\"", WB_OK); /* a JWE alg: stored, never signs */
  CHECK_WITH(EC_PRIV, "alg", "\"RSA-OAEP\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "alg", "256", WB_ERR_MALFORMED);

  /* "use" must agree with "alg" and "key_ops" */
  char *enc = with(EC_PRIV, "use", "\"enc\"");
  CHECK_WITH(enc, "alg", "\"ES256\"", WB_ERR_BAD_KEY); /* Wycheproof invalid_use */
  CHECK_WITH(enc, "key_ops", "[\"sign\"]", WB_ERR_BAD_KEY);
  CHECK_WITH(enc, "key_ops", "[\"deriveBits\"]", WB_OK);
  free(enc);
  char *sig = with(EC_PRIV, "use", "\"sig\"");
  CHECK_WITH(sig, "key_ops", "[\"encrypt\"]", WB_ERR_BAD_KEY);
  free(sig);
  const char *aes = "{\"kty\":\"oct\",\"use\":\"sig\",\"alg\":\"A256GCM\",\"k\":\"-ebuDNsVZ2iJtoZ-"
                    "akfXTSCt4UO2cruLCsbWlBinggE\"}";
  CHECK_ST(import(aes), WB_ERR_BAD_KEY); /* Wycheproof rejectsAesKey */

  /* HMAC key shorter than its pinned hash (Wycheproof key_too_short) */
  const char *short_hs =
      "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg\"}";
  CHECK_ST(import_msg(short_hs, msg, sizeof(msg)), WB_ERR_BAD_KEY);
  CHECK(strstr(msg, "HMAC key shorter than the hash") != NULL);
}

static void test_ec(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, EC_PRIV, strlen(EC_PRIV), NULL), WB_OK);
  CHECK(wb_key_kty(k) == WB_KTY_EC && wb_key_crv(k) == WB_CRV_P256 && wb_key_bits(k) == 256);
  CHECK(wb_key_is_private(k) && wb_key_default_alg(k) == WB_ALG_ES256);
  CHECK(k->coord_len == 32 && k->order[0] == 0xff && k->order[31] == 0x51);
  wb_key_free(k);
  CHECK_ST(import(EC_PUB), WB_OK);

  CHECK_WITH(EC_PUB, "y", "\"" EC_Y_OFF "\"", WB_ERR_BAD_KEY);    /* off the curve */
  CHECK_WITH(EC_PRIV, "d", "\"" EC_D_OTHER "\"", WB_ERR_BAD_KEY); /* d of another key */
  CHECK_WITH(EC_PUB, "crv", "\"P-384\"", WB_ERR_BAD_KEY);         /* Wycheproof wrong_curve */
  CHECK_WITH(EC_PUB, "crv", "\"P-257\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PUB, "crv", "\"Ed25519\"", WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PUB, "kty", "\"RSA\"", WB_ERR_BAD_KEY); /* Wycheproof wrong_kty */
  CHECK_WITH(EC_PUB, "x", "\"AATdMYtteYcocrwaeyNeu7GxP16sqpAD3330nZJTDu8G\"", WB_ERR_BAD_KEY); /* 33 bytes */
  CHECK_WITH(EC_PUB, "x", "\"N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7w\"", WB_ERR_BAD_KEY);     /* 30 bytes */
  CHECK_WITH(EC_PUB, "y", NULL, WB_ERR_BAD_KEY);
  CHECK_WITH(EC_PRIV, "d", "\"AMsuPaD3CDRitqbNC5rcaQelEwzoiE4IRwYn-sA6pidz\"",
             WB_ERR_BAD_KEY);                                                                  /* 33-byte d */
  CHECK_WITH(EC_PRIV, "d", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", WB_ERR_BAD_KEY); /* d = 0 */
  CHECK_WITH(EC_PUB, "x", "\"" EC_X "=\"", WB_ERR_BAD_KEY);
}

static void test_okp(void) {
  const char *priv = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"" ED_D "\",\"x\":\"" ED_X "\"}";
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, priv, strlen(priv), NULL), WB_OK);
  CHECK(wb_key_crv(k) == WB_CRV_ED25519 && wb_key_is_private(k) && wb_key_default_alg(k) == WB_ALG_EDDSA);
  CHECK(k->coord_len == 32);
  wb_key_free(k);
  CHECK_WITH(priv, "d", NULL, WB_OK);
  CHECK_WITH(priv, "x", "\"" EC_X "\"", WB_ERR_BAD_KEY); /* d does not match x */
  CHECK_WITH(priv, "d", "\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyufw\"", WB_ERR_BAD_KEY); /* 31 bytes */
  CHECK_WITH(priv, "crv", "\"Ed448\"", WB_ERR_BAD_KEY); /* 32 bytes is not 57 */
  CHECK_WITH(priv, "crv", "\"P-256\"", WB_ERR_BAD_KEY);
  CHECK_WITH(priv, "kty", "\"EC\"", WB_ERR_BAD_KEY);
  CHECK_WITH(priv, "alg", "\"ES256\"", WB_ERR_BAD_KEY);
  CHECK_WITH(priv, "alg", "\"EdDSA\"", WB_OK);
  const char *x25519 = "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" ED_X "\"}";
  CHECK_ST(import(x25519), WB_OK);
  CHECK_WITH(x25519, "alg", "\"EdDSA\"", WB_ERR_BAD_KEY);
  CHECK_WITH(x25519, "alg", "\"ECDH-ES\"", WB_OK);
}

/* A fresh RSA-2048 private JWK (generated, exported) for the mutations below. */
static char *rsa_private_jwk(void) {
  wb_key *k = NULL;
  char *json = NULL;
  CHECK_ST(wb_key_generate(&k, WB_KTY_RSA, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &json, NULL), WB_OK);
  wb_key_free(k);
  return json;
}

static void test_rsa(void) {
  char msg[160];
  char *priv = rsa_private_jwk();
  json_t *j = json_loads(priv, 0, NULL);
  CHECK(j != NULL && json_object_size(j) == 9);
  char *n = strdup(json_string_value(json_object_get(j, "n")));
  char *dp = strdup(json_string_value(json_object_get(j, "dp")));
  char *dq = strdup(json_string_value(json_object_get(j, "dq")));
  json_decref(j);
  CHECK_ST(import(priv), WB_OK);

  /* d alone (no CRT values) is accepted and checked against n and e */
  char *no_crt = with(priv, "p", NULL), *t;
  t = with(no_crt, "q", NULL), free(no_crt), no_crt = t;
  t = with(no_crt, "dp", NULL), free(no_crt), no_crt = t;
  t = with(no_crt, "dq", NULL), free(no_crt), no_crt = t;
  t = with(no_crt, "qi", NULL), free(no_crt), no_crt = t;
  CHECK_ST(import(no_crt), WB_OK);
  CHECK_WITH(no_crt, "d", "\"AQAB\"", WB_ERR_BAD_KEY); /* d does not invert e */
  free(no_crt);

  CHECK_WITH(priv, "qi", NULL, WB_ERR_BAD_KEY); /* CRT values: all or none */
  CHECK_WITH(priv, "d", NULL, WB_ERR_BAD_KEY);  /* CRT values without d */
  char buf[1024];
  snprintf(buf, sizeof(buf), "\"%s\"", dq);
  CHECK_WITH(priv, "dp", buf, WB_ERR_BAD_KEY); /* inconsistent CRT */
  snprintf(buf, sizeof(buf), "\"%s\"", dp);
  CHECK_WITH(priv, "qi", buf, WB_ERR_BAD_KEY);
  CHECK_WITH(priv, "e", "\"AQAA\"", WB_ERR_BAD_KEY); /* e does not match d */
  CHECK_WITH(priv, "oth", "[]", WB_ERR_BAD_KEY);

  char pub[2048];
  snprintf(pub, sizeof(pub), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", n);
  CHECK_ST(import(pub), WB_OK);
  CHECK_WITH(pub, "e", "\"AQ\"", WB_ERR_BAD_KEY);     /* e = 1 (Wycheproof exponentOne) */
  CHECK_WITH(pub, "e", "\"Ag\"", WB_ERR_BAD_KEY);     /* even */
  CHECK_WITH(pub, "e", "\"AAEAAQ\"", WB_ERR_BAD_KEY); /* leading zero byte */
  CHECK_WITH(pub, "e", "\"\"", WB_ERR_BAD_KEY);
  CHECK_WITH(pub, "e", "\"AQAAAAAAAAAAAQ\"", WB_ERR_BAD_KEY); /* over 64 bits */
  CHECK_WITH(pub, "e", "\"Aw\"", WB_OK);                      /* e = 3 is weak-ish but valid */
  CHECK_WITH(pub, "n", NULL, WB_ERR_BAD_KEY);
  snprintf(buf, sizeof(buf), "\"AA%s\"", n); /* prepend zero bits: no longer canonical or minimal */
  CHECK_WITH(pub, "n", buf, WB_ERR_BAD_KEY);
  CHECK_WITH(pub, "alg", "\"RS256\"", WB_OK);
  CHECK_WITH(pub, "alg", "\"PS512\"", WB_OK);
  CHECK_WITH(pub, "alg", "\"RSA-OAEP-256\"", WB_OK);
  CHECK_WITH(pub, "alg", "\"ES256\"", WB_ERR_BAD_KEY);
  CHECK_WITH(pub, "alg", "\"A128KW\"", WB_ERR_BAD_KEY);

  CHECK_ST(import_msg("{\"kty\":\"RSA\",\"n\":\"" RSA1024_N "\",\"e\":\"AQAB\"}", msg, sizeof(msg)),
           WB_ERR_BAD_KEY);
  CHECK(strcmp(msg, "RSA key under 2048 bits") == 0);
  CHECK_ST(import_msg("{\"kty\":\"RSA\",\"n\":\"" ROCA_N "\",\"e\":\"AQAB\"}", msg, sizeof(msg)),
           WB_ERR_BAD_KEY);
  CHECK(strstr(msg, "ROCA") != NULL);
  free(n);
  free(dp);
  free(dq);
  wb_string_free(priv);
}

static void test_check_alg(void) {
  wb_key *hs = NULL, *ec = NULL, *ecpub = NULL, *x = NULL;
  wb_error e;
  CHECK_ST(wb_key_from_secret(&hs, (const unsigned char *)"0123456789abcdef0123456789abcdef", 32, NULL),
           WB_OK);
  CHECK_ST(wb_key_check_alg(hs, WB_ALG_HS256, WB_KEY_OP_SIGN, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(hs, WB_ALG_HS384, WB_KEY_OP_VERIFY, &e), WB_ERR_BAD_KEY); /* 32 < 48 bytes */
  CHECK(strcmp(e.message, "HMAC key shorter than the hash") == 0);
  CHECK_ST(wb_key_set_alg(hs, WB_ALG_HS512, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb_key_check_alg(hs, WB_ALG_RS256, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_key_check_alg(hs, WB_ALG_INVALID, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);

  CHECK_ST(wb_key_from_jwk(&ec, EC_PRIV, strlen(EC_PRIV), NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_SIGN, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES384, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_HS256, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_key_public(&ecpub, ec, NULL), WB_OK);
  CHECK(!wb_key_is_private(ecpub));
  CHECK_ST(wb_key_check_alg(ecpub, WB_ALG_ES256, WB_KEY_OP_SIGN, NULL),
           WB_ERR_ALG_NOT_ALLOWED); /* no private half */
  CHECK_ST(wb_key_check_alg(ecpub, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_OK);
  CHECK_ST(wb_key_set_use(ec, WB_USE_ENC, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_key_set_use(ec, WB_USE_SIG, NULL), WB_OK);
  CHECK_ST(wb_key_set_alg(ec, WB_ALG_ES384, NULL), WB_ERR_ALG_NOT_ALLOWED);
  wb_key_free(ec);
  wb_key_free(ecpub);

  char *ops = with(EC_PRIV, "key_ops", "[\"verify\"]");
  CHECK_ST(wb_key_from_jwk(&ec, ops, strlen(ops), NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_SIGN, NULL), WB_ERR_ALG_NOT_ALLOWED);
  wb_key_free(ec);
  free(ops);

  char *jwe = with(EC_PRIV, "alg", "\"ECDH-ES\"");
  CHECK_ST(wb_key_from_jwk(&ec, jwe, strlen(jwe), NULL), WB_OK);
  CHECK(wb_key_alg(ec) == WB_ALG_INVALID && wb_key_default_alg(ec) == WB_ALG_INVALID);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  char *out = NULL;
  CHECK_ST(wb_key_to_jwk(ec, WB_KEY_PUBLIC, &out, NULL), WB_OK);
  CHECK(out != NULL && strstr(out, "\"alg\":\"ECDH-ES\"") != NULL);
  wb_string_free(out);
  wb_key_free(ec);
  free(jwe);

  char *pinned = with(EC_PRIV, "alg", "\"ES256\"");
  CHECK_ST(wb_key_from_jwk(&ec, pinned, strlen(pinned), NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_SIGN, NULL), WB_OK);
  CHECK_ST(wb_key_set_alg(ec, WB_ALG_INVALID, NULL), WB_OK);
  wb_key_free(ec);
  free(pinned);

  CHECK_ST(wb_key_generate(&x, WB_KTY_OKP, WB_CRV_X25519, 0, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(x, WB_ALG_EDDSA, WB_KEY_OP_SIGN, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_key_check_alg(x, WB_ALG_EDDSA, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(wb_key_default_alg(x) == WB_ALG_INVALID);
  wb_key_free(x);
  wb_key_free(hs);
}

static void test_export_order(void) {
  const char *in =
      "{\"use\":\"sig\",\"kid\":\"k\\\"1\",\"y\":\"" EC_Y "\",\"key_ops\":[\"verify\",\"sign\"],"
      "\"x\":\"" EC_X "\",\"alg\":\"ES256\",\"d\":\"" EC_D "\",\"crv\":\"P-256\",\"kty\":\"EC\"}";
  const char *want_pub =
      "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\",\"kid\":\"k\\\"1\","
      "\"alg\":\"ES256\",\"use\":\"sig\",\"key_ops\":[\"sign\",\"verify\"]}";
  const char *want_priv =
      "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\",\"d\":\"" EC_D
      "\",\"kid\":\"k\\\"1\",\"alg\":\"ES256\",\"use\":\"sig\",\"key_ops\":[\"sign\",\"verify\"]}";
  wb_key *k = NULL;
  char *pub = NULL, *priv = NULL;
  CHECK_ST(wb_key_from_jwk(&k, in, strlen(in), NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PUBLIC, &pub, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &priv, NULL), WB_OK);
  CHECK(pub != NULL && strcmp(pub, want_pub) == 0);
  CHECK(priv != NULL && strcmp(priv, want_priv) == 0);
  if (pub != NULL && strcmp(pub, want_pub) != 0)
    fprintf(stderr, "got  %s\nwant %s\n", pub, want_pub);
  wb_string_free(pub);
  wb_string_free(priv);
  wb_key_free(k);
}

static void check_thumbprint_file(const char *rel) {
  json_t *v = load_vector(rel);
  if (v == NULL)
    return;
  json_t *t = json_array_get(json_object_get(v, "vectors"), 0);
  char *jwk = json_dumps(json_object_get(t, "jwk"), 0);
  const char *want = json_string_value(json_object_get(t, "thumbprint_b64u"));
  wb_key *k = NULL;
  char tp[WB_THUMBPRINT_LEN], uri[WB_THUMBPRINT_URI_LEN], want_uri[WB_THUMBPRINT_URI_LEN];
  CHECK_ST(wb_key_from_jwk(&k, jwk, strlen(jwk), NULL), WB_OK);
  CHECK_ST(wb_key_thumbprint(k, tp, NULL), WB_OK);
  CHECK(want != NULL && strcmp(tp, want) == 0);
  CHECK_ST(wb_key_thumbprint_uri(k, uri, NULL), WB_OK);
  snprintf(want_uri, sizeof(want_uri), "urn:ietf:params:oauth:jwk-thumbprint:sha-256:%s", want ? want : "");
  CHECK(strcmp(uri, want_uri) == 0);
  wb_key_free(k);
  free(jwk);
  json_decref(v);
}

/* Encodes pkey with the given output structure ("type-specific" gives PKCS#1 / SEC1). */
static char *encode(EVP_PKEY *pkey, int selection, const char *format, const char *structure, size_t *len) {
  unsigned char *data = NULL;
  OSSL_ENCODER_CTX *ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, format, structure, NULL);
  *len = 0;
  if (ctx == NULL || OSSL_ENCODER_to_data(ctx, &data, len) != 1)
    data = NULL;
  OSSL_ENCODER_CTX_free(ctx);
  char *s = calloc(1, *len + 1);
  if (data != NULL)
    memcpy(s, data, *len);
  OPENSSL_free(data);
  return s;
}

static void check_encoded(EVP_PKEY *pkey, int selection, const char *format, const char *structure,
                          wb_status want, const char *marker) {
  size_t len;
  char *s = encode(pkey, selection, format, structure, &len);
  wb_key *k = (wb_key *)1;
  wb_error e;
  CHECK(len > 0 && (marker == NULL || strstr(s, marker) != NULL));
  wb_status st = strcmp(format, "PEM") == 0 ? wb_key_from_pem(&k, s, len, &e)
                                            : wb_key_from_der(&k, (unsigned char *)s, len, &e);
  CHECK_ST(st, want);
  CHECK((st == WB_OK) == (k != NULL));
  if (st != WB_OK && want == WB_OK)
    fprintf(stderr, "%s %s: %s\n", format, structure, e.message);
  wb_key_free(k);
  if (len > 10) { /* a truncated DER/PEM never parses */
    k = (wb_key *)1;
    st = strcmp(format, "PEM") == 0 ? wb_key_from_pem(&k, s, len / 2, NULL)
                                    : wb_key_from_der(&k, (unsigned char *)s, len - 1, NULL);
    CHECK(st == WB_ERR_MALFORMED && k == NULL);
  }
  free(s);
}

static void test_pem(void) {
  EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
  EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
  check_encoded(rsa, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo", WB_OK, "BEGIN PUBLIC KEY");
  check_encoded(rsa, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", WB_OK, "BEGIN PRIVATE KEY");
  check_encoded(rsa, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", WB_OK, "BEGIN RSA PUBLIC KEY");
  check_encoded(rsa, EVP_PKEY_KEYPAIR, "PEM", "type-specific", WB_OK, "BEGIN RSA PRIVATE KEY");
  check_encoded(ec, EVP_PKEY_KEYPAIR, "PEM", "type-specific", WB_OK, "BEGIN EC PRIVATE KEY");
  check_encoded(ec, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo", WB_OK, NULL);
  check_encoded(rsa, EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo", WB_OK, NULL);
  check_encoded(rsa, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", WB_OK, NULL);
  check_encoded(ec, EVP_PKEY_KEYPAIR, "DER", "type-specific", WB_OK, NULL);
  check_encoded(weak, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo", WB_ERR_BAD_KEY, NULL);
  check_encoded(weak, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", WB_ERR_BAD_KEY, NULL);
  EVP_PKEY_free(rsa);
  EVP_PKEY_free(ec);
  EVP_PKEY_free(weak);

  wb_key *k = (wb_key *)1;
  const char *garbage = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n";
  CHECK_ST(wb_key_from_pem(&k, garbage, strlen(garbage), NULL), WB_ERR_MALFORMED);
  CHECK(k == NULL);
  CHECK_ST(wb_key_parse(&k, garbage, strlen(garbage), NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_key_from_der(&k, (const unsigned char *)"\x30\x03\x02\x01", 4, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_key_parse(&k, "hello", 5, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_key_from_pem(&k, "", 0, NULL), WB_ERR_MALFORMED);
  CHECK(k == NULL);

  wb_key *hs = NULL;
  char *pem = (char *)1;
  CHECK_ST(wb_key_from_secret(&hs, (const unsigned char *)"secret", 6, NULL), WB_OK);
  CHECK_ST(wb_key_to_pem(hs, WB_KEY_PRIVATE, &pem, NULL), WB_ERR_INVALID_ARG);
  CHECK(pem == NULL);
  wb_key_free(hs);
}

static void test_refcount_and_kid(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, EC_PUB, strlen(EC_PUB), NULL), WB_OK);
  CHECK(wb_key_kid(k) == NULL);
  CHECK_ST(wb_key_set_kid(k, "a", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(k, "b", NULL), WB_OK);
  CHECK(strcmp(wb_key_kid(k), "b") == 0);
  CHECK_ST(wb_key_set_kid(k, "\xff", NULL), WB_ERR_INVALID_ARG);
  CHECK(strcmp(wb_key_kid(k), "b") == 0);
  wb_key *ref = wb__key_ref(k);
  wb_key_free(k); /* the other reference keeps it alive */
  CHECK(strcmp(wb_key_kid(ref), "b") == 0);
  CHECK_ST(wb_key_set_kid(ref, NULL, NULL), WB_ERR_INVALID_ARG); /* a holder froze it */
  CHECK(strcmp(wb_key_kid(ref), "b") == 0);
  wb_key_free(ref);
  wb_key_free(NULL);
}

/* Setters refuse values outside their enums and change nothing; default algorithms per curve. */
static void test_setters_and_defaults(void) {
  wb_key *k = NULL;
  wb_error err;
  CHECK_ST(wb_key_from_jwk(&k, EC_PRIV, strlen(EC_PRIV), NULL), WB_OK);
  CHECK_ST(wb_key_set_alg(k, WB_ALG_ES256, &err), WB_OK);
  CHECK_ST(wb_key_set_alg(k, WB_ALG_COUNT_, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_set_alg(k, (wb_alg)-1, &err), WB_ERR_INVALID_ARG);
  CHECK(wb_key_alg(k) == WB_ALG_ES256 && strcmp(err.message, "unknown algorithm") == 0);
  CHECK_ST(wb_key_set_use(k, WB_USE_SIG, &err), WB_OK);
  CHECK_ST(wb_key_set_use(k, (wb_use)3, &err), WB_ERR_INVALID_ARG);
  CHECK(wb_key_use(k) == WB_USE_SIG && strstr(err.message, "unknown use") != NULL);
  CHECK_ST(wb_key_set_use(k, WB_USE_ANY, &err), WB_OK);
  CHECK(wb_key_use(k) == WB_USE_ANY);
  CHECK_ST(wb_key_set_use(k, WB_USE_ENC, &err), WB_OK); /* then no signature alg fits */
  CHECK(wb_key_use(k) == WB_USE_ENC);
  CHECK_ST(wb_key_check_alg(k, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
  wb_key_free(k);
  static const struct {
    wb_kty kty;
    wb_crv crv;
    wb_alg alg;
  } defaults[] = {{WB_KTY_EC, WB_CRV_P256, WB_ALG_ES256},      {WB_KTY_EC, WB_CRV_P384, WB_ALG_ES384},
                  {WB_KTY_EC, WB_CRV_P521, WB_ALG_ES512},      {WB_KTY_EC, WB_CRV_SECP256K1, WB_ALG_ES256K},
                  {WB_KTY_OKP, WB_CRV_ED25519, WB_ALG_EDDSA},  {WB_KTY_OKP, WB_CRV_ED448, WB_ALG_EDDSA},
                  {WB_KTY_OKP, WB_CRV_X25519, WB_ALG_INVALID}, {WB_KTY_OCT, WB_CRV_NONE, WB_ALG_INVALID}};
  for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
    k = NULL;
    CHECK_ST(wb_key_generate(&k, defaults[i].kty, defaults[i].crv, 0, NULL), WB_OK);
    CHECK(wb_key_default_alg(k) == defaults[i].alg);
    wb_key_free(k);
  }
  CHECK(wb_key_default_alg(NULL) == WB_ALG_INVALID);
  CHECK(strcmp(wb__kty_name(WB_KTY_OKP), "OKP") == 0 && strcmp(wb__kty_name(WB_KTY_INVALID), "?") == 0);
}

/* The public half: refused for a secret; an encryption key's half keeps its JWE alg. */
static void test_public_half(void) {
  wb_key *k = NULL, *pub = (wb_key *)1;
  wb_error err;
  CHECK_ST(wb_key_from_secret(&k, (const unsigned char *)"0123456789abcdef0123456789abcdef", 32, NULL),
           WB_OK);
  CHECK_ST(wb_key_public(&pub, k, &err), WB_ERR_INVALID_ARG);
  CHECK(pub == NULL && strstr(err.message, "no public half") != NULL);
  wb_key_free(k);
  char *ecdh = with(EC_PRIV, "alg", "\"ECDH-ES+A128KW\""), *json = NULL;
  k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, ecdh, strlen(ecdh), NULL), WB_OK);
  CHECK_ST(wb_key_public(&pub, k, &err), WB_OK);
  CHECK(!wb_key_is_private(pub) && wb_key_default_alg(pub) == WB_ALG_INVALID); /* never signs */
  CHECK_ST(wb_key_to_jwk(pub, WB_KEY_PUBLIC, &json, NULL), WB_OK);
  CHECK(json != NULL && strstr(json, "\"alg\":\"ECDH-ES+A128KW\"") != NULL);
  wb_string_free(json);
  wb_key_free(pub);
  wb_key_free(k);
  free(ecdh);
}

/* The public half of the private JWK `priv` with key_ops ops_in has key_ops ops_out (a JSON
 * array text, or NULL for none) in its exported JWK. */
static void check_public_ops(const char *priv, const char *ops_in, const char *ops_out) {
  char *json = with(priv, "key_ops", ops_in), *pub = NULL, want[80];
  wb_key *k = NULL, *p = NULL;
  CHECK_ST(wb_key_from_jwk(&k, json, strlen(json), NULL), WB_OK);
  CHECK_ST(wb_key_public(&p, k, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(p, WB_KEY_PUBLIC, &pub, NULL), WB_OK);
  snprintf(want, sizeof(want), "\"key_ops\":%s", ops_out ? ops_out : "");
  bool ok = pub != NULL && (ops_out ? strstr(pub, want) != NULL : strstr(pub, "key_ops") == NULL);
  if (!ok)
    fprintf(stderr, "key_ops %s: public JWK %s, want %s\n", ops_in, pub ? pub : "(none)", want);
  CHECK(ok);
  wb_string_free(pub);
  wb_key_free(p);
  wb_key_free(k);
  free(json);
}

/*
 * wb_key_public maps key_ops to their public counterparts: a key that may only sign has a public
 * half that may verify (and its public JWK verifies the private key's tokens); private-only
 * operations go; restrictions never widen.
 */
static void test_public_key_ops(void) {
  wb_key *xk = NULL;
  char *x25519 = NULL; /* an ECDH key: only derive operations */
  CHECK_ST(wb_key_generate(&xk, WB_KTY_OKP, WB_CRV_X25519, 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(xk, WB_KEY_PRIVATE, &x25519, NULL), WB_OK);
  wb_key_free(xk);
  check_public_ops(EC_PRIV, "[\"sign\"]", "[\"verify\"]");
  check_public_ops(EC_PRIV, "[\"sign\",\"verify\"]", "[\"verify\"]");
  check_public_ops(EC_PRIV, "[\"verify\"]", "[\"verify\"]");
  check_public_ops(EC_PRIV, "[\"decrypt\",\"unwrapKey\"]", "[\"encrypt\",\"wrapKey\"]");
  check_public_ops(EC_PRIV, "[\"encrypt\",\"wrapKey\",\"deriveBits\"]", "[\"encrypt\",\"wrapKey\"]");
  check_public_ops(EC_PRIV, "[\"deriveKey\",\"deriveBits\"]", "[]"); /* still restricted: to nothing */
  check_public_ops(EC_PRIV, "[]", "[]");
  check_public_ops(x25519, "[\"deriveKey\"]", "[]");
  wb_string_free(x25519);

  /* end to end: the private key signs, its public JWK (exported, re-imported) verifies */
  char *json = with(EC_PRIV, "key_ops", "[\"sign\"]"), *pub_json = NULL, *token = NULL;
  wb_key *k = NULL, *p = NULL, *back = NULL;
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  CHECK_ST(wb_key_from_jwk(&k, json, strlen(json), NULL), WB_OK);
  CHECK_ST(wb_key_public(&p, k, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(p, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(p, WB_KEY_PUBLIC, &pub_json, NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&back, pub_json, pub_json ? strlen(pub_json) : 0, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_ES256, NULL), WB_OK);
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"{}", 2, &token, NULL, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, back, NULL), WB_OK);
  char *payload = NULL;
  CHECK_ST(wb_jws_verify(v, token, token ? strlen(token) : 0, &payload, NULL, NULL), WB_OK);
  wb_string_free(payload);
  wb_verifier_free(v);
  wb_signer_free(s);
  wb_string_free(token);
  wb_string_free(pub_json);
  wb_key_free(back);
  wb_key_free(p);
  wb_key_free(k);
  free(json);
}

/* The wb_key_part and wb_key_op arguments: zero and unknown values are refused (invalid_arg), out
 * parameters stay NULL, and err says which argument. */
static void test_part_and_op_enums(void) {
  wb_key *ec = NULL, *hs = NULL;
  CHECK_ST(wb_key_from_jwk(&ec, EC_PRIV, strlen(EC_PRIV), NULL), WB_OK);
  CHECK_ST(wb_key_from_secret(&hs, (const unsigned char *)"0123456789abcdef0123456789abcdef", 32, NULL),
           WB_OK);
  const int bad[] = {0, 3, -1, 1000};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *out = (char *)1;
    wb_error e = {0};
    CHECK_ST(wb_key_to_jwk(ec, (wb_key_part)bad[i], &out, &e), WB_ERR_INVALID_ARG);
    CHECK(out == NULL && e.code == WB_ERR_INVALID_ARG && strstr(e.message, "part") != NULL);
    out = (char *)1;
    CHECK_ST(wb_key_to_jwk(hs, (wb_key_part)bad[i], &out, NULL), WB_ERR_INVALID_ARG);
    CHECK(out == NULL);
    out = (char *)1;
    CHECK_ST(wb_key_to_pem(ec, (wb_key_part)bad[i], &out, &e), WB_ERR_INVALID_ARG);
    CHECK(out == NULL && strstr(e.message, "part") != NULL);
    CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, (wb_key_op)bad[i], &e), WB_ERR_INVALID_ARG);
    CHECK(strstr(e.message, "op") != NULL);
    CHECK_ST(wb_key_check_alg(hs, WB_ALG_HS256, (wb_key_op)bad[i], NULL), WB_ERR_INVALID_ARG);
  }
  /* the valid values, for contrast: WB_KEY_PRIVATE of a private key writes "d", WB_KEY_PUBLIC not */
  char *pub = NULL, *priv = NULL;
  CHECK_ST(wb_key_to_jwk(ec, WB_KEY_PUBLIC, &pub, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(ec, WB_KEY_PRIVATE, &priv, NULL), WB_OK);
  CHECK(pub != NULL && strstr(pub, "\"d\"") == NULL && priv != NULL && strstr(priv, "\"d\"") != NULL);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_SIGN, NULL), WB_OK);
  CHECK_ST(wb_key_check_alg(ec, WB_ALG_ES256, WB_KEY_OP_VERIFY, NULL), WB_OK);
  wb_string_free(pub);
  wb_string_free(priv);
  wb_key_free(hs);
  wb_key_free(ec);
}

/* Which holder freezes the key in test_freeze. */
enum { BY_SIGNER, BY_VERIFIER, BY_KEYSET, BY_COUNT };

/* A holder of kind `by` taking key (a signer, verifier or key set); free it with release_holder. */
static void *take_holder(int by, const wb_key *key) {
  void *h = NULL;
  if (by == BY_SIGNER)
    CHECK_ST(wb_signer_new((wb_signer **)&h, key, WB_ALG_ES256, NULL), WB_OK);
  else if (by == BY_VERIFIER)
    CHECK_ST(wb_verifier_new_key((wb_verifier **)&h, key, NULL), WB_OK);
  else if (wb_keyset_new((wb_keyset **)&h, NULL) == WB_OK)
    CHECK_ST(wb_keyset_add(h, key, NULL), WB_OK);
  return h;
}

static void release_holder(int by, void *h) {
  if (by == BY_SIGNER)
    wb_signer_free(h);
  else if (by == BY_VERIFIER)
    wb_verifier_free(h);
  else
    wb_keyset_free(h);
}

/*
 * Keys freeze when a signer, a verifier or a key set takes them (key.h): every setter then
 * returns invalid_arg and changes nothing, even after the holder is gone, while the set-up calls
 * of a key nobody holds still work.
 */
static void test_freeze(void) {
  for (int by = 0; by < BY_COUNT; by++) {
    wb_key *k = NULL;
    wb_error e;
    CHECK_ST(wb_key_from_jwk(&k, EC_PRIV, strlen(EC_PRIV), NULL), WB_OK);
    CHECK_ST(wb_key_set_kid(k, "before", NULL), WB_OK); /* not held yet: set-up works */
    CHECK_ST(wb_key_set_use(k, WB_USE_SIG, NULL), WB_OK);
    CHECK_ST(wb_key_set_alg(k, WB_ALG_ES256, NULL), WB_OK);
    void *h = take_holder(by, k);
    const char *kid = wb_key_kid(k);
    CHECK_ST(wb_key_set_kid(k, "after", &e), WB_ERR_INVALID_ARG);
    CHECK(e.code == WB_ERR_INVALID_ARG && strstr(e.message, "frozen") != NULL);
    CHECK_ST(wb_key_set_kid(k, NULL, NULL), WB_ERR_INVALID_ARG);
    CHECK(wb_key_kid(k) == kid && strcmp(kid, "before") == 0); /* not even reallocated */
    CHECK_ST(wb_key_set_alg(k, WB_ALG_INVALID, NULL), WB_ERR_INVALID_ARG);
    CHECK_ST(wb_key_set_alg(k, WB_ALG_ES256, NULL), WB_ERR_INVALID_ARG);
    CHECK(wb_key_alg(k) == WB_ALG_ES256);
    CHECK_ST(wb_key_set_use(k, WB_USE_ENC, NULL), WB_ERR_INVALID_ARG);
    CHECK_ST(wb_key_set_use(k, WB_USE_ANY, NULL), WB_ERR_INVALID_ARG);
    CHECK(wb_key_use(k) == WB_USE_SIG);
    release_holder(by, h);
    CHECK_ST(wb_key_set_kid(k, "later", NULL), WB_ERR_INVALID_ARG); /* frozen for good */
    CHECK(strcmp(wb_key_kid(k), "before") == 0);
    wb_key *pub = NULL; /* a derived key is a new key: not frozen */
    CHECK_ST(wb_key_public(&pub, k, NULL), WB_OK);
    CHECK_ST(wb_key_set_kid(pub, "pub", NULL), WB_OK);
    wb_key_free(pub);
    wb_key_free(k);
  }
}

/* Every key of the RFC 7520 cookbook and RFC 7517/8037 appendices must import. */
static void test_vector_keys(void) {
  static const char *const files[] = {"rfc7520/jwk/3_1.ec_public_key.json",
                                      "rfc7520/jwk/3_2.ec_private_key.json",
                                      "rfc7520/jwk/3_3.rsa_public_key.json",
                                      "rfc7520/jwk/3_4.rsa_private_key.json",
                                      "rfc7520/jwk/3_5.symmetric_key_mac_computation.json",
                                      "rfc7520/jwk/3_6.symmetric_key_encryption.json"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    json_t *j = load_vector(files[i]);
    if (j == NULL)
      continue;
    char *s = json_dumps(j, 0);
    char msg[160];
    wb_status st = import_msg(s, msg, sizeof(msg));
    if (st != WB_OK)
      fprintf(stderr, "%s: %s\n", files[i], msg);
    CHECK(st == WB_OK);
    free(s);
    json_decref(j);
  }
  json_t *v = load_vector("rfc/rfc8037_A.1_ed25519_private_key.json");
  if (v != NULL) {
    char *s = json_dumps(json_object_get(json_array_get(json_object_get(v, "vectors"), 0), "jwk"), 0);
    CHECK_ST(import(s), WB_OK);
    free(s);
    json_decref(v);
  }
}

int main(void) {
  test_oct();
  test_metadata();
  test_ec();
  test_okp();
  test_rsa();
  test_check_alg();
  test_export_order();
  check_thumbprint_file("rfc/rfc7638_3.1_thumbprint.json");
  check_thumbprint_file("rfc/rfc8037_A.3_jwk_thumbprint.json");
  test_pem();
  test_refcount_and_kid();
  test_setters_and_defaults();
  test_public_half();
  test_freeze();
  test_public_key_ops();
  test_part_and_op_enums();
  test_vector_keys();
  return vectors_exit(CHECK_DONE());
}
