/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_encrypt.c - JWE encryption (RFC 7516 section 5.1) and the three serializations it
 * writes: compact (7.1), flattened and general JSON (7.2). One content encryption key (CEK) per
 * message, fresh from the CSPRNG unless "dir" or direct ECDH-ES makes it, wrapped for every
 * recipient; a fresh IV per message; the CEK wiped before returning.
 * Set-up of the encrypter is in lib/jwe.c. Contract: include/wristband/jwe.h.
 */
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "jwe_int.h"

#define CT_STACK 2048 /* ciphertexts up to this size stay on the stack */

/* What encrypting a message produced, before serialization. */
typedef struct sealed {
  const char *p64; /* the protected header, base64url: the encrypter's prepared one, or hdr64.p */
  size_t p64_len;
  wb_strbuf hdr64;
  unsigned char ek0[WB_JWE_MAX_EK];         /* the first recipient's encrypted key */
  unsigned char *ek[WB_JWE_MAX_RECIPIENTS]; /* ek0, then WB_JWE_MAX_EK bytes each */
  size_t ek_len[WB_JWE_MAX_RECIPIENTS];
  wb_strbuf params[WB_JWE_MAX_RECIPIENTS]; /* per-recipient header parameters: ,"epk":... */
  unsigned char iv[WB_JWE_MAX_IV];
  unsigned char tag[WB_JWE_MAX_TAG];
  unsigned char *ct, ct_stack[CT_STACK];
  size_t ct_len;
} sealed;

static void sealed_free(sealed *s, size_t n) {
  wb__sb_free(&s->hdr64);
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      free(s->ek[i]);
    wb__sb_free(&s->params[i]);
  }
  if (s->ct != s->ct_stack)
    free(s->ct);
}

/* Wraps (or, for the direct algorithms, makes) the CEK for every recipient. */
static wb_status wrap_all(const wb_encrypter *e, unsigned char *cek, sealed *s, wb_error *err) {
  wb_status st = WB_OK;
  for (size_t i = 0; st == WB_OK && i < e->n; i++) {
    wb__sb_init(&s->params[i], 4096);
    if ((s->ek[i] = i == 0 ? s->ek0 : malloc(WB_JWE_MAX_EK)) == NULL)
      return wb__fail(err, WB_ERR_NOMEM, "out of memory");
    st = wb__km_wrap(e->rcpt[i].key, e->rcpt[i].ai, e->rcpt[i].prepared, e->ei, e->p2c, cek, s->ek[i],
                     &s->ek_len[i], &s->params[i], err);
    if (st == WB_OK &&
        (s->params[i].len > 0 || s->params[i].st != WB_OK)) /* a failed first write leaves len 0 */
      st = wb__sb_done(&s->params[i], err);
  }
  return st;
}

/* The protected header: the encrypter's prepared one when nothing varies per message. */
static wb_status protect(const wb_encrypter *e, const char *cty_json, sealed *s, wb_error *err) {
  if (e->hdr_b64 != NULL && cty_json == NULL) {
    s->p64 = e->hdr_b64;
    s->p64_len = e->hdr_b64_len;
    return WB_OK;
  }
  wb_strbuf hdr;
  wb__sb_init(&hdr, 65536);
  wb__sb_init(&s->hdr64, 65536 * 2);
  wb_status st = wb__jwe_protected(e, e->n == 1 ? s->params[0].p : NULL, cty_json, &hdr, err);
  if (st == WB_OK) {
    wb__sb_b64(&s->hdr64, (const unsigned char *)hdr.p, hdr.len);
    st = wb__sb_done(&s->hdr64, err);
  }
  s->p64 = s->hdr64.p;
  s->p64_len = s->hdr64.len;
  wb__sb_free(&hdr);
  return st;
}

/* The AAD of RFC 7516 5.1 step 14: ASCII(protected_b64), with "." || BASE64URL(aad) when given. */
static wb_status build_aad(const sealed *s, const unsigned char *aad, size_t aad_len, wb_strbuf *out,
                           wb_error *err) {
  wb__sb_put(out, s->p64, s->p64_len);
  wb__sb_put(out, ".", 1);
  wb__sb_b64(out, aad, aad_len);
  return wb__sb_done(out, err);
}

/* The encrypter's AES-GCM context pool when its keys recover the content key anyway (every
 * recipient symmetric), else NULL: a context kept between calls holds the last content key. */
