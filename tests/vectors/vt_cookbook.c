/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_cookbook.c - the RFC 7520 JOSE Cookbook vectors (rfc7520/, upstream format
 * described in ../shared/vectors/README.md): every jwk/ key parses and exports back to the same
 * members; every jws/ compact output verifies with its key and yields input.payload; reproducible
 * deterministic examples (HMAC, RS256, EdDSA) re-sign to the same bytes from the exact protected
 * header. Detached content, JSON-only examples and JWE are skipped with the reason.
 * curve25519/jws.json (same format, = RFC 8037 A.4) runs too; the other extras are skipped.
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

/* The reason a cookbook JWS example cannot run through the compact API, or NULL. */
static const char *cb_jws_skip_reason(const json_t *input, const char *compact) {
  if (json_is_array(json_object_get(input, "key")))
    return "multiple signatures: JSON serialization only";
  if (compact == NULL)
    return "unprotected header: JSON serialization only";
  if (strstr(compact, "..") != NULL)
    return "detached content: not supported by the compact API";
  return NULL;
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
  const char *reason = cb_jws_skip_reason(input, compact);
  if (reason != NULL) {
    vt_skip(id, reason);
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

/* Lists every file of dir/sub as skipped with reason. */
static void cb_skip_all(const char *dir, const char *sub, const char *reason) {
  size_t n = 0;
  char **names = vt_list_json(dir, sub, &n);
  vt_file_begin(sub);
  for (size_t i = 0; i < n; i++)
    vt_skip(names[i], reason);
  vt_file_end();
  vt_free_names(names, n);
}

void vt_run_cookbook(const char *dir) {
  cb_each(dir, "rfc7520/jwk", cb_jwk_file);
  cb_each(dir, "rfc7520/jws", cb_jws_file);
  cb_jws_file(dir, "rfc7520/curve25519/jws.json");
  cb_skip_all(dir, "rfc7520/jwe", "JWE comes in a later issue");
  vt_file_begin("rfc7520/curve25519/ecdh-es.json");
  vt_skip("ecdh-es.json", "ECDH-ES X25519: JWE comes in a later issue");
  vt_file_end();
  vt_file_begin("rfc7520/6.nesting_signatures_and_encryption.json");
  vt_skip("6.nesting", "nested JWS in JWE: JWE comes in a later issue");
  vt_file_end();
  cb_skip_all(dir, "rfc7520/rfc7797",
              "RFC 7797 unencoded payload not supported (see rfc/rfc7797_4.2_b64_false.json for the check "
              "that it is rejected)");
}
