/* SPDX-License-Identifier: MIT */
/*
 * fuzz/request_fuzz.c - the server's request parsers (server/params.c) and its refresh-token
 * parser (server/tokens.c): the first byte picks the parser, the rest is its input. Whatever a
 * parser accepts must hold its contract (no NUL in a form value, at most PARAMS_MAX parameters,
 * no repeated name, a refresh token only with a valid tag), and nothing may read or write out of
 * bounds or leak.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "params.h"
#include "tokens.h"

static void check_params(const params *p) {
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
static char *cstring(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (s == NULL)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

static void headers(const uint8_t *data, size_t size) {
  char *h = cstring(data, size);
  const char *tok = NULL;
  size_t len = 0;
  if (params_bearer(h, &tok, &len, NULL) == SRV_OK && (len == 0 || tok < h || tok + len > h + size))
    abort();
  char *id = NULL, *secret = NULL;
  size_t secret_len = 0;
  if (params_basic(h, &id, &secret, &secret_len, NULL) == SRV_OK &&
      (id == NULL || id[0] == '\0' || secret == NULL))
    abort();
  params_free_basic(id, secret, secret_len);
  (void)params_content_type(h);
  free(h);
}

static void refresh(const uint8_t *data, size_t size) {
  static const unsigned char secret[TOK_SECRET_LEN] = {42};
  char sid[STORE_ID_MAX], again[TOK_REFRESH_LEN + 1];
  int64_t counter = 0;
  if (tok_refresh_parse(secret, (const char *)data, size, sid, &counter, NULL) != SRV_OK)
    return;
  /* Accepted: it must be exactly what this secret makes for (sid, counter). */
  if (tok_refresh_make(secret, sid, counter, again, NULL) != SRV_OK || size != TOK_REFRESH_LEN ||
      memcmp(again, data, size) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  params p;
  switch (data[0] % 4) {
  case 0:
    if (params_parse_form(&p, (const char *)data + 1, size - 1, NULL) == SRV_OK) {
      check_params(&p);
      params_free(&p);
    }
    break;
  case 1:
    if (params_parse_json(&p, (const char *)data + 1, size - 1, NULL) == SRV_OK) {
      check_params(&p);
      params_free(&p);
    }
    break;
  case 2:
    headers(data + 1, size - 1);
    break;
  default:
    refresh(data + 1, size - 1);
    break;
  }
  return 0;
}
