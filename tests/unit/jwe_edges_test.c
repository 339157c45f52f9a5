/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwe_edges_test.c - the edges of the JWE code that the round trips and the attack
 * tests do not reach: names out of range, encrypters and decrypters refused at set-up (keys
 * that name no algorithm, key_ops, recipients beyond the limit, bad limits, bad passwords and
 * p2c), header strings that need escaping or are refused, crafted headers ("crit" in every
 * wrong form, "b64", member names long enough for the heap, many members, an epk of the wrong
 * form, a long p2s, a negative p2c), JSON serializations with empty or odd "recipients", the
 * "application/" cty prefix of nested tokens, long headers the decrypter does not memoize, and
 * the internal contracts of DEFLATE, AES key wrap and key unwrapping (lib/jwe_int.h).
 * Every refusal is checked for its exact status and its out-parameters left NULL.
 */
#include <stdint.h>

#include "check.h"
#include "jwe_int.h"

/* ---- helpers ------------------------------------------------------------------------------------ */

static char *b64u(const void *data, size_t n) {
  size_t cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *out = malloc(cap);
  if (out != NULL && wb_b64url_encode(out, cap, data, n, NULL, NULL) != WB_OK) {
    free(out);
    return NULL;
  }
  return out;
}

static const unsigned char key16[16] = "0123456789abcdef";

/* A compact JWE with protected header hdr, content encrypted with A128GCM under key16 (the CEK of
 * dir; ek may be given for other algorithms): right in every byte but what the header says. */
static char *craft(const char *hdr, const char *ek64, const char *pt) {
  const wb_enc_info *ei = wb__enc_info(WB_ENC_A128GCM);
  char *h64 = b64u(hdr, strlen(hdr));
  unsigned char iv[12] = {9, 8, 7}, tag[16], ct[256];
  size_t ct_len = 0, pt_len = strlen(pt);
  CHECK(pt_len <= sizeof(ct));
  CHECK_ST(wb__ce_encrypt(ei, key16, iv, (const unsigned char *)h64, strlen(h64), (const unsigned char *)pt,
                          pt_len, ct, &ct_len, tag, NULL),
           WB_OK);
  char *i64 = b64u(iv, sizeof(iv)), *c64 = b64u(ct, ct_len), *t64 = b64u(tag, sizeof(tag));
  size_t n = strlen(h64) + strlen(ek64) + strlen(i64) + strlen(c64) + strlen(t64) + 5;
  char *tok = malloc(n);
  snprintf(tok, n, "%s.%s.%s.%s.%s", h64, ek64, i64, c64, t64);
  free(h64), free(i64), free(c64), free(t64);
  return tok;
}

static wb_key *oct_key(const unsigned char *secret, size_t n) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_secret(&k, secret, n, NULL), WB_OK);
  return k;
}

static wb_key *jwk(const char *json) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, json, strlen(json), NULL), WB_OK);
  return k;
}

/* Decrypts tok with d: want the status; on failure the outputs are NULL / 0 and err says so. */
static void decrypt_want(const wb_decrypter *d, const char *tok, wb_status want, const char *pt) {
  unsigned char *out = (unsigned char *)"sentinel";
  size_t n = 99;
  wb_error err;
  CHECK_ST(wb_jwe_decrypt(d, tok, strlen(tok), &out, &n, &err), want);
  if (want == WB_OK) {
    CHECK(out != NULL && n == strlen(pt) && memcmp(out, pt, n) == 0);
    wb_plaintext_free(out, n);
  } else {
    CHECK(out == NULL && n == 0 && err.code == want && err.message[0] != '\0');
  }
}

/* ---- names and lookups -------------------------------------------------------------------------- */

static void test_names(void) {
  CHECK(wb_jwe_alg_name(WB_JWE_ALG_COUNT_) == NULL);
  CHECK(wb_jwe_alg_name(WB_JWE_ALG_INVALID) == NULL);
  CHECK(wb_enc_name(WB_ENC_COUNT_) == NULL);
  CHECK(wb__jwe_alg_info(WB_JWE_ALG_COUNT_) == NULL);
  CHECK(wb__enc_info(WB_ENC_COUNT_) == NULL);
  CHECK(wb__jwe_aes(WB_AES_GCM, 20) == NULL);                    /* no AES of 160 bits */
  CHECK(wb__jwe_aes((wb_aes_mode)(WB_AES_ECB + 1), 16) == NULL); /* no such mode */
  CHECK(wb__jwe_aes(WB_AES_CBC, 24) != NULL);
  CHECK(wb__jwe_md("MD5") == NULL); /* only the digests JWE uses */
  CHECK(wb__jwe_md("SHA384") != NULL);
}

/* ---- encrypters refused at set-up --------------------------------------------------------------- */

