/* SPDX-License-Identifier: MIT */
/*
 * fuzz/jscan_fuzz.c - differential fuzzing of the hot-path JSON scanner (lib/jscan.c) against
 * jansson (lib/json.c): any document one accepts and the other refuses aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_depth = 16;
  lim.max_members = 64;
  wb_jfield f[3] = {WB_JFIELD("exp"), WB_JFIELD("aud"), WB_JFIELD("iss")};
  int scan = wb__jscan_object((const char *)data, size, &lim, f, 3, NULL) == WB_OK;
  json_t *j = wb__json_parse((const char *)data, size, &lim, 0, true, NULL);
  int jans = j != NULL;
  if (j != NULL && f[2].type == WB_JSON_STRING) {
    char *s = malloc(f[2].len + 1);
    wb__jstr_decode(f[2].value, f[2].len, f[2].escaped, s);
    if (strcmp(s, json_string_value(json_object_get(j, "iss"))) != 0)
      abort(); /* the scanner read another value than jansson */
    free(s);
  }
  json_decref(j);
  if (scan != jans)
    abort();
  return 0;
}
