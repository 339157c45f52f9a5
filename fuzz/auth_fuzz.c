/* SPDX-License-Identifier: MIT */
/*
 * fuzz/auth_fuzz.c - the request headers the server parses itself (server/params.c): the input
 * is one header value, read as Authorization (Bearer, then Basic) and as Content-Type. An
 * accepted bearer token lies inside the header and is not empty; accepted Basic credentials have
 * a non-empty client id and a secret. (The Cookie header is split into cookies by libmicrohttpd;
 * the values the server takes from it are an access token or a refresh token, which go through
 * the verifier and fuzz/refresh_fuzz.c's parser.)
 */
#include "fuzz.h"
#include "request_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
  return 0;
}
