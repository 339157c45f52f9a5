/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwe_test.c - JWE through the public API (include/wristband/jwe.h): every alg x enc
 * pair round-trips in the three serializations, several recipients, PBES2 with a password, zip,
 * the decrypter's policy (narrowing, opt-ins, kid choice, limits), nested JWTs, encrypted JWKs and
 * the failure contract (outputs NULL, nothing changed). The attacks are in jwe_attacks_test.c.
 */
#include "check.h"

static const char *const plaintext = "The true sign of intelligence is not knowledge but imagination.";

/* ---- keys ---------------------------------------------------------------------------------- */

static wb_key *rsa_key, *ec_key[3], *okp_key[2];

static wb_key *gen(wb_kty kty, wb_crv crv, unsigned bits) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate(&k, kty, crv, bits, NULL), WB_OK);
  return k;
}

static void make_keys(void) {
  rsa_key = gen(WB_KTY_RSA, WB_CRV_NONE, 2048);
  ec_key[0] = gen(WB_KTY_EC, WB_CRV_P256, 0);
  ec_key[1] = gen(WB_KTY_EC, WB_CRV_P384, 0);
  ec_key[2] = gen(WB_KTY_EC, WB_CRV_P521, 0);
  okp_key[0] = gen(WB_KTY_OKP, WB_CRV_X25519, 0);
  okp_key[1] = gen(WB_KTY_OKP, WB_CRV_X448, 0);
}

static void free_keys(void) {
  wb_key_free(rsa_key);
  for (int i = 0; i < 3; i++)
    wb_key_free(ec_key[i]);
  for (int i = 0; i < 2; i++)
    wb_key_free(okp_key[i]);
}

/* A fresh oct key of n bytes. */
static wb_key *oct(size_t n) {
  return gen(WB_KTY_OCT, WB_CRV_NONE, (unsigned)(n * 8));
}

/* ---- round trips ----------------------------------------------------------------------------- */

/* Encrypts with an encrypter for enc_key, decrypts with dec_key, in form (0 = compact). */
static bool roundtrip(const wb_key *enc_key, const wb_key *dec_key, wb_jwe_alg alg, wb_enc enc, int form) {
  wb_encrypter *e = NULL;
  wb_decrypter *d = NULL;
  char *out = NULL;
  unsigned char *pt = NULL;
  size_t n = 0;
  wb_error err = {0};
  const unsigned char *in = (const unsigned char *)plaintext;
  wb_status st = wb_encrypter_new(&e, enc_key, alg, enc, &err);
  if (st == WB_OK)
    st = form == 0 ? wb_jwe_encrypt(e, in, strlen(plaintext), &out, NULL, &err)
                   : wb_jwe_encrypt_json(e, (wb_serialization)form, in, strlen(plaintext), NULL, 0, &out,
                                         NULL, &err);
  if (st == WB_OK)
    st = wb_decrypter_new_key(&d, dec_key, &err);
  if (st == WB_OK)
    st = form == 0 ? wb_jwe_decrypt(d, out, strlen(out), &pt, &n, &err)
                   : wb_jwe_decrypt_json(d, out, strlen(out), &pt, &n, NULL, NULL, &err);
  bool ok = st == WB_OK && n == strlen(plaintext) && memcmp(pt, plaintext, n) == 0;
  if (!ok)
    fprintf(stderr, "roundtrip %s %s form %d: %s: %s\n", wb_jwe_alg_name(alg), wb_enc_name(enc), form,
            wb_status_name(st), err.message);
  wb_plaintext_free(pt, n);
  wb_string_free(out);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  return ok;
}

/* Round-trips a public-key algorithm: encrypt to the public half, decrypt with the private key. */
static void roundtrip_public(const wb_key *key, wb_jwe_alg alg) {
  wb_key *pub = NULL;
  CHECK_ST(wb_key_public(&pub, key, NULL), WB_OK);
  for (int e = WB_ENC_INVALID + 1; e < WB_ENC_COUNT_; e++)
    for (int form = 0; form <= WB_SER_GENERAL; form++)
      CHECK(roundtrip(pub, key, alg, (wb_enc)e, form));
  wb_key_free(pub);
}

