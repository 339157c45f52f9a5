/* SPDX-License-Identifier: MIT */
/*
 * server/params.c - body and header parsing (params.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include "params.h"

content_type params_content_type(const char *header) {
  if (header == NULL || header[0] == '\0')
    return CT_NONE;
  size_t n = strcspn(header, ";");
  while (n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\t'))
    n--;
  if (n == 33 && strncasecmp(header, "application/x-www-form-urlencoded", n) == 0)
    return CT_FORM;
  if (n == 16 && strncasecmp(header, "application/json", n) == 0)
    return CT_JSON;
  return CT_OTHER;
}

static void wipe_free(char *p, size_t n) {
  if (p != NULL) {
    OPENSSL_cleanse(p, n);
    free(p);
  }
}

void params_free(params *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->v[i].name);
    wipe_free(p->v[i].value, p->v[i].value_len);
  }
  p->n = 0;
}

const char *params_get(const params *p, const char *name, size_t *len) {
  for (size_t i = 0; i < p->n; i++) {
    if (strcmp(p->v[i].name, name) == 0) {
      if (len != NULL)
        *len = p->v[i].value_len;
      return p->v[i].value;
    }
  }
  if (len != NULL)
    *len = 0;
  return NULL;
}

/* Adds name=value (copies taken by the caller) unless name is there already. */
static srv_status add(params *p, char *name, char *value, size_t value_len, srv_error *err) {
  srv_status st = SRV_OK;
  if (params_get(p, name, NULL) != NULL)
    st = srv_fail(err, SRV_ERR_INVALID_REQUEST, "parameter %.40s is repeated", name);
  else if (p->n == PARAMS_MAX)
    st = srv_fail(err, SRV_ERR_INVALID_REQUEST, "more than %d parameters", PARAMS_MAX);
  if (st != SRV_OK) {
    free(name);
    wipe_free(value, value_len);
    return st;
  }
  p->v[p->n++] = (http_param){name, value, value_len};
  return SRV_OK;
}

static int hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into a new NUL-terminated string. NULL when an
 * escape is malformed or decodes to NUL, or out of memory (*nomem then). */
static char *url_decode(const char *s, size_t n, size_t *out_len, int *nomem) {
  char *out = malloc(n + 1);
  size_t o = 0;
  if (out == NULL) {
    *nomem = 1;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi = i + 2 < n ? hex(s[i + 1]) : -1;
      int lo = i + 2 < n ? hex(s[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        wipe_free(out, n + 1);
        return NULL;
      }
      c = (char)(hi * 16 + lo);
      i += 2;
    } else if (c == '\0') {
      wipe_free(out, n + 1);
      return NULL;
    }
    out[o++] = c;
  }
  out[o] = '\0';
  *out_len = o;
  return out;
}

srv_status params_parse_form(params *out, const char *body, size_t len, srv_error *err) {
  memset(out, 0, sizeof(*out));
  size_t i = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && body[end] != '&')
      end++;
    if (end > i) {
      size_t eq = i;
      while (eq < end && body[eq] != '=')
        eq++;
      size_t name_len = 0, value_len = 0;
      int nomem = 0;
      char *name = url_decode(body + i, eq - i, &name_len, &nomem);
      char *value =
          name != NULL ? url_decode(body + eq + (eq < end), end - eq - (eq < end), &value_len, &nomem) : NULL;
      srv_status st = SRV_OK;
      if (name == NULL || value == NULL || name_len == 0) {
        free(name);
        wipe_free(value, value_len);
        st = nomem ? srv_fail(err, SRV_ERR_NOMEM, "out of memory")
                   : srv_fail(err, SRV_ERR_INVALID_REQUEST, "malformed form body");
      } else {
        st = add(out, name, value, value_len, err);
      }
      if (st != SRV_OK) {
        params_free(out);
        return st;
      }
    }
    i = end + 1;
  }
  return SRV_OK;
}

