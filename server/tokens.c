/* SPDX-License-Identifier: MIT */
/*
 * server/tokens.c - minting and verifying access tokens with libwristband, and the refresh
 * token format (tokens.h says what both look like).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "clock.h"
#include "tokens.h"

#define REFRESH_VERSION  1
#define REFRESH_RAW      (1 + TOK_SID_RAW + 8 + 32)
#define REFRESH_KEY_INFO "wristband refresh-token key v1"
#define VERIFY_CACHE     16384 /* verification results kept (wb_verifier_enable_cache) */
#define VERIFY_LEEWAY    5     /* seconds of clock difference between instances */
#define B64URL_CHARS     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

_Static_assert(WB_B64URL_ENCODED_LEN(REFRESH_RAW) == TOK_REFRESH_LEN, "refresh token length");

/* ---- access tokens -------------------------------------------------------------------------- */

static srv_status lib_fail(srv_error *err, srv_status code, const char *what, const wb_error *e) {
  return srv_fail(err, code, "%s: %s: %s", what, wb_status_name(e->code), e->message);
}

/* Sets the registered and server claims on b; custom claims were loaded first, so these win. */
static wb_status set_claims(wb_builder *c, const tok_mint *in, const char *jti, wb_error *e) {
  wb_status ws = wb_builder_set_string(c, "iss", in->issuer, e);
  if (ws == WB_OK)
    ws = wb_builder_set_string(c, "sub", in->sub, e);
  if (ws == WB_OK)
    ws = wb_builder_set_string(c, "aud", in->audience, e);
  if (ws == WB_OK)
    ws = wb_builder_set_int(c, "iat", in->iat, e);
  if (ws == WB_OK)
    ws = wb_builder_set_int(c, "exp", in->exp, e);
  if (ws == WB_OK)
    ws = wb_builder_set_string(c, "jti", jti, e);
  if (ws == WB_OK)
    ws = wb_builder_set_string(c, "sid", in->sid, e);
  if (ws == WB_OK)
    ws = wb_builder_set_string(c, "scope", in->scope, e);
  if (ws == WB_OK && in->username != NULL)
    ws = wb_builder_set_string(c, "preferred_username", in->username, e);
  if (ws == WB_OK && in->client_id != NULL && in->client_id[0] != '\0')
    ws = wb_builder_set_string(c, "client_id", in->client_id, e);
  if (ws == WB_OK)
    ws = wb_builder_set_json(c, "roles", in->roles, strlen(in->roles), e);
  if (ws == WB_OK && in->jkt != NULL && in->jkt[0] != '\0') {
    char cnf[64 + WB_THUMBPRINT_LEN];
    int n = snprintf(cnf, sizeof(cnf), "{\"jkt\":\"%s\"}", in->jkt);
    ws = n > 0 && (size_t)n < sizeof(cnf) && strlen(in->jkt) + 1 == WB_THUMBPRINT_LEN &&
                 strspn(in->jkt, B64URL_CHARS) == WB_THUMBPRINT_LEN - 1
             ? wb_builder_set_json(c, "cnf", cnf, (size_t)n, e)
             : WB_ERR_INVALID_ARG;
  }
  return ws;
}

srv_status tok_mint_access(const wb_signer *signer, const tok_mint *in, char **token, size_t *len,
                           char jti[TOK_JTI_MAX], srv_error *err) {
  *token = NULL;
  *len = 0;
  srv_status st = tok_random_id(jti, err);
  if (st != SRV_OK)
    return st;
  wb_builder *b = NULL;
  wb_error e = {0};
  wb_status ws;
  if (in->claims != NULL && strcmp(in->claims, "{}") != 0)
    ws = wb_builder_from_json(&b, in->claims, strlen(in->claims), &e);
  else
    ws = wb_builder_new(&b, &e);
  if (ws == WB_OK)
    ws = set_claims(b, in, jti, &e);
  if (ws == WB_OK)
    ws = wb_sign(signer, b, token, len, &e);
  wb_builder_free(b);
  if (ws != WB_OK)
    return lib_fail(err, ws == WB_ERR_NOMEM ? SRV_ERR_NOMEM : SRV_ERR_CRYPTO, "sign access token", &e);
  return SRV_OK;
}

/* A string claim, or "" when absent; a present claim of another type is an error. */
static wb_status optional_string(const wb_claims *c, const char *name, const char **value, wb_error *e) {
  *value = "";
  if (wb_claims_type(c, name) == WB_JSON_ABSENT)
    return WB_OK;
  return wb_claims_get_string(c, name, value, e);
}

