/* SPDX-License-Identifier: MIT */
/*
 * lib/json.c - strict JSON through jansson where a tree is the right tool (keys, key sets, the
 * header of wb_jws_sign_header). The text is first validated by the scanner (lib/jscan.c): the
 * same grammar, duplicate-name, UTF-8, depth and member rules as everywhere else in the library,
 * checked without recursion, so jansson only ever sees documents within the depth limit.
 * jansson itself then refuses numbers beyond int64 or DBL_MAX, which no key or header holds.
 */
#include <string.h>

#include "jscan.h"

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
  wb_status st = want_object ? wb__jscan_object(text, len, limits, NULL, 0, err)
                             : wb__jscan_value(text, len, limits, err);
  if (st != WB_OK)
    return NULL;
  json_error_t jerr;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (j == NULL)
    wb__fail(err, WB_ERR_MALFORMED, "invalid JSON: %s", jerr.text);
  return j;
}

char *wb__json_dump(const json_t *j) {
  return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}
