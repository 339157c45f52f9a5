/* SPDX-License-Identifier: MIT */
/*
 * tests/interop/wb_jwe_interop.c - the public API of JWE, nested JWTs and the JWS JSON
 * serializations as a batch tool, driven by jwe_interop_test.py: one process runs every case
 * (so the test stays quick), reading a JSON array of requests from a file and writing a JSON
 * array of results to stdout, one per request, in order.
 *
 *   {"op":"encrypt","key":JWK|"password":S,"alg":A,"enc":E,"form":"compact|flattened|general",
 *    "plaintext_b64":B}                                       -> {"token":S}
 *   {"op":"encrypt_multi","keys":[{"key":JWK,"alg":A}...],"enc":E,"plaintext_b64":B}
 *                                                              -> {"token":S} (general JSON)
 *   {"op":"decrypt","key":JWK|"password":S,"form":F,"token":S} -> {"plaintext_b64":B}
 *   {"op":"sign_encrypt","sign_key":JWK,"enc_key":JWK,"alg":A,"enc":E,"claims":{...}} -> {"token":S}
 *   {"op":"decrypt_verify","dec_key":JWK,"ver_key":JWK,"token":S} -> {"claims":{...}}
 *   {"op":"sign_json","keys":[JWK...],"form":F,"payload_b64":B,"detached":bool} -> {"token":S}
 *   {"op":"verify_json","keys":[JWK...],"json":S,"payload_b64":B (detached)} -> {"payload_b64":B}
 *
 * A refusal is {"error":"reason: message"}. Decrypters opt in to RSA1_5, PBES2 and zip (the
 * peers use them on purpose). Exit status 0 unless the request file cannot be read.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wristband/wristband.h"

static char *b64u(const unsigned char *p, size_t n) {
  size_t cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *s = malloc(cap);
  if (s != NULL && wb_b64url_encode(s, cap, p, n, NULL, NULL) != WB_OK) {
    free(s);
    s = NULL;
  }
  return s;
}

/* Base64url member name of req, decoded into a new buffer (*len). */
static unsigned char *unb64u(const json_t *req, const char *name, size_t *len) {
  const char *s = json_string_value(json_object_get(req, name));
  *len = 0;
  if (s == NULL)
    return NULL;
  unsigned char *out = malloc(strlen(s) + 1);
  if (out != NULL && wb_b64url_decode(out, strlen(s) + 1, s, strlen(s), len, NULL) != WB_OK) {
    free(out);
    out = NULL;
  }
  return out;
}

static json_t *error_of(wb_status st, const wb_error *err) {
  char buf[256];
  snprintf(buf, sizeof(buf), "%s: %s", wb_status_name(st), err->message);
  return json_pack("{ss}", "error", buf);
}

static wb_status key_of(const json_t *jwk, wb_key **key, wb_error *err) {
  char *text = json_dumps(jwk, JSON_COMPACT);
  wb_status st = text ? wb_key_from_jwk(key, text, strlen(text), err) : WB_ERR_INVALID_ARG;
  free(text);
  return st;
}

static wb_serialization form_of(const json_t *req) {
  const char *f = json_string_value(json_object_get(req, "form"));
  return f == NULL || strcmp(f, "compact") == 0 ? WB_SER_INVALID
         : strcmp(f, "flattened") == 0          ? WB_SER_FLATTENED
                                                : WB_SER_GENERAL;
}

static wb_jwe_alg alg_of(const json_t *req) {
  const char *a = json_string_value(json_object_get(req, "alg"));
  return a ? wb_jwe_alg_from_name(a, strlen(a)) : WB_JWE_ALG_INVALID;
}

static wb_enc enc_of(const json_t *req) {
  const char *e = json_string_value(json_object_get(req, "enc"));
  return e ? wb_enc_from_name(e, strlen(e)) : WB_ENC_INVALID;
}

/* ---- JWE --------------------------------------------------------------------------------------- */

static json_t *op_encrypt(const json_t *req) {
  wb_error err = {0};
  wb_encrypter *e = NULL;
  wb_key *key = NULL;
  char *out = NULL;
  size_t n = 0;
  unsigned char *pt = unb64u(req, "plaintext_b64", &n);
  const char *pw = json_string_value(json_object_get(req, "password"));
  wb_status st = pw != NULL ? wb_encrypter_new_password(&e, pw, strlen(pw), alg_of(req), enc_of(req), 0, &err)
                            : key_of(json_object_get(req, "key"), &key, &err);
  if (st == WB_OK && pw == NULL)
    st = wb_encrypter_new(&e, key, alg_of(req), enc_of(req), &err);
  if (st == WB_OK && json_is_true(json_object_get(req, "zip")))
    st = wb_encrypter_set_zip(e, true, &err);
  wb_serialization form = form_of(req);
  if (st == WB_OK)
    st = form == WB_SER_INVALID ? wb_jwe_encrypt(e, pt, n, &out, NULL, &err)
                                : wb_jwe_encrypt_json(e, form, pt, n, NULL, 0, &out, NULL, &err);
  json_t *res = st == WB_OK ? json_pack("{ss}", "token", out) : error_of(st, &err);
  wb_string_free(out);
  wb_encrypter_free(e);
  wb_key_free(key);
  free(pt);
  return res;
}

