/* SPDX-License-Identifier: MIT */
/*
 * server/params.h - request parsing that needs no HTTP library: form-urlencoded and JSON bodies
 * into one list of parameters, the Authorization header (Bearer, Basic), content types. Kept
 * apart from http.c so it can be unit-tested and fuzzed on its own.
 *
 * Bodies are strict: a repeated parameter is an error (RFC 6749 3.2: parameters MUST NOT be
 * included more than once), so is a bad percent escape, a NUL byte, a JSON body that is not one
 * object of strings (booleans and integers are taken as their text), or more than PARAMS_MAX
 * parameters. Values are wiped when freed (they hold passwords and tokens).
 * Thread-safety: stateless.
 */
#ifndef WB_SERVER_PARAMS_H
#define WB_SERVER_PARAMS_H

#include <stddef.h>

#include "status.h"

#define PARAMS_MAX 64

typedef struct http_param {
  char *name;
  char *value;
  size_t value_len;
} http_param;

typedef struct params {
  http_param v[PARAMS_MAX];
  size_t n;
} params;

typedef enum { CT_NONE = 0, CT_FORM, CT_JSON, CT_OTHER } content_type;

/** Classifies a Content-Type header value (parameters such as charset are ignored). */
content_type params_content_type(const char *header);

srv_status params_parse_form(params *out, const char *body, size_t len, srv_error *err);
srv_status params_parse_json(params *out, const char *body, size_t len, srv_error *err);
void params_free(params *p);

/** The value of name (borrowed) and its length, or NULL when absent. */
const char *params_get(const params *p, const char *name, size_t *len);

/**
 * The token of "Authorization: Bearer TOKEN" (scheme case-insensitive, RFC 6750 b64token
 * characters); SRV_ERR_NOT_FOUND when the header is absent or another scheme, else
 * SRV_ERR_INVALID_TOKEN when malformed. *token points into header.
 */
srv_status params_bearer(const char *header, const char **token, size_t *len, srv_error *err);
/** The same for another scheme of the token68 form ("DPoP", RFC 9449 7.1). */
srv_status params_token(const char *header, const char *scheme, const char **token, size_t *len,
                        srv_error *err);

/**
 * "Authorization: Basic base64(id:secret)" with id and secret form-urlencoded (RFC 6749
 * 2.3.1). *id and *secret are new (free with params_free_basic). SRV_ERR_NOT_FOUND when absent
 * or another scheme, SRV_ERR_INVALID_CLIENT when malformed.
 */
srv_status params_basic(const char *header, char **id, char **secret, size_t *secret_len, srv_error *err);
void params_free_basic(char *id, char *secret, size_t secret_len);

#endif
