/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/attacks_test.c - one test per known attack on JWT verifiers (issue 2, "Tests";
 * RFC 8725), each named after the attack and each asserting the exact wb_status it must get.
 *
 * Tokens are built either with wb_jws_sign_header (exact header, our own signer) or by hand with
 * OpenSSL (HMAC, hand-made ECDSA signatures) where the forged form is something wristband would
 * never produce. Hand-made HMAC tokens are signed over exactly the bytes sent, so the only thing
 * wrong with them is the attack itself. The clock is fixed with wb_verifier_set_now. Every
 * rejected wb_verify must leave *claims == NULL (checked with a non-NULL sentinel).
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "check.h"

#define NOW 1700000000LL
static const char *current_attack = "";

/* ---- token building ----------------------------------------------------------------------- */

/* base64url of n bytes, new string (free()). */
static char *b64u(const void *data, size_t n) {
  size_t cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *out = malloc(cap);
  if (out == NULL || wb_b64url_encode(out, cap, data, n, NULL, NULL) != WB_OK) {
    free(out);
    return NULL;
  }
  return out;
}

/* base64url text back to bytes into out (cap bytes); returns the length or 0. */
static size_t unb64u(const char *text, size_t len, unsigned char *out, size_t cap) {
  size_t n = 0;
  return wb_b64url_decode(out, cap, text, len, &n, NULL) == WB_OK ? n : 0;
}

/* "a.b.c" as a new string (c may be NULL for "a.b"). */
static char *join(const char *a, const char *b, const char *c) {
  size_t n = strlen(a) + strlen(b) + (c ? strlen(c) + 1 : 0) + 2;
  char *out = malloc(n);
  if (c != NULL)
    snprintf(out, n, "%s.%s.%s", a, b, c);
  else
    snprintf(out, n, "%s.%s", a, b);
  return out;
}

/* The signing input "b64u(header).b64u(payload)" of two JSON texts. */
static char *signing_input(const char *header_json, const char *payload_json) {
  char *h = b64u(header_json, strlen(header_json));
  char *p = b64u(payload_json, strlen(payload_json));
  char *in = join(h, p, NULL);
  free(h);
  free(p);
  return in;
}

/* input + "." + b64u(HMAC-md(secret, input)): a hand-made HMAC token over exactly input. */
static char *hmac_sign_input(const char *input, const char *md, const void *secret, size_t secret_len) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, secret, secret_len, (const unsigned char *)input, strlen(input),
                mac, sizeof(mac), &mac_len) == NULL)
    return NULL;
  char *sig = b64u(mac, mac_len);
  size_t n = strlen(input) + strlen(sig) + 2;
  char *tok = malloc(n);
  snprintf(tok, n, "%s.%s", input, sig);
  free(sig);
  return tok;
}

/* A hand-made HS256 token of two JSON texts. */
static char *hmac_token(const char *header_json, const char *payload_json, const void *secret, size_t n) {
  char *in = signing_input(header_json, payload_json);
  char *tok = hmac_sign_input(in, "SHA256", secret, n);
  free(in);
  return tok;
}

/* A token signed by key with wb_jws_sign_header (exact header bytes). */
static char *our_token(const wb_key *key, const char *header_json, const char *payload_json) {
  char *tok = NULL;
  wb_error err = {0};
  wb_status st =
      wb_jws_sign_header(key, header_json, strlen(header_json), (const unsigned char *)payload_json,
                         strlen(payload_json), &tok, NULL, &err);
  if (st != WB_OK)
    fprintf(stderr, "[%s] wb_jws_sign_header(%s): %s: %s\n", current_attack, header_json, wb_status_name(st),
            err.message);
  return tok;
}

/* ---- verifying ---------------------------------------------------------------------------- */