static void test_encrypter_setup(void) {
  static const unsigned char s20[20] = "twenty bytes of key.", s24[24] = "twenty-four bytes of key";
  wb_key *k20 = oct_key(s20, sizeof(s20)), *k24 = oct_key(s24, sizeof(s24)), *k16 = oct_key(key16, 16);
  wb_encrypter *e = (wb_encrypter *)&e; /* a sentinel each failure must reset */
  wb_error err;
  /* 20 bytes: no AES key wrap and no content encryption of that size */
  CHECK_ST(wb_encrypter_new(&e, k20, WB_JWE_ALG_INVALID, WB_ENC_INVALID, &err), WB_ERR_INVALID_ARG);
  CHECK(e == NULL && strstr(err.message, "name one") != NULL);
  e = (wb_encrypter *)&e;
  CHECK_ST(wb_encrypter_new(&e, k20, WB_JWE_DIR, WB_ENC_INVALID, &err), WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
  CHECK_ST(wb_encrypter_new(&e, k16, WB_JWE_PBES2_HS256_A128KW, WB_ENC_INVALID, &err), WB_ERR_INVALID_ARG);
  CHECK(e == NULL && strstr(err.message, "password") != NULL);
  CHECK_ST(wb_encrypter_new(&e, k16, WB_JWE_ALG_COUNT_, WB_ENC_INVALID, &err), WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
  /* dir with a key that is no secret: A256GCM asked of an EC key, which does not fit */
  wb_key *ec = NULL;
  CHECK_ST(wb_key_generate(&ec, WB_KTY_EC, WB_CRV_P256, 0, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, ec, WB_JWE_DIR, WB_ENC_INVALID, &err), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(e == NULL);
  wb_key_free(ec);
  /* a 20-byte secret decrypts nothing: no dir enc, no key wrap of that size, PBES2 not opted in */
  wb_decrypter *d20 = (wb_decrypter *)&e;
  CHECK_ST(wb_decrypter_new_key(&d20, k20, &err), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(d20 == NULL);
  /* 24 bytes: A192KW by default */
  char *tok = NULL;
  CHECK_ST(wb_encrypter_new(&e, k24, WB_JWE_ALG_INVALID, WB_ENC_A128GCM, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"x", 1, &tok, NULL, NULL), WB_OK);
  char *h64 = tok ? strndup(tok, strcspn(tok, ".")) : NULL, hdr[256] = "";
  size_t n = 0;
  CHECK(h64 != NULL &&
        wb_b64url_decode((unsigned char *)hdr, sizeof(hdr) - 1, h64, strlen(h64), &n, NULL) == WB_OK);
  CHECK(strstr(hdr, "\"alg\":\"A192KW\"") != NULL);
  free(h64);
  wb_string_free(tok);
  tok = NULL;
  /* arguments */
  CHECK_ST(wb_jwe_encrypt(e, NULL, 3, &tok, NULL, &err), WB_ERR_INVALID_ARG);
  CHECK(tok == NULL);
  size_t len = 99;
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_FLATTENED, (const unsigned char *)"x", 1, NULL, 2, &tok, &len, &err),
           WB_ERR_INVALID_ARG); /* aad NULL with a length */
  CHECK(tok == NULL && len == 0);
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_INVALID, (const unsigned char *)"x", 1, NULL, 0, &tok, &len, &err),
           WB_ERR_INVALID_ARG);
  CHECK(tok == NULL && len == 0 && strstr(err.message, "form") != NULL);
  /* recipients */
  CHECK_ST(wb_encrypter_add_recipient(e, k16, WB_JWE_ALG_COUNT_, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_encrypter_add_recipient(e, k16, WB_JWE_RSA_OAEP, &err),
           WB_ERR_ALG_NOT_ALLOWED); /* no RSA key */
  for (int i = 1; i < 16; i++)
    CHECK_ST(wb_encrypter_add_recipient(e, k16, WB_JWE_A128KW, NULL), WB_OK);
  CHECK_ST(wb_encrypter_add_recipient(e, k16, WB_JWE_A128KW, &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "16") != NULL);
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_GENERAL, (const unsigned char *)"x", 1, NULL, 0, &tok, NULL, NULL),
           WB_OK); /* the failed calls changed nothing: 16 recipients */
  wb_decrypter *d = NULL;
  unsigned char *pt = NULL;
  size_t pt_len = 0;
  CHECK_ST(wb_decrypter_new_key(&d, k24, NULL), WB_OK);
  CHECK_ST(wb_jwe_decrypt_json(d, tok, strlen(tok), &pt, &pt_len, NULL, NULL, NULL), WB_OK);
  CHECK(pt_len == 1 && pt[0] == 'x');
  wb_plaintext_free(pt, pt_len);
  wb_decrypter_free(d);
  wb_string_free(tok);
  wb_encrypter_free(e);
  /* passwords */
  e = (wb_encrypter *)&e;
  CHECK_ST(wb_encrypter_new_password(&e, "pw", 2, WB_JWE_A128KW, WB_ENC_INVALID, 0, &err),
           WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
  CHECK_ST(wb_encrypter_new_password(&e, "pw", 2, WB_JWE_ALG_COUNT_, WB_ENC_INVALID, 0, &err),
           WB_ERR_INVALID_ARG);
  CHECK_ST(
      wb_encrypter_new_password(&e, "pw", 2, WB_JWE_ALG_INVALID, WB_ENC_INVALID, WB_PBES2_MIN_P2C - 1, &err),
      WB_ERR_INVALID_ARG);
  CHECK_ST(
      wb_encrypter_new_password(&e, "pw", 2, WB_JWE_ALG_INVALID, WB_ENC_INVALID, WB_PBES2_MAX_P2C + 1, &err),
      WB_ERR_INVALID_ARG);
  CHECK(e == NULL);
  CHECK_ST(wb_encrypter_new_password(&e, "pw", 2, WB_JWE_ALG_INVALID, WB_ENC_INVALID, 0, NULL), WB_OK);
  CHECK_ST(wb_encrypter_add_recipient(e, k16, WB_JWE_A128KW, &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "password") != NULL);
  wb_encrypter_free(e);
  CHECK_ST(wb_encrypter_new(&e, k16, WB_JWE_A128KW, WB_ENC_INVALID, NULL), WB_OK);
  wb_key *pw = oct_key((const unsigned char *)"a password", 10);
  CHECK_ST(wb_encrypter_add_recipient(e, pw, WB_JWE_PBES2_HS256_A128KW, &err), WB_ERR_INVALID_ARG);
  wb_key_free(pw);
  wb_encrypter_free(e);
  wb_key_free(k20);
  wb_key_free(k24);
  wb_key_free(k16);
}

