/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jws_test.c - lib/jws.c: signers, signing with an exact header, the protected-header
 * policy and the unverified decoder, through the public API. What end-to-end signing and
 * verifying must do is jwt_test.c's; this file holds the refusals: every bad argument gets its
 * status, leaves the outputs NULL, and a signer whose setter failed signs exactly as before.
 */
#include <stdint.h>

#include "tokens.h"

static wb_key *hkey; /* RFC 7515 A.1 HS256 secret, no alg pinned */

/* The decoded protected header of token (new string), or NULL. */
static char *header_of(const char *token) {
  char *h = NULL, *p = NULL;
  if (wb_jws_decode_unverified(token, strlen(token), &h, &p, NULL) != WB_OK)
    return NULL;
  wb_string_free(p);
  return h;
}

/* Signs "{}" with s and checks that the header is want. */
static int signs_with_header(const wb_signer *s, const char *want) {
  char *tok = NULL, *h = NULL;
  int ok = wb_jws_sign(s, (const unsigned char *)"{}", 2, &tok, NULL, NULL) == WB_OK &&
           (h = header_of(tok)) != NULL && strcmp(h, want) == 0;
  if (!ok)
    fprintf(stderr, "header %s, want %s\n", h ? h : "(none)", want);
  wb_string_free(h);
  wb_string_free(tok);
  return ok;
}

