/* SPDX-License-Identifier: MIT */
/*
 * lib/jws.c - JWS compact serialization (RFC 7515 section 7.1): signers, signing with a
 * prepared or an exact header, splitting tokens, the protected-header policy and the
 * unverified decoder. Verification with its policy is in lib/verifier.c.
 *
 * A signer encodes its protected header once, at set-up; signing then costs one base64url of
 * the payload, the signature and one allocation for the token.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose.h"
#include "jws.h"

struct wb_signer {
  wb_key *key; /* own reference */
  wb_alg alg;
  char *typ, *kid, *cty;
  bool b64;         /* false: RFC 7797 unencoded payload ("b64": false, "crit": ["b64"]) */
  char *header_b64; /* prepared protected header, rebuilt by every setter */
  size_t header_b64_len;
};

/* ---- splitting and header policy ----------------------------------------------------------- */

wb_status wb__jws_split(const char *token, size_t len, const wb_limits *lim, wb_jws_parts *parts,
                        wb_error *err) {
  memset(parts, 0, sizeof(*parts));
  if (token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL token");
  if (len > lim->max_token_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "token longer than %zu bytes", lim->max_token_len);
  const char *dot[5];
  size_t ndots = 0;
  for (const char *p = memchr(token, '.', len); p != NULL;
       p = memchr(p + 1, '.', len - (size_t)(p + 1 - token))) {
    if (ndots == 5)
      return wb__fail(err, WB_ERR_MALFORMED, "too many segments");
    dot[ndots++] = p;
  }
  if (ndots == 4)
    return wb__fail(err, WB_ERR_UNSUPPORTED, "token is a JWE (5 segments); expected a JWS");
  if (ndots != 2)
    return wb__fail(err, WB_ERR_MALFORMED, "a compact JWS has 3 segments, this token has %zu", ndots + 1);
  parts->h64 = token;
  parts->h64_len = (size_t)(dot[0] - token);
  parts->p64 = dot[0] + 1;
  parts->p64_len = (size_t)(dot[1] - parts->p64);
  parts->s64 = dot[1] + 1;
  parts->s64_len = len - (size_t)(parts->s64 - token);
  if (parts->h64_len == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "empty protected header");
  return WB_OK;
}

enum { H_ALG, H_KID, H_TYP, H_CTY, H_CRIT, H_B64, H_COUNT };

const char *const wb__jws_crit_understood[1] = {"b64"};

/* Unescapes a string field in place and NUL-terminates it. */
static const char *field_cstr(wb_jfield *f, size_t *len) {
  char *s = (char *)f->value;
  size_t n = wb__jstr_decode(f->value, f->len, f->escaped, s);
  if (len != NULL)
    *len = n;
  return s;
}

static wb_status header_strings_ok(const wb_jfield *f, wb_error *err) {
  static const char *const names[H_COUNT] = {"alg", "kid", "typ", "cty", "crit", "b64"};
  for (int i = H_ALG; i <= H_CTY; i++)
    if (f[i].type != WB_JSON_ABSENT && f[i].type != WB_JSON_STRING)
      return wb__fail(err, WB_ERR_MALFORMED, "header \"%s\" must be a string", names[i]);
  return WB_OK;
}

wb_status wb__jws_parse_header(char *buf, size_t len, const wb_limits *lim, wb_jws_header *hdr,
                               wb_error *err) {
  memset(hdr, 0, sizeof(*hdr));
  wb_jfield f[H_COUNT] = {WB_JFIELD("alg"), WB_JFIELD("kid"),  WB_JFIELD("typ"),
                          WB_JFIELD("cty"), WB_JFIELD("crit"), WB_JFIELD("b64")};
  wb_status st = wb__jscan_object(buf, len, lim, f, H_COUNT, err);
  if (st != WB_OK)
    return st;
  if ((st = header_strings_ok(f, err)) != WB_OK)
    return st;
  if (f[H_ALG].type == WB_JSON_ABSENT)
    return wb__fail(err, WB_ERR_MALFORMED, "header has no \"alg\"");
  hdr->b64 = true;
  hdr->crit = f[H_CRIT].type != WB_JSON_ABSENT;
  if (hdr->crit && (st = wb__jose_check_crit_text(buf, len, lim, wb__jws_crit_understood, 1, err)) != WB_OK)
    return st; /* before any string is unescaped in place */
  if (f[H_B64].type != WB_JSON_ABSENT) {
    if (f[H_B64].type != WB_JSON_BOOL)
      return wb__fail(err, WB_ERR_MALFORMED, "header \"b64\" must be a boolean");
    if (!hdr->crit) /* crit named only understood names, so with crit present it names b64 */
      return wb__fail(err, WB_ERR_MALFORMED, "header \"b64\" without \"crit\" naming it (RFC 7797 6)");
    hdr->b64 = f[H_B64].value[0] == 't';
  }
  size_t alg_len;
  const char *alg = field_cstr(&f[H_ALG], &alg_len);
  hdr->alg = wb_alg_from_name(alg, alg_len);
  if (hdr->alg == WB_ALG_INVALID)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "algorithm \"%.20s\" is not allowed", alg);
  if (f[H_KID].type == WB_JSON_STRING)
    hdr->kid = field_cstr(&f[H_KID], &hdr->kid_len);
  if (f[H_TYP].type == WB_JSON_STRING)
    hdr->typ = field_cstr(&f[H_TYP], NULL);
  return WB_OK;
}