/* key_ops: a key for decryption only never encrypts, and the reverse. */
static void test_key_ops(void) {
  wb_key *dec_only = jwk("{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZg\",\"key_ops\":[\"unwrapKey\"]}");
  wb_key *enc_only = jwk("{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZg\",\"key_ops\":[\"wrapKey\"]}");
  wb_encrypter *e = NULL;
  wb_decrypter *d = NULL;
  wb_error err;
  CHECK_ST(wb_encrypter_new(&e, dec_only, WB_JWE_A128KW, WB_ENC_INVALID, &err), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(e == NULL && strstr(err.message, "encryption") != NULL);
  CHECK_ST(wb_decrypter_new_key(&d, enc_only, &err), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(d == NULL);
  CHECK_ST(wb_encrypter_new(&e, enc_only, WB_JWE_A128KW, WB_ENC_INVALID, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, dec_only, NULL), WB_OK);
  char *tok = NULL;
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"ops", 3, &tok, NULL, NULL), WB_OK);
  if (tok != NULL)
    decrypt_want(d, tok, WB_OK, "ops");
  wb_string_free(tok);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  wb_key_free(dec_only);
  wb_key_free(enc_only);
}

/* Header strings are JSON-escaped; invalid UTF-8 and oversized values are refused, changing nothing. */
static void test_header_strings(void) {
  wb_key *k = oct_key(key16, 16);
  wb_encrypter *e = NULL;
  wb_decrypter *d = NULL;
  wb_error err;
  char *tok = NULL, big[5000];
  CHECK_ST(wb_encrypter_new(&e, k, WB_JWE_DIR, WB_ENC_INVALID, NULL), WB_OK);
  CHECK_ST(wb_encrypter_set_typ(e, "q\"b\\s\x01t", NULL), WB_OK);
  CHECK_ST(wb_encrypter_set_cty(e, "\xff", &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "UTF-8") != NULL);
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  CHECK_ST(wb_encrypter_set_cty(e, big, &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "larger") != NULL);
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"esc", 3, &tok, NULL, NULL), WB_OK);
  char *h64 = strndup(tok, strcspn(tok, ".")), hdr[256] = "";
  size_t n = 0;
  CHECK(wb_b64url_decode((unsigned char *)hdr, sizeof(hdr) - 1, h64, strlen(h64), &n, NULL) == WB_OK);
  CHECK(strcmp(hdr, "{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"typ\":\"q\\\"b\\\\s\\u0001t\"}") == 0);
  free(h64);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  decrypt_want(d, tok, WB_OK, "esc");
  wb_string_free(tok);
  tok = NULL;
  /* a header longer than the decrypter's memo of the last header: read in full, every time */
  memset(big, 't', 300);
  big[300] = '\0';
  CHECK_ST(wb_encrypter_set_typ(e, big, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)"long", 4, &tok, NULL, NULL), WB_OK);
  decrypt_want(d, tok, WB_OK, "long");
  decrypt_want(d, tok, WB_OK, "long");
  wb_string_free(tok);
  wb_encrypter_free(e);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* ---- decrypters ---------------------------------------------------------------------------------- */