srv_status tok_verify_access(const wb_verifier *v, const char *token, size_t len, tok_access *out,
                             srv_error *err) {
  memset(out, 0, sizeof(*out));
  wb_error e = {0};
  wb_status ws = wb_verify(v, token, len, &out->claims, &e);
  if (ws == WB_OK)
    ws = wb_claims_get_string(out->claims, "sid", &out->sid, &e);
  if (ws == WB_OK)
    ws = optional_string(out->claims, "scope", &out->scope, &e);
  if (ws == WB_OK)
    ws = optional_string(out->claims, "preferred_username", &out->username, &e);
  if (ws == WB_OK)
    ws = optional_string(out->claims, "/cnf/jkt", &out->jkt, &e);
  if (ws == WB_OK)
    ws = wb_claims_iat(out->claims, &out->iat, &e);
  if (ws == WB_OK)
    ws = wb_claims_exp(out->claims, &out->exp, &e);
  if (ws != WB_OK) {
    /* Out of memory or a failing crypto backend says nothing about the token. */
    srv_status code = ws == WB_ERR_NOMEM    ? SRV_ERR_NOMEM
                      : ws == WB_ERR_CRYPTO ? SRV_ERR_CRYPTO
                                            : SRV_ERR_INVALID_TOKEN;
    srv_status st = lib_fail(err, code, "access token", &e);
    tok_access_clear(out);
    return st;
  }
  out->sub = wb_claims_sub(out->claims);
  out->jti = wb_claims_jti(out->claims);
  return SRV_OK;
}

void tok_access_clear(tok_access *a) {
  if (a == NULL)
    return;
  wb_claims_free(a->claims);
  memset(a, 0, sizeof(*a));
}

int tok_has_role(const tok_access *a, const char *role) {
  return wb_claims_type(a->claims, "roles") == WB_JSON_ARRAY &&
         wb_claims_has_string(a->claims, "roles", role);
}

/* Role names are checked when they are set (session.c); this re-check keeps a header safe even
 * for a token signed elsewhere with the same key. */
static int header_safe(const char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c >= 0x7f || c == ',')
      return 0;
  }
  return 1;
}

void tok_roles_csv(const tok_access *a, char *buf, size_t cap) {
  size_t used = 0, n = 0;
  buf[0] = '\0';
  if (wb_claims_type(a->claims, "roles") != WB_JSON_ARRAY ||
      wb_claims_get_size(a->claims, "roles", &n, NULL) != WB_OK)
    return;
  for (size_t i = 0; i < n; i++) {
    char path[32];
    const char *role = NULL;
    snprintf(path, sizeof(path), "/roles/%zu", i);
    if (wb_claims_get_string(a->claims, path, &role, NULL) != WB_OK || !header_safe(role))
      continue;
    size_t rl = strlen(role);
    if (used + (used > 0) + rl + 1 > cap)
      break;
    if (used > 0)
      buf[used++] = ',';
    memcpy(buf + used, role, rl + 1);
    used += rl;
  }
}

static char *claim_json(const tok_access *a, const char *name, const char *fallback) {
  char *json = NULL;
  if (wb_claims_type(a->claims, name) == WB_JSON_ABSENT ||
      wb_claims_get_json(a->claims, name, &json, NULL) != WB_OK)
    return strdup(fallback);
  char *copy = strdup(json);
  wb_string_free(json);
  return copy;
}

char *tok_roles_json(const tok_access *a) {
  return claim_json(a, "roles", "[]");
}

char *tok_aud_json(const tok_access *a) {
  return claim_json(a, "aud", "null");
}

static int64_t server_clock(void *ctx) {
  (void)ctx;
  return clock_now_s();
}

srv_status tok_verifier_new(wb_verifier **out, const wb_keyset *set, const char *issuer, const char *audience,
                            srv_error *err) {
  *out = NULL;
  wb_verifier *v = NULL;
  wb_error e = {0};
  wb_status ws = wb_verifier_new(&v, set, &e);
  if (ws == WB_OK)
    ws = wb_verifier_expect_issuer(v, issuer, &e);
  if (ws == WB_OK)
    ws = wb_verifier_expect_audience(v, audience, &e);
  if (ws == WB_OK)
    ws = wb_verifier_expect_typ(v, "at+jwt", &e);
  const char *required[] = {"jti", "sid", "sub", "iat"};
  for (size_t i = 0; i < sizeof(required) / sizeof(required[0]) && ws == WB_OK; i++)
    ws = wb_verifier_require_claim(v, required[i], &e);
  if (ws == WB_OK)
    ws = wb_verifier_set_leeway(v, VERIFY_LEEWAY, &e);
  if (ws == WB_OK)
    ws = wb_verifier_set_clock(v, server_clock, NULL, &e);
  if (ws == WB_OK)
    ws = wb_verifier_enable_cache(v, VERIFY_CACHE, &e);
  if (ws != WB_OK) {
    wb_verifier_free(v);
    return lib_fail(err, ws == WB_ERR_NOMEM ? SRV_ERR_NOMEM : SRV_ERR_CRYPTO, "verifier", &e);
  }
  *out = v;
  return SRV_OK;
}

srv_status tok_signer_new(wb_signer **out, const wb_key *key, srv_error *err) {
  *out = NULL;
  wb_signer *s = NULL;
  wb_error e = {0};
  wb_status ws = wb_signer_new(&s, key, WB_ALG_INVALID, &e);
  if (ws == WB_OK)
    ws = wb_signer_set_typ(s, "at+jwt", &e);
  if (ws != WB_OK) {
    wb_signer_free(s);
    return lib_fail(err, SRV_ERR_CRYPTO, "signer", &e);
  }
  *out = s;
  return SRV_OK;
}

