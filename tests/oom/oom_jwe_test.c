/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_jwe_test.c - allocation failures through the JWE API (include/wristband/jwe.h)
 * and the JWS JSON serializations: encrypting and decrypting with every key management family
 * (RSA-OAEP, AES-KW, dir with CBC-HMAC and GCM, ECDH-ES direct and with key wrapping on P-256 and
 * X25519, AES-GCM-KW, PBES2), with compression, typ and cty, a plaintext past the stack buffers;
 * the flattened and general JSON serializations with aad and two recipients; encrypted JWKs;
 * header parts compared on the heap (long and many member names), a p2c too long for the stack;
 * nested JWTs; keys generated for JWE and decrypters built from a key set with their policy;
 * JWS JSON signing and verifying (general with two signers, flattened detached) and unencoded
 * (b64 false) payloads in the compact, detached and JSON forms; Ed448 and Ed25519 public keys
 * read (their point checks); RSA-PSS signing and verifying.
 * Uses oom_harness.c's failing allocator (plain builds only, label no-asan).
 *
 * Every failure must be reported consistently (err->code is the status, with a message), leave
 * every out-parameter NULL (and lengths 0), and be WB_ERR_NOMEM when only wristband's and
 * jansson's allocations fail (pass 2, which must also leak nothing); a success must give back
 * exactly what was encrypted or signed. Keys are made once, before any failure is injected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

#define NOW 1700000000

static wb_key *rsa, *kw16, *gcmkw32, *dir_cbc, *dir_gcm, *ec256, *x25519, *ed, *ed_pub, *es, *es_pub;
static unsigned char big_pt[3000]; /* past the 2048-byte ciphertext buffer on the stack; compressible */
static const unsigned char aad_in[] = "additional data";

/* Checks a failed call (at line): consistent err, and nomem when only our allocations can fail. */
static void failed_at(wb_status st, const wb_error *err, int out_null, int line) {
  EXPECT(st != WB_OK && err->code == st && err->message[0] != '\0');
  EXPECT(out_null);
  if (oom_skip_libcrypto && st != WB_ERR_NOMEM)
    fprintf(stderr, "line %d: got %s (%s), want nomem\n", line, wb_status_name(st), err->message);
  if (oom_skip_libcrypto)
    EXPECT(st == WB_ERR_NOMEM);
}
#define failed(st, err, out_null) failed_at(st, err, out_null, __LINE__)

/* ---- compact and JSON round trips ------------------------------------------------------------ */

/* An encrypter for key (typ, cty and zip set when zip), encrypting big_pt or a short text. */
static wb_encrypter *encrypter(const wb_key *key, wb_jwe_alg alg, wb_enc enc, int zip) {
  wb_encrypter *e = NULL;
  wb_error err;
  wb_status st = wb_encrypter_new(&e, key, alg, enc, &err);
  if (st != WB_OK) {
    failed(st, &err, e == NULL);
    return NULL;
  }
  if (zip && ((st = wb_encrypter_set_typ(e, "secret+jwe", &err)) != WB_OK ||
              (st = wb_encrypter_set_cty(e, "text/plain", &err)) != WB_OK ||
              (st = wb_encrypter_set_zip(e, true, &err)) != WB_OK)) {
    failed(st, &err, 1);
    wb_encrypter_free(e);
    return NULL;
  }
  return e;
}