static void test_decrypter_setup(void) {
  wb_key *k = oct_key(key16, 16);
  wb_decrypter *d = NULL;
  wb_error err;
  CHECK_ST(wb_decrypter_new_password(&d, NULL, 3, &err), WB_ERR_INVALID_ARG);
  CHECK(d == NULL);
  CHECK_ST(wb_decrypter_new_password(&d, "", 0, &err), WB_ERR_INVALID_ARG);
  CHECK(d == NULL);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  CHECK_ST(wb_decrypter_allow_alg(d, WB_JWE_ALG_COUNT_, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_decrypter_allow_enc(d, WB_ENC_COUNT_, &err), WB_ERR_INVALID_ARG);
  wb_limits lim;
  for (int field = 0; field < 6; field++) {
    wb_limits_default(&lim);
    switch (field) {
    case 0:
      lim.max_token_len = 0;
      break;
    case 1:
      lim.max_header_len = 0;
      break;
    case 2:
      lim.max_claims_len = 0;
      break;
    case 3:
      lim.max_depth = 0;
      break;
    case 4:
      lim.max_members = 0;
      break;
    default:
      lim.max_keys = 0;
    }
    CHECK_ST(wb_decrypter_set_limits(d, &lim, &err), WB_ERR_INVALID_ARG);
  }
  wb_limits_default(&lim);
  lim.max_depth = WB_MAX_DEPTH_LIMIT + 1;
  CHECK_ST(wb_decrypter_set_limits(d, &lim, &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "max_depth") != NULL);
  /* the failed calls changed nothing: a dir token decrypts */
  char *tok = craft("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}", "", "fine");
  decrypt_want(d, tok, WB_OK, "fine");
  /* a JSON text over max_token_len is refused before it is read */
  wb_limits_default(&lim);
  lim.max_token_len = 10;
  CHECK_ST(wb_decrypter_set_limits(d, &lim, NULL), WB_OK);
  unsigned char *pt = (unsigned char *)"x";
  size_t n = 9;
  const char *json = "{\"ciphertext\":\"AAAA\"}";
  CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_ERR_TOO_LARGE);
  CHECK(pt == NULL && n == 0);
  free(tok);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* ---- crafted headers -------------------------------------------------------------------------------- */

static void test_crafted_headers(void) {
  wb_key *k = oct_key(key16, 16);
  wb_decrypter *d = NULL;
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  static const struct {
    const char *hdr;
    wb_status want;
  } cases[] = {
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"x\":1}", WB_OK},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"b64\":false}", WB_ERR_MALFORMED}, /* a JWS member */
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"crit\":[]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"crit\":[1]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"crit\":[\"\"]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"crit\":[\"enc\"]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"x\":1,\"crit\":[\"x\",\"x\"]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"crit\":[\"y\"]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"x\":1,\"crit\":[\"x\"]}", WB_ERR_UNSUPPORTED_CRIT},
      {"{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"cty\":7}", WB_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *tok = craft(cases[i].hdr, "", "crafted");
    wb_error err;
    unsigned char *pt = (unsigned char *)"x";
    size_t n = 9;
    wb_status st = wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, &err);
    if (st != cases[i].want)
      fprintf(stderr, "header %s: %s (%s)\n", cases[i].hdr, wb_status_name(st), err.message);
    CHECK_ST(st, cases[i].want);
    CHECK(st == WB_OK ? n == 7 : pt == NULL && n == 0);
    if (st == WB_OK)
      wb_plaintext_free(pt, n);
    free(tok);
  }
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* PBES2 and ECDH-ES parameters of the wrong form are refused before any key work. */
static void test_crafted_parameters(void) {
  wb_decrypter *pd = NULL, *xd = NULL;
  wb_key *x = NULL;
  CHECK_ST(wb_decrypter_new_password(&pd, "password", 8, NULL), WB_OK);
  CHECK_ST(wb_key_generate(&x, WB_KTY_OKP, WB_CRV_X25519, 0, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&xd, x, NULL), WB_OK);
  char salt[400], hdr[600];
  memset(salt, 'A', sizeof(salt) - 1);
  salt[sizeof(salt) - 1] = '\0';
  snprintf(hdr, sizeof(hdr),
           "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2c\":1000,\"p2s\":\"%s\"}", salt);
  char *tok = craft(hdr, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "p");
  decrypt_want(pd, tok, WB_ERR_MALFORMED, NULL); /* a salt of 299 bytes: no header member that long */
  free(tok);
  tok = craft("{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2c\":-1000,\"p2s\":\"AAAAAAAAAAA\"}",
              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "p");
  decrypt_want(pd, tok, WB_ERR_TOO_LARGE, NULL); /* p2c out of range */
  free(tok);
  /* the salt buffer's own guard, whoever calls */
  unsigned char p2s[300] = {0}, kek[32];
  wb_key *pw = oct_key((const unsigned char *)"password", 8);
  wb_error err;
  CHECK_ST(wb__pbes2_kek(pw, wb__jwe_alg_info(WB_JWE_PBES2_HS256_A128KW), p2s, sizeof(p2s), 1000, kek, &err),
           WB_ERR_MALFORMED);
  CHECK(strstr(err.message, "salt") != NULL);
  wb_key_free(pw);
  static const char *const epks[] = {
      "{\"kty\":1,\"crv\":\"X25519\",\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":"
      "\"AA\"}",
  };
  static const wb_status want[] = {WB_ERR_MALFORMED, WB_ERR_BAD_KEY};
  for (int i = 0; i < 2; i++) {
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\",\"epk\":%s}", epks[i]);
    tok = craft(hdr, "", "p");
    decrypt_want(xd, tok, want[i], NULL);
    free(tok);
  }
  /* PartyUInfo and PartyVInfo: base64url, of a bounded size */
  static const char *const parties[] = {"\"apu\":\"a+b\"", "\"apv\":\"a+b\""};
  for (int i = 0; i < 2; i++) {
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\",%s,\"epk\":%s}", parties[i],
             epks[1]);
    tok = craft(hdr, "", "p");
    decrypt_want(xd, tok, WB_ERR_MALFORMED, NULL);
    free(tok);
  }
  wb_decrypter_free(pd);
  wb_decrypter_free(xd);
  wb_key_free(x);
}