srv_status tok_random_id(char out[TOK_JTI_MAX], srv_error *err) {
  unsigned char raw[16];
  out[0] = '\0';
  /* LCOV_EXCL_START: cov-server-random */
  if (wb_random(raw, sizeof(raw), NULL) != WB_OK ||
      wb_b64url_encode(out, TOK_JTI_MAX, raw, sizeof(raw), NULL, NULL) != WB_OK)
    return srv_fail(err, SRV_ERR_CRYPTO, "no random bytes");
  /* LCOV_EXCL_STOP: cov-server-random */
  return SRV_OK;
}

/* ---- refresh tokens ------------------------------------------------------------------------- */

/* tag = HMAC(K_sid, raw[0 .. 1 + 16 + 8)), K_sid = HMAC(secret, info || sid). */
static int refresh_tag(const unsigned char secret[TOK_SECRET_LEN], const unsigned char *raw,
                       unsigned char tag[32]) {
  unsigned char info[sizeof(REFRESH_KEY_INFO) - 1 + TOK_SID_RAW];
  unsigned char key[32];
  unsigned int n = 0;
  memcpy(info, REFRESH_KEY_INFO, sizeof(REFRESH_KEY_INFO) - 1);
  memcpy(info + sizeof(REFRESH_KEY_INFO) - 1, raw + 1, TOK_SID_RAW);
  /* LCOV_EXCL_BR_START: cov-server-digest-size */
  int ok = HMAC(EVP_sha256(), secret, TOK_SECRET_LEN, info, sizeof(info), key, &n) != NULL && n == 32;
  ok = ok && HMAC(EVP_sha256(), key, sizeof(key), raw, 1 + TOK_SID_RAW + 8, tag, &n) != NULL && n == 32;
  /* LCOV_EXCL_BR_STOP: cov-server-digest-size */
  OPENSSL_cleanse(key, sizeof(key));
  return ok;
}

srv_status tok_refresh_make(const unsigned char secret[TOK_SECRET_LEN], const char *sid, int64_t counter,
                            char out[TOK_REFRESH_LEN + 1], srv_error *err) {
  unsigned char raw[REFRESH_RAW];
  size_t n = 0;
  out[0] = '\0';
  raw[0] = REFRESH_VERSION;
  if (counter < 0 || wb_b64url_decode(raw + 1, TOK_SID_RAW, sid, strlen(sid), &n, NULL) != WB_OK ||
      n != TOK_SID_RAW)
    return srv_fail(err, SRV_ERR_INTERNAL, "refresh token: bad session id");
  for (int i = 0; i < 8; i++)
    raw[1 + TOK_SID_RAW + i] = (unsigned char)((uint64_t)counter >> (56 - 8 * i));
  srv_status st = SRV_OK;
  if (!refresh_tag(secret, raw, raw + 1 + TOK_SID_RAW + 8) ||
      wb_b64url_encode(out, TOK_REFRESH_LEN + 1, raw, sizeof(raw), NULL, NULL) != WB_OK)
    st = srv_fail(err, SRV_ERR_CRYPTO, "refresh token: HMAC failed");
  OPENSSL_cleanse(raw, sizeof(raw));
  return st;
}

srv_status tok_refresh_parse(const unsigned char secret[TOK_SECRET_LEN], const char *token, size_t len,
                             char sid[STORE_ID_MAX], int64_t *counter, srv_error *err) {
  unsigned char raw[REFRESH_RAW];
  unsigned char tag[32];
  size_t n = 0;
  srv_status st = srv_fail(err, SRV_ERR_INVALID_GRANT, "invalid refresh token");
  sid[0] = '\0';
  *counter = 0;
  if (len != TOK_REFRESH_LEN || wb_b64url_decode(raw, sizeof(raw), token, len, &n, NULL) != WB_OK ||
      n != sizeof(raw) || raw[0] != REFRESH_VERSION)
    goto out;
  if (!refresh_tag(secret, raw, tag)) {
    st = srv_fail(err, SRV_ERR_CRYPTO, "refresh token: HMAC failed");
    goto out;
  }
  if (CRYPTO_memcmp(tag, raw + 1 + TOK_SID_RAW + 8, sizeof(tag)) != 0)
    goto out;
  uint64_t c = 0;
  for (int i = 0; i < 8; i++)
    c = (c << 8) | raw[1 + TOK_SID_RAW + i];
  if (c > (uint64_t)INT64_MAX ||
      wb_b64url_encode(sid, STORE_ID_MAX, raw + 1, TOK_SID_RAW, NULL, NULL) != WB_OK)
    goto out;
  *counter = (int64_t)c;
  st = srv_ok(err);
out:
  OPENSSL_cleanse(raw, sizeof(raw));
  OPENSSL_cleanse(tag, sizeof(tag));
  return st;
}

int tok_looks_like_refresh(const char *token, size_t len) {
  if (len != TOK_REFRESH_LEN)
    return 0;
  for (size_t i = 0; i < len; i++) {
    char c = token[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
  }
  return 1;
}