static void test_every_pair_roundtrips(void) {
  static const wb_jwe_alg rsa[] = {WB_JWE_RSA_OAEP, WB_JWE_RSA_OAEP_256, WB_JWE_RSA_OAEP_384,
                                   WB_JWE_RSA_OAEP_512};
  static const wb_jwe_alg ecdh[] = {WB_JWE_ECDH_ES, WB_JWE_ECDH_ES_A128KW, WB_JWE_ECDH_ES_A192KW,
                                    WB_JWE_ECDH_ES_A256KW};
  for (size_t a = 0; a < 4; a++)
    roundtrip_public(rsa_key, rsa[a]);
  for (size_t a = 0; a < 4; a++) {
    for (int c = 0; c < 3; c++)
      roundtrip_public(ec_key[c], ecdh[a]);
    for (int c = 0; c < 2; c++)
      roundtrip_public(okp_key[c], ecdh[a]);
  }
  static const struct {
    wb_jwe_alg alg;
    size_t len;
  } sym[] = {{WB_JWE_A128KW, 16},    {WB_JWE_A192KW, 24},    {WB_JWE_A256KW, 32},
             {WB_JWE_A128GCMKW, 16}, {WB_JWE_A192GCMKW, 24}, {WB_JWE_A256GCMKW, 32}};
  for (size_t a = 0; a < sizeof(sym) / sizeof(sym[0]); a++) {
    wb_key *k = oct(sym[a].len);
    for (int e = WB_ENC_INVALID + 1; e < WB_ENC_COUNT_; e++)
      for (int form = 0; form <= WB_SER_GENERAL; form++)
        CHECK(roundtrip(k, k, sym[a].alg, (wb_enc)e, form));
    wb_key_free(k);
  }
  static const size_t dir_len[WB_ENC_COUNT_] = {0, 32, 48, 64, 16, 24, 32};
  for (int e = WB_ENC_INVALID + 1; e < WB_ENC_COUNT_; e++) {
    wb_key *k = oct(dir_len[e]);
    for (int form = 0; form <= WB_SER_GENERAL; form++)
      CHECK(roundtrip(k, k, WB_JWE_DIR, (wb_enc)e, form));
    wb_key_free(k);
  }
}

static void test_password_roundtrip(void) {
  static const wb_jwe_alg algs[] = {WB_JWE_PBES2_HS256_A128KW, WB_JWE_PBES2_HS384_A192KW,
                                    WB_JWE_PBES2_HS512_A256KW};
  const char *pw = "correct horse battery staple";
  for (size_t a = 0; a < 3; a++) {
    wb_encrypter *e = NULL;
    wb_decrypter *d = NULL;
    char *tok = NULL;
    unsigned char *pt = NULL;
    size_t n = 0;
    CHECK_ST(wb_encrypter_new_password(&e, pw, strlen(pw), algs[a], WB_ENC_A128CBC_HS256, 2000, NULL), WB_OK);
    CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"hi", 2, &tok, NULL, NULL), WB_OK);
    CHECK_ST(wb_decrypter_new_password(&d, pw, strlen(pw), NULL), WB_OK);
    CHECK_ST(wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, NULL), WB_OK);
    CHECK(n == 2 && memcmp(pt, "hi", 2) == 0);
    wb_plaintext_free(pt, n);
    wb_decrypter_free(d);
    CHECK_ST(wb_decrypter_new_password(&d, "wrong", 5, NULL), WB_OK);
    CHECK_ST(wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, NULL), WB_ERR_DECRYPT_FAILED);
    CHECK(pt == NULL && n == 0);
    wb_decrypter_free(d);
    wb_string_free(tok);
    wb_encrypter_free(e);
  }
  wb_encrypter *e = NULL;
  CHECK_ST(wb_encrypter_new_password(&e, pw, strlen(pw), WB_JWE_A128KW, WB_ENC_INVALID, 0, NULL),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_encrypter_new_password(&e, pw, strlen(pw), WB_JWE_ALG_INVALID, WB_ENC_INVALID, 999, NULL),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_encrypter_new_password(&e, "", 0, WB_JWE_ALG_INVALID, WB_ENC_INVALID, 0, NULL),
           WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
}

