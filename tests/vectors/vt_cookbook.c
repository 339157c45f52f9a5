/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_cookbook.c - the RFC 7520 JOSE Cookbook vectors (rfc7520/, upstream format
 * described in ../shared/vectors/README.md): every jwk/ key parses and exports back to the same
 * members; every jws/ compact output verifies with its key and yields input.payload; reproducible
 * deterministic examples (HMAC, RS256, EdDSA) re-sign to the same bytes from the exact protected
 * header. curve25519/jws.json (same format, = RFC 8037 A.4) runs too. Detached content, the
 * JSON-only examples, JWE, nesting and the RFC 7797 extras are run by vt_cookbook_jose.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"

/* Algorithms whose signatures are a function of key and input: re-signing must reproduce them. */
static bool cb_deterministic(const char *alg) {
  return strncmp(alg, "HS", 2) == 0 || strncmp(alg, "RS", 2) == 0 || strcmp(alg, "EdDSA") == 0;
}

static void cb_jwk_file(const char *dir, const char *rel) {
  vt_file_begin(rel);
  json_t *jwk = vt_load(dir, rel);
  if (jwk != NULL) {
    vt_vec v;
    vt_begin(&v, rel, vt_str(jwk, "kid"));
    wb_key *key = NULL;
    wb_error err = {0};
    wb_status st = vt_key_from_json(&key, jwk, &err);
    if (vt_expect_status(&v, "import the JWK", true, 0, st, &err))
      vt_check_jwk_roundtrip(&v, key, jwk);
    wb_key_free(key);
    vt_end(&v);
  }
  json_decref(jwk);
  vt_file_end();
}

/* true when the example needs more than the compact API: several keys, an unprotected header
 * (no compact output) or detached content; vt_cookbook_jose.c runs those. */
static bool cb_needs_json(const json_t *input, const char *compact) {
  return json_is_array(json_object_get(input, "key")) || compact == NULL || strstr(compact, "..") != NULL;
}

/* Re-signs from the exact protected header text (decoded protected_b64u). */
static void cb_resign(vt_vec *v, const wb_key *key, const json_t *root, const char *payload,
                      const char *compact) {
  const json_t *signing = json_object_get(root, "signing");
  size_t hdr_len = 0;
  char *hdr = vt_b64u_decode(vt_str(signing, "protected_b64u"), &hdr_len);
  if (vt_expect_true(v, "signing.protected_b64u to decode", hdr != NULL))
    vt_check_resign(v, key, hdr, hdr_len, payload, strlen(payload), compact);
  free(hdr);
}

static void cb_jws_example(const json_t *root, const char *id) {
  const json_t *input = json_object_get(root, "input");
  const char *compact = vt_str(json_object_get(root, "output"), "compact");
  if (cb_needs_json(input, compact)) {
    vt_cookbook_jws_json(root, id);
    return;
  }
  vt_vec v;
  vt_begin(&v, id, vt_str(root, "title"));
  const char *payload = vt_str(input, "payload");
  wb_key *key = NULL;
  wb_error err = {0};
  wb_status st = vt_key_from_json(&key, json_object_get(input, "key"), &err);
  if (vt_expect_status(&v, "import input.key", true, 0, st, &err)) {
    vt_check_jws_key(&v, "verify output.compact", key, compact, true, 0, payload);
    if (json_is_true(json_object_get(root, "reproducible")) && cb_deterministic(vt_str(input, "alg")))
      cb_resign(&v, key, root, payload, compact);
  }
  wb_key_free(key);
  vt_end(&v);
}

static void cb_jws_file(const char *dir, const char *rel) {
  vt_file_begin(rel);
  json_t *root = vt_load(dir, rel);
  if (root != NULL)
    cb_jws_example(root, rel);
  json_decref(root);
  vt_file_end();
}

/* Runs fn on every *.json file of dir/sub. */
static void cb_each(const char *dir, const char *sub, void (*fn)(const char *, const char *)) {
  size_t n = 0;
  char **names = vt_list_json(dir, sub, &n);
  if (n == 0) {
    vt_file_begin(sub);
    vt_file_error("no vector files found");
    vt_file_end();
  }
  for (size_t i = 0; i < n; i++) {
    char rel[1024];
    snprintf(rel, sizeof(rel), "%s/%s", sub, names[i]);
    fn(dir, rel);
  }
  vt_free_names(names, n);
}

void vt_run_cookbook(const char *dir) {
  cb_each(dir, "rfc7520/jwk", cb_jwk_file);
  cb_each(dir, "rfc7520/jws", cb_jws_file);
  cb_jws_file(dir, "rfc7520/curve25519/jws.json");
  vt_cookbook_jose(dir);
}