static wb_pool_ref *content_pool(const wb_encrypter *e) {
  for (size_t i = 0; i < e->n; i++) {
    wb_km_kind k = e->rcpt[i].ai->kind;
    if (k != WB_KM_DIR && k != WB_KM_AESKW && k != WB_KM_AESGCMKW && k != WB_KM_PBES2)
      return NULL;
  }
  return (wb_pool_ref *)&e->pool; /* the pool is the encrypter's mutable part */
}

/* Compresses (zip), draws the CEK (unless dir or ECDH-ES makes it) and the IV, wraps, encrypts. */
static wb_status seal(const wb_encrypter *e, const char *cty_json, const unsigned char *pt, size_t len,
                      const unsigned char *aad, size_t aad_len, bool has_aad, sealed *s, wb_error *err) {
  unsigned char rnd[WB_JWE_MAX_CEK + WB_JWE_MAX_IV], *zpt = NULL;
  size_t zlen = 0, cek_len = e->ei->cek_len, iv_len = e->ei->iv_len;
  const wb_jwe_alg_info *first = e->rcpt[0].ai;
  bool direct = first->kind == WB_KM_DIR || (first->kind == WB_KM_ECDH_ES && first->kw_len == 0);
  wb_strbuf a;
  wb__sb_init(&a, SIZE_MAX / 4);
  wb_status st = WB_OK;
  if (e->zip && (st = wb__deflate(pt, len, &zpt, &zlen, err)) == WB_OK) {
    pt = zpt;
    len = zlen;
  }
  if (st == WB_OK) /* one draw: the CEK (when it is random) and the IV */
    st = wb__random_msg(rnd, (direct ? 0 : cek_len) + iv_len, err);
  if (st == WB_OK) {
    memcpy(s->iv, rnd + (direct ? 0 : cek_len), iv_len);
    st = wrap_all(e, rnd, s, err); /* direct algorithms overwrite rnd[0..cek_len) with their CEK */
  }
  if (st == WB_OK)
    st = protect(e, cty_json, s, err);
  if (st == WB_OK && has_aad)
    st = build_aad(s, aad, aad_len, &a, err);
  s->ct = s->ct_stack;
  if (st == WB_OK && len + 16 > CT_STACK && (len > SIZE_MAX / 2 || (s->ct = malloc(len + 16)) == NULL))
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  const unsigned char *aad_in = has_aad ? (const unsigned char *)a.p : (const unsigned char *)s->p64;
  size_t aad_in_len = has_aad ? a.len : s->p64_len;
  if (st == WB_OK)
    st = wb__ce_encrypt_pool(content_pool(e), first->kind == WB_KM_DIR, e->ei, rnd, s->iv, aad_in, aad_in_len,
                             pt, len, s->ct, &s->ct_len, s->tag, err);
  OPENSSL_cleanse(rnd, sizeof(rnd));
  wb_plaintext_free(zpt, zlen);
  wb__sb_free(&a);
  return st;
}

/* A serialization's ceiling: everything base64url-encoded plus room for the JSON around it. */
static size_t output_max(const wb_encrypter *e, size_t len, size_t aad_len) {
  return (len + aad_len) / 3 * 4 + e->n * (WB_JWE_MAX_EK * 2 + 4096) + 65536;
}

static wb_status finish(wb_strbuf *b, char **out, size_t *out_len, wb_error *err) {
  wb_status st = wb__sb_done(b, err);
  if (st != WB_OK) {
    wb__sb_free(b);
    return st;
  }
  *out = b->p;
  if (out_len != NULL)
    *out_len = b->len;
  return wb__ok(err);
}