/* Decrypts text (compact when form is 0) with a decrypter on key; 1 when it gives pt back. */
static int decrypt_check(const wb_key *key, int zip, int form, const char *text, const unsigned char *pt,
                         size_t pt_len, int with_aad) {
  wb_decrypter *d = NULL;
  unsigned char *got = NULL, *aad = NULL;
  size_t n = 99, aad_len = 99;
  wb_error err;
  int ok = 0;
  wb_status st = wb_decrypter_new_key(&d, key, &err);
  if (st != WB_OK) {
    failed(st, &err, d == NULL);
    goto out;
  }
  if (zip && (st = wb_decrypter_allow_zip(d, 0, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  st = form == 0 ? wb_jwe_decrypt(d, text, strlen(text), &got, &n, &err)
                 : wb_jwe_decrypt_json(d, text, strlen(text), &got, &n, &aad, &aad_len, &err);
  if (st != WB_OK) {
    failed(st, &err, got == NULL && n == 0 && aad == NULL && (form == 0 || aad_len == 0));
    goto out;
  }
  ok = n == pt_len && memcmp(got, pt, n) == 0 &&
       (form == 0 || (with_aad ? aad_len == sizeof(aad_in) && memcmp(aad, aad_in, aad_len) == 0
                               : aad == NULL && aad_len == 0));
  EXPECT(ok);
out:
  wb_plaintext_free(got, n);
  wb_plaintext_free(aad, aad_len);
  wb_decrypter_free(d);
  return ok;
}

/* Encrypts (form 0 = compact) with enc_key and decrypts with dec_key. */
static int roundtrip(const wb_key *enc_key, const wb_key *dec_key, wb_jwe_alg alg, wb_enc enc, int zip,
                     int form, int big) {
  const unsigned char *pt = big ? big_pt : (const unsigned char *)"short";
  size_t pt_len = big ? sizeof(big_pt) : 5;
  char *text = NULL;
  size_t text_len = 99;
  wb_error err;
  int ok = 0;
  wb_encrypter *e = encrypter(enc_key, alg, enc, zip);
  if (e == NULL)
    return 0;
  wb_status st =
      form == 0
          ? wb_jwe_encrypt(e, pt, pt_len, &text, &text_len, &err)
          : wb_jwe_encrypt_json(e, (wb_serialization)form, pt, pt_len, form == WB_SER_GENERAL ? aad_in : NULL,
                                form == WB_SER_GENERAL ? sizeof(aad_in) : 0, &text, &text_len, &err);
  if (st != WB_OK) {
    failed(st, &err, text == NULL);
    goto out;
  }
  EXPECT(text_len == strlen(text));
  ok = decrypt_check(dec_key, zip, form, text, pt, pt_len, form == WB_SER_GENERAL);
out:
  wb_string_free(text);
  wb_encrypter_free(e);
  return ok;
}

static int compact_scenario(void) {
  return roundtrip(rsa, rsa, WB_JWE_RSA_OAEP_256, WB_ENC_A128CBC_HS256, 0, 0, 1) &&
         roundtrip(kw16, kw16, WB_JWE_ALG_INVALID, WB_ENC_A128GCM, 1, 0, 1) &&
         roundtrip(dir_cbc, dir_cbc, WB_JWE_DIR, WB_ENC_INVALID, 0, 0, 0) &&
         roundtrip(ec256, ec256, WB_JWE_ECDH_ES, WB_ENC_A256GCM, 0, 0, 0) &&
         roundtrip(x25519, x25519, WB_JWE_ECDH_ES_A256KW, WB_ENC_A256CBC_HS512, 1, 0, 0) &&
         roundtrip(gcmkw32, gcmkw32, WB_JWE_A256GCMKW, WB_ENC_A192GCM, 0, 0, 0);
}

static int json_scenario(void) {
  char *json = NULL;
  wb_encrypter *e = NULL;
  wb_error err;
  int ok = 0;
  if (!roundtrip(dir_gcm, dir_gcm, WB_JWE_DIR, WB_ENC_INVALID, 0, WB_SER_FLATTENED, 1) ||
      !roundtrip(ec256, ec256, WB_JWE_ECDH_ES_A128KW, WB_ENC_A256GCM, 1, WB_SER_GENERAL, 0))
    return 0;
  /* two recipients: the one CEK wrapped for each, then each one decrypts */
  if ((e = encrypter(kw16, WB_JWE_A128KW, WB_ENC_A256CBC_HS512, 1)) == NULL)
    return 0;
  wb_status st = wb_encrypter_add_recipient(e, x25519, WB_JWE_ECDH_ES_A192KW, &err);
  if (st != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_jwe_encrypt_json(e, WB_SER_GENERAL, big_pt, sizeof(big_pt), aad_in, sizeof(aad_in), &json,
                                NULL, &err)) != WB_OK) {
    failed(st, &err, json == NULL);
    goto out;
  }
  ok = decrypt_check(kw16, 1, WB_SER_GENERAL, json, big_pt, sizeof(big_pt), 1) &&
       decrypt_check(x25519, 1, WB_SER_GENERAL, json, big_pt, sizeof(big_pt), 1);
out:
  wb_string_free(json);
  wb_encrypter_free(e);
  return ok;
}

/* ---- header parts read on the heap ------------------------------------------------------------ */

static char *long_names; /* a flattened dir JWE with a long member name in "unprotected" and a "header" */
static char *many_names; /* the same with 40 unprotected members, one of them escaped */
static char *p2c_long;   /* a PBES2 JWE whose p2c has 151 digits */

/* Decrypts json (dir_gcm): the header parts are compared on the heap, then it opens. */
static int json_text_check(const char *json) {
  wb_decrypter *d = NULL;
  unsigned char *got = NULL;
  size_t n = 99;
  wb_error err;
  int ok = 0;
  wb_status st = wb_decrypter_new_key(&d, dir_gcm, &err);
  if (st != WB_OK) {
    failed(st, &err, d == NULL);
    goto out;
  }
  if ((st = wb_jwe_decrypt_json(d, json, strlen(json), &got, &n, NULL, NULL, &err)) != WB_OK) {
    failed(st, &err, got == NULL && n == 0);
    goto out;
  }
  ok = n == 5 && memcmp(got, "short", 5) == 0;
  EXPECT(ok);
out:
  wb_plaintext_free(got, n);
  wb_decrypter_free(d);
  return ok;
}

static int header_scenario(void) {
  if (!json_text_check(long_names) || !json_text_check(many_names))
    return 0;
  /* a p2c too long for the stack: too large, or out of memory on the way */
  wb_decrypter *d = NULL;
  unsigned char *got = NULL;
  size_t n = 99;
  wb_error err;
  wb_status st = wb_decrypter_new_password(&d, "pw", 2, &err);
  if (st != WB_OK) {
    failed(st, &err, d == NULL);
    return 0;
  }
  st = wb_jwe_decrypt(d, p2c_long, strlen(p2c_long), &got, &n, &err);
  wb_decrypter_free(d);
  if (st != WB_ERR_TOO_LARGE) {
    failed(st, &err, got == NULL && n == 0);
    return 0;
  }
  EXPECT(got == NULL && n == 0);
  return 1;
}

/* Sets up the crafted texts: a flattened JWE from the library, header parts added around it. */
static int header_setup(void) {
  wb_encrypter *e = NULL;
  char *flat = NULL, name[140];
  int ok = wb_encrypter_new(&e, dir_gcm, WB_JWE_DIR, WB_ENC_INVALID, NULL) == WB_OK &&
           wb_jwe_encrypt_json(e, WB_SER_FLATTENED, (const unsigned char *)"short", 5, NULL, 0, &flat, NULL,
                               NULL) == WB_OK;
  wb_encrypter_free(e);
  if (!ok)
    return 0;
  memset(name, 'n', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  size_t cap = strlen(flat) + 1024;
  long_names = malloc(cap);
  many_names = malloc(cap);
  snprintf(long_names, cap, "{\"unprotected\":{\"%s\":1},\"header\":{\"y\":1},%s", name, flat + 1);
  size_t w = (size_t)snprintf(many_names, cap, "{\"unprotected\":{\"\\u0061bc\":0");
  for (int i = 0; i < 40; i++)
    w += (size_t)snprintf(many_names + w, cap - w, ",\"m%d\":%d", i, i);
  snprintf(many_names + w, cap - w, "},%s", flat + 1);
  wb_string_free(flat);
  char hdr[300], h64[500];
  int k = snprintf(hdr, sizeof(hdr),
                   "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAAAAAAAAA\",\"p2c\":1");
  for (int i = 0; i < 150; i++) /* past the number parser's 128 bytes on the stack */
    hdr[k++] = '0';
  hdr[k++] = '}';
  if (wb_b64url_encode(h64, sizeof(h64), (const unsigned char *)hdr, (size_t)k, NULL, NULL) != WB_OK)
    return 0;
  cap = strlen(h64) + 200;
  p2c_long = malloc(cap);
  snprintf(p2c_long, cap, "%s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
           h64);
  return 1;
}

/* ---- passwords: PBES2 and encrypted JWKs ------------------------------------------------------ */

/* Each PBKDF2 allocates for every iteration: one derivation per scenario keeps the runs few. */
static const char pw[] = "correct horse battery staple";
static char *pbes2_token; /* PBES2-HS256+A128KW, A128GCM, p2c 1000: big_pt[0..100) */
static char *enc_jwk;     /* ec256 as an encrypted JWK, p2c 1000 */

/* 1 when tok decrypts with pw to big_pt[0..100) (checked with injection paused). */
static int pbes2_opens(const char *tok) {
  wb_decrypter *d = NULL;
  unsigned char *got = NULL;
  size_t n = 0;
  oom_pause();
  int ok = wb_decrypter_new_password(&d, pw, strlen(pw), NULL) == WB_OK &&
           wb_jwe_decrypt(d, tok, strlen(tok), &got, &n, NULL) == WB_OK && n == 100 &&
           memcmp(got, big_pt, n) == 0;
  wb_plaintext_free(got, n);
  wb_decrypter_free(d);
  oom_resume();
  return ok;
}

/* 1 when k is ec256 (checked with injection paused). */
static int is_ec256(const wb_key *k) {
  char *a = NULL, *b = NULL;
  oom_pause();
  int ok = wb_key_to_jwk(ec256, WB_KEY_PRIVATE, &a, NULL) == WB_OK &&
           wb_key_to_jwk(k, WB_KEY_PRIVATE, &b, NULL) == WB_OK && strcmp(a, b) == 0;
  wb_string_free(a);
  wb_string_free(b);
  oom_resume();
  return ok;
}

static int pbes2_encrypt_scenario(void) {
  wb_encrypter *e = NULL;
  char *tok = NULL;
  wb_error err;
  int ok = 0;
  wb_status st =
      wb_encrypter_new_password(&e, pw, strlen(pw), WB_JWE_PBES2_HS256_A128KW, WB_ENC_A128GCM, 1000, &err);
  if (st != WB_OK) {
    failed(st, &err, e == NULL);
    goto out;
  }
  if ((st = wb_jwe_encrypt(e, big_pt, 100, &tok, NULL, &err)) != WB_OK) {
    failed(st, &err, tok == NULL);
    goto out;
  }
  ok = pbes2_opens(tok);
  EXPECT(ok);
out:
  wb_string_free(tok);
  wb_encrypter_free(e);
  return ok;
}

static int pbes2_decrypt_scenario(void) {
  wb_decrypter *d = NULL;
  unsigned char *got = NULL;
  size_t n = 99;
  wb_error err;
  int ok = 0;
  wb_status st = wb_decrypter_new_password(&d, pw, strlen(pw), &err);
  if (st != WB_OK) {
    failed(st, &err, d == NULL);
    goto out;
  }
  if ((st = wb_jwe_decrypt(d, pbes2_token, strlen(pbes2_token), &got, &n, &err)) != WB_OK) {
    failed(st, &err, got == NULL && n == 0);
    goto out;
  }
  ok = n == 100 && memcmp(got, big_pt, n) == 0;
  EXPECT(ok);
out:
  wb_plaintext_free(got, n);
  wb_decrypter_free(d);
  return ok;
}

static int jwk_to_scenario(void) {
  char *jwe = NULL;
  wb_key *back = NULL;
  wb_error err;
  wb_status st = wb_key_to_encrypted_jwk(ec256, pw, strlen(pw), 1000, &jwe, &err);
  if (st != WB_OK) {
    failed(st, &err, jwe == NULL);
    return 0;
  }
  oom_pause();
  int ok = wb_key_from_encrypted_jwk(&back, jwe, strlen(jwe), pw, strlen(pw), 0, NULL) == WB_OK;
  oom_resume();
  ok = ok && is_ec256(back);
  EXPECT(ok);
  wb_key_free(back);
  wb_string_free(jwe);
  return ok;
}

static int jwk_from_scenario(void) {
  wb_key *back = NULL;
  wb_error err;
  wb_status st = wb_key_from_encrypted_jwk(&back, enc_jwk, strlen(enc_jwk), pw, strlen(pw), 0, &err);
  if (st != WB_OK) {
    failed(st, &err, back == NULL);
    return 0;
  }
  int ok = is_ec256(back);
  EXPECT(ok);
  wb_key_free(back);
  return ok;
}

/* The token and the encrypted JWK the decrypting scenarios read. */
static int password_setup(void) {
  wb_encrypter *e = NULL;
  int ok = wb_encrypter_new_password(&e, pw, strlen(pw), WB_JWE_PBES2_HS256_A128KW, WB_ENC_A128GCM, 1000,
                                     NULL) == WB_OK &&
           wb_jwe_encrypt(e, big_pt, 100, &pbes2_token, NULL, NULL) == WB_OK &&
           wb_key_to_encrypted_jwk(ec256, pw, strlen(pw), 1000, &enc_jwk, NULL) == WB_OK;
  wb_encrypter_free(e);
  return ok;
}

/* ---- nested JWT ------------------------------------------------------------------------------ */

static int nested_scenario(void) {
  wb_signer *s = NULL;
  wb_encrypter *e = NULL;
  wb_builder *b = NULL;
  wb_decrypter *d = NULL;
  wb_verifier *v = NULL;
  wb_claims *c = NULL;
  char *tok = NULL;
  wb_error err;
  int ok = 0;
  wb_status st = wb_signer_new(&s, ed, WB_ALG_EDDSA, &err);
  if (st != WB_OK) {
    failed(st, &err, s == NULL);
    goto out;
  }
  if ((e = encrypter(x25519, WB_JWE_ECDH_ES, WB_ENC_A128GCM, 0)) == NULL)
    goto out;
  if ((st = wb_builder_new(&b, &err)) != WB_OK) {
    failed(st, &err, b == NULL);
    goto out;
  }
  if ((st = wb_builder_set_string(b, "sub", "alice", &err)) != WB_OK ||
      (st = wb_builder_set_int(b, "exp", NOW + 100, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_sign_encrypt(s, e, b, &tok, NULL, &err)) != WB_OK) {
    failed(st, &err, tok == NULL);
    goto out;
  }
  if ((st = wb_decrypter_new_key(&d, x25519, &err)) != WB_OK) {
    failed(st, &err, d == NULL);
    goto out;
  }
  if ((st = wb_verifier_new_key(&v, ed_pub, &err)) != WB_OK) {
    failed(st, &err, v == NULL);
    goto out;
  }
  if ((st = wb_verifier_set_now(v, NOW, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_decrypt_verify(d, v, tok, strlen(tok), &c, &err)) != WB_OK) {
    failed(st, &err, c == NULL);
    goto out;
  }
  ok = wb_claims_sub(c) != NULL && strcmp(wb_claims_sub(c), "alice") == 0;
  EXPECT(ok);
out:
  wb_claims_free(c);
  wb_verifier_free(v);
  wb_decrypter_free(d);
  wb_string_free(tok);
  wb_builder_free(b);
  wb_encrypter_free(e);
  wb_signer_free(s);
  return ok;
}

/* ---- keys for JWE, decrypters from a key set ------------------------------------------------- */

static int keys_scenario(void) {
  static const struct {
    wb_jwe_alg alg;
    wb_enc enc;
    wb_crv crv;
  } want[] = {
      {WB_JWE_ECDH_ES, WB_ENC_INVALID, WB_CRV_X25519},      /* in the set, allowed */
      {WB_JWE_ECDH_ES_A128KW, WB_ENC_INVALID, WB_CRV_P256}, /* in the set, outside the policy */
      {WB_JWE_A192KW, WB_ENC_INVALID, WB_CRV_NONE},
      {WB_JWE_DIR, WB_ENC_A192CBC_HS384, WB_CRV_NONE},
  };
  enum { N = sizeof(want) / sizeof(want[0]) };
  wb_key *k[N] = {0};
  wb_keyset *set = NULL;
  wb_decrypter *d = NULL;
  wb_error err;
  wb_limits lim;
  int ok = 0;
  wb_status st = wb_keyset_new(&set, &err);
  if (st != WB_OK) {
    failed(st, &err, set == NULL);
    goto out;
  }
  for (size_t i = 0; i < N; i++) {
    if ((st = wb_key_generate_for_jwe(&k[i], want[i].alg, want[i].enc, want[i].crv, 0, &err)) != WB_OK) {
      failed(st, &err, k[i] == NULL);
      goto out;
    }
    if (i < 2 && (st = wb_keyset_add(set, k[i], &err)) != WB_OK) {
      failed(st, &err, 1);
      goto out;
    }
  }
  if ((st = wb_decrypter_new(&d, set, &err)) != WB_OK) {
    failed(st, &err, d == NULL);
    goto out;
  }
  wb_limits_default(&lim);
  if ((st = wb_decrypter_allow_alg(d, WB_JWE_ECDH_ES, &err)) != WB_OK ||
      (st = wb_decrypter_allow_enc(d, WB_ENC_A256GCM, &err)) != WB_OK ||
      (st = wb_decrypter_set_limits(d, &lim, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  /* each generated key carries its JWE alg and kid: the encrypter takes them; the set picks by kid */
  ok = 1;
  for (size_t i = 0; ok && i < N; i++) {
    char *tok = NULL;
    unsigned char *got = NULL;
    size_t n = 99;
    wb_decrypter *own = NULL;
    wb_encrypter *e = encrypter(k[i], WB_JWE_ALG_INVALID, i == 3 ? WB_ENC_INVALID : WB_ENC_A256GCM, 0);
    ok = e != NULL;
    if (ok && (st = wb_jwe_encrypt(e, (const unsigned char *)"hi", 2, &tok, NULL, &err)) != WB_OK) {
      failed(st, &err, tok == NULL);
      ok = 0;
    }
    if (ok && i >= 2 && (st = wb_decrypter_new_key(&own, k[i], &err)) != WB_OK) {
      failed(st, &err, own == NULL);
      ok = 0;
    }
    if (ok && (st = wb_jwe_decrypt(i >= 2 ? own : d, tok, strlen(tok), &got, &n, &err)) != WB_OK) {
      if (i == 1 && st == WB_ERR_ALG_NOT_ALLOWED) /* ECDH-ES+A128KW is outside the narrowed policy */
        EXPECT(got == NULL && n == 0);
      else {
        failed(st, &err, got == NULL && n == 0);
        ok = 0;
      }
    } else if (ok) {
      EXPECT(i != 1);
      ok = n == 2 && memcmp(got, "hi", 2) == 0;
      EXPECT(ok);
    }
    wb_plaintext_free(got, n);
    wb_string_free(tok);
    wb_encrypter_free(e);
    wb_decrypter_free(own);
  }
out:
  wb_decrypter_free(d);
  wb_keyset_free(set);
  for (size_t i = 0; i < N; i++)
    wb_key_free(k[i]);
  return ok;
}

/* ---- JWS JSON serializations ------------------------------------------------------------------- */

static int jws_json_scenario(void) {
  wb_signer *s[2] = {NULL, NULL};
  wb_verifier *v = NULL;
  wb_keyset *set = NULL;
  wb_signer *u = NULL;
  char *general = NULL, *flat = NULL, *payload = NULL, *compact = NULL, *detached = NULL, *unencoded = NULL;
  size_t payload_len = 99;
  wb_error err;
  int ok = 0;
  static const unsigned char msg[] = "a payload signed twice";
  wb_status st = wb_signer_new(&s[0], ed, WB_ALG_EDDSA, &err);
  if (st == WB_OK)
    st = wb_signer_new(&s[1], es, WB_ALG_ES256, &err);
  if (st != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_jws_sign_json((const wb_signer *const *)s, 2, WB_SER_GENERAL, msg, sizeof(msg), false,
                             &general, NULL, &err)) != WB_OK) {
    failed(st, &err, general == NULL);
    goto out;
  }
  if ((st = wb_jws_sign_json((const wb_signer *const *)s, 1, WB_SER_FLATTENED, msg, sizeof(msg), true, &flat,
                             NULL, &err)) != WB_OK) {
    failed(st, &err, flat == NULL);
    goto out;
  }
  if ((st = wb_keyset_new(&set, &err)) != WB_OK) {
    failed(st, &err, set == NULL);
    goto out;
  }
  if ((st = wb_keyset_add(set, ed_pub, &err)) != WB_OK || (st = wb_keyset_add(set, es_pub, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_verifier_new(&v, set, &err)) != WB_OK) {
    failed(st, &err, v == NULL);
    goto out;
  }
  if ((st = wb_jws_verify_json(v, WB_JWS_ALL, general, strlen(general), &payload, &payload_len, NULL, 0, NULL,
                               &err)) != WB_OK) {
    failed(st, &err, payload == NULL && payload_len == 0);
    goto out;
  }
  if (!(payload_len == sizeof(msg) && memcmp(payload, msg, payload_len) == 0))
    goto out;
  if ((st = wb_jws_verify_json_detached(v, WB_JWS_ANY, flat, strlen(flat), msg, sizeof(msg), NULL, 0, NULL,
                                        &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  /* unencoded payloads (RFC 7797): a compact token, a detached one, a JSON one */
  if ((st = wb_signer_new(&u, ed, WB_ALG_EDDSA, &err)) != WB_OK) {
    failed(st, &err, u == NULL);
    goto out;
  }
  if ((st = wb_signer_set_b64(u, false, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_jws_sign(u, msg, sizeof(msg) - 1, &compact, NULL, &err)) != WB_OK) {
    failed(st, &err, compact == NULL);
    goto out;
  }
  wb_string_free(payload);
  payload = NULL;
  payload_len = 0;
  if ((st = wb_jws_verify(v, compact, strlen(compact), &payload, &payload_len, &err)) != WB_OK) {
    failed(st, &err, payload == NULL && payload_len == 0);
    goto out;
  }
  if (!(payload_len == sizeof(msg) - 1 && memcmp(payload, msg, payload_len) == 0))
    goto out;
  if ((st = wb_jws_sign_detached(u, msg, sizeof(msg), &detached, NULL, &err)) != WB_OK) {
    failed(st, &err, detached == NULL);
    goto out;
  }
  if ((st = wb_jws_verify_detached(v, detached, strlen(detached), msg, sizeof(msg), &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  if ((st = wb_jws_sign_json((const wb_signer *const *)&u, 1, WB_SER_GENERAL, msg, sizeof(msg) - 1, false,
                             &unencoded, NULL, &err)) != WB_OK) {
    failed(st, &err, unencoded == NULL);
    goto out;
  }
  wb_string_free(payload);
  payload = NULL;
  payload_len = 0;
  if ((st = wb_jws_verify_json(v, WB_JWS_ANY, unencoded, strlen(unencoded), &payload, &payload_len, NULL, 0,
                               NULL, &err)) != WB_OK) {
    failed(st, &err, payload == NULL && payload_len == 0);
    goto out;
  }
  ok = payload_len == sizeof(msg) - 1 && memcmp(payload, msg, payload_len) == 0;
  EXPECT(ok);
out:
  wb_string_free(unencoded);
  wb_string_free(detached);
  wb_string_free(compact);
  wb_signer_free(u);
  wb_string_free(payload);
  wb_string_free(flat);
  wb_string_free(general);
  wb_verifier_free(v);
  wb_keyset_free(set);
  wb_signer_free(s[0]);
  wb_signer_free(s[1]);
  return ok;
}

/* ---- EdDSA public keys (their point checks) and RSA-PSS ---------------------------------------- */

static char *ed448_pub, *ed25519_pub; /* public JWKs */

static int eddsa_pss_scenario(void) {
  wb_key *a = NULL, *b = NULL;
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  char *tok = NULL;
  wb_error err;
  int ok = 0;
  wb_status st = wb_key_from_jwk(&a, ed448_pub, strlen(ed448_pub), &err);
  if (st != WB_OK) {
    failed(st, &err, a == NULL);
    goto out;
  }
  if ((st = wb_key_from_jwk(&b, ed25519_pub, strlen(ed25519_pub), &err)) != WB_OK) {
    failed(st, &err, b == NULL);
    goto out;
  }
  if (wb_key_is_private(a) || wb_key_crv(a) != WB_CRV_ED448 || wb_key_crv(b) != WB_CRV_ED25519)
    goto out;
  if ((st = wb_signer_new(&s, rsa, WB_ALG_PS256, &err)) != WB_OK) {
    failed(st, &err, s == NULL);
    goto out;
  }
  static const unsigned char claims[] = "{\"sub\":\"pss\"}";
  if ((st = wb_jws_sign(s, claims, sizeof(claims) - 1, &tok, NULL, &err)) != WB_OK) {
    failed(st, &err, tok == NULL);
    goto out;
  }
  if ((st = wb_verifier_new_key(&v, rsa, &err)) != WB_OK) {
    failed(st, &err, v == NULL);
    goto out;
  }
  if ((st = wb_verifier_allow_missing_exp(v, &err)) != WB_OK) {
    failed(st, &err, 1);
    goto out;
  }
  wb_claims *c = NULL;
  if ((st = wb_verify(v, tok, strlen(tok), &c, &err)) != WB_OK) {
    failed(st, &err, c == NULL);
    goto out;
  }
  ok = wb_claims_sub(c) != NULL && strcmp(wb_claims_sub(c), "pss") == 0;
  wb_claims_free(c);
  EXPECT(ok);
out:
  wb_string_free(tok);
  wb_verifier_free(v);
  wb_signer_free(s);
  wb_key_free(a);
  wb_key_free(b);
  return ok;
}

/* The public JWK of a fresh key of crv. */
static char *public_jwk(wb_crv crv) {
  wb_key *k = NULL;
  char *json = NULL;
  if (wb_key_generate(&k, WB_KTY_OKP, crv, 0, NULL) != WB_OK ||
      wb_key_to_jwk(k, WB_KEY_PUBLIC, &json, NULL) != WB_OK)
    json = NULL;
  wb_key_free(k);
  return json;
}

/* ---- set-up and the two passes ------------------------------------------------------------------ */

static wb_key *gen(wb_kty kty, wb_crv crv, unsigned bits) {
  wb_key *k = NULL;
  return wb_key_generate(&k, kty, crv, bits, NULL) == WB_OK ? k : NULL;
}

static int setup(void) {
  for (size_t i = 0; i < sizeof(big_pt); i++)
    big_pt[i] = (unsigned char)("compress me, "[i % 13] ^ (i / 512));
  rsa = gen(WB_KTY_RSA, WB_CRV_NONE, 2048);
  kw16 = gen(WB_KTY_OCT, WB_CRV_NONE, 128);
  gcmkw32 = gen(WB_KTY_OCT, WB_CRV_NONE, 256);
  dir_cbc = gen(WB_KTY_OCT, WB_CRV_NONE, 256);
  dir_gcm = gen(WB_KTY_OCT, WB_CRV_NONE, 128);
  ec256 = gen(WB_KTY_EC, WB_CRV_P256, 0);
  x25519 = gen(WB_KTY_OKP, WB_CRV_X25519, 0);
  ed = gen(WB_KTY_OKP, WB_CRV_ED25519, 0);
  es = gen(WB_KTY_EC, WB_CRV_P256, 0);
  return rsa && kw16 && gcmkw32 && dir_cbc && dir_gcm && ec256 && x25519 && ed && es &&
         wb_key_public(&ed_pub, ed, NULL) == WB_OK && wb_key_public(&es_pub, es, NULL) == WB_OK &&
         header_setup() && password_setup() && (ed448_pub = public_jwk(WB_CRV_ED448)) != NULL &&
         (ed25519_pub = public_jwk(WB_CRV_ED25519)) != NULL;
}

static int (*const scenarios[])(void) = {compact_scenario,       json_scenario,          header_scenario,
                                         pbes2_encrypt_scenario, pbes2_decrypt_scenario, jwk_to_scenario,
                                         jwk_from_scenario,      nested_scenario,        keys_scenario,
                                         jws_json_scenario,      eddsa_pss_scenario};
enum { NSCEN = sizeof(scenarios) / sizeof(scenarios[0]) };

static int all(void) {
  int ok = 1;
  for (int i = 0; i < NSCEN; i++)
    ok &= scenarios[i]();
  return ok;
}

static long inject_all(void) {
  long runs = 0;
  for (int i = 0; i < NSCEN; i++)
    runs += oom_inject_all(scenarios[i]);
  return runs;
}

int main(void) {
  if (!setup()) {
    fprintf(stderr, "set-up failed\n");
    return 1;
  }
  for (int i = 0; i < 3; i++) /* the story works, and OpenSSL's lazy state is warm */
    EXPECT(all() == 1);
  long runs = inject_all();
  printf("pass 1: %ld runs, allocation failures injected everywhere (OpenSSL included)\n", runs);

  oom_skip_libcrypto = 1;
  EXPECT(all() == 1);
  long baseline = oom_live();
  runs = inject_all();
  EXPECT(all() == 1);
  long leaked = oom_live() - baseline;
  printf("pass 2: %ld runs, failures outside libcrypto; live heap blocks %ld before, %ld after\n", runs,
         baseline, baseline + leaked);
  EXPECT(leaked == 0);
  wb_string_free(pbes2_token);
  wb_string_free(enc_jwk);
  wb_string_free(ed448_pub);
  wb_string_free(ed25519_pub);
  free(long_names);
  free(many_names);
  free(p2c_long);
  wb_key *keys[] = {rsa, kw16, gcmkw32, dir_cbc, dir_gcm, ec256, x25519, ed, ed_pub, es, es_pub};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    wb_key_free(keys[i]);
  return oom_report();
}
