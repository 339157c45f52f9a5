/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_common.c - counters, output, file loading and the library calls shared by
 * the vector loaders. See vt.h for the contract of each function.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"

static struct {
  const char *file;                       /* file being run, borrowed */
  unsigned passed, failed, skipped;       /* of that file */
  unsigned t_passed, t_failed, t_skipped; /* of the whole run */
} vt_;

void vt_file_begin(const char *file) {
  vt_.file = file;
  vt_.passed = vt_.failed = vt_.skipped = 0;
}

void vt_file_end(void) {
  printf("%s: %u passed, %u failed, %u skipped\n", vt_.file, vt_.passed, vt_.failed, vt_.skipped);
  fflush(stdout);
}

void vt_begin(vt_vec *v, const char *id, const char *comment) {
  v->id = id;
  v->comment = comment;
  v->failed = false;
}

void vt_end(vt_vec *v) {
  if (v->failed) {
    vt_.failed++;
    vt_.t_failed++;
  } else {
    vt_.passed++;
    vt_.t_passed++;
  }
}

void vt_skip(const char *id, const char *reason) {
  printf("  SKIP %s %s: %s\n", vt_.file, id, reason);
  vt_.skipped++;
  vt_.t_skipped++;
}

void vt_file_error(const char *what) {
  printf("  FAIL %s: %s\n", vt_.file, what);
  vt_.failed++;
  vt_.t_failed++;
}

int vt_summary(void) {
  printf("vectors: %u skipped in all\n", vt_.t_skipped);
  printf("%u passed, %u failed\n", vt_.t_passed, vt_.t_failed);
  return vt_.t_failed ? 1 : 0;
}

/* Prints the head of a failure line: file, vector id and comment. */
static void vt_fail_head(vt_vec *v) {
  v->failed = true;
  printf("  FAIL %s %s", vt_.file, v->id);
  if (v->comment != NULL && v->comment[0] != '\0')
    printf(" (%s)", v->comment);
}

/* Writes the names of the statuses of mask, '|'-separated, into buf. */
static void vt_mask_names(unsigned mask, char *buf, size_t cap) {
  buf[0] = '\0';
  if (mask == 0) {
    snprintf(buf, cap, "any rejection");
    return;
  }
  for (unsigned s = 1; s < WB_STATUS_COUNT_; s++) {
    if ((mask & VT_ST(s)) == 0)
      continue;
    size_t used = strlen(buf);
    snprintf(buf + used, cap - used, "%s%s", used ? "|" : "", wb_status_name((wb_status)s));
  }
}

bool vt_expect_status(vt_vec *v, const char *what, bool want_ok, unsigned accept, wb_status got,
                      const wb_error *err) {
  bool ok = want_ok ? got == WB_OK : (got != WB_OK && (accept == 0 || (accept & VT_ST(got)) != 0));
  if (ok)
    return true;
  char want[160];
  if (want_ok)
    snprintf(want, sizeof(want), "ok");
  else
    vt_mask_names(accept, want, sizeof(want));
  vt_fail_head(v);
  printf(": %s: expected %s, got %s: %s\n", what, want, wb_status_name(got),
         err != NULL && got != WB_OK ? err->message : "");
  return false;
}

bool vt_expect_true(vt_vec *v, const char *what, bool cond) {
  if (cond)
    return true;
  vt_fail_head(v);
  printf(": expected %s\n", what);
  return false;
}

bool vt_expect_str(vt_vec *v, const char *what, const char *want, const char *got) {
  if (got != NULL && strcmp(want, got) == 0)
    return true;
  vt_fail_head(v);
  printf(": %s differs\n    want %s\n    got  %s\n", what, want, got ? got : "(null)");
  return false;
}

/* ---- files and JSON ------------------------------------------------------------------- */

json_t *vt_load(const char *dir, const char *rel) {
  char path[4096];
  json_error_t jerr;
  snprintf(path, sizeof(path), "%s/%s", dir, rel);
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    char what[4400];
    snprintf(what, sizeof(what), "cannot load %s: %s (line %d)", path, jerr.text, jerr.line);
    vt_file_error(what);
  }
  return root;
}

const char *vt_str(const json_t *obj, const char *name) {
  return json_string_value(json_object_get(obj, name));
}

char *vt_dump(const json_t *value) {
  return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

static int vt_cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool vt_is_json_name(const char *name) {
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

char **vt_list_json(const char *dir, const char *sub, size_t *count) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, sub);
  *count = 0;
  DIR *d = opendir(path);
  if (d == NULL)
    return NULL;
  char **names = NULL;
  size_t n = 0;
  for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
    if (!vt_is_json_name(e->d_name))
      continue;
    char **grown = realloc(names, (n + 1) * sizeof(*names));
    if (grown == NULL)
      break;
    names = grown;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  if (n > 0)
    qsort(names, n, sizeof(*names), vt_cmp_names);
  *count = n;
  return names;
}

void vt_free_names(char **names, size_t count) {
  for (size_t i = 0; i < count; i++)
    free(names[i]);
  free(names);
}

