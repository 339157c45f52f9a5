/* SPDX-License-Identifier: MIT */
/*
 * lib/json.c - strict JSON through jansson where a tree is the right tool (keys, key sets, the
 * header of wb_jws_sign_header). The text is first validated by the scanner (lib/jscan.c): the
 * same grammar, duplicate-name, UTF-8, depth and member rules as everywhere else in the library,
 * checked without recursion, so jansson only ever sees documents within the depth limit.
 * jansson itself then refuses numbers beyond int64 or DBL_MAX, which no key or header holds.
 *
 * jansson is not trusted to notice a failed allocation: its lexer ignores the result of
 * appending to its token buffer (jansson 2.14 lex_save), so out of memory can truncate a string
 * (a key's "k" or "n") and still return a tree, or be reported as a syntax error. The scanner
 * therefore builds a tape of the text, and the tree must hold exactly the tape's values; a tree
 * that differs, or a failure on text the scanner accepted, is WB_ERR_NOMEM.
 */
#include <string.h>

#include "jscan.h"

/* true when jansson's j holds exactly the value of tape node i: type, members in order with
 * their names, strings byte for byte and numbers. The depth is bounded by the scanner's limit. */
static bool same_value(const json_t *j, const wb_jtape *t, uint32_t i) {
  const wb_jnode *nd = &t->nodes[i];
  const char *raw = t->text + nd->off;
  double d;
  int64_t n;
  wb_jnum_kind kind;
  switch (nd->type) {
  case WB_JSON_NULL:
    return json_is_null(j);
  case WB_JSON_BOOL:
    return raw[0] == 't' ? json_is_true(j) : json_is_false(j);
  case WB_JSON_INTEGER:
    return json_is_integer(j) && wb__jnum_parse(raw, nd->len, &d, &n, &kind) == WB_OK &&
           kind == WB_JNUM_INT && json_integer_value(j) == n;
  case WB_JSON_REAL:
    return json_is_real(j) && wb__jnum_parse(raw, nd->len, &d, &n, &kind) == WB_OK && json_real_value(j) == d;
  case WB_JSON_STRING:
    return json_is_string(j) &&
           wb__jstr_equal_n(raw, nd->len, nd->escaped, json_string_value(j), json_string_length(j));
  case WB_JSON_ARRAY: {
    if (!json_is_array(j) || json_array_size(j) != nd->count)
      return false;
    size_t k = 0;
    for (uint32_t c = i + 1; c < nd->next; c = t->nodes[c].next)
      if (!same_value(json_array_get(j, k++), t, c))
        return false;
    return true;
  }
  default: { /* an object: jansson keeps its members in the order of the text */
    if (!json_is_object(j) || json_object_size(j) != nd->count)
      return false;
    void *it = json_object_iter((json_t *)j);
    for (uint32_t c = i + 1; c < nd->next;
         c = t->nodes[c].next, it = json_object_iter_next((json_t *)j, it)) {
      const wb_jnode *m = &t->nodes[c];
      const char *key = it != NULL ? json_object_iter_key(it) : NULL;
      if (key == NULL ||
          !wb__jstr_equal_n(t->text + m->name_off, m->name_len, m->name_escaped, key, strlen(key)) ||
          !same_value(json_object_iter_value(it), t, c))
        return false;
    }
    return true;
  }
  }
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
  wb_jtape *tape = NULL;
  if (wb__jtape_build(&tape, text, len, limits, want_object, err) != WB_OK)
    return NULL;
  json_error_t jerr; /* json_error_unknown until set: jansson leaves it unset on some early failures */
  memset(&jerr, 0, sizeof(jerr));
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (j == NULL && json_error_code(&jerr) == json_error_numeric_overflow) {
    wb__fail(err, WB_ERR_MALFORMED, "invalid JSON: %s", jerr.text);
  } else if (j == NULL || !same_value(j, tape, 0)) {
    json_decref(j);
    j = NULL;
    wb__fail(err, WB_ERR_NOMEM, "JSON: out of memory");
  }
  wb__jtape_free(tape);
  return j;
}

char *wb__json_dump(const json_t *j) {
  return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}