/* Each recipient of a general JSON serialization decrypts with its own key alone. */
static void test_several_recipients(void) {
  wb_key *kw = oct(32), *ec_pub = NULL, *rsa_pub = NULL, *dir = oct(32);
  wb_encrypter *e = NULL;
  char *json = NULL, *tok = NULL;
  CHECK_ST(wb_key_set_kid(kw, "kw", NULL), WB_OK);
  CHECK_ST(wb_key_public(&ec_pub, ec_key[0], NULL), WB_OK);
  CHECK_ST(wb_key_public(&rsa_pub, rsa_key, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, rsa_pub, WB_JWE_RSA_OAEP_256, WB_ENC_A256CBC_HS512, NULL), WB_OK);
  CHECK_ST(wb_encrypter_add_recipient(e, kw, WB_JWE_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_encrypter_add_recipient(e, ec_pub, WB_JWE_ECDH_ES_A128KW, NULL), WB_OK);
  CHECK_ST(wb_encrypter_add_recipient(e, dir, WB_JWE_DIR, NULL), WB_ERR_INVALID_ARG); /* dir shares nothing */
  CHECK_ST(wb_encrypter_add_recipient(e, ec_pub, WB_JWE_ECDH_ES, NULL), WB_ERR_INVALID_ARG); /* nor ECDH-ES */
  const unsigned char *aad = (const unsigned char *)"context";
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_GENERAL, (const unsigned char *)plaintext, strlen(plaintext), aad, 7,
                               &json, NULL, NULL),
           WB_OK);
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_FLATTENED, (const unsigned char *)plaintext, 1, NULL, 0, &tok, NULL,
                               NULL),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)plaintext, 1, &tok, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK(tok == NULL);
  const wb_key *keys[3] = {rsa_key, kw, ec_key[0]};
  for (int i = 0; json != NULL && i < 3; i++) {
    wb_decrypter *d = NULL;
    unsigned char *pt = NULL, *got_aad = NULL;
    size_t n = 0, aad_len = 0;
    CHECK_ST(wb_decrypter_new_key(&d, keys[i], NULL), WB_OK);
    CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, &got_aad, &aad_len, NULL), WB_OK);
    CHECK(n == strlen(plaintext) && memcmp(pt, plaintext, n) == 0);
    CHECK(aad_len == 7 && memcmp(got_aad, aad, 7) == 0);
    wb_plaintext_free(pt, n);
    wb_plaintext_free(got_aad, aad_len);
    wb_decrypter_free(d);
  }
  wb_string_free(json);
  wb_encrypter_free(e);
  wb_key_free(kw);
  wb_key_free(dir);
  wb_key_free(ec_pub);
  wb_key_free(rsa_pub);
}

/* ---- header members, zip ------------------------------------------------------------------------ */

/* The decoded protected header of a compact token (new string). */
static char *protected_of(const char *tok) {
  char *h = NULL, *dot = strchr(tok, '.');
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  if (dot != NULL && wb_b64url_decode(buf, cap - 1, tok, (size_t)(dot - tok), &n, NULL) == WB_OK) {
    buf[n] = '\0';
    h = (char *)buf;
  } else {
    free(buf);
  }
  return h;
}

static void test_header_and_zip(void) {
  wb_key *k = oct(32);
  wb_encrypter *e = NULL;
  wb_decrypter *d = NULL;
  char *tok = NULL, *plain_tok = NULL;
  unsigned char *pt = NULL;
  size_t n = 0, len = 4000;
  unsigned char *big = malloc(len);
  memset(big, 'a', len);
  CHECK_ST(wb_key_set_kid(k, "k1", NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, k, WB_JWE_ALG_INVALID, WB_ENC_INVALID, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt(e, big, len, &plain_tok, NULL, NULL), WB_OK);
  CHECK_ST(wb_encrypter_set_typ(e, "secret+jwt", NULL), WB_OK);
  CHECK_ST(wb_encrypter_set_cty(e, "text/plain", NULL), WB_OK);
  CHECK_ST(wb_encrypter_set_zip(e, true, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt(e, big, len, &tok, NULL, NULL), WB_OK);
  char *h = tok ? protected_of(tok) : NULL;
  CHECK(h != NULL && strcmp(h, "{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"zip\":\"DEF\",\"kid\":\"k1\","
                               "\"typ\":\"secret+jwt\",\"cty\":\"text/plain\"}") == 0);
  CHECK(tok != NULL && plain_tok != NULL && strlen(tok) < strlen(plain_tok) / 4); /* it did compress */
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, NULL), WB_ERR_ALG_NOT_ALLOWED); /* no opt-in */
  CHECK_ST(wb_decrypter_allow_zip(d, len - 1, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, NULL), WB_ERR_TOO_LARGE); /* one byte over */
  CHECK_ST(wb_decrypter_allow_zip(d, len, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, NULL), WB_OK);
  CHECK(n == len && memcmp(pt, big, len) == 0 && pt[n] == '\0');
  CHECK_ST(wb_decrypter_allow_zip(d, WB_ZIP_MAX + 1u, NULL), WB_ERR_INVALID_ARG);
  wb_plaintext_free(pt, n);
  free(h);
  free(big);
  wb_string_free(tok);
  wb_string_free(plain_tok);
  wb_decrypter_free(d);
  wb_encrypter_free(e);
  wb_key_free(k);
}

