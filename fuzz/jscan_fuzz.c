/* SPDX-License-Identifier: MIT */
/*
 * fuzz/jscan_fuzz.c - differential fuzzing of the JSON scanner (lib/jscan.c) against jansson:
 * the two must agree on every document, except that the scanner accepts numbers jansson cannot
 * hold (integers beyond int64, reals beyond DBL_MAX). The tape must build exactly when the scan
 * passes, and find the same top-level string as the field scan.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jscan.h"

/* 1 when jansson refuses text only for a number it cannot represent. */
static int number_range_only(const char *text, size_t len) {
  json_error_t e;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
  json_decref(j);
  return j == NULL && (strstr(e.text, "too big") != NULL || strstr(e.text, "overflow") != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_depth = 16;
  lim.max_members = 64;
  const char *text = (const char *)data;
  wb_jfield f[3] = {WB_JFIELD("exp"), WB_JFIELD("aud"), WB_JFIELD("iss")};
  int scan = wb__jscan_object(text, size, &lim, f, 3, NULL) == WB_OK;
  json_t *j = wb__json_parse(text, size, &lim, 0, true, NULL);
  int jans = j != NULL;
  if (j != NULL && f[2].type == WB_JSON_STRING) {
    char *s = malloc(f[2].len + 1);
    wb__jstr_decode(f[2].value, f[2].len, f[2].escaped, s);
    if (strcmp(s, json_string_value(json_object_get(j, "iss"))) != 0)
      abort(); /* the scanner read another value than jansson */
    free(s);
  }
  json_decref(j);
  if (scan != jans && !(scan && number_range_only(text, size)))
    abort();
  wb_jtape *t = NULL;
  if ((wb__jtape_build(&t, text, size, &lim, true, NULL) == WB_OK) != scan)
    abort(); /* the tape and the scan disagree */
  if (t != NULL && f[2].type == WB_JSON_STRING) {
    uint32_t m = wb__jtape_member(t, 0, "iss", 3);
    char *s = malloc(f[2].len + 1);
    wb__jstr_decode(f[2].value, f[2].len, f[2].escaped, s);
    if (m == 0 || strcmp(t->arena + t->nodes[m].str, s) != 0)
      abort();
    free(s);
  }
  wb__jtape_free(t);
  return 0;
}