/* JSON: the header parts' member names are disjoint however long or many they are. */
static void test_json_headers(void) {
  wb_key *k = oct_key(key16, 16);
  wb_decrypter *d = NULL;
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  char *tok = craft("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}", "", "json");
  char *seg[5], *p = tok;
  for (int i = 0; i < 5; i++) {
    size_t n = strcspn(p, ".");
    seg[i] = strndup(p, n);
    p += n + (p[n] != '\0');
  }
  char name[200], *json = malloc(8192);
  memset(name, 'n', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  /* a long name in the unprotected header: compared on the heap with the protected one */
  snprintf(
      json, 8192,
      "{\"protected\":\"%s\",\"unprotected\":{\"%s\":1},\"iv\":\"%s\",\"ciphertext\":\"%s\",\"tag\":\"%s\"}",
      seg[0], name, seg[2], seg[3], seg[4]);
  unsigned char *pt = NULL;
  size_t n = 0;
  wb_error err;
  CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_OK);
  CHECK(n == 4 && memcmp(pt, "json", 4) == 0);
  wb_plaintext_free(pt, n);
  /* more members than the pairwise check takes, one escaped, and one repeated across the parts */
  size_t w = (size_t)snprintf(json, 8192, "{\"protected\":\"%s\",\"unprotected\":{\"\\u0061bc\":0", seg[0]);
  for (int i = 0; i < 40; i++)
    w += (size_t)snprintf(json + w, 8192 - w, ",\"m%d\":%d", i, i);
  snprintf(json + w, 8192 - w, "},\"iv\":\"%s\",\"ciphertext\":\"%s\",\"tag\":\"%s\"}", seg[2], seg[3],
           seg[4]);
  CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_OK);
  wb_plaintext_free(pt, n);
  char *at = strstr(json, "\"m39\"");
  memcpy(at, "\"enc\"", 5); /* "enc" is in the protected header too */
  pt = (unsigned char *)"x";
  CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_ERR_MALFORMED);
  CHECK(pt == NULL && n == 0 && strstr(err.message, "more than one") != NULL);
  /* "recipients" empty, or holding something else than objects */
  static const char *const bad[] = {"[]", "[1]"};
  for (int i = 0; i < 2; i++) {
    snprintf(json, 8192,
             "{\"protected\":\"%s\",\"recipients\":%s,\"iv\":\"%s\",\"ciphertext\":\"%s\",\"tag\":\"%s\"}",
             seg[0], bad[i], seg[2], seg[3], seg[4]);
    CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_ERR_MALFORMED);
    CHECK(pt == NULL && n == 0);
  }
  /* "crit" in an unprotected header */
  snprintf(json, 8192,
           "{\"protected\":\"%s\",\"unprotected\":{\"crit\":[\"x\"]},\"iv\":\"%s\",\"ciphertext\":\"%s\","
           "\"tag\":\"%s\"}",
           seg[0], seg[2], seg[3], seg[4]);
  CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_ERR_MALFORMED);
  CHECK(strstr(err.message, "protected") != NULL);
  for (int i = 0; i < 5; i++)
    free(seg[i]);
  free(json);
  free(tok);
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* ---- nested: "application/JWT" is "JWT" (RFC 7515 4.1.10) --------------------------------------- */

