/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_jose.c - the harness helpers for JWE and the JSON serializations (see vt.h):
 * which opt-ins a JWE needs, decrypters from vector keys or passwords, checking a decryption,
 * the "whole story" of a valid JWE (refused without each opt-in it needs, refused by the other
 * serialization's API, decrypted with them), and verifying a JSON JWS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"

/* ---- opt-ins ----------------------------------------------------------------------------- */

/* Reads alg and zip of a header object into o. */
static void optins_of_header(const json_t *h, vt_optin *o) {
  const char *alg = vt_str(h, "alg");
  if (alg != NULL && strcmp(alg, "RSA1_5") == 0)
    o->rsa1_5 = true;
  if (alg != NULL && strncmp(alg, "PBES2", 5) == 0)
    o->pbes2 = true;
  if (json_object_get(h, "zip") != NULL)
    o->zip = true;
}

/* The decoded protected header text b64 as a JSON object (new reference) or NULL. */
static json_t *protected_json(const char *b64) {
  size_t n = 0;
  char *text = b64 != NULL ? vt_b64u_decode(b64, &n) : NULL;
  json_t *h = text != NULL ? json_loadb(text, n, 0, NULL) : NULL;
  free(text);
  return h;
}

vt_optin vt_jwe_optins(const char *text, bool json) {
  vt_optin o = {false, false, false};
  if (!json) {
    const char *dot = strchr(text, '.');
    char *first = dot != NULL ? strndup(text, (size_t)(dot - text)) : NULL;
    json_t *h = protected_json(first);
    optins_of_header(h, &o);
    json_decref(h);
    free(first);
    return o;
  }
  json_t *j = json_loads(text, 0, NULL);
  json_t *h = protected_json(vt_str(j, "protected"));
  optins_of_header(h, &o);
  optins_of_header(json_object_get(j, "unprotected"), &o);
  optins_of_header(json_object_get(j, "header"), &o);
  const json_t *r = json_object_get(j, "recipients");
  for (size_t i = 0; i < json_array_size(r); i++)
    optins_of_header(json_object_get(json_array_get(r, i), "header"), &o);
  json_decref(h);
  json_decref(j);
  return o;
}

/* ---- decrypters ---------------------------------------------------------------------------- */

static wb_status apply_optins(wb_decrypter *d, vt_optin o, wb_error *err) {
  wb_status st = WB_OK;
  if (o.rsa1_5)
    st = wb_decrypter_allow_rsa1_5(d, err);
  if (st == WB_OK && o.pbes2)
    st = wb_decrypter_allow_pbes2(d, 0, err);
  if (st == WB_OK && o.zip)
    st = wb_decrypter_allow_zip(d, 0, err);
  return st;
}

/* The last JWK imported by vt_decrypter: an RSA import runs prime tests (tens of milliseconds)
 * and the Wycheproof groups decrypt many objects with one key. Freed at exit. */
static struct {
  char *text;
  wb_key *key;
  wb_error err;
  wb_status st;
} memo;

static void memo_free(void) {
  free(memo.text);
  wb_key_free(memo.key);
  memset(&memo, 0, sizeof(memo));
}

/* jwk imported (or remembered): a borrowed key, valid until the next call with another JWK. */
static wb_status memo_key(const wb_key **out, const json_t *jwk, wb_error *err) {
  static bool registered;
  char *text = vt_dump(jwk);
  if (memo.text == NULL || strcmp(memo.text, text) != 0) {
    if (!registered)
      registered = atexit(memo_free) == 0;
    memo_free();
    memo.text = text;
    memo.st = vt_key_from_json(&memo.key, jwk, &memo.err);
  } else {
    free(text);
  }
  *out = memo.key;
  if (err != NULL && memo.st != WB_OK)
    *err = memo.err;
  return memo.st;
}

wb_status vt_decrypter(wb_decrypter **out, const json_t *keys, const char *password, vt_optin o,
                       wb_error *err) {
  *out = NULL;
  wb_status st;
  if (keys == NULL) {
    st = wb_decrypter_new_password(out, password, strlen(password), err);
  } else if (json_is_array(keys) || json_object_get(keys, "keys") != NULL) {
    json_t *set = json_is_array(keys) ? json_pack("{sO}", "keys", keys) : json_incref((json_t *)keys);
    wb_keyset *ks = NULL;
    st = vt_keyset_from_json(&ks, set, err);
    if (st == WB_OK)
      st = wb_decrypter_new(out, ks, err);
    wb_keyset_free(ks);
    json_decref(set);
  } else {
    const wb_key *key = NULL;
    st = memo_key(&key, keys, err);
    if (st == WB_OK)
      st = wb_decrypter_new_key(out, key, err);
  }
  if (st == WB_OK)
    st = apply_optins(*out, o, err);
  if (st != WB_OK) {
    wb_decrypter_free(*out);
    *out = NULL;
  }
  return st;
}

bool vt_check_jwe(vt_vec *v, const char *what, const wb_decrypter *d, const char *text, bool json,
                  bool want_ok, unsigned accept, const unsigned char *want, size_t want_len) {
  unsigned char *pt = (unsigned char *)v; /* a sentinel: a failed call must reset it */
  size_t n = 1;
  wb_error err = {0};
  wb_status st = json ? wb_jwe_decrypt_json(d, text, strlen(text), &pt, &n, NULL, NULL, &err)
                      : wb_jwe_decrypt(d, text, strlen(text), &pt, &n, &err);
  bool ok = vt_expect_status(v, what, want_ok, accept, st, &err);
  if (ok && want_ok && want != NULL)
    ok = vt_expect_true(v, "the plaintext to equal the vector's",
                        n == want_len && memcmp(pt, want, n) == 0 && pt[n] == '\0');
  if (ok && !want_ok)
    ok = vt_expect_true(v, "no plaintext after a rejection", pt == NULL && n == 0);
  if (st == WB_OK)
    wb_plaintext_free(pt, n);
  return ok;
}

/* The opt-in o without member which, when o has it: for the "refused without it" checks. */
static bool drop(vt_optin o, int which, vt_optin *out) {
  *out = o;
  bool *f = which == 0 ? &out->rsa1_5 : which == 1 ? &out->pbes2 : &out->zip;
  bool had = *f;
  *f = false;
  return had;
}

void vt_jwe_valid(vt_vec *v, const json_t *keys, const char *password, const char *text, bool json,
                  const unsigned char *want, size_t want_len) {
  static const char *const names[3] = {"RSA1_5", "PBES2", "zip"};
  vt_optin o = vt_jwe_optins(text, json);
  wb_decrypter *d = NULL;
  wb_error err = {0};
  json_t *j = json ? json_loads(text, 0, NULL) : NULL;
  /* several recipients: the key given may be for one that needs no opt-in (zip concerns all) */
  bool several = json_array_size(json_object_get(j, "recipients")) > 1;
  json_decref(j);
  for (int i = 0; i < 3; i++) {
    vt_optin less;
    if (!drop(o, i, &less) || (several && i != 2))
      continue;
    char what[96];
    snprintf(what, sizeof(what), "decrypt without the %s opt-in", names[i]);
    /* a password decrypter allows PBES2 by construction: nothing to refuse then */
    if (i == 1 && keys == NULL)
      continue;
    if (vt_expect_status(v, "decrypter set-up", true, 0, vt_decrypter(&d, keys, password, less, &err), &err))
      vt_check_jwe(v, what, d, text, json, false, VT_ST(WB_ERR_ALG_NOT_ALLOWED), NULL, 0);
    wb_decrypter_free(d);
    d = NULL;
  }
  if (!vt_expect_status(v, "decrypter set-up", true, 0, vt_decrypter(&d, keys, password, o, &err), &err))
    return;
  vt_check_jwe(v, json ? "decrypt the JSON serialization" : "decrypt the compact serialization", d, text,
               json, true, 0, want, want_len);
  vt_check_jwe(v, "the other serialization's API refuses it", d, text, !json, false, 0, NULL, 0);
  wb_decrypter_free(d);
}

unsigned char *vt_hex(const char *hex, size_t *len) {
  size_t n = strlen(hex);
  unsigned char *out = malloc(n / 2 + 1);
  if (out == NULL || n % 2 != 0) {
    free(out);
    return NULL;
  }
  for (size_t i = 0; i < n / 2; i++) {
    unsigned int b;
    if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
      free(out);
      return NULL;
    }
    out[i] = (unsigned char)b;
  }
  *len = n / 2;
  return out;
}