static json_t *op_encrypt_multi(const json_t *req) {
  wb_error err = {0};
  wb_encrypter *e = NULL;
  char *out = NULL;
  size_t n = 0;
  unsigned char *pt = unb64u(req, "plaintext_b64", &n);
  const json_t *keys = json_object_get(req, "keys");
  wb_status st = WB_OK;
  for (size_t i = 0; st == WB_OK && i < json_array_size(keys); i++) {
    const json_t *r = json_array_get(keys, i);
    wb_key *key = NULL;
    st = key_of(json_object_get(r, "key"), &key, &err);
    if (st == WB_OK)
      st = i == 0 ? wb_encrypter_new(&e, key, alg_of(r), enc_of(req), &err)
                  : wb_encrypter_add_recipient(e, key, alg_of(r), &err);
    wb_key_free(key);
  }
  if (st == WB_OK)
    st = wb_jwe_encrypt_json(e, WB_SER_GENERAL, pt, n, NULL, 0, &out, NULL, &err);
  json_t *res = st == WB_OK ? json_pack("{ss}", "token", out) : error_of(st, &err);
  wb_string_free(out);
  wb_encrypter_free(e);
  free(pt);
  return res;
}

/* A decrypter for the request's key (member name) or password, opted in to everything. */
static wb_status decrypter_of(const json_t *req, const char *name, wb_decrypter **d, wb_error *err) {
  const char *pw = json_string_value(json_object_get(req, "password"));
  wb_key *key = NULL;
  wb_status st = pw != NULL ? wb_decrypter_new_password(d, pw, strlen(pw), err)
                            : key_of(json_object_get(req, name), &key, err);
  if (st == WB_OK && pw == NULL)
    st = wb_decrypter_new_key(d, key, err);
  if (st == WB_OK)
    st = wb_decrypter_allow_rsa1_5(*d, err);
  if (st == WB_OK)
    st = wb_decrypter_allow_pbes2(*d, 0, err);
  if (st == WB_OK)
    st = wb_decrypter_allow_zip(*d, 0, err);
  wb_key_free(key);
  return st;
}

static json_t *op_decrypt(const json_t *req) {
  wb_error err = {0};
  wb_decrypter *d = NULL;
  unsigned char *pt = NULL;
  size_t n = 0;
  const char *tok = json_string_value(json_object_get(req, "token"));
  wb_status st = tok != NULL ? decrypter_of(req, "key", &d, &err) : WB_ERR_INVALID_ARG;
  if (st == WB_OK)
    st = form_of(req) == WB_SER_INVALID ? wb_jwe_decrypt(d, tok, strlen(tok), &pt, &n, &err)
                                        : wb_jwe_decrypt_json(d, tok, strlen(tok), &pt, &n, NULL, NULL, &err);
  char *b = st == WB_OK ? b64u(pt, n) : NULL;
  json_t *res = st == WB_OK ? json_pack("{ss}", "plaintext_b64", b) : error_of(st, &err);
  free(b);
  wb_plaintext_free(pt, n);
  wb_decrypter_free(d);
  return res;
}

/* ---- nested ----------------------------------------------------------------------------------- */

static json_t *op_sign_encrypt(const json_t *req) {
  wb_error err = {0};
  wb_key *sk = NULL, *ek = NULL;
  wb_signer *s = NULL;
  wb_encrypter *e = NULL;
  wb_builder *b = NULL;
  char *tok = NULL, *claims = json_dumps(json_object_get(req, "claims"), JSON_COMPACT);
  wb_status st = key_of(json_object_get(req, "sign_key"), &sk, &err);
  if (st == WB_OK)
    st = key_of(json_object_get(req, "enc_key"), &ek, &err);
  if (st == WB_OK)
    st = wb_signer_new(&s, sk, WB_ALG_INVALID, &err);
  if (st == WB_OK)
    st = wb_encrypter_new(&e, ek, alg_of(req), enc_of(req), &err);
  if (st == WB_OK)
    st = wb_builder_from_json(&b, claims, strlen(claims), &err);
  if (st == WB_OK)
    st = wb_sign_encrypt(s, e, b, &tok, NULL, &err);
  json_t *res = st == WB_OK ? json_pack("{ss}", "token", tok) : error_of(st, &err);
  wb_string_free(tok);
  free(claims);
  wb_builder_free(b);
  wb_encrypter_free(e);
  wb_signer_free(s);
  wb_key_free(sk);
  wb_key_free(ek);
  return res;
}