/* wb_verify must return want; on failure *claims must be NULL (a sentinel is passed in). */
static void expect_verify_at(int line, const wb_verifier *v, const char *token, wb_status want) {
  wb_error err = {0};
  wb_claims *claims = (wb_claims *)&err; /* non-NULL sentinel, never dereferenced */
  wb_status got = token ? wb_verify(v, token, strlen(token), &claims, &err) : WB_ERR_INVALID_ARG;
  if (got == want) {
    check_passed_++;
  } else {
    check_failed_++;
    fprintf(stderr, "%s:%d: [%s] wb_verify returned %s (%s), want %s\n", __FILE__, line, current_attack,
            wb_status_name(got), err.message, wb_status_name(want));
  }
  if (got != WB_OK) {
    CHECK(claims == NULL);
    return;
  }
  wb_claims_free(claims);
}
#define EXPECT_VERIFY(v, token, want) expect_verify_at(__LINE__, v, token, want)

/* Like EXPECT_VERIFY but any status of the list (terminated by WB_OK) is accepted; never WB_OK. */
static void expect_rejected_at(int line, const wb_verifier *v, const char *token, const wb_status *ok_list) {
  wb_error err = {0};
  wb_claims *claims = (wb_claims *)&err;
  wb_status got = token ? wb_verify(v, token, strlen(token), &claims, &err) : WB_ERR_INVALID_ARG;
  bool ok = false;
  for (size_t i = 0; ok_list[i] != WB_OK; i++)
    ok = ok || got == ok_list[i];
  if (ok) {
    check_passed_++;
  } else {
    check_failed_++;
    fprintf(stderr, "%s:%d: [%s] wb_verify returned %s (%s), want %s or similar\n", __FILE__, line,
            current_attack, wb_status_name(got), err.message, wb_status_name(ok_list[0]));
  }
  if (got == WB_OK)
    wb_claims_free(claims);
  else
    CHECK(claims == NULL);
}

/* A verifier for key with the fixed clock; NULL (and a failed check) if set-up fails. */
static wb_verifier *verifier_for(const wb_key *key) {
  wb_verifier *v = NULL;
  wb_error err = {0};
  CHECK_ST(wb_verifier_new_key(&v, key, &err), WB_OK);
  if (v != NULL)
    CHECK_ST(wb_verifier_set_now(v, NOW, &err), WB_OK);
  return v;
}

/* ---- shared fixtures ---------------------------------------------------------------------- */

static const unsigned char hs_secret[32] = "0123456789abcdef0123456789abcdef";
static const char *const valid_claims = "{\"sub\":\"alice\",\"iat\":1699999900,\"exp\":1700000600}";

static wb_key *secret_key(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_secret(&k, hs_secret, sizeof(hs_secret), NULL), WB_OK);
  if (k != NULL)
    CHECK_ST(wb_key_set_alg(k, WB_ALG_HS256, NULL), WB_OK);
  return k;
}

static wb_key *generated(wb_alg alg) {
  wb_key *k = NULL;
  wb_error err = {0};
  CHECK_ST(wb_key_generate_for_alg(&k, alg, WB_CRV_NONE, 0, &err), WB_OK);
  return k;
}

#define RUN(test)                                                                                            \
  do {                                                                                                       \
    current_attack = #test;                                                                                  \
    test();                                                                                                  \
  } while (0)

/* ---- the attacks ---------------------------------------------------------------------------- */