static void signer_setters(void) {
  wb_signer *s = (wb_signer *)1;
  wb_error err;
  /* an oct key fits three algorithms: without alg (none pinned) the signer cannot choose */
  CHECK_ST(wb_signer_new(&s, hkey, WB_ALG_INVALID, &err), WB_ERR_INVALID_ARG);
  CHECK(s == NULL && strstr(err.message, "does not determine an algorithm") != NULL);
  CHECK_ST(wb_signer_new(&s, NULL, WB_ALG_HS256, &err), WB_ERR_INVALID_ARG);
  CHECK(s == NULL);
  CHECK(wb_signer_alg(NULL) == WB_ALG_INVALID);
  CHECK_ST(wb_signer_new(&s, hkey, WB_ALG_HS256, &err), WB_OK);
  CHECK(wb_signer_alg(s) == WB_ALG_HS256);
  CHECK(signs_with_header(s, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
  CHECK_ST(wb_signer_set_kid(s, "k1", &err), WB_OK);
  CHECK_ST(wb_signer_set_cty(s, "JWT", &err), WB_OK);
  const char *before = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"cty\":\"JWT\",\"kid\":\"k1\"}";
  CHECK(signs_with_header(s, before));
  /* a value that is not UTF-8 cannot be written in a header: refused, and nothing changed */
  CHECK_ST(wb_signer_set_kid(s, "k\xff", &err), WB_ERR_INVALID_ARG);
  CHECK(err.code == WB_ERR_INVALID_ARG && strstr(err.message, "UTF-8") != NULL);
  CHECK_ST(wb_signer_set_typ(s, "\xc0\xaf", &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_signer_set_cty(s, "\xed\xa0\x80", &err), WB_ERR_INVALID_ARG); /* a surrogate */
  char *huge = malloc(8194); /* longer than the default max_header_len: no verifier would read it */
  memset(huge, 'k', 8193);
  huge[8193] = '\0';
  CHECK_ST(wb_signer_set_kid(s, huge, &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "8192") != NULL);
  huge[8192] = '\0';
  CHECK_ST(wb_signer_set_typ(s, huge, &err), WB_OK); /* the longest value */
  CHECK_ST(wb_signer_set_typ(s, "JWT", &err), WB_OK);
  free(huge);
  CHECK(signs_with_header(s, before));
  CHECK_ST(wb_signer_set_typ(NULL, "JWT", &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_signer_set_cty(s, NULL, &err), WB_OK); /* NULL clears */
  CHECK(signs_with_header(s, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"));
  wb_signer_free(s);
  wb_signer_free(NULL);
}

static void sign_arguments(void) {
  wb_signer *s = NULL;
  CHECK_ST(wb_signer_new(&s, hkey, WB_ALG_HS256, NULL), WB_OK);
  char *tok = (char *)1;
  size_t n = 99;
  wb_error err;
  CHECK_ST(wb_jws_sign(s, NULL, 5, &tok, &n, &err), WB_ERR_INVALID_ARG); /* NULL with a length */
  CHECK(tok == NULL && n == 0);
  CHECK_ST(wb_jws_sign(NULL, (const unsigned char *)"{}", 2, &tok, &n, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"{}", 2, NULL, &n, &err), WB_ERR_INVALID_ARG);
  /* a payload whose token length would overflow: refused before it is read (one byte here) */
  tok = (char *)1;
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"x", SIZE_MAX / 2, &tok, &n, &err), WB_ERR_TOO_LARGE);
  CHECK(tok == NULL && n == 0 && strcmp(err.message, "payload too large") == 0);
  /* an empty payload is a payload */
  CHECK_ST(wb_jws_sign(s, NULL, 0, &tok, &n, &err), WB_OK);
  CHECK(tok != NULL && n == strlen(tok) && strstr(tok, "..") != NULL);
  wb_string_free(tok);
  wb_signer_free(s);
}

/* wb_jws_sign_header with header h; checks that a refusal leaves the outputs empty. */
static wb_status sign_header(const char *h, wb_error *err) {
  char *tok = (char *)1;
  size_t n = 99;
  wb_status st = wb_jws_sign_header(hkey, h, strlen(h), (const unsigned char *)"{}", 2, &tok, &n, err);
  CHECK((st == WB_OK) == (tok != NULL));
  CHECK(st == WB_OK || n == 0);
  wb_string_free(tok);
  return st;
}

static void exact_header(void) {
  wb_error err;
  /* RFC 7797 6: "b64" is only valid with "crit" naming it, whatever its value */
  CHECK_ST(sign_header("{\"alg\":\"HS256\",\"b64\":true}", &err), WB_ERR_MALFORMED);
  CHECK_ST(sign_header("{\"alg\":\"HS256\",\"b64\":false}", &err), WB_ERR_MALFORMED);
  CHECK(strstr(err.message, "b64") != NULL);
  CHECK_ST(sign_header("{\"alg\":\"HS256\",\"b64\":\"false\"}", &err), WB_ERR_MALFORMED);
  CHECK_ST(sign_header("{\"alg\":\"HS256\",\"b64\":0}", &err), WB_ERR_MALFORMED);
  CHECK_ST(sign_header("{\"alg\":\"RS256\"}", &err), WB_ERR_ALG_NOT_ALLOWED); /* not this key's */
  CHECK_ST(sign_header("{\"alg\":\"none\"}", &err), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(sign_header("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", &err), WB_ERR_UNSUPPORTED_CRIT);
  CHECK_ST(sign_header("{\"typ\":\"JWT\"}", &err), WB_ERR_MALFORMED);
  char *tok = (char *)1;
  CHECK_ST(wb_jws_sign_header(hkey, "{\"alg\":\"HS256\"}", 15, NULL, 1, &tok, NULL, &err),
           WB_ERR_INVALID_ARG);
  CHECK(tok == NULL);
  CHECK_ST(wb_jws_sign_header(NULL, "{\"alg\":\"HS256\"}", 15, NULL, 0, &tok, NULL, &err),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jws_sign_header(hkey, NULL, 15, NULL, 0, &tok, NULL, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jws_sign_header(hkey, "{\"alg\":\"HS256\"}", 15, NULL, 0, NULL, NULL, &err),
           WB_ERR_INVALID_ARG);
  CHECK_ST(wb_jws_sign_header(hkey, "{\"alg\":\"HS256\"}", 15, NULL, 0, &tok, NULL, &err), WB_OK); /* empty */
  CHECK(tok != NULL && strncmp(tok, "eyJhbGciOiJIUzI1NiJ9..", 22) == 0);
  wb_string_free(tok);
  /* a header beyond the default max_header_len (8192), which no verifier would read */
  size_t big = 8193;
  char *h = malloc(big + 1);
  memset(h, ' ', big);
  memcpy(h, "{\"alg\":\"HS256\"}", 15);
  h[big] = '\0';
  CHECK_ST(sign_header(h, &err), WB_ERR_TOO_LARGE);
  h[big - 1] = '\0'; /* 8192 bytes: accepted, kept byte for byte */
  CHECK_ST(sign_header(h, &err), WB_OK);
  free(h);
}

/* A token of three segments, the header the base64url of a JSON object of hlen bytes. */
static char *token_with_header_of(size_t hlen) {
  char *json = malloc(hlen + 1);
  memset(json, ' ', hlen);
  memcpy(json, "{\"alg\":\"HS256\"}", 15);
  json[hlen] = '\0';
  size_t cap = WB_B64URL_ENCODED_LEN(hlen) + 16;
  char *tok = malloc(cap);
  size_t n = 0;
  CHECK_ST(wb_b64url_encode(tok, cap, (const unsigned char *)json, hlen, &n, NULL), WB_OK);
  memcpy(tok + n, ".e30.", 6); /* payload {} and an empty signature */
  free(json);
  return tok;
}

static void decode_unverified(void) {
  char *h = (char *)1, *p = (char *)1;
  wb_error err;
  char *tok = token_with_header_of(8192);
  CHECK_ST(wb_jws_decode_unverified(tok, strlen(tok), &h, &p, &err), WB_OK);
  CHECK(h != NULL && strlen(h) == 8192 && p != NULL && strcmp(p, "{}") == 0);
  wb_string_free(h);
  wb_string_free(p);
  free(tok);
  tok = token_with_header_of(8193); /* one byte over max_header_len */
  CHECK_ST(wb_jws_decode_unverified(tok, strlen(tok), &h, &p, &err), WB_ERR_TOO_LARGE);
  CHECK(h == NULL && p == NULL && strstr(err.message, "8192") != NULL);
  free(tok);
  CHECK_ST(wb_jws_decode_unverified("e30.e30.", 8, &h, NULL, &err), WB_ERR_INVALID_ARG);
  CHECK(h == NULL);
  CHECK_ST(wb_jws_decode_unverified("e30.e30.", 8, NULL, &p, &err), WB_ERR_INVALID_ARG);
  CHECK(p == NULL);
}

int main(void) {
  hkey = rfc_hs256_key();
  CHECK(hkey != NULL);
  signer_setters();
  sign_arguments();
  exact_header();
  decode_unverified();
  wb_key_free(hkey);
  return CHECK_DONE();
}
