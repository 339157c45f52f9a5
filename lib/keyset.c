/* SPDX-License-Identifier: MIT */
/*
 * lib/keyset.c - key sets (RFC 7517 section 5 JWKS): parse, build, look up, export.
 *
 * A set holds its own reference to each key. Rules enforced on every set, whether parsed or built
 * with wb_keyset_add (Wycheproof json_web_key_test.json: MixedKeySet, DuplicateKid):
 *   - kids are unique (a key without kid never collides);
 *   - symmetric (oct) and asymmetric keys are never mixed: an HMAC key next to public keys is the
 *     setting of algorithm-confusion attacks;
 *   - private and public-only asymmetric keys are never mixed: a set is for signing or for
 *     verifying, not both.
 * Parsing is all or nothing: one invalid key fails the set, and the message names its index.
 * Members of a set with a well-formed but unknown "kty" are skipped, as RFC 7517 section 5 asks,
 * so a provider adding a new key type does not break verification with the keys we know.
 * Contract: include/wristband/key.h.
 */
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

wb_status wb_keyset_new(wb_keyset **out, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_keyset_new: NULL out");
  *out = calloc(1, sizeof(**out));
  if (*out == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  return wb__ok(err);
}

void wb_keyset_free(wb_keyset *set) {
  if (set == NULL)
    return;
  for (size_t i = 0; i < set->count; i++)
    wb_key_free(set->keys[i]);
  free(set->keys);
  free(set);
}

size_t wb_keyset_count(const wb_keyset *set) {
  return set != NULL ? set->count : 0;
}

const wb_key *wb_keyset_get(const wb_keyset *set, size_t i) {
  if (set == NULL || i >= set->count)
    return NULL;
  return set->keys[i];
}

/* Checks that key may join set: unique kid, no symmetric/asymmetric or private/public mix. */
static wb_status admissible(const wb_keyset *set, const wb_key *key, wb_error *err) {
  for (size_t i = 0; i < set->count; i++) {
    const wb_key *k = set->keys[i];
    if (key->kid != NULL && k->kid != NULL && strcmp(key->kid, k->kid) == 0)
      return wb__fail(err, WB_ERR_BAD_KEY, "duplicate kid (same as key %zu)", i);
    if ((k->kty == WB_KTY_OCT) != (key->kty == WB_KTY_OCT))
      return wb__fail(err, WB_ERR_BAD_KEY, "key set mixes symmetric (oct) and asymmetric keys");
    if (k->is_private != key->is_private)
      return wb__fail(err, WB_ERR_BAD_KEY, "key set mixes private and public-only keys");
  }
  return WB_OK;
}

wb_status wb_keyset_add(wb_keyset *set, const wb_key *key, wb_error *err) {
  if (set == NULL || key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_keyset_add: NULL argument");
  wb_status st = admissible(set, key, err);
  if (st != WB_OK)
    return st;
  if (set->count == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 4;
    wb_key **keys = realloc(set->keys, cap * sizeof(*keys));
    if (keys == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    set->keys = keys;
    set->cap = cap;
  }
  set->keys[set->count++] = wb__key_ref(key);
  return wb__ok(err);
}

/* True when member is an object whose "kty" is a string we do not know (RFC 7517 5: skip it). */
static bool unknown_kty(const json_t *member) {
  const char *kty = json_string_value(json_object_get(member, "kty"));
  if (kty == NULL)
    return false;
  return strcmp(kty, "oct") != 0 && strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0 &&
         strcmp(kty, "OKP") != 0;
}

static wb_status add_member(wb_keyset *set, const json_t *member, size_t i, wb_error *err) {
  wb_key *key = NULL;
  wb_error e;
  if (json_typeof(member) == JSON_OBJECT && unknown_kty(member)) /* an element: never NULL */
    return WB_OK;
  wb_status st = wb__key_from_json(&key, member, &e);
  if (st == WB_OK)
    st = wb_keyset_add(set, key, &e);
  wb_key_free(key);
  if (st != WB_OK)
    return wb__fail(err, st, "JWKS key %zu: %s", i, e.message);
  return WB_OK;
}

static wb_status keys_from_json(wb_keyset *set, const json_t *j, unsigned max_keys, wb_error *err) {
  json_t *keys = json_object_get(j, "keys");
  if (keys == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "JWKS without \"keys\"");
  if (json_typeof(keys) != JSON_ARRAY)
    return wb__fail(err, WB_ERR_MALFORMED, "JWKS \"keys\" must be an array");
  if (json_array_size(keys) > max_keys)
    return wb__fail(err, WB_ERR_TOO_LARGE, "JWKS has more than %u keys", max_keys);
  for (size_t i = 0; i < json_array_size(keys); i++) {
    wb_status st = add_member(set, json_array_get(keys, i), i, err);
    if (st != WB_OK)
      return st;
  }
  return WB_OK;
}

wb_status wb__keyset_from_json(wb_keyset **out, const json_t *j, unsigned max_keys, wb_error *err) {
  wb_keyset *set = NULL;
  *out = NULL;
  wb_status st = wb_keyset_new(&set, err);
  if (st == WB_OK)
    st = keys_from_json(set, j, max_keys, err);
  if (st != WB_OK) {
    wb_keyset_free(set);
    return st;
  }
  *out = set;
  return WB_OK;
}

wb_status wb_keyset_from_jwks(wb_keyset **out, const char *json, size_t len, const wb_limits *limits,
                              wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_keyset_from_jwks: NULL out");
  *out = NULL;
  wb_limits def;
  if (limits == NULL) {
    wb_limits_default(&def);
    limits = &def;
  }
  wb_status st = wb__limits_check(limits, err);
  if (st != WB_OK)
    return st;
  /* every key fits in WB_KEY_TEXT_MAX bytes of JSON, so this bounds the text before parsing */
  size_t max_len = (size_t)limits->max_keys * WB_KEY_TEXT_MAX;
  wb_error e;
  json_t *j = wb__json_parse(json, len, limits, max_len, true, &e);
  if (j == NULL)
    return wb__fail(err, e.code, "JWKS: %s", e.message);
  st = wb__keyset_from_json(out, j, limits->max_keys, err);
  wb__json_free(j);
  return st == WB_OK ? wb__ok(err) : st;
}

/* Sniffs data: *yes when it is a JSON object with a "keys" member (anything else is a key to try).
 * Only running out of memory is an error: a JWKS must not be taken for a key for lack of memory. */
static wb_status looks_like_jwks(const char *data, size_t len, bool *yes, wb_error *err) {
  wb_limits lim;
  wb_limits_default(&lim);
  wb_jfield keys = WB_JFIELD("keys");
  wb_error e;
  wb_status st = wb__jscan_object(data, len, &lim, &keys, 1, &e);
  *yes = st == WB_OK && keys.type != WB_JSON_ABSENT;
  return st == WB_ERR_NOMEM ? wb__fail(err, st, "key set: %s", e.message) : WB_OK;
}

wb_status wb_keyset_parse(wb_keyset **out, const char *data, size_t len, wb_error *err) {
  if (out != NULL) /* NULL on every failure, a NULL input included */
    *out = NULL;
  if (out == NULL || data == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_keyset_parse: NULL argument");
  wb_limits lim; /* the bound wb_keyset_from_jwks applies, checked before the sniffer reads */
  wb_limits_default(&lim);
  if (len > (size_t)lim.max_keys * WB_KEY_TEXT_MAX)
    return wb__fail(err, WB_ERR_TOO_LARGE, "key set: input longer than %zu bytes",
                    (size_t)lim.max_keys * WB_KEY_TEXT_MAX);
  bool jwks;
  wb_status st = looks_like_jwks(data, len, &jwks, err);
  if (st != WB_OK)
    return st;
  if (jwks)
    return wb_keyset_from_jwks(out, data, len, NULL, err);
  wb_key *key = NULL;
  wb_keyset *set = NULL;
  st = wb_key_parse(&key, data, len, err);
  if (st == WB_OK)
    st = wb_keyset_new(&set, err);
  if (st == WB_OK)
    st = wb_keyset_add(set, key, err);
  wb_key_free(key);
  if (st != WB_OK) {
    wb_keyset_free(set);
    return st;
  }
  *out = set;
  return wb__ok(err);
}

static bool kid_matches(const wb_key *k, const char *kid) {
  return kid == NULL || (k->kid != NULL && strcmp(k->kid, kid) == 0);
}

const wb_key *wb_keyset_find(const wb_keyset *set, const char *kid, wb_kty kty, wb_alg alg, wb_use use) {
  if (set == NULL)
    return NULL;
  for (size_t i = 0; i < set->count; i++) {
    const wb_key *k = set->keys[i];
    if (!kid_matches(k, kid))
      continue;
    if (kty != WB_KTY_INVALID && k->kty != kty)
      continue;
    if (use != WB_USE_ANY && k->use != WB_USE_ANY && k->use != use)
      continue;
    if (alg != WB_ALG_INVALID && wb_key_check_alg(k, alg, WB_KEY_OP_VERIFY, NULL) != WB_OK)
      continue;
    return k;
  }
  return NULL;
}

/* Frees the n key strings of parts (not NULL), wiping them (they may hold private keys). */
static void free_parts(char **parts, size_t n) {
  for (size_t i = 0; i < n; i++)
    wb_string_free(parts[i]);
  free(parts);
}

/* Joins parts into {"keys":[p0,p1,...]}; new string or NULL on OOM. */
static char *join_jwks(char *const *parts, size_t n) {
  static const char head[] = "{\"keys\":[", tail[] = "]}";
  size_t total = sizeof(head) - 1 + sizeof(tail);
  for (size_t i = 0; i < n; i++)
    total += strlen(parts[i]) + 1;
  char *s = malloc(total), *p = s;
  if (s == NULL)
    return NULL;
  memcpy(p, head, sizeof(head) - 1);
  p += sizeof(head) - 1;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(parts[i]);
    if (i > 0)
      *p++ = ',';
    memcpy(p, parts[i], l);
    p += l;
  }
  memcpy(p, tail, sizeof(tail));
  return s;
}

wb_status wb_keyset_to_jwks(const wb_keyset *set, wb_key_part part, char **json, wb_error *err) {
  if (json != NULL)
    *json = NULL;
  if (set == NULL || json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_keyset_to_jwks: NULL argument");
  if (part != WB_KEY_PUBLIC && part != WB_KEY_PRIVATE) /* also for an empty set */
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "wb_keyset_to_jwks: part must be WB_KEY_PUBLIC or WB_KEY_PRIVATE");
  char **parts = calloc(set->count + 1, sizeof(*parts));
  if (parts == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb_status st = WB_OK;
  for (size_t i = 0; i < set->count && st == WB_OK; i++)
    st = wb_key_to_jwk(set->keys[i], part, &parts[i], err);
  if (st == WB_OK && (*json = join_jwks(parts, set->count)) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  free_parts(parts, set->count);
  return st == WB_OK ? wb__ok(err) : st;
}