/* One JSON member as a parameter: strings as they are, true/false and integers as text. */
static srv_status json_member(params *out, const char *key, json_t *v, srv_error *err) {
  char num[32];
  const char *text = NULL;
  size_t len = 0;
  if (json_is_string(v)) {
    text = json_string_value(v);
    len = json_string_length(v);
    if (memchr(text, '\0', len) != NULL)
      return srv_fail(err, SRV_ERR_INVALID_REQUEST, "%.40s contains a NUL character", key);
  } else if (json_is_boolean(v)) {
    text = json_is_true(v) ? "true" : "false";
    len = strlen(text);
  } else if (json_is_integer(v)) {
    len = (size_t)snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
    text = num;
  } else {
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "%.40s must be a string", key);
  }
  char *name = strdup(key), *value = malloc(len + 1);
  if (name == NULL || value == NULL) {
    free(name);
    free(value);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  memcpy(value, text, len);
  value[len] = '\0';
  return add(out, name, value, len, err);
}

srv_status params_parse_json(params *out, const char *body, size_t len, srv_error *err) {
  memset(out, 0, sizeof(*out));
  json_error_t je;
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "malformed JSON body: %s", je.text);
  srv_status st = SRV_OK;
  if (!json_is_object(root))
    st = srv_fail(err, SRV_ERR_INVALID_REQUEST, "the JSON body must be an object");
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (st == SRV_OK)
      st = json_member(out, key, v, err);
  }
  json_decref(root);
  if (st != SRV_OK)
    params_free(out);
  return st;
}

/* "Scheme rest": *rest after the scheme and its spaces when the scheme matches. */
static int scheme_is(const char *header, const char *scheme, const char **rest) {
  size_t n = strlen(scheme);
  if (header == NULL || strncasecmp(header, scheme, n) != 0 || header[n] != ' ')
    return 0;
  const char *p = header + n;
  while (*p == ' ')
    p++;
  *rest = p;
  return 1;
}

srv_status params_bearer(const char *header, const char **token, size_t *len, srv_error *err) {
  return params_token(header, "Bearer", token, len, err);
}

srv_status params_token(const char *header, const char *scheme, const char **token, size_t *len,
                        srv_error *err) {
  *token = NULL;
  *len = 0;
  const char *p;
  if (!scheme_is(header, scheme, &p))
    return srv_fail(err, SRV_ERR_NOT_FOUND, "no %s token", scheme);
  size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
  while (p[n] == '=')
    n++;
  size_t end = n;
  while (p[end] == ' ')
    end++;
  if (n == 0 || p[end] != '\0')
    return srv_fail(err, SRV_ERR_INVALID_TOKEN, "malformed Authorization header");
  *token = p;
  *len = n;
  return SRV_OK;
}

void params_free_basic(char *id, char *secret, size_t secret_len) {
  free(id);
  wipe_free(secret, secret_len);
}

srv_status params_basic(const char *header, char **id, char **secret, size_t *secret_len, srv_error *err) {
  *id = *secret = NULL;
  *secret_len = 0;
  const char *p;
  if (!scheme_is(header, "Basic", &p))
    return srv_fail(err, SRV_ERR_NOT_FOUND, "no client credentials");
  size_t n = strlen(p), raw_len = 0;
  unsigned char *raw = malloc(n + 1);
  if (raw == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  srv_status st = srv_fail(err, SRV_ERR_INVALID_CLIENT, "malformed Basic credentials");
  if (sodium_base642bin(raw, n, p, n, NULL, &raw_len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
    unsigned char *colon = memchr(raw, ':', raw_len);
    int nomem = 0;
    size_t id_len = 0;
    if (colon != NULL) {
      *id = url_decode((const char *)raw, (size_t)(colon - raw), &id_len, &nomem);
      *secret = *id != NULL ? url_decode((const char *)colon + 1, raw_len - (size_t)(colon - raw) - 1,
                                         secret_len, &nomem)
                            : NULL;
    }
    if (*id != NULL && *secret != NULL && id_len > 0)
      st = srv_ok(err);
    else if (nomem)
      st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  wipe_free((char *)raw, n + 1);
  if (st != SRV_OK) {
    params_free_basic(*id, *secret, *secret_len);
    *id = *secret = NULL;
    *secret_len = 0;
  }
  return st;
}