static void test_nested_cty_prefix(void) {
  wb_key *sig = NULL, *k = oct_key(key16, 16);
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  wb_encrypter *e = NULL;
  wb_decrypter *d = NULL;
  wb_claims *c = NULL;
  char *jws = NULL, *tok = NULL;
  const char *claims = "{\"sub\":\"bob\",\"exp\":2000000000}";
  CHECK_ST(wb_key_generate_for_alg(&sig, WB_ALG_HS256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&s, sig, WB_ALG_HS256, NULL), WB_OK);
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)claims, strlen(claims), &jws, NULL, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, k, WB_JWE_DIR, WB_ENC_INVALID, NULL), WB_OK);
  CHECK_ST(wb_encrypter_set_cty(e, "application/JWT", NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt(e, (const unsigned char *)jws, strlen(jws), &tok, NULL, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, sig, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_now(v, 1900000000, NULL), WB_OK);
  CHECK_ST(wb_decrypt_verify(d, v, tok, strlen(tok), &c, NULL), WB_OK);
  CHECK(c != NULL && strcmp(wb_claims_sub(c), "bob") == 0);
  wb_claims_free(c);
  wb_string_free(tok);
  wb_string_free(jws);
  wb_verifier_free(v);
  wb_decrypter_free(d);
  wb_encrypter_free(e);
  wb_signer_free(s);
  wb_key_free(sig);
  wb_key_free(k);
}

/* ---- keys for JWE ---------------------------------------------------------------------------------- */

static void test_generate_refusals(void) {
  static const struct {
    wb_jwe_alg alg;
    wb_enc enc;
    wb_crv crv;
    unsigned bits;
    wb_status want;
  } cases[] = {
      {WB_JWE_RSA_OAEP_256, WB_ENC_INVALID, WB_CRV_P256, 0, WB_ERR_INVALID_ARG}, /* RSA has no curve */
      {WB_JWE_A128KW, WB_ENC_INVALID, WB_CRV_NONE, 256, WB_ERR_INVALID_ARG},     /* the size is the alg's */
      {WB_JWE_A128GCMKW, WB_ENC_INVALID, WB_CRV_P256, 0, WB_ERR_INVALID_ARG},
      {WB_JWE_ECDH_ES, WB_ENC_INVALID, WB_CRV_ED25519, 0, WB_ERR_INVALID_ARG}, /* a signing curve */
      {WB_JWE_PBES2_HS256_A128KW, WB_ENC_INVALID, WB_CRV_NONE, 0, WB_ERR_INVALID_ARG},
      {WB_JWE_ALG_COUNT_, WB_ENC_INVALID, WB_CRV_NONE, 0, WB_ERR_INVALID_ARG},
      {WB_JWE_A128KW, WB_ENC_COUNT_, WB_CRV_NONE, 0, WB_ERR_INVALID_ARG},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wb_key *k = (wb_key *)&k;
    wb_error err;
    CHECK_ST(wb_key_generate_for_jwe(&k, cases[i].alg, cases[i].enc, cases[i].crv, cases[i].bits, &err),
             cases[i].want);
    CHECK(k == NULL && err.message[0] != '\0');
  }
  static const wb_crv curves[] = {WB_CRV_X448, WB_CRV_P384, WB_CRV_P521};
  for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
    wb_key *k = NULL;
    CHECK_ST(wb_key_generate_for_jwe(&k, WB_JWE_ECDH_ES_A128KW, WB_ENC_INVALID, curves[i], 0, NULL), WB_OK);
    CHECK(k != NULL && wb_key_crv(k) == curves[i] && wb_key_use(k) == WB_USE_ENC);
    wb_key_free(k);
  }
  /* an Ed25519 key signs: ECDH-ES takes X25519 and X448 only */
  wb_key *ed = NULL;
  wb_encrypter *e = (wb_encrypter *)&ed;
  CHECK_ST(wb_key_generate(&ed, WB_KTY_OKP, WB_CRV_ED25519, 0, NULL), WB_OK);
  CHECK_ST(wb_encrypter_new(&e, ed, WB_JWE_ECDH_ES, WB_ENC_INVALID, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK(e == NULL);
  wb_key_free(ed);
  /* a dir key pinned to its enc: a decrypter takes it, and it decrypts that enc */
  wb_key *pinned = jwk("{\"kty\":\"oct\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZg\",\"alg\":\"A128GCM\"}");
  wb_decrypter *d = NULL;
  CHECK_ST(wb_decrypter_new_key(&d, pinned, NULL), WB_OK);
  char *tok = craft("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}", "", "pinned");
  decrypt_want(d, tok, WB_OK, "pinned");
  free(tok);
  wb_decrypter_free(d);
  wb_key_free(pinned);
}

/* ---- internal contracts (lib/jwe_int.h) ---------------------------------------------------------- */

static void test_zip(void) {
  unsigned char *out = (unsigned char *)"x";
  size_t n = 9;
  wb_error err;
  static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff}; /* block type 3: reserved */
  CHECK_ST(wb__inflate(junk, sizeof(junk), 1000, &out, &n, &err), WB_ERR_MALFORMED);
  CHECK(out == NULL && n == 0 && strstr(err.message, "not valid DEFLATE") != NULL);
  unsigned char *z = NULL;
  size_t zlen = 0;
  const char *text = "a text to compress, a text to compress, a text to compress";
  CHECK_ST(wb__deflate((const unsigned char *)text, strlen(text), &z, &zlen, NULL), WB_OK);
  CHECK_ST(wb__inflate(z, zlen - 1, 1000, &out, &n, &err), WB_ERR_MALFORMED); /* cut short */
  CHECK(out == NULL && n == 0 && strstr(err.message, "truncated") != NULL);
  unsigned char *longer = malloc(zlen + 3);
  memcpy(longer, z, zlen);
  memcpy(longer + zlen, "abc", 3);
  CHECK_ST(wb__inflate(longer, zlen + 3, 1000, &out, &n, &err), WB_ERR_MALFORMED); /* bytes after the end */
  CHECK(out == NULL && n == 0 && strstr(err.message, "after the end") != NULL);
  CHECK_ST(wb__inflate(z, zlen, 1000, &out, &n, NULL), WB_OK);
  CHECK(n == strlen(text) && memcmp(out, text, n) == 0);
  wb_plaintext_free(out, n);
  /* lengths past what zlib's 32-bit counters take are refused before a byte is read */
  CHECK_ST(wb__deflate((const unsigned char *)text, (size_t)UINT32_MAX, &out, &n, &err), WB_ERR_TOO_LARGE);
  CHECK(out == NULL && n == 0);
  CHECK_ST(wb__inflate(z, (size_t)UINT32_MAX, 1000, &out, &n, &err), WB_ERR_TOO_LARGE);
  CHECK(out == NULL && n == 0);
  free(longer);
  wb_plaintext_free(z, zlen);
}

static void test_key_wrap_contracts(void) {
  unsigned char out[64];
  wb_error err;
  CHECK_ST(wb__aeskw_wrap(key16, 16, key16, 12, out, &err), WB_ERR_INVALID_ARG); /* not 8-byte blocks */
  CHECK_ST(wb__aeskw_wrap(key16, 16, key16, 8, out, &err), WB_ERR_INVALID_ARG);  /* one block */
  CHECK_ST(wb__aeskw_wrap(key16, 16, key16, WB_JWE_MAX_EK, out, &err),
           WB_ERR_INVALID_ARG); /* over the room */
  /* RSA1_5 never wraps, whoever asks */
  wb_key *rsa = NULL;
  CHECK_ST(wb_key_generate(&rsa, WB_KTY_RSA, WB_CRV_NONE, 2048, NULL), WB_OK);
  unsigned char cek[64], ek[WB_JWE_MAX_EK];
  size_t ek_len = 99;
  wb_strbuf params;
  wb__sb_init(&params, 100);
  CHECK_ST(wb__km_wrap(rsa, wb__jwe_alg_info(WB_JWE_RSA1_5), NULL, wb__enc_info(WB_ENC_A128GCM), 0, cek, ek,
                       &ek_len, &params, &err),
           WB_ERR_ALG_NOT_ALLOWED);
  CHECK(ek_len == 0 && params.len == 0);
  wb_key_free(rsa);
  /* without the decrypter's substitute, an unwrap that fails in secret draws random bytes */
  wb_key *k = oct_key(key16, 16);
  unsigned char bad_ek[24] = {1};
  unsigned good = 7;
  wb_km_in in = {bad_ek, sizeof(bad_ek), NULL, 0, NULL};
  memset(cek, 0, sizeof(cek));
  CHECK_ST(
      wb__km_unwrap(k, wb__jwe_alg_info(WB_JWE_A128KW), wb__enc_info(WB_ENC_A128GCM), &in, cek, &good, &err),
      WB_OK);
  static const unsigned char zero[16];
  CHECK(good == 0 && memcmp(cek, zero, 16) != 0);
  /* an encrypted key longer than any: public, so no unwrap is tried, and the random key stands in */
  wb_km_in longer = {bad_ek, WB_JWE_MAX_EK + 8, NULL, 0, NULL};
  good = 7;
  memset(cek, 0, sizeof(cek));
  CHECK_ST(wb__km_unwrap(k, wb__jwe_alg_info(WB_JWE_A128KW), wb__enc_info(WB_ENC_A128GCM), &longer, cek,
                         &good, &err),
           WB_OK);
  CHECK(good == 0 && memcmp(cek, zero, 16) != 0);
  wb_key_free(k);
}

/* AES-GCM takes lengths OpenSSL's int can count: a false larger one is refused before it is read. */
static void test_gcm_lengths(void) {
  const wb_enc_info *ei = wb__enc_info(WB_ENC_A128GCM);
  unsigned char iv[12] = {0}, tag[16], out[16];
  size_t n = 99;
  wb_error err;
  CHECK_ST(wb__ce_encrypt(ei, key16, iv, key16, 16, key16, (size_t)INT32_MAX + 1, out, &n, tag, &err),
           WB_ERR_CRYPTO);
  CHECK(n == 0 && strstr(err.message, "AES-GCM") != NULL);
  CHECK_ST(wb__ce_encrypt(ei, key16, iv, key16, (size_t)INT32_MAX + 1, key16, 16, out, &n, tag, &err),
           WB_ERR_CRYPTO);
  CHECK(n == 0);
  /* no AAD at all (a JWE always has its header; the primitive does not need one) */
  unsigned char back[16];
  size_t m = 0;
  CHECK_ST(wb__ce_encrypt(ei, key16, iv, NULL, 0, key16, 16, out, &n, tag, NULL), WB_OK);
  CHECK_ST(wb__ce_decrypt(ei, key16, iv, 12, NULL, 0, out, n, tag, 16, back, &m, NULL), WB_OK);
  CHECK(m == 16 && memcmp(back, key16, 16) == 0);
  tag[0] ^= 1;
  CHECK_ST(wb__ce_decrypt(ei, key16, iv, 12, NULL, 0, out, n, tag, 16, back, &m, NULL),
           WB_ERR_DECRYPT_FAILED);
  CHECK(m == 0);
}

/* The JSON string and base64url writers: a false length too large to encode is refused unread. */
static void test_strbuf(void) {
  wb_strbuf b;
  wb__sb_init(&b, 1000);
  wb__sb_b64(&b, key16, SIZE_MAX);
  wb_error err;
  CHECK_ST(wb__sb_done(&b, &err), WB_ERR_TOO_LARGE);
  wb__sb_str(&b, "ignored after a failure");
  wb__sb_b64(&b, key16, SIZE_MAX); /* the first failure is kept */
  wb__sb_json_string(&b, "x", 1);
  CHECK(b.len == 0 && b.st == WB_ERR_TOO_LARGE);
  wb__sb_free(&b);
  /* one piece over the ceiling */
  char big[1200];
  memset(big, 'b', sizeof(big));
  wb__sb_init(&b, 1000);
  wb__sb_put(&b, big, sizeof(big));
  CHECK_ST(wb__sb_done(&b, NULL), WB_ERR_TOO_LARGE);
  wb__sb_free(&b);
  /* a JSON string may not hold NUL: the length says where it ends */
  wb__sb_init(&b, 1000);
  wb__sb_json_string(&b, "a\0b", 3);
  CHECK_ST(wb__sb_done(&b, &err), WB_ERR_INVALID_ARG);
  wb__sb_free(&b);
  /* the base64url of a header is exactly the encoding */
  wb__sb_init(&b, 1000);
  wb__sb_b64(&b, (const unsigned char *)"\xfb\xff", 2);
  CHECK_ST(wb__sb_done(&b, NULL), WB_OK);
  CHECK(b.len == 3 && strcmp(b.p, "-_8") == 0);
  wb__sb_free(&b);
}

/* The header view takes JSON objects only, whoever builds it. */
static void test_view_of_array(void) {
  wb_limits lim;
  wb_limits_default(&lim);
  wb_jtape *t = NULL;
  CHECK_ST(wb__jtape_build(&t, "[1]", 3, &lim, false, NULL), WB_OK);
  wb_jose_part part = {t, 0, WB_JH_PROTECTED};
  wb_jose_view v;
  wb_error err;
  CHECK_ST(wb__jose_view_build(&v, &part, 1, &err), WB_ERR_MALFORMED);
  CHECK(strstr(err.message, "JSON object") != NULL);
  wb__jtape_free(t);
}

int main(void) {
  test_names();
  test_encrypter_setup();
  test_key_ops();
  test_header_strings();
  test_decrypter_setup();
  test_crafted_headers();
  test_crafted_parameters();
  test_json_headers();
  test_nested_cty_prefix();
  test_generate_refusals();
  test_zip();
  test_key_wrap_contracts();
  test_gcm_lengths();
  test_strbuf();
  test_view_of_array();
  return CHECK_DONE();
}
