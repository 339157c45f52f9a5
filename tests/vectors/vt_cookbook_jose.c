/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_cookbook_jose.c - the RFC 7520 cookbook beyond compact JWS: the JWS examples
 * only JSON can carry (several signatures, unprotected headers) and detached content (4.5-4.8);
 * every JWE example of section 5 in each serialization it gives, decrypted with its key (each key
 * alone for several recipients) or password; section 6 (a JWS nested in a JWE) decrypted and
 * verified in one call; the Curve25519 ECDH-ES extra; and the RFC 7797 extras, one of which signs
 * "b64" without "crit" and must be refused (see ../shared/vectors/README.md, "Known issues").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"

/* ---- JWS beyond the compact API ------------------------------------------------------------- */

/* 4.5: re-sign the detached example from its key (deterministic HMAC) with the printed header. */
static void cb_resign_detached(vt_vec *v, const json_t *key, const char *payload, const char *want) {
  wb_key *k = NULL;
  wb_signer *s = NULL;
  char *tok = NULL;
  wb_error err = {0};
  wb_status st = vt_key_from_json(&k, key, &err);
  if (st == WB_OK)
    st = wb_signer_new(&s, k, WB_ALG_INVALID, &err);
  if (st == WB_OK)
    st = wb_signer_set_typ(s, NULL, &err);
  if (st == WB_OK)
    st = wb_jws_sign_detached(s, (const unsigned char *)payload, strlen(payload), &tok, NULL, &err);
  if (vt_expect_status(v, "sign detached", true, 0, st, &err))
    vt_expect_str(v, "the detached compact form", want, tok);
  wb_string_free(tok);
  wb_signer_free(s);
  wb_key_free(k);
}

/* A compact detached JWS verifies with the key and the payload given aside. */
static void cb_verify_detached(vt_vec *v, const json_t *key, const char *compact, const char *payload) {
  wb_key *k = NULL;
  wb_verifier *ver = NULL;
  wb_error err = {0};
  wb_status st = vt_key_from_json(&k, key, &err);
  if (st == WB_OK)
    st = wb_verifier_new_key(&ver, k, &err);
  if (st == WB_OK)
    st = wb_jws_verify_detached(ver, compact, strlen(compact), (const unsigned char *)payload,
                                strlen(payload), &err);
  vt_expect_status(v, "verify the detached compact form", true, 0, st, &err);
  wb_verifier_free(ver);
  wb_key_free(k);
}

void vt_cookbook_jws_json(const json_t *root, const char *id) {
  vt_vec v;
  vt_begin(&v, id, vt_str(root, "title"));
  const json_t *input = json_object_get(root, "input"), *out = json_object_get(root, "output");
  const json_t *key = json_object_get(input, "key");
  const char *payload = vt_str(input, "payload"), *compact = vt_str(out, "compact");
  static const char *const forms[2] = {"json", "json_flat"};
  for (int f = 0; f < 2; f++) {
    const json_t *obj = json_object_get(out, forms[f]);
    if (obj == NULL)
      continue;
    char *text = vt_dump(obj);
    bool detached = json_object_get(obj, "payload") == NULL;
    const unsigned char *aside = detached ? (const unsigned char *)payload : NULL;
    size_t aside_len = detached ? strlen(payload) : 0;
    char what[96];
    if (json_is_array(key)) {
      /* 4.8 gives two keys the same kid and mixes HMAC with RSA and EC: no one key set holds
       * them, so each key alone verifies its own signature (WB_JWS_ANY) but not all (WB_JWS_ALL) */
      for (size_t k = 0; k < json_array_size(key); k++) {
        snprintf(what, sizeof(what), "verify output.%s with key %zu alone (WB_JWS_ANY)", forms[f], k);
        vt_check_jws_json(&v, what, json_array_get(key, k), WB_JWS_ANY, text, aside, aside_len, true,
                          payload);
        snprintf(what, sizeof(what), "output.%s with key %zu alone (WB_JWS_ALL)", forms[f], k);
        vt_check_jws_json(&v, what, json_array_get(key, k), WB_JWS_ALL, text, aside, aside_len,
                          json_array_size(json_object_get(obj, "signatures")) < 2, payload);
      }
      free(text);
      continue;
    }
    snprintf(what, sizeof(what), "verify output.%s, every signature", forms[f]);
    vt_check_jws_json(&v, what, key, WB_JWS_ALL, text, aside, aside_len, true, payload);
    if (detached) /* without the detached payload there is nothing to verify */
      vt_check_jws_json(&v, "the detached JSON without its payload", key, WB_JWS_ALL, text, NULL, 0, false,
                        NULL);
    free(text);
  }
  if (compact != NULL && strstr(compact, "..") != NULL) {
    cb_verify_detached(&v, key, compact, payload);
    if (json_is_true(json_object_get(root, "reproducible")))
      cb_resign_detached(&v, key, payload, compact);
  }
  vt_end(&v);
}