/* alg "none" in any letter case: no key, no signature, must never verify. */
static void alg_none_any_case(void) {
  static const char *const names[] = {"none", "None", "NONE", "nOnE"};
  wb_key *key = secret_key();
  wb_verifier *v = verifier_for(key);
  for (size_t i = 0; v != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", names[i]);
    char *in = signing_input(hdr, valid_claims);
    char *empty_sig = join(in, "", NULL); /* "h.p." */
    char *hmac_sig = hmac_sign_input(in, "SHA256", hs_secret, sizeof(hs_secret));
    EXPECT_VERIFY(v, empty_sig, WB_ERR_ALG_NOT_ALLOWED);
    EXPECT_VERIFY(v, hmac_sig, WB_ERR_ALG_NOT_ALLOWED);
    free(in);
    free(empty_sig);
    free(hmac_sig);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/* The verifier holds an (unpinned) RSA public key; the attacker HMACs with its PEM and JWK text. */
static void hmac_keyed_with_rsa_public_key(void) {
  wb_key *priv = NULL, *pub = NULL;
  char *pem = NULL, *jwk = NULL;
  CHECK_ST(wb_key_generate(&priv, WB_KTY_RSA, WB_CRV_NONE, 2048, NULL), WB_OK);
  if (priv == NULL)
    return;
  CHECK_ST(wb_key_public(&pub, priv, NULL), WB_OK);
  CHECK_ST(wb_key_to_pem(pub, WB_KEY_PUBLIC, &pem, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(pub, WB_KEY_PUBLIC, &jwk, NULL), WB_OK);
  wb_verifier *v = pub ? verifier_for(pub) : NULL;
  const char *secrets[] = {pem, jwk};
  for (size_t i = 0; v != NULL && i < 2; i++) {
    if (secrets[i] == NULL)
      continue;
    char *tok =
        hmac_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", valid_claims, secrets[i], strlen(secrets[i]));
    EXPECT_VERIFY(v, tok, WB_ERR_ALG_NOT_ALLOWED);
    free(tok);
  }
  wb_verifier_free(v);
  wb_string_free(pem);
  wb_string_free(jwk);
  wb_key_free(pub);
  wb_key_free(priv);
}

/* Empty secrets are refused at import; a secret shorter than the hash neither signs nor verifies. */
static void hmac_empty_or_short_key(void) {
  wb_key *k = (wb_key *)&k;
  CHECK(wb_key_from_secret(&k, hs_secret, 0, NULL) != WB_OK);
  CHECK(k == NULL);
  const char *empty_jwk = "{\"kty\":\"oct\",\"k\":\"\",\"alg\":\"HS256\"}";
  k = (wb_key *)&k;
  CHECK(wb_key_from_jwk(&k, empty_jwk, strlen(empty_jwk), NULL) != WB_OK);
  CHECK(k == NULL);

  wb_key *short_key = NULL;
  CHECK_ST(wb_key_from_secret(&short_key, hs_secret, 16, NULL), WB_OK);
  if (short_key == NULL)
    return;
  CHECK_ST(wb_key_check_alg(short_key, WB_ALG_HS256, WB_KEY_OP_SIGN, NULL), WB_ERR_BAD_KEY);
  wb_signer *s = NULL;
  CHECK_ST(wb_signer_new(&s, short_key, WB_ALG_HS256, NULL), WB_ERR_BAD_KEY);
  CHECK(s == NULL);
  /* Verifying: either the verifier refuses the key or the token is refused, both as bad_key. */
  char *tok = hmac_token("{\"alg\":\"HS256\"}", valid_claims, hs_secret, 16);
  wb_verifier *v = NULL;
  wb_status st = wb_verifier_new_key(&v, short_key, NULL);
  if (st == WB_OK) {
    CHECK_ST(wb_verifier_set_now(v, NOW, NULL), WB_OK);
    EXPECT_VERIFY(v, tok, WB_ERR_BAD_KEY);
  } else {
    CHECK_ST(st, WB_ERR_BAD_KEY);
  }
  wb_verifier_free(v);
  free(tok);
  wb_key_free(short_key);
}

/* P-256 group order n, big-endian. */
static const char p256_n_hex[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

/* Writes bn into 32 big-endian bytes. */
static void bn32(const BIGNUM *bn, unsigned char out[32]) {
  BN_bn2binpad(bn, out, 32);
}

/* Replaces the signature of a valid ES256 token and expects bad_signature. */
static void expect_es256_sig(const wb_verifier *v, const char *token, const unsigned char *sig, size_t n) {
  const char *dot = strrchr(token, '.');
  size_t head = (size_t)(dot - token);
  char *sig64 = b64u(sig, n);
  char *forged = malloc(head + strlen(sig64) + 2);
  memcpy(forged, token, head);
  snprintf(forged + head, strlen(sig64) + 2, ".%s", sig64);
  EXPECT_VERIFY(v, forged, WB_ERR_BAD_SIGNATURE);
  free(forged);
  free(sig64);
}

/* A valid ES256 token of our own and its R||S signature. */
static char *es256_token(const wb_key *key, unsigned char rs[64]) {
  char *tok = our_token(key, "{\"alg\":\"ES256\"}", valid_claims);
  if (tok == NULL)
    return NULL;
  const char *dot = strrchr(tok, '.');
  CHECK(unb64u(dot + 1, strlen(dot + 1), rs, 64) == 64);
  return tok;
}

/* ECDSA with r or s = 0, = n or > n (including the all-zero "psychic signature"). */
static void ecdsa_r_s_out_of_range(void) {
  wb_key *key = generated(WB_ALG_ES256);
  wb_verifier *v = key ? verifier_for(key) : NULL;
  unsigned char rs[64], sig[64], n32[32], big[32];
  char *tok = v ? es256_token(key, rs) : NULL;
  BIGNUM *n = NULL, *n1 = BN_new();
  BN_hex2bn(&n, p256_n_hex);
  BN_copy(n1, n);
  BN_add_word(n1, 1);
  bn32(n, n32);
  memset(big, 0xff, sizeof(big));
  if (tok != NULL) {
    EXPECT_VERIFY(v, tok, WB_OK);                     /* the unforged token verifies */
    const unsigned char *r_vals[] = {NULL, n32, big}; /* NULL = zero */
    for (int half = 0; half < 2; half++) {
      for (size_t i = 0; i < 3; i++) {
        memcpy(sig, rs, 64);
        if (r_vals[i] == NULL)
          memset(sig + 32 * half, 0, 32);
        else
          memcpy(sig + 32 * half, r_vals[i], 32);
        expect_es256_sig(v, tok, sig, 64);
      }
      memcpy(sig, rs, 64);
      bn32(n1, sig + 32 * half); /* n + 1 */
      expect_es256_sig(v, tok, sig, 64);
    }
    memset(sig, 0, 64);
    expect_es256_sig(v, tok, sig, 64);
  }
  BN_free(n);
  BN_free(n1);
  wb_string_free(tok);
  wb_verifier_free(v);
  wb_key_free(key);
}

/* The same (r, s) DER-encoded instead of R||S: a lenient verifier might accept it. */
static void ecdsa_der_signature(void) {
  wb_key *key = generated(WB_ALG_ES256);
  wb_verifier *v = key ? verifier_for(key) : NULL;
  unsigned char rs[64];
  char *tok = v ? es256_token(key, rs) : NULL;
  if (tok != NULL) {
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
    unsigned char *der = NULL;
    int der_len = i2d_ECDSA_SIG(es, &der);
    CHECK(der_len > 64);
    if (der_len > 0)
      expect_es256_sig(v, tok, der, (size_t)der_len);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
  }
  wb_string_free(tok);
  wb_verifier_free(v);
  wb_key_free(key);
}

/* An RS512 token presented to a key pinned to RS256 by its "alg" (same family, same key). */
static void same_family_substitution(void) {
  wb_key *unpinned = NULL, *pinned = NULL;
  char *jwk = NULL;
  CHECK_ST(wb_key_generate(&unpinned, WB_KTY_RSA, WB_CRV_NONE, 2048, NULL), WB_OK);
  if (unpinned == NULL)
    return;
  CHECK_ST(wb_key_to_jwk(unpinned, WB_KEY_PRIVATE, &jwk, NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&pinned, jwk, jwk ? strlen(jwk) : 0, NULL), WB_OK);
  if (pinned != NULL)
    CHECK_ST(wb_key_set_alg(pinned, WB_ALG_RS256, NULL), WB_OK);
  wb_verifier *v = pinned ? verifier_for(pinned) : NULL;
  char *rs512 = our_token(unpinned, "{\"alg\":\"RS512\"}", valid_claims);
  char *ps256 = our_token(unpinned, "{\"alg\":\"PS256\"}", valid_claims);
  char *rs256 = our_token(unpinned, "{\"alg\":\"RS256\"}", valid_claims);
  if (v != NULL) {
    EXPECT_VERIFY(v, rs512, WB_ERR_ALG_NOT_ALLOWED);
    EXPECT_VERIFY(v, ps256, WB_ERR_ALG_NOT_ALLOWED);
    EXPECT_VERIFY(v, rs256, WB_OK);
  }
  wb_string_free(rs512);
  wb_string_free(ps256);
  wb_string_free(rs256);
  wb_verifier_free(v);
  wb_string_free(jwk);
  wb_key_free(pinned);
  wb_key_free(unpinned);
}

/* The payload (or one signature bit) changed after signing. */
static void tampered_payload(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  char *tok = key ? our_token(key, "{\"alg\":\"HS256\"}", valid_claims) : NULL;
  if (v != NULL && tok != NULL) {
    EXPECT_VERIFY(v, tok, WB_OK);
    const char *evil = "{\"sub\":\"admin\",\"iat\":1699999900,\"exp\":1700000600}";
    char *evil64 = b64u(evil, strlen(evil));
    char *first = strchr(tok, '.'), *last = strrchr(tok, '.');
    *first = '\0';
    char *forged = join(tok, evil64, last + 1);
    *first = '.';
    EXPECT_VERIFY(v, forged, WB_ERR_BAD_SIGNATURE);
    last[1] = last[1] == 'A' ? 'B' : 'A'; /* first signature character: changes the top bits */
    EXPECT_VERIFY(v, tok, WB_ERR_BAD_SIGNATURE);
    free(forged);
    free(evil64);
  }
  wb_string_free(tok);
  wb_verifier_free(v);
  wb_key_free(key);
}

/* Header with "jwk" / "jku" / "x5u" members: an attacker's key signs; never accepted. */
static void forged_with_header_key(const char *extra_member, const wb_key *attacker, const wb_verifier *v) {
  char *pub = NULL;
  CHECK_ST(wb_key_to_jwk(attacker, WB_KEY_PUBLIC, &pub, NULL), WB_OK);
  char hdr[1024];
  if (strcmp(extra_member, "jwk") == 0)
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"jwk\":%s}", pub ? pub : "{}");
  else
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"%s\":\"https://attacker.example/keys\"}", extra_member);
  char *tok = our_token(attacker, hdr, valid_claims);
  static const wb_status rejections[] = {WB_ERR_BAD_SIGNATURE, WB_ERR_KEY_NOT_FOUND, WB_OK};
  expect_rejected_at(__LINE__, v, tok, rejections);
  wb_string_free(tok);
  wb_string_free(pub);
}

static void embedded_jwk_header(void) {
  wb_key *victim = generated(WB_ALG_ES256), *attacker = generated(WB_ALG_ES256);
  wb_verifier *v = victim ? verifier_for(victim) : NULL;
  if (v != NULL && attacker != NULL)
    forged_with_header_key("jwk", attacker, v);
  wb_verifier_free(v);
  wb_key_free(victim);
  wb_key_free(attacker);
}

/* jku/x5u never pick the key: the attacker's token fails, the victim's own token still verifies. */
static void jku_x5u_headers(void) {
  wb_key *victim = generated(WB_ALG_ES256), *attacker = generated(WB_ALG_ES256);
  wb_verifier *v = victim ? verifier_for(victim) : NULL;
  if (v != NULL && attacker != NULL) {
    forged_with_header_key("jku", attacker, v);
    forged_with_header_key("x5u", attacker, v);
    char *own =
        our_token(victim, "{\"alg\":\"ES256\",\"jku\":\"https://attacker.example/keys\"}", valid_claims);
    EXPECT_VERIFY(v, own, WB_OK);
    wb_string_free(own);
  }
  wb_verifier_free(v);
  wb_key_free(victim);
  wb_key_free(attacker);
}

/* A correctly signed token whose crit names an extension wristband does not know. */
static void unknown_crit(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  static const char *const headers[] = {
      "{\"alg\":\"HS256\",\"crit\":[\"http://example.com/UNDEFINED\"],\"http://example.com/UNDEFINED\":true}",
      "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}",
  };
  for (size_t i = 0; v != NULL && i < sizeof(headers) / sizeof(headers[0]); i++) {
    char *tok = hmac_token(headers[i], valid_claims, hs_secret, sizeof(hs_secret));
    EXPECT_VERIFY(v, tok, WB_ERR_UNSUPPORTED_CRIT);
    free(tok);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/*
 * RFC 7797 b64 without crit: a verifier that honours "b64":false reads the payload segment as
 * raw bytes, one that ignores it reads it as base64url, so the same token says two things.
 * RFC 7797 requires "b64" in crit: without it the header is malformed, whatever the value
 * (a JWT never uses b64; lib/jws.c accepts "b64":false with crit only through the raw JWS API).
 */
static void unencoded_payload_b64_false(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  static const struct {
    const char *header;
    wb_status want;
  } cases[] = {
      {"{\"alg\":\"HS256\",\"b64\":false}", WB_ERR_MALFORMED}, /* RFC 7797 6: only with crit */
      {"{\"alg\":\"HS256\",\"b64\":\"false\"}", WB_ERR_MALFORMED},
      {"{\"alg\":\"HS256\",\"b64\":null}", WB_ERR_MALFORMED},
      {"{\"alg\":\"HS256\",\"b64\":true}", WB_ERR_MALFORMED},
  };
  for (size_t i = 0; v != NULL && i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *tok = hmac_token(cases[i].header, valid_claims, hs_secret, sizeof(hs_secret));
    EXPECT_VERIFY(v, tok, cases[i].want);
    free(tok);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/* Duplicate member names: which "alg" or "sub" would a parser take? Refuse to guess. */
static void duplicate_member_names(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  if (v != NULL) {
    char *hdr_dup = hmac_token("{\"alg\":\"HS256\",\"alg\":\"HS256\"}", valid_claims, hs_secret, 32);
    char *claims_dup = hmac_token("{\"alg\":\"HS256\"}",
                                  "{\"sub\":\"alice\",\"sub\":\"admin\",\"exp\":1700000600}", hs_secret, 32);
    EXPECT_VERIFY(v, hdr_dup, WB_ERR_MALFORMED);
    EXPECT_VERIFY(v, claims_dup, WB_ERR_MALFORMED);
    free(hdr_dup);
    free(claims_dup);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/* Re-signs a modified signing input by hand and expects malformed. */
static void expect_malformed_input(const wb_verifier *v, const char *input) {
  char *tok = hmac_sign_input(input, "SHA256", hs_secret, sizeof(hs_secret));
  EXPECT_VERIFY(v, tok, WB_ERR_MALFORMED);
  /* The raw JWS API too, whether or not the caller asks for the payload. */
  char *payload = NULL;
  CHECK_ST(wb_jws_verify(v, tok, strlen(tok), &payload, NULL, NULL), WB_ERR_MALFORMED);
  CHECK(payload == NULL);
  CHECK_ST(wb_jws_verify(v, tok, strlen(tok), NULL, NULL, NULL), WB_ERR_MALFORMED);
  free(tok);
}

/* Padding, '+' '/' and non-zero trailing bits: base64url must be the one canonical form. */
static void non_canonical_base64url(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  /* Three '?' and three '>' make the payload's base64url hold both '-' and '_' (checked below). */
  const char *claims = "{\"exp\":1700000600,\"n\":\"?\?\?>>>\"}";
  char *in = signing_input("{\"alg\":\"HS256\"}", claims);
  char *tok = v ? hmac_sign_input(in, "SHA256", hs_secret, sizeof(hs_secret)) : NULL;
  if (tok != NULL) {
    EXPECT_VERIFY(v, tok, WB_OK); /* the canonical form verifies */
    char *std = strdup(in);       /* standard alphabet, MAC over those very bytes */
    for (char *p = std; *p; p++)
      *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    CHECK(strcmp(std, in) != 0);
    expect_malformed_input(v, std);
    char *padded = malloc(strlen(in) + 8); /* header segment with '=' padding */
    const char *dot = strchr(in, '.');
    snprintf(padded, strlen(in) + 8, "%.*s=%s", (int)(dot - in), in, dot);
    expect_malformed_input(v, padded);
    char *sig_padded = join(tok, "", NULL); /* "h.p.sig." would be 4 segments: use "sig=" */
    sig_padded[strlen(sig_padded) - 1] = '=';
    EXPECT_VERIFY(v, sig_padded, WB_ERR_MALFORMED);
    /* 32-byte MAC = 43 chars: the last one carries 2 unused bits; set one. */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *last = tok + strlen(tok) - 1;
    *last = alphabet[(strchr(alphabet, *last) - alphabet) | 1];
    EXPECT_VERIFY(v, tok, WB_ERR_MALFORMED);
    free(sig_padded);
    free(padded);
    free(std);
  }
  free(tok);
  free(in);
  wb_verifier_free(v);
  wb_key_free(key);
}

/* A correctly signed token longer than 64 KiB. */
static void oversize_token(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  size_t n = 70000;
  char *claims = malloc(n + 64);
  int head = snprintf(claims, n + 64, "{\"exp\":1700000600,\"pad\":\"");
  memset(claims + head, 'a', n);
  snprintf(claims + head + n, 64, "\"}");
  char *tok = v ? hmac_token("{\"alg\":\"HS256\"}", claims, hs_secret, sizeof(hs_secret)) : NULL;
  if (tok != NULL) {
    CHECK(strlen(tok) > WB_DEFAULT_MAX_TOKEN_LEN);
    EXPECT_VERIFY(v, tok, WB_ERR_TOO_LARGE);
  }
  free(tok);
  free(claims);
  wb_verifier_free(v);
  wb_key_free(key);
}

/* Claims nested `levels` deep (the top object is level 1), correctly signed. */
static char *nested_token(unsigned levels) {
  size_t cap = 2 * levels + 64;
  char *claims = malloc(cap);
  size_t pos = (size_t)snprintf(claims, cap, "{\"exp\":1700000600,\"a\":");
  for (unsigned i = 1; i < levels; i++)
    claims[pos++] = '[';
  claims[pos++] = '1';
  for (unsigned i = 1; i < levels; i++)
    claims[pos++] = ']';
  claims[pos++] = '}';
  claims[pos] = '\0';
  char *tok = hmac_token("{\"alg\":\"HS256\"}", claims, hs_secret, sizeof(hs_secret));
  free(claims);
  return tok;
}

/* 65 levels of nesting is refused (stack exhaustion in recursive parsers); 64 is the limit. */
static void deep_nesting(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  if (v != NULL) {
    char *ok = nested_token(64), *deep = nested_token(65);
    EXPECT_VERIFY(v, ok, WB_OK);
    EXPECT_VERIFY(v, deep, WB_ERR_MALFORMED);
    free(ok);
    free(deep);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/* Verifies claims_json signed with the shared secret against v (already set up). */
static void expect_claims(const wb_verifier *v, const char *header, const char *claims_json, wb_status want) {
  char *tok = hmac_token(header, claims_json, hs_secret, sizeof(hs_secret));
  EXPECT_VERIFY(v, tok, want);
  free(tok);
}

/* exp, nbf and iat against the fixed clock NOW = 1700000000 (leeway 0). */
static void expired_not_yet_valid_iat_in_future(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  const char *h = "{\"alg\":\"HS256\"}";
  if (v != NULL) {
    expect_claims(v, h, "{\"exp\":1699999999}", WB_ERR_EXPIRED);
    expect_claims(v, h, "{\"exp\":1700000000}", WB_ERR_EXPIRED); /* valid only *before* exp */
    expect_claims(v, h, "{\"exp\":1700000001}", WB_OK);
    expect_claims(v, h, "{\"exp\":1700000600,\"nbf\":1700000001}", WB_ERR_NOT_YET_VALID);
    expect_claims(v, h, "{\"exp\":1700000600,\"nbf\":1700000000}", WB_OK);
    expect_claims(v, h, "{\"exp\":1700000600,\"iat\":1700000060}", WB_ERR_IAT_IN_FUTURE);
    expect_claims(v, h, "{\"exp\":\"1700000600\"}", WB_ERR_MALFORMED); /* NumericDate is a number */
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/* iss, aud and typ the verifier does not expect. */
static void wrong_iss_aud_typ(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  if (v != NULL) {
    CHECK_ST(wb_verifier_expect_issuer(v, "https://auth.example.com", NULL), WB_OK);
    CHECK_ST(wb_verifier_expect_audience(v, "api", NULL), WB_OK);
    CHECK_ST(wb_verifier_expect_typ(v, "at+jwt", NULL), WB_OK);
    const char *h = "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}";
    expect_claims(v, h, "{\"iss\":\"https://auth.example.com\",\"aud\":\"api\",\"exp\":1700000600}", WB_OK);
    expect_claims(v, h, "{\"iss\":\"https://auth.example.com\",\"aud\":[\"x\",\"api\"],\"exp\":1700000600}",
                  WB_OK);
    expect_claims(v, h, "{\"iss\":\"https://evil.example.com\",\"aud\":\"api\",\"exp\":1700000600}",
                  WB_ERR_CLAIM_MISMATCH);
    expect_claims(v, h, "{\"iss\":\"https://auth.example.com\",\"aud\":\"apx\",\"exp\":1700000600}",
                  WB_ERR_CLAIM_MISMATCH);
    expect_claims(v, h, "{\"iss\":\"https://auth.example.com\",\"aud\":[\"x\"],\"exp\":1700000600}",
                  WB_ERR_CLAIM_MISMATCH);
    expect_claims(v, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                  "{\"iss\":\"https://auth.example.com\",\"aud\":\"api\",\"exp\":1700000600}",
                  WB_ERR_CLAIM_MISMATCH);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

/* exp is required unless the caller opts out. */
static void missing_exp(void) {
  wb_key *key = secret_key();
  wb_verifier *v = key ? verifier_for(key) : NULL;
  if (v != NULL)
    expect_claims(v, "{\"alg\":\"HS256\"}", "{\"sub\":\"alice\"}", WB_ERR_MISSING_CLAIM);
  wb_verifier_free(v);
  wb_key_free(key);
}

int main(void) {
  RUN(alg_none_any_case);
  RUN(hmac_keyed_with_rsa_public_key);
  RUN(hmac_empty_or_short_key);
  RUN(ecdsa_r_s_out_of_range);
  RUN(ecdsa_der_signature);
  RUN(same_family_substitution);
  RUN(tampered_payload);
  RUN(embedded_jwk_header);
  RUN(jku_x5u_headers);
  RUN(unknown_crit);
  RUN(unencoded_payload_b64_false);
  RUN(duplicate_member_names);
  RUN(non_canonical_base64url);
  RUN(oversize_token);
  RUN(deep_nesting);
  RUN(expired_not_yet_valid_iat_in_future);
  RUN(wrong_iss_aud_typ);
  RUN(missing_exp);
  return CHECK_DONE();
}