wb_status wb__jwe_encrypt_compact(const wb_encrypter *e, const char *cty_json, const unsigned char *pt,
                                  size_t len, char **token, size_t *token_len, wb_error *err) {
  if (token_len != NULL)
    *token_len = 0;
  if (token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL token");
  *token = NULL;
  if (e == NULL || (pt == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (e->n != 1)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "the compact serialization has one recipient: use wb_jwe_encrypt_json");
  sealed s;
  memset(&s, 0, offsetof(sealed, ct_stack));
  wb_status st = seal(e, cty_json, pt, len, NULL, 0, false, &s, err);
  size_t lens[4] = {s.ek_len[0], e->ei->iv_len, s.ct_len, e->ei->tag_len};
  const unsigned char *parts[4] = {s.ek[0], s.iv, s.ct, s.tag};
  size_t total = s.p64_len + 4;
  for (int i = 0; i < 4; i++)
    total += WB_B64URL_ENCODED_LEN(lens[i]);
  char *out = st == WB_OK ? malloc(total + 1) : NULL;
  if (st == WB_OK && out == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  size_t pos = s.p64_len, w = 0;
  if (st == WB_OK) { /* header . ek . iv . ciphertext . tag, written in place */
    memcpy(out, s.p64, s.p64_len);
    for (int i = 0; st == WB_OK && i < 4; i++) {
      out[pos++] = '.';
      st = wb_b64url_encode(out + pos, total + 1 - pos, parts[i], lens[i], &w, err); /* sized above */
      pos += w;
    }
  }
  if (st == WB_OK) {
    *token = out;
    if (token_len != NULL)
      *token_len = pos;
  } else {
    free(out);
  }
  sealed_free(&s, e->n);
  return st == WB_OK ? wb__ok(err) : st;
}

wb_status wb_jwe_encrypt(const wb_encrypter *e, const unsigned char *plaintext, size_t len, char **token,
                         size_t *token_len, wb_error *err) {
  return wb__jwe_encrypt_compact(e, NULL, plaintext, len, token, token_len, err);
}

/* Appends ,"name":"<base64url of v>". */
static void b64_member(wb_strbuf *b, const char *name, const unsigned char *v, size_t n) {
  wb__sb_str(b, ",\"");
  wb__sb_str(b, name);
  wb__sb_str(b, "\":\"");
  wb__sb_b64(b, v, n);
  wb__sb_str(b, "\"");
}

/* One element of "recipients": its own header when there are several, its encrypted key. */
static void write_recipient(wb_strbuf *b, const wb_encrypter *e, const sealed *s, size_t i) {
  wb__sb_str(b, i == 0 ? "{" : ",{");
  bool comma = false;
  if (e->n > 1) {
    wb__sb_str(b, "\"header\":{\"alg\":\"");
    wb__sb_str(b, e->rcpt[i].ai->name);
    wb__sb_str(b, "\"");
    if (e->rcpt[i].kid_json != NULL) {
      wb__sb_str(b, ",\"kid\":");
      wb__sb_str(b, e->rcpt[i].kid_json);
    }
    wb__sb_put(b, s->params[i].p, s->params[i].len);
    wb__sb_str(b, "}");
    comma = true;
  }
  if (s->ek_len[i] > 0) {
    wb__sb_str(b, comma ? ",\"encrypted_key\":\"" : "\"encrypted_key\":\"");
    wb__sb_b64(b, s->ek[i], s->ek_len[i]);
    wb__sb_str(b, "\"");
  }
  wb__sb_str(b, "}");
}

wb_status wb_jwe_encrypt_json(const wb_encrypter *e, wb_serialization form, const unsigned char *plaintext,
                              size_t len, const unsigned char *aad, size_t aad_len, char **json,
                              size_t *json_len, wb_error *err) {
  if (json_len != NULL)
    *json_len = 0;
  if (json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL json");
  *json = NULL;
  if (e == NULL || (plaintext == NULL && len > 0) || (aad == NULL && aad_len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (form != WB_SER_FLATTENED && form != WB_SER_GENERAL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "form must be WB_SER_FLATTENED or WB_SER_GENERAL");
  if (form == WB_SER_FLATTENED && e->n != 1)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the flattened serialization has one recipient");
  sealed s;
  memset(&s, 0, offsetof(sealed, ct_stack));
  wb_status st = seal(e, NULL, plaintext, len, aad, aad_len, aad != NULL, &s, err);
  wb_strbuf b;
  wb__sb_init(&b, output_max(e, len, aad_len));
  if (st != WB_OK) {
    sealed_free(&s, e->n);
    return st;
  }
  wb__sb_str(&b, "{\"protected\":\"");
  wb__sb_put(&b, s.p64, s.p64_len);
  wb__sb_str(&b, "\"");
  if (form == WB_SER_GENERAL) {
    wb__sb_str(&b, ",\"recipients\":[");
    for (size_t i = 0; i < e->n; i++)
      write_recipient(&b, e, &s, i);
    wb__sb_str(&b, "]");
  } else if (s.ek_len[0] > 0) {
    b64_member(&b, "encrypted_key", s.ek[0], s.ek_len[0]);
  }
  if (aad != NULL)
    b64_member(&b, "aad", aad, aad_len);
  b64_member(&b, "iv", s.iv, e->ei->iv_len);
  b64_member(&b, "ciphertext", s.ct, s.ct_len);
  b64_member(&b, "tag", s.tag, e->ei->tag_len);
  wb__sb_str(&b, "}");
  st = finish(&b, json, json_len, err);
  sealed_free(&s, e->n);
  return st;
}