/* ---- JWE --------------------------------------------------------------------------------------- */

/* The "aad" a JSON JWE carries comes back out of the decryption as the vector's input.aad. */
static void cb_check_aad(vt_vec *v, const json_t *key, const char *text, const char *want) {
  wb_decrypter *d = NULL;
  wb_error err = {0};
  unsigned char *pt = NULL, *aad = NULL;
  size_t n = 0, aad_len = 0;
  vt_optin o = vt_jwe_optins(text, true);
  wb_status st = vt_decrypter(&d, key, NULL, o, &err);
  if (st == WB_OK)
    st = wb_jwe_decrypt_json(d, text, strlen(text), &pt, &n, &aad, &aad_len, &err);
  if (vt_expect_status(v, "decrypt with the aad out", true, 0, st, &err))
    vt_expect_true(v, "the aad as in input.aad", aad_len == strlen(want) && memcmp(aad, want, aad_len) == 0);
  wb_plaintext_free(pt, n);
  wb_plaintext_free(aad, aad_len);
  wb_decrypter_free(d);
}

/* Each output of a JWE example decrypts with the key (each key alone for a list) or password. */
static void cb_jwe_outputs(vt_vec *v, const json_t *input, const json_t *out, const char *plaintext) {
  const json_t *key = json_object_get(input, "key");
  const char *pwd = vt_str(input, "pwd");
  size_t nkeys = json_is_array(key) ? json_array_size(key) : 1;
  static const char *const forms[3] = {"compact", "json", "json_flat"};
  for (int f = 0; f < 3; f++) {
    const json_t *o = json_object_get(out, forms[f]);
    if (o == NULL)
      continue;
    char *text = f == 0 ? strdup(json_string_value(o)) : vt_dump(o);
    for (size_t i = 0; i < nkeys; i++) {
      const json_t *k = json_is_array(key) ? json_array_get(key, i) : key;
      vt_jwe_valid(v, pwd != NULL ? NULL : k, pwd, text, f != 0, (const unsigned char *)plaintext,
                   strlen(plaintext));
      if (f != 0 && vt_str(input, "aad") != NULL)
        cb_check_aad(v, k, text, vt_str(input, "aad"));
    }
    free(text);
  }
}

static void cb_jwe_file(const char *dir, const char *rel) {
  vt_file_begin(rel);
  json_t *root = vt_load(dir, rel);
  if (root != NULL) {
    vt_vec v;
    vt_begin(&v, rel, vt_str(root, "title"));
    const json_t *input = json_object_get(root, "input");
    cb_jwe_outputs(&v, input, json_object_get(root, "output"), vt_str(input, "plaintext"));
    vt_end(&v);
  }
  json_decref(root);
  vt_file_end();
}