char *vt_b64u_decode(const char *text, size_t *len) {
  size_t n = strlen(text);
  size_t cap = WB_B64URL_DECODED_MAX(n) + 1;
  unsigned char *buf = malloc(cap);
  if (buf == NULL)
    return NULL;
  if (wb_b64url_decode(buf, cap, text, n, len, NULL) != WB_OK) {
    free(buf);
    return NULL;
  }
  buf[*len] = '\0';
  return (char *)buf;
}

/* ---- library helpers ------------------------------------------------------------------ */

wb_status vt_key_from_json(wb_key **out, const json_t *jwk, wb_error *err) {
  char *text = vt_dump(jwk);
  wb_status st = wb_key_from_jwk(out, text, strlen(text), err);
  free(text);
  return st;
}

wb_status vt_keyset_from_json(wb_keyset **out, const json_t *jwks, wb_error *err) {
  char *text = vt_dump(jwks);
  wb_status st = wb_keyset_from_jwks(out, text, strlen(text), NULL, err);
  free(text);
  return st;
}

wb_status vt_verifier_for_key(wb_verifier **out, const wb_key *key, wb_error *err) {
  return wb_verifier_new_key(out, key, err);
}

bool vt_check_jws(vt_vec *vec, const char *what, const wb_verifier *v, const char *token, bool want_ok,
                  unsigned accept, const char *want_payload) {
  wb_error err = {0};
  char *payload = NULL;
  size_t payload_len = 0;
  wb_status st = wb_jws_verify(v, token, strlen(token), &payload, &payload_len, &err);
  bool ok = vt_expect_status(vec, what, want_ok, accept, st, &err);
  if (ok && want_ok && want_payload != NULL)
    ok = vt_expect_true(vec, "the verified payload to equal the vector's",
                        payload != NULL && payload_len == strlen(want_payload) &&
                            memcmp(payload, want_payload, payload_len) == 0);
  if (ok && !want_ok)
    ok = vt_expect_true(vec, "no payload after a rejection", payload == NULL);
  wb_string_free(payload);
  return ok;
}

bool vt_check_jws_key(vt_vec *vec, const char *what, const wb_key *key, const char *token, bool want_ok,
                      unsigned accept, const char *want_payload) {
  wb_verifier *v = NULL;
  wb_error err = {0};
  wb_status st = vt_verifier_for_key(&v, key, &err);
  bool ok = vt_expect_status(vec, "verifier from the vector key", true, 0, st, &err) &&
            vt_check_jws(vec, what, v, token, want_ok, accept, want_payload);
  wb_verifier_free(v);
  return ok;
}

bool vt_check_resign(vt_vec *vec, const wb_key *key, const char *header_json, size_t header_len,
                     const char *payload, size_t payload_len, const char *want) {
  char *token = NULL;
  wb_error err = {0};
  wb_status st = wb_jws_sign_header(key, header_json, header_len, (const unsigned char *)payload, payload_len,
                                    &token, NULL, &err);
  bool ok = vt_expect_status(vec, "re-sign with the exact header", true, 0, st, &err) &&
            vt_expect_str(vec, "re-signed compact token", want, token);
  wb_string_free(token);
  return ok;
}

/* Members compared between the input JWK and the export. */
static const char *const vt_public_members[] = {"kty", "crv", "x", "y", "n", "e", "kid"};
static const char *const vt_private_members[] = {"d", "p", "q", "dp", "dq", "qi", "k"};

/* Each member of names present in want must be in got with the same value. */
static bool vt_members_equal(vt_vec *vec, const json_t *want, const json_t *got, const char *const *names,
                             size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *w = vt_str(want, names[i]);
    if (w == NULL)
      continue;
    char what[80];
    snprintf(what, sizeof(what), "exported JWK member \"%s\"", names[i]);
    if (!vt_expect_str(vec, what, w, vt_str(got, names[i])))
      return false;
  }
  return true;
}

bool vt_check_jwk_roundtrip(vt_vec *vec, const wb_key *key, const json_t *jwk) {
  int priv = wb_key_is_private(key);
  bool want_priv = json_object_get(jwk, "d") != NULL || json_object_get(jwk, "k") != NULL;
  if (!vt_expect_true(vec, "wb_key_is_private to match the JWK", (priv != 0) == want_priv))
    return false;
  char *text = NULL;
  wb_error err = {0};
  wb_status st = wb_key_to_jwk(key, priv ? WB_KEY_PRIVATE : WB_KEY_PUBLIC, &text, &err);
  if (!vt_expect_status(vec, "export as JWK", true, 0, st, &err))
    return false;
  json_t *got = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  bool ok = vt_expect_true(vec, "the exported JWK to be JSON", got != NULL) &&
            vt_members_equal(vec, jwk, got, vt_public_members,
                             sizeof(vt_public_members) / sizeof(vt_public_members[0]));
  if (ok && priv)
    ok = vt_members_equal(vec, jwk, got, vt_private_members,
                          sizeof(vt_private_members) / sizeof(vt_private_members[0]));
  json_decref(got);
  wb_string_free(text);
  return ok;
}