static json_t *op_decrypt_verify(const json_t *req) {
  wb_error err = {0};
  wb_decrypter *d = NULL;
  wb_verifier *v = NULL;
  wb_key *vk = NULL;
  wb_claims *c = NULL;
  char *claims = NULL;
  const char *tok = json_string_value(json_object_get(req, "token"));
  wb_status st = tok != NULL ? decrypter_of(req, "dec_key", &d, &err) : WB_ERR_INVALID_ARG;
  if (st == WB_OK)
    st = key_of(json_object_get(req, "ver_key"), &vk, &err);
  if (st == WB_OK)
    st = wb_verifier_new_key(&v, vk, &err);
  if (st == WB_OK)
    st = wb_decrypt_verify(d, v, tok, strlen(tok), &c, &err);
  if (st == WB_OK)
    st = wb_claims_get_json(c, NULL, &claims, &err);
  json_t *res = st == WB_OK ? json_pack("{so}", "claims", json_loads(claims, 0, NULL)) : error_of(st, &err);
  wb_string_free(claims);
  wb_claims_free(c);
  wb_verifier_free(v);
  wb_decrypter_free(d);
  wb_key_free(vk);
  return res;
}

/* ---- JWS JSON ---------------------------------------------------------------------------------- */

static json_t *op_sign_json(const json_t *req) {
  wb_error err = {0};
  const json_t *keys = json_object_get(req, "keys");
  size_t nk = json_array_size(keys), n = 0;
  wb_signer *s[8] = {NULL};
  char *out = NULL;
  unsigned char *payload = unb64u(req, "payload_b64", &n);
  wb_status st = nk > 0 && nk <= 8 ? WB_OK : WB_ERR_INVALID_ARG;
  for (size_t i = 0; st == WB_OK && i < nk; i++) {
    wb_key *k = NULL;
    st = key_of(json_array_get(keys, i), &k, &err);
    if (st == WB_OK)
      st = wb_signer_new(&s[i], k, WB_ALG_INVALID, &err);
    if (st == WB_OK)
      st = wb_signer_set_typ(s[i], NULL, &err);
    wb_key_free(k);
  }
  if (st == WB_OK)
    st = wb_jws_sign_json((const wb_signer *const *)s, nk, form_of(req), payload, n,
                          json_is_true(json_object_get(req, "detached")), &out, NULL, &err);
  json_t *res = st == WB_OK ? json_pack("{ss}", "token", out) : error_of(st, &err);
  for (size_t i = 0; i < nk && i < 8; i++)
    wb_signer_free(s[i]);
  wb_string_free(out);
  free(payload);
  return res;
}

static json_t *op_verify_json(const json_t *req) {
  wb_error err = {0};
  wb_keyset *set = NULL;
  wb_verifier *v = NULL;
  char *payload = NULL;
  size_t n = 0, dn = 0;
  unsigned char *detached = unb64u(req, "payload_b64", &dn);
  const char *json = json_string_value(json_object_get(req, "json"));
  json_t *jwks = json_pack("{sO}", "keys", json_object_get(req, "keys"));
  char *text = json_dumps(jwks, JSON_COMPACT);
  wb_status st =
      json != NULL ? wb_keyset_from_jwks(&set, text, strlen(text), NULL, &err) : WB_ERR_INVALID_ARG;
  if (st == WB_OK)
    st = wb_verifier_new(&v, set, &err);
  if (st == WB_OK && detached != NULL)
    st = wb_jws_verify_json_detached(v, WB_JWS_ALL, json, strlen(json), detached, dn, NULL, 0, NULL, &err);
  else if (st == WB_OK)
    st = wb_jws_verify_json(v, WB_JWS_ALL, json, strlen(json), &payload, &n, NULL, 0, NULL, &err);
  char *b = st != WB_OK        ? NULL
            : detached != NULL ? b64u(detached, dn)
                               : b64u((const unsigned char *)payload, n);
  json_t *res = st == WB_OK ? json_pack("{ss}", "payload_b64", b) : error_of(st, &err);
  free(b);
  free(text);
  free(detached);
  json_decref(jwks);
  wb_string_free(payload);
  wb_verifier_free(v);
  wb_keyset_free(set);
  return res;
}

static json_t *run(const json_t *req) {
  static const struct {
    const char *name;
    json_t *(*fn)(const json_t *);
  } ops[] = {
      {"encrypt", op_encrypt},           {"encrypt_multi", op_encrypt_multi},   {"decrypt", op_decrypt},
      {"sign_encrypt", op_sign_encrypt}, {"decrypt_verify", op_decrypt_verify}, {"sign_json", op_sign_json},
      {"verify_json", op_verify_json}};
  const char *op = json_string_value(json_object_get(req, "op"));
  for (size_t i = 0; op != NULL && i < sizeof(ops) / sizeof(ops[0]); i++)
    if (strcmp(ops[i].name, op) == 0)
      return ops[i].fn(req);
  return json_pack("{ss}", "error", "unknown op");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: wb_jwe_interop REQUESTS.json\n");
    return 2;
  }
  json_error_t jerr;
  json_t *reqs = json_load_file(argv[1], 0, &jerr);
  if (!json_is_array(reqs)) {
    fprintf(stderr, "wb_jwe_interop: %s: %s\n", argv[1], jerr.text);
    return 2;
  }
  json_t *out = json_array();
  for (size_t i = 0; i < json_array_size(reqs); i++)
    json_array_append_new(out, run(json_array_get(reqs, i)));
  json_dumpf(out, stdout, JSON_COMPACT);
  putchar('\n');
  json_decref(out);
  json_decref(reqs);
  return 0;
}