/* Section 6: the JWE's plaintext is the JWS, and decrypt-then-verify gives its claims. */
static void cb_nesting(const char *dir) {
  const char *rel = "rfc7520/6.nesting_signatures_and_encryption.json";
  vt_file_begin(rel);
  json_t *root = vt_load(dir, rel);
  if (root != NULL) {
    vt_vec v;
    vt_begin(&v, "6.nesting", vt_str(root, "title"));
    const json_t *sign = json_object_get(root, "sign"), *enc = json_object_get(root, "encrypt");
    const json_t *ein = json_object_get(enc, "input");
    const char *jws = vt_str(json_object_get(sign, "output"), "compact");
    cb_jwe_outputs(&v, ein, json_object_get(enc, "output"), jws);
    const char *jwe = vt_str(json_object_get(enc, "output"), "compact");
    wb_decrypter *d = NULL;
    wb_verifier *ver = NULL;
    wb_key *sk = NULL, *pub = NULL;
    wb_claims *c = NULL;
    wb_error err = {0};
    vt_optin none = {false, false, false};
    wb_status st = vt_decrypter(&d, json_object_get(ein, "key"), NULL, none, &err);
    if (st == WB_OK)
      st = vt_key_from_json(&sk, json_object_get(json_object_get(sign, "input"), "key"), &err);
    if (st == WB_OK)
      st = wb_key_public(&pub, sk, &err);
    if (st == WB_OK)
      st = wb_verifier_new_key(&ver, pub, &err);
    if (st == WB_OK)
      st = wb_verifier_set_now(ver, 1300819000, &err);
    if (st == WB_OK)
      st = wb_decrypt_verify(d, ver, jwe, strlen(jwe), &c, &err);
    if (vt_expect_status(&v, "decrypt, then verify the nested JWT", true, 0, st, &err))
      vt_expect_str(&v, "iss", "hobbiton.example", wb_claims_iss(c));
    wb_claims_free(c);
    wb_verifier_free(ver);
    wb_decrypter_free(d);
    wb_key_free(sk);
    wb_key_free(pub);
    vt_end(&v);
  }
  json_decref(root);
  vt_file_end();
}

/* ---- RFC 7797 extras ----------------------------------------------------------------------- */

/* The consistent example (b64 false with crit): its compact and JSON outputs verify. */
static void cb_b64_false(const json_t *root, const char *rel) {
  vt_vec v;
  vt_begin(&v, rel, vt_str(root, "title"));
  const json_t *input = json_object_get(root, "input"), *out = json_object_get(root, "output");
  const json_t *key = json_object_get(input, "key");
  const char *payload = vt_str(input, "payload"), *compact = vt_str(out, "compact");
  wb_key *k = NULL;
  wb_error err = {0};
  if (compact != NULL &&
      vt_expect_status(&v, "import the key", true, 0, vt_key_from_json(&k, key, &err), &err))
    vt_check_jws_key(&v, "verify the compact form (unencoded payload)", k, compact, true, 0, payload);
  wb_key_free(k);
  static const char *const forms[2] = {"json", "json_flat"};
  for (int f = 0; f < 2; f++) {
    char *text = vt_dump(json_object_get(out, forms[f]));
    vt_check_jws_json(&v, forms[f], key, WB_JWS_ALL, text, NULL, 0, true, payload);
    free(text);
  }
  vt_end(&v);
}

/* The defective example: "b64": false in the protected header without "crit": must be refused. */
static void cb_b64_without_crit(const json_t *root, const char *rel) {
  vt_vec v;
  vt_begin(&v, rel, "b64 false without crit (RFC 7797 6): refused");
  const json_t *out = json_object_get(root, "output");
  const json_t *key = json_object_get(json_object_get(root, "input"), "key");
  static const char *const forms[2] = {"json", "json_flat"};
  for (int f = 0; f < 2; f++) {
    char *text = vt_dump(json_object_get(out, forms[f]));
    vt_check_jws_json(&v, forms[f], key, WB_JWS_ANY, text, NULL, 0, false, NULL);
    free(text);
  }
  vt_end(&v);
}

static void cb_rfc7797(const char *dir) {
  static const char *const files[2] = {"rfc7520/rfc7797/hmac-sha2_b64_false.json",
                                       "rfc7520/rfc7797/4.2.hmac-sha2_b64_false.json"};
  for (int i = 0; i < 2; i++) {
    vt_file_begin(files[i]);
    json_t *root = vt_load(dir, files[i]);
    if (root != NULL && i == 0)
      cb_b64_false(root, files[i]);
    else if (root != NULL)
      cb_b64_without_crit(root, files[i]);
    json_decref(root);
    vt_file_end();
  }
}

void vt_cookbook_jose(const char *dir) {
  size_t n = 0;
  char **names = vt_list_json(dir, "rfc7520/jwe", &n);
  if (n == 0) {
    vt_file_begin("rfc7520/jwe");
    vt_file_error("no vector files found");
    vt_file_end();
  }
  for (size_t i = 0; i < n; i++) {
    char rel[1024];
    snprintf(rel, sizeof(rel), "rfc7520/jwe/%s", names[i]);
    cb_jwe_file(dir, rel);
  }
  vt_free_names(names, n);
  cb_jwe_file(dir, "rfc7520/curve25519/ecdh-es.json");
  cb_nesting(dir);
  cb_rfc7797(dir);
}