/* ---- JSON JWS -------------------------------------------------------------------------------- */

/* A verifier of keys: a JWK, a JWKS or an array of JWKs. */
static wb_status verifier_of(wb_verifier **out, const json_t *keys, wb_error *err) {
  *out = NULL;
  if (!json_is_array(keys) && json_object_get(keys, "keys") == NULL) {
    wb_key *key = NULL;
    wb_status st = vt_key_from_json(&key, keys, err);
    if (st == WB_OK)
      st = wb_verifier_new_key(out, key, err);
    wb_key_free(key);
    return st;
  }
  json_t *set = json_is_array(keys) ? json_pack("{sO}", "keys", keys) : json_incref((json_t *)keys);
  wb_keyset *ks = NULL;
  wb_status st = vt_keyset_from_json(&ks, set, err);
  if (st == WB_OK)
    st = wb_verifier_new(out, ks, err);
  wb_keyset_free(ks);
  json_decref(set);
  return st;
}

bool vt_check_jws_json(vt_vec *v, const char *what, const json_t *keys, wb_jws_policy policy,
                       const char *text, const unsigned char *detached, size_t detached_len, bool want_ok,
                       const char *want_payload) {
  wb_verifier *ver = NULL;
  wb_error err = {0};
  wb_status st = verifier_of(&ver, keys, &err);
  if (!vt_expect_status(v, "verifier from the vector keys", true, 0, st, &err))
    return false;
  char *payload = NULL;
  size_t n = 0;
  if (detached != NULL) {
    st = wb_jws_verify_json_detached(ver, policy, text, strlen(text), detached, detached_len, NULL, 0, NULL,
                                     &err);
    if (st == WB_OK && want_payload != NULL) {
      n = detached_len;
      payload = malloc(n + 1);
      memcpy(payload, detached, n);
    }
  } else {
    st = wb_jws_verify_json(ver, policy, text, strlen(text), &payload, &n, NULL, 0, NULL, &err);
  }
  bool ok = vt_expect_status(v, what, want_ok, 0, st, &err);
  if (ok && want_ok && want_payload != NULL)
    ok = vt_expect_true(v, "the verified payload to equal the vector's",
                        n == strlen(want_payload) && memcmp(payload, want_payload, n) == 0);
  if (ok && !want_ok)
    ok = vt_expect_true(v, "no payload after a rejection", payload == NULL);
  if (detached != NULL)
    free(payload);
  else
    wb_string_free(payload);
  wb_verifier_free(ver);
  return ok;
}
