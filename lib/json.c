/* SPDX-License-Identifier: MIT */
/*
 * lib/json.c - strict JSON through jansson for everything that is not the verify hot path
 * (keys, key sets, claims building, custom-claim access, decode). Duplicate member names,
 * invalid UTF-8 and NUL in strings are rejected by jansson; this file adds the size, depth and
 * member-count bounds of wb_limits. The hot path uses the scanner in lib/jscan.c, which applies
 * the same rules (tests/unit/jscan_test.c checks the two agree).
 */
#include <string.h>

#include "internal.h"

/* Walks j checking depth (the top value is level 1) and per-container counts. */
static wb_status check_shape(const json_t *j, unsigned depth, const wb_limits *lim, wb_error *err) {
  if (!json_is_object(j) && !json_is_array(j))
    return WB_OK;
  if (depth > lim->max_depth)
    return wb__fail(err, WB_ERR_MALFORMED, "JSON nested deeper than %u levels", lim->max_depth);
  size_t n = json_is_object(j) ? json_object_size(j) : json_array_size(j);
  if (n > lim->max_members)
    return wb__fail(err, WB_ERR_TOO_LARGE, "JSON container has more than %u members", lim->max_members);
  if (json_is_object(j)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) {
      wb_status st = check_shape(v, depth + 1, lim, err);
      if (st != WB_OK)
        return st;
    }
  } else {
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) {
      wb_status st = check_shape(v, depth + 1, lim, err);
      if (st != WB_OK)
        return st;
    }
  }
  return WB_OK;
}

json_t *wb__json_parse(const char *text, size_t len, const wb_limits *limits, size_t max_len,
                       bool want_object, wb_error *err) {
  wb_limits def;
  if (limits == NULL) {
    wb_limits_default(&def);
    limits = &def;
  }
  if (text == NULL) {
    wb__fail(err, WB_ERR_INVALID_ARG, "JSON: NULL input");
    return NULL;
  }
  if (max_len != 0 && len > max_len) {
    wb__fail(err, WB_ERR_TOO_LARGE, "JSON text longer than %zu bytes", max_len);
    return NULL;
  }
  /* A raw NUL byte is never valid JSON (escaped in strings, not whitespace), but jansson 2.14
   * skips one that follows a number or a literal ({"n":1\0}); refuse it here, as jscan does. */
  if (memchr(text, '\0', len) != NULL) {
    wb__fail(err, WB_ERR_MALFORMED, "invalid JSON: NUL byte");
    return NULL;
  }
  json_error_t jerr;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (j == NULL) {
    wb__fail(err, WB_ERR_MALFORMED, "invalid JSON: %s", jerr.text);
    return NULL;
  }
  if (want_object && !json_is_object(j)) {
    json_decref(j);
    wb__fail(err, WB_ERR_MALFORMED, "JSON value is not an object");
    return NULL;
  }
  if (check_shape(j, 1, limits, err) != WB_OK) {
    json_decref(j);
    return NULL;
  }
  return j;
}

char *wb__json_dump(const json_t *j) {
  return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}