/* ---- the decrypter's policy ----------------------------------------------------------------------- */

/* A compact JWE for key with alg and enc (new string). */
static char *seal(const wb_key *key, wb_jwe_alg alg, wb_enc enc) {
  wb_encrypter *e = NULL;
  char *tok = NULL;
  if (wb_encrypter_new(&e, key, alg, enc, NULL) == WB_OK)
    CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"x", 1, &tok, NULL, NULL), WB_OK);
  wb_encrypter_free(e);
  return tok;
}

static void test_policy(void) {
  wb_key *k = oct(32);
  char *kw = seal(k, WB_JWE_A256KW, WB_ENC_A256GCM), *gcmkw = seal(k, WB_JWE_A256GCMKW, WB_ENC_A128GCM);
  wb_decrypter *d = NULL;
  unsigned char *pt = NULL;
  size_t n = 0;
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  CHECK_ST(wb_decrypter_allow_alg(d, WB_JWE_A256GCMKW, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt(d, kw, strlen(kw), &pt, &n, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_jwe_decrypt(d, gcmkw, strlen(gcmkw), &pt, &n, NULL), WB_OK);
  wb_plaintext_free(pt, n);
  CHECK_ST(wb_decrypter_allow_enc(d, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt(d, gcmkw, strlen(gcmkw), &pt, &n, NULL), WB_ERR_ALG_NOT_ALLOWED);
  /* an algorithm no key fits: refused, and the policy is left as it was */
  CHECK_ST(wb_decrypter_allow_alg(d, WB_JWE_RSA_OAEP_256, NULL),
           WB_OK); /* widens the named set: A256GCMKW stays */
  wb_decrypter_free(d);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  CHECK_ST(wb_decrypter_allow_alg(d, WB_JWE_RSA_OAEP_256, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_jwe_decrypt(d, kw, strlen(kw), &pt, &n, NULL), WB_OK); /* unchanged */
  wb_plaintext_free(pt, n);
  CHECK_ST(wb_decrypter_allow_pbes2(d, 999, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_decrypter_allow_pbes2(d, WB_PBES2_MAX_P2C + 1, NULL), WB_ERR_INVALID_ARG);
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_token_len = strlen(kw) - 1;
  CHECK_ST(wb_decrypter_set_limits(d, &lim, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt(d, kw, strlen(kw), &pt, &n, NULL), WB_ERR_TOO_LARGE);
  lim.max_depth = 0;
  CHECK_ST(wb_decrypter_set_limits(d, &lim, NULL), WB_ERR_INVALID_ARG);
  wb_decrypter_free(d);
  wb_string_free(kw);
  wb_string_free(gcmkw);
  wb_key_free(k);
}

/* A token with a kid uses that key; without, the one key that fits, and two that fit is ambiguous. */
static void test_kid_choice(void) {
  wb_key *a = oct(32), *b = oct(32), *c = oct(16);
  CHECK_ST(wb_key_set_kid(a, "a", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(b, "b", NULL), WB_OK);
  wb_keyset *set = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, a, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, b, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, c, NULL), WB_OK);
  wb_decrypter *d = NULL;
  CHECK_ST(wb_decrypter_new(&d, set, NULL), WB_OK);
  char *to_b = seal(b, WB_JWE_A256KW, WB_ENC_A256GCM), *to_c = seal(c, WB_JWE_A128KW, WB_ENC_A256GCM);
  wb_key *anon = oct(32);
  char *to_anon = seal(anon, WB_JWE_A256KW, WB_ENC_A256GCM);
  unsigned char *pt = NULL;
  size_t n = 0;
  CHECK_ST(wb_jwe_decrypt(d, to_b, strlen(to_b), &pt, &n, NULL), WB_OK);
  wb_plaintext_free(pt, n);
  CHECK_ST(wb_jwe_decrypt(d, to_c, strlen(to_c), &pt, &n, NULL), WB_OK); /* the only 16-byte key */
  wb_plaintext_free(pt, n);
  CHECK_ST(wb_jwe_decrypt(d, to_anon, strlen(to_anon), &pt, &n, NULL), WB_ERR_KEY_NOT_FOUND); /* a or b? */
  wb_string_free(to_b);
  wb_string_free(to_c);
  wb_string_free(to_anon);
  wb_decrypter_free(d);
  wb_keyset_free(set);
  wb_key_free(a);
  wb_key_free(b);
  wb_key_free(c);
  wb_key_free(anon);
}

/* ---- nested JWT, encrypted JWK ---------------------------------------------------------------------- */

static void test_nested(void) {
  wb_key *sig = NULL, *sig_pub = NULL, *enc_pub = NULL;
  CHECK_ST(wb_key_generate_for_alg(&sig, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_key_public(&sig_pub, sig, NULL), WB_OK);
  CHECK_ST(wb_key_public(&enc_pub, okp_key[0], NULL), WB_OK);
  wb_signer *s = NULL;
  wb_encrypter *e = NULL;
  wb_builder *b = NULL;
  wb_decrypter *d = NULL;
  wb_verifier *v = NULL;
  wb_claims *c = NULL;
  char *tok = NULL, *jws = NULL;
  CHECK_ST(wb_signer_new(&s, sig, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, enc_pub, WB_JWE_ECDH_ES_A256KW, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "sub", "alice", NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "exp", 2000000000, NULL), WB_OK);
  CHECK_ST(wb_sign_encrypt(s, e, b, &tok, NULL, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, okp_key[0], NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, sig_pub, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_now(v, 1900000000, NULL), WB_OK);
  CHECK_ST(wb_decrypt_verify(d, v, tok, strlen(tok), &c, NULL), WB_OK);
  CHECK(c != NULL && wb_claims_sub(c) != NULL && strcmp(wb_claims_sub(c), "alice") == 0);
  wb_claims_free(c);
  char *h = protected_of(tok);
  CHECK(h != NULL && strstr(h, "\"cty\":\"JWT\"") != NULL);
  free(h);
  CHECK_ST(wb_verify(v, tok, strlen(tok), &c, NULL), WB_ERR_UNSUPPORTED); /* a JWE is no JWS */
  CHECK_ST(wb_sign(s, b, &jws, NULL, NULL), WB_OK);
  CHECK_ST(wb_decrypt_verify(d, v, jws, strlen(jws), &c, NULL), WB_ERR_UNSUPPORTED); /* a JWS is no JWE */
  CHECK(c == NULL);
  CHECK_ST(wb_verifier_set_now(v, 2000000000, NULL), WB_OK);
  CHECK_ST(wb_decrypt_verify(d, v, tok, strlen(tok), &c, NULL),
           WB_ERR_EXPIRED); /* the claims policy applies */
  wb_string_free(jws);
  wb_string_free(tok);
  wb_builder_free(b);
  wb_signer_free(s);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  wb_verifier_free(v);
  wb_key_free(sig);
  wb_key_free(sig_pub);
  wb_key_free(enc_pub);
}

static void test_encrypted_jwk(void) {
  char *jwe = NULL, *a = NULL, *b = NULL;
  wb_key *back = NULL, *pub = NULL;
  const char *pw = "hunter2 hunter2";
  CHECK_ST(wb_key_to_encrypted_jwk(ec_key[1], pw, strlen(pw), 1000, &jwe, NULL), WB_OK);
  CHECK(jwe != NULL && strchr(jwe, '{') == NULL); /* no key material in clear */
  CHECK_ST(wb_key_from_encrypted_jwk(&back, jwe, strlen(jwe), pw, strlen(pw), 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(ec_key[1], WB_KEY_PRIVATE, &a, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(back, WB_KEY_PRIVATE, &b, NULL), WB_OK);
  CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
  wb_string_free(a);
  a = NULL;
  wb_key_free(back);
  back = (wb_key *)&pw; /* a sentinel the failed call must reset */
  CHECK_ST(wb_key_from_encrypted_jwk(&back, jwe, strlen(jwe), "hunter3 hunter3", 15, 0, NULL),
           WB_ERR_DECRYPT_FAILED);
  CHECK(back == NULL);
  wb_string_free(jwe);
  jwe = NULL;
  CHECK_ST(wb_key_to_encrypted_jwk(ec_key[1], pw, strlen(pw), 0, &jwe, NULL), WB_OK); /* the default p2c */
  CHECK_ST(wb_key_from_encrypted_jwk(&back, jwe, strlen(jwe), pw, strlen(pw), 10000, NULL), WB_ERR_TOO_LARGE);
  CHECK_ST(wb_key_public(&pub, ec_key[1], NULL), WB_OK);
  CHECK_ST(wb_key_to_encrypted_jwk(pub, pw, strlen(pw), 0, &a, NULL), WB_ERR_INVALID_ARG);
  CHECK(a == NULL);
  wb_string_free(b);
  wb_string_free(jwe);
  wb_key_free(pub);
}

/* Generated encryption keys are bound to encryption and work with their algorithm by default. */
static void test_generate_for_jwe(void) {
  static const struct {
    wb_jwe_alg alg;
    wb_enc enc;
    wb_crv crv;
  } cases[] = {{WB_JWE_RSA_OAEP_256, WB_ENC_INVALID, WB_CRV_NONE},
               {WB_JWE_A256KW, WB_ENC_INVALID, WB_CRV_NONE},
               {WB_JWE_A128GCMKW, WB_ENC_INVALID, WB_CRV_NONE},
               {WB_JWE_DIR, WB_ENC_A256CBC_HS512, WB_CRV_NONE},
               {WB_JWE_ECDH_ES, WB_ENC_INVALID, WB_CRV_X25519},
               {WB_JWE_ECDH_ES_A256KW, WB_ENC_INVALID, WB_CRV_P384}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wb_key *k = NULL;
    wb_signer *s = NULL;
    char *jwk = NULL;
    CHECK_ST(wb_key_generate_for_jwe(&k, cases[i].alg, cases[i].enc, cases[i].crv, 0, NULL), WB_OK);
    CHECK(wb_key_use(k) == WB_USE_ENC && wb_key_kid(k) != NULL && strlen(wb_key_kid(k)) == 43);
    CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &jwk, NULL), WB_OK);
    const char *want = cases[i].alg == WB_JWE_DIR ? wb_enc_name(cases[i].enc) : wb_jwe_alg_name(cases[i].alg);
    char member[64];
    snprintf(member, sizeof(member), "\"alg\":\"%s\"", want);
    CHECK(jwk != NULL && strstr(jwk, member) != NULL);
    CHECK(roundtrip(k, k, WB_JWE_ALG_INVALID, WB_ENC_INVALID, 0)); /* the key's own alg (and enc) */
    CHECK_ST(wb_signer_new(&s, k, WB_ALG_HS256, NULL), WB_ERR_ALG_NOT_ALLOWED);
    wb_string_free(jwk);
    wb_key_free(k);
  }
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_jwe(&k, WB_JWE_RSA1_5, WB_ENC_INVALID, WB_CRV_NONE, 0, NULL),
           WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_key_generate_for_jwe(&k, WB_JWE_ECDH_ES, WB_ENC_INVALID, WB_CRV_SECP256K1, 0, NULL),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate_for_jwe(&k, WB_JWE_A128KW, WB_ENC_INVALID, WB_CRV_NONE, 256, NULL),
           WB_ERR_INVALID_ARG);
  CHECK(k == NULL);
}

/* ---- the failure contract ------------------------------------------------------------------------ */

static void test_failures_leave_nothing(void) {
  wb_encrypter *e = (wb_encrypter *)&e;
  wb_decrypter *d = (wb_decrypter *)&d;
  wb_key *sk = NULL;
  CHECK_ST(wb_encrypter_new(&e, NULL, WB_JWE_ALG_INVALID, WB_ENC_INVALID, NULL), WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
  CHECK_ST(wb_key_generate(&sk, WB_KTY_EC, WB_CRV_SECP256K1, 0, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, sk, WB_JWE_ALG_INVALID, WB_ENC_INVALID, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_encrypter_new(&e, rsa_key, WB_JWE_RSA1_5, WB_ENC_INVALID, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_encrypter_new(&e, rsa_key, WB_JWE_A128KW, WB_ENC_INVALID, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_encrypter_new(&e, rsa_key, WB_JWE_ALG_INVALID, (wb_enc)99, NULL), WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
  wb_key *pub = NULL;
  CHECK_ST(wb_key_public(&pub, rsa_key, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, pub, NULL), WB_ERR_ALG_NOT_ALLOWED); /* a public key decrypts nothing */
  CHECK(d == NULL);
  CHECK_ST(wb_decrypter_new_key(&d, sk, NULL), WB_ERR_ALG_NOT_ALLOWED); /* no JWE uses secp256k1 */
  CHECK(d == NULL);
  CHECK(wb_jwe_alg_name(WB_JWE_ALG_INVALID) == NULL && wb_enc_name(WB_ENC_COUNT_) == NULL);
  CHECK(wb_jwe_alg_from_name("RSA-OAEP-256", 12) == WB_JWE_RSA_OAEP_256 &&
        wb_jwe_alg_from_name("none", 4) == 0);
  CHECK(wb_enc_from_name("A256GCM", 7) == WB_ENC_A256GCM && wb_enc_from_name("a256gcm", 7) == WB_ENC_INVALID);
  wb_key_free(pub);
  wb_key_free(sk);
  wb_encrypter_free(NULL);
  wb_decrypter_free(NULL);
  wb_plaintext_free(NULL, 5);
}

/* JSON members of the wrong type are malformed and never read as strings (fuzz finds: a number
 * where "tag" or "signature" belongs read past its tape node under ASan). */
static void test_json_member_types(void) {
  static const char *const jwe[] = {"{\"tag\":0e5}", "{\"tag\":0E52}", "{\"ciphertext\":\"AA\",\"iv\":[]}",
                                    "{\"protected\":1,\"ciphertext\":\"AA\"}",
                                    "{\"ciphertext\":\"AA\",\"aad\":true}"};
  static const char *const jws[] = {
      "{\"signature\":0e5}", "{\"payload\":\"e30\",\"signature\":12}",
      "{\"payload\":\"e30\",\"signatures\":[{\"protected\":2,\"signature\":\"AA\"}]}",
      "{\"payload\":7,\"protected\":\"e30\",\"signature\":\"AA\"}"};
  wb_decrypter *d = NULL;
  wb_verifier *v = NULL;
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_jwe(&k, WB_JWE_A256KW, WB_ENC_INVALID, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  for (size_t i = 0; i < sizeof(jwe) / sizeof(jwe[0]); i++) {
    unsigned char *pt = NULL, *aad = NULL;
    CHECK_ST(wb_jwe_decrypt_json(d, jwe[i], strlen(jwe[i]), &pt, NULL, &aad, NULL, NULL), WB_ERR_MALFORMED);
    CHECK(pt == NULL && aad == NULL);
  }
  wb_key_free(k);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  for (size_t i = 0; i < sizeof(jws) / sizeof(jws[0]); i++) {
    char *payload = NULL;
    CHECK_ST(wb_jws_verify_json(v, WB_JWS_ANY, jws[i], strlen(jws[i]), &payload, NULL, NULL, 0, NULL, NULL),
             WB_ERR_MALFORMED);
    CHECK(payload == NULL);
  }
  wb_verifier_free(v);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* ---- pooled AES-GCM contexts ------------------------------------------------------------------- */

/* A copy of tok with its last segment (the tag) replaced by other's. */
static char *with_tag_of(const char *tok, const char *other) {
  const char *t = strrchr(tok, '.'), *o = strrchr(other, '.');
  size_t head = (size_t)(t - tok), tail = strlen(o);
  char *s = malloc(head + tail + 1);
  memcpy(s, tok, head);
  memcpy(s + head, o, tail + 1);
  return s;
}

/* Decrypts tok with d and says whether it gave back want. */
static bool opens_to(const wb_decrypter *d, const char *tok, const char *want) {
  unsigned char *pt = NULL;
  size_t n = 0;
  bool ok = wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, NULL) == WB_OK && n == strlen(want) &&
            memcmp(pt, want, n) == 0;
  wb_plaintext_free(pt, n);
  return ok;
}

/*
 * An encrypter's or decrypter's GCM context stays keyed between messages and only takes a new
 * IV when the next key is the same (lib/jwe_content.c). Whatever the order of keys, random CEKs,
 * failures and successes, each message opens under its own key and tag only.
 */
static void test_pooled_gcm_contexts(void) {
  wb_key *a = oct(32), *b = oct(32);
  CHECK_ST(wb_key_set_kid(a, "a", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(b, "b", NULL), WB_OK);
  wb_keyset *set = NULL;
  wb_decrypter *d = NULL;
  wb_encrypter *ea = NULL, *eb = NULL, *kw = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, a, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, b, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new(&d, set, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&ea, a, WB_JWE_DIR, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&eb, b, WB_JWE_DIR, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&kw, a, WB_JWE_A256KW, WB_ENC_A256GCM, NULL), WB_OK);
  static const char *const msg[3] = {"first message", "second, longer message", "3"};
  char *ta[3] = {0}, *tb[3] = {0}, *tk[3] = {0};
  for (int i = 0; i < 3; i++) {
    const unsigned char *m = (const unsigned char *)msg[i];
    CHECK_ST(wb_jwe_encrypt(ea, m, strlen(msg[i]), &ta[i], NULL, NULL), WB_OK);
    CHECK_ST(wb_jwe_encrypt(eb, m, strlen(msg[i]), &tb[i], NULL, NULL), WB_OK);
    CHECK_ST(wb_jwe_encrypt(kw, m, strlen(msg[i]), &tk[i], NULL, NULL), WB_OK);
  }
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 3; i++) {
      CHECK(opens_to(d, ta[i], msg[i]));
      CHECK(opens_to(d, ta[i], msg[i])); /* the same key twice in a row: IV only */
      char *swapped = with_tag_of(ta[i], ta[(i + 1) % 3]);
      CHECK_ST(wb_jwe_decrypt(d, swapped, strlen(swapped), &(unsigned char *){NULL}, &(size_t){0}, NULL),
               WB_ERR_DECRYPT_FAILED); /* the previous message's tag is not reused */
      free(swapped);
      CHECK(opens_to(d, ta[(i + 2) % 3], msg[(i + 2) % 3])); /* right after a failed tag */
      CHECK(opens_to(d, tb[i], msg[i]));                     /* another key */
      CHECK(opens_to(d, tk[i], msg[i]));                     /* a random CEK */
      char *cross = with_tag_of(tb[i], ta[i]);               /* key b's message with key a's tag */
      CHECK_ST(wb_jwe_decrypt(d, cross, strlen(cross), &(unsigned char *){NULL}, &(size_t){0}, NULL),
               WB_ERR_DECRYPT_FAILED);
      free(cross);
    }
  }
  CHECK(strcmp(ta[0], ta[1]) != 0 && strcmp(strchr(ta[2], '.'), strchr(tb[2], '.')) != 0);
  for (int i = 0; i < 3; i++) {
    wb_string_free(ta[i]);
    wb_string_free(tb[i]);
    wb_string_free(tk[i]);
  }
  wb_encrypter_free(ea);
  wb_encrypter_free(eb);
  wb_encrypter_free(kw);
  wb_decrypter_free(d);
  wb_keyset_free(set);
  wb_key_free(a);
  wb_key_free(b);
}

int main(void) {
  make_keys();
  test_every_pair_roundtrips();
  test_password_roundtrip();
  test_several_recipients();
  test_header_and_zip();
  test_policy();
  test_kid_choice();
  test_nested();
  test_encrypted_jwk();
  test_generate_for_jwe();
  test_failures_leave_nothing();
  test_json_member_types();
  test_pooled_gcm_contexts();
  free_keys();
  return CHECK_DONE();
}