wb_status wb__b64url_decode_alloc(const char *in, size_t len, size_t max, char **out, size_t *out_len,
                                  wb_error *err) {
  *out = NULL;
  *out_len = 0;
  size_t cap = WB_B64URL_DECODED_LEN(len);
  if (cap > max)
    return wb__fail(err, WB_ERR_TOO_LARGE, "segment larger than %zu bytes", max);
  char *buf = malloc(cap + 1);
  if (buf == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  size_t n;
  wb_status st = wb_b64url_decode((unsigned char *)buf, cap, in, len, &n, err);
  if (st != WB_OK) {
    free(buf);
    return st;
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return WB_OK;
}

/* ---- signing ------------------------------------------------------------------------------ */

/* header_b64 "." b64(payload) "." b64(sig) as a new string; with b64 false the payload as it is. */
static wb_status sign_parts(const wb_key *key, wb_alg alg, const char *h64, size_t h64_len,
                            const unsigned char *payload, size_t len, bool b64, char **token,
                            size_t *token_len, wb_error *err) {
  if (!b64 && len > 0 && memchr(payload, '.', len) != NULL) /* RFC 7797 5.2 */
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "an unencoded payload with '.' cannot be compact: detach it or use JSON");
  size_t p64_len = b64 ? WB_B64URL_ENCODED_LEN(len) : len;
  size_t max_sig64 = WB_B64URL_ENCODED_LEN(WB_MAX_SIG_LEN);
  if (len > SIZE_MAX / 2 - h64_len - max_sig64)
    return wb__fail(err, WB_ERR_TOO_LARGE, "payload too large");
  size_t cap = h64_len + 1 + p64_len + 1 + max_sig64 + 1;
  char *out = malloc(cap);
  if (out == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  memcpy(out, h64, h64_len);
  out[h64_len] = '.';
  size_t pos = h64_len + 1;
  if (b64) {
    pos += wb__b64url_encode_to(out + pos, payload, len); /* cap holds it and the signature */
  } else {
    if (len > 0)
      memcpy(out + pos, payload, len);
    pos += len;
  }
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t sig_len = 0;
  wb_status st = wb__sign(key, alg, (const unsigned char *)out, pos, sig, &sig_len, err);
  if (st != WB_OK) {
    free(out);
    return st;
  }
  out[pos++] = '.';
  pos += wb__b64url_encode_to(out + pos, sig, sig_len);
  *token = out;
  if (token_len != NULL)
    *token_len = pos;
  return wb__ok(err);
}

/*
 * The protected header {"alg":..,"typ":..,"cty":..,"kid":..} (members that are set, in this
 * order), written here rather than by jansson (lib/json.c says why), base64url-encoded. A value
 * longer than the default max_header_len could only make a header no verifier reads.
 */
static wb_status signer_rebuild_header(wb_signer *s, wb_error *err) {
  static const char *const names[] = {"alg", "typ", "cty", "kid"};
  const char *values[] = {wb_alg_name(s->alg), s->typ, s->cty, s->kid};
  wb_limits lim;
  wb_limits_default(&lim);
  size_t cap = 3; /* braces and NUL */
  for (size_t i = 0; i < 4; i++) {
    if (values[i] != NULL && strlen(values[i]) > lim.max_header_len)
      return wb__fail(err, WB_ERR_TOO_LARGE, "header \"%s\" longer than %zu bytes", names[i],
                      lim.max_header_len);
    cap += values[i] != NULL ? 7 + 6 * strlen(values[i]) + 2 : 0; /* ,"name": then the string */
  }
  static const char unencoded[] = ",\"b64\":false,\"crit\":[\"b64\"]"; /* RFC 7797 */
  cap += sizeof(unencoded);
  char *text = malloc(cap);
  if (text == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  size_t n = 0;
  text[n++] = '{';
  for (size_t i = 0; i < 4; i++) {
    if (values[i] == NULL)
      continue;
    n += (size_t)snprintf(text + n, cap - n, "%s\"%s\":", n > 1 ? "," : "", names[i]);
    size_t e = wb__json_escape(values[i], strlen(values[i]), text + n);
    if (e == 0) {
      free(text);
      return wb__fail(err, WB_ERR_INVALID_ARG, "header \"%s\" must be valid UTF-8", names[i]);
    }
    n += e;
  }
  if (!s->b64) {
    memcpy(text + n, unencoded, sizeof(unencoded) - 1);
    n += sizeof(unencoded) - 1;
  }
  text[n++] = '}';
  size_t len;
  char *b64 = wb__b64url_encode_alloc((const unsigned char *)text, n, &len);
  free(text);
  if (b64 == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  free(s->header_b64);
  s->header_b64 = b64;
  s->header_b64_len = len;
  return WB_OK;
}

/* Replaces *slot with a copy of value (NULL clears) and rebuilds the header. */
static wb_status signer_set(wb_signer *s, char **slot, const char *value, wb_error *err) {
  if (s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL signer");
  char *copy = NULL;
  if (value != NULL && (copy = strdup(value)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  char *old = *slot;
  *slot = copy;
  wb_status st = signer_rebuild_header(s, err);
  if (st != WB_OK) { /* a failed call changes nothing */
    *slot = old;
    free(copy);
    return st;
  }
  free(old);
  return wb__ok(err);
}

wb_status wb_signer_new(wb_signer **out, const wb_key *key, wb_alg alg, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL key");
  if (alg == WB_ALG_INVALID && (alg = wb_key_default_alg(key)) == WB_ALG_INVALID)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the key does not determine an algorithm: name one");
  wb_status st = wb_key_check_alg(key, alg, WB_KEY_OP_SIGN, err);
  if (st != WB_OK)
    return st;
  wb_signer *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  s->alg = alg;
  s->b64 = true;
  s->key = wb__key_ref(key);
  st = WB_ERR_NOMEM;
  if ((s->typ = strdup("JWT")) == NULL || (key->kid != NULL && (s->kid = strdup(key->kid)) == NULL)) {
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
    goto out;
  }
  st = signer_rebuild_header(s, err);
out:
  if (st != WB_OK) {
    wb_signer_free(s);
    return st;
  }
  *out = s;
  return wb__ok(err);
}

wb_status wb_signer_set_typ(wb_signer *s, const char *typ, wb_error *err) {
  return signer_set(s, s ? &s->typ : NULL, typ, err);
}

wb_status wb_signer_set_kid(wb_signer *s, const char *kid, wb_error *err) {
  return signer_set(s, s ? &s->kid : NULL, kid, err);
}

wb_status wb_signer_set_cty(wb_signer *s, const char *cty, wb_error *err) {
  return signer_set(s, s ? &s->cty : NULL, cty, err);
}

wb_status wb_signer_set_b64(wb_signer *s, bool b64, wb_error *err) {
  if (s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL signer");
  bool old = s->b64;
  s->b64 = b64;
  wb_status st = signer_rebuild_header(s, err);
  if (st != WB_OK) { /* a failed call changes nothing */
    s->b64 = old;
    (void)signer_rebuild_header(s, NULL);
    return st;
  }
  return wb__ok(err);
}

const char *wb__signer_header_b64(const wb_signer *s, size_t *len) {
  *len = s->header_b64_len;
  return s->header_b64;
}

bool wb__signer_b64(const wb_signer *s) {
  return s->b64;
}

wb_status wb__signer_sign_input(const wb_signer *s, const unsigned char *input, size_t len,
                                unsigned char *sig, size_t *sig_len, wb_error *err) {
  return wb__sign(s->key, s->alg, input, len, sig, sig_len, err);
}

wb_alg wb_signer_alg(const wb_signer *s) {
  return s ? s->alg : WB_ALG_INVALID;
}

void wb_signer_free(wb_signer *s) {
  if (s == NULL)
    return;
  wb_key_free(s->key);
  free(s->typ);
  free(s->kid);
  free(s->cty);
  free(s->header_b64);
  free(s);
}

wb_status wb_jws_sign(const wb_signer *s, const unsigned char *payload, size_t len, char **token,
                      size_t *token_len, wb_error *err) {
  if (token != NULL) /* outputs are defined on every failure, this one included */
    *token = NULL;
  if (token_len != NULL)
    *token_len = 0;
  if (token == NULL || s == NULL || (payload == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  return sign_parts(s->key, s->alg, s->header_b64, s->header_b64_len, payload, len, s->b64, token, token_len,
                    err);
}

wb_status wb_jws_sign_header(const wb_key *key, const char *header_json, size_t header_len,
                             const unsigned char *payload, size_t len, char **token, size_t *token_len,
                             wb_error *err) {
  if (token != NULL) /* outputs are defined on every failure, this one included */
    *token = NULL;
  if (token_len != NULL)
    *token_len = 0;
  if (token == NULL || key == NULL || header_json == NULL || (payload == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_limits lim;
  wb_limits_default(&lim);
  if (header_len > lim.max_header_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "header longer than %zu bytes", lim.max_header_len);
  char *copy = malloc(header_len + 1);
  if (copy == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  memcpy(copy, header_json, header_len);
  wb_jws_header hdr;
  wb_status st = wb__jws_parse_header(copy, header_len, &lim, &hdr, err);
  free(copy);
  if (st == WB_OK && hdr.crit)
    st = wb__fail(err, WB_ERR_UNSUPPORTED_CRIT, "wb_jws_sign_header signs headers without \"crit\"");
  if (st == WB_OK)
    st = wb_key_check_alg(key, hdr.alg, WB_KEY_OP_SIGN, err);
  if (st != WB_OK)
    return st;
  size_t h64_len;
  char *h64 = wb__b64url_encode_alloc((const unsigned char *)header_json, header_len, &h64_len);
  if (h64 == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  st = sign_parts(key, hdr.alg, h64, h64_len, payload, len, true, token, token_len, err);
  free(h64);
  return st;
}

/* ---- unverified decoding ------------------------------------------------------------------- */

/* Decodes one segment and validates it as a JSON object; *json holds the decoded bytes as they are. */
static wb_status decode_segment(const char *b64, size_t len, size_t max, const wb_limits *lim, char **json,
                                wb_error *err) {
  char *raw;
  size_t n;
  wb_status st = wb__b64url_decode_alloc(b64, len, max, &raw, &n, err);
  if (st != WB_OK)
    return st;
  st = wb__jscan_object(raw, n, lim, NULL, 0, err);
  if (st != WB_OK) {
    wb_string_free(raw);
    return st;
  }
  *json = raw;
  return WB_OK;
}

wb_status wb_jws_decode_unverified(const char *token, size_t len, char **header_json, char **payload_json,
                                   wb_error *err) {
  if (header_json != NULL) /* both outputs are NULL on every failure, this one included */
    *header_json = NULL;
  if (payload_json != NULL)
    *payload_json = NULL;
  if (header_json == NULL || payload_json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  wb_limits lim;
  wb_limits_default(&lim);
  wb_jws_parts parts;
  wb_status st = wb__jws_split(token, len, &lim, &parts, err);
  if (st != WB_OK)
    return st;
  unsigned char sig[WB_MAX_SIG_LEN];
  if (parts.s64_len > WB_B64URL_ENCODED_LEN(WB_MAX_SIG_LEN))
    return wb__fail(err, WB_ERR_MALFORMED, "signature segment too long");
  st = wb_b64url_decode(sig, sizeof(sig), parts.s64, parts.s64_len, NULL, err);
  if (st != WB_OK)
    return st;
  st = decode_segment(parts.h64, parts.h64_len, lim.max_header_len, &lim, header_json, err);
  if (st == WB_OK)
    st = decode_segment(parts.p64, parts.p64_len, lim.max_claims_len, &lim, payload_json, err);
  if (st != WB_OK) {
    wb_string_free(*header_json);
    *header_json = NULL;
    return st;
  }
  return wb__ok(err);
}
