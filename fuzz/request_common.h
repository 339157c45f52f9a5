/* SPDX-License-Identifier: MIT */
/*
 * fuzz/request_common.h - what the request-side fuzz targets (form, json, auth, refresh) share:
 * the contract every accepted parameter list must hold, and a NUL-terminated copy of the input
 * for the parsers that take a header value. Header-only: each target is one translation unit.
 */
#ifndef WB_FUZZ_REQUEST_COMMON_H
#define WB_FUZZ_REQUEST_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

/* Whatever a body parser accepts: at most PARAMS_MAX parameters, no NUL inside a value, no
 * repeated name. */
static inline void check_params(const params *p) {
  if (p->n > PARAMS_MAX)
    abort();
  for (size_t i = 0; i < p->n; i++) {
    if (strlen(p->v[i].value) != p->v[i].value_len)
      abort(); /* a NUL inside a value was let through */
    for (size_t j = 0; j < i; j++) {
      if (strcmp(p->v[i].name, p->v[j].name) == 0)
        abort(); /* a repeated parameter was let through */
    }
  }
}

/* Headers are NUL-terminated strings: give the parsers one. */
static inline char *cstring(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (s == NULL)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif
