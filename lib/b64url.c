/* SPDX-License-Identifier: MIT */
/*
 * lib/b64url.c - strict base64url (RFC 4648 section 5) without padding, as JOSE requires
 * (RFC 7515 section 2). The decoder is table-driven, branch-light and rejects everything that is
 * not the canonical encoding: padding, the standard alphabet, whitespace, length % 4 == 1 and
 * non-zero trailing bits. It never reads or writes outside the given bounds.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static const char enc_table[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0..63 for alphabet characters, 0xff otherwise. */
static const unsigned char dec_table[256] = {
#define X 0xff
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  52, 53, 54, 55,
    56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  63, X,  26, 27, 28, 29, 30, 31, 32,
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
#undef X
};

size_t wb__b64url_encode_to(char *out, const unsigned char *in, size_t len) {
  size_t i = 0, o = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
    out[o++] = enc_table[(v >> 18) & 63];
    out[o++] = enc_table[(v >> 12) & 63];
    out[o++] = enc_table[(v >> 6) & 63];
    out[o++] = enc_table[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = enc_table[(v >> 18) & 63];
    out[o++] = enc_table[(v >> 12) & 63];
  } else if (len - i == 2) {
    uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
    out[o++] = enc_table[(v >> 18) & 63];
    out[o++] = enc_table[(v >> 12) & 63];
    out[o++] = enc_table[(v >> 6) & 63];
  }
  out[o] = '\0';
  return o;
}

wb_status wb_b64url_encode(char *out, size_t out_cap, const unsigned char *in, size_t len, size_t *out_len,
                           wb_error *err) {
  if (out_len != NULL)
    *out_len = 0;
  if ((out == NULL) || (in == NULL && len > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "base64url: NULL argument");
  if (len > (SIZE_MAX / 4) - 4)
    return wb__fail(err, WB_ERR_TOO_LARGE, "base64url: input too long");
  size_t need = WB_B64URL_ENCODED_LEN(len);
  if (out_cap < need + 1)
    return wb__fail(err, WB_ERR_TOO_LARGE, "base64url: output buffer too small");
  size_t o = wb__b64url_encode_to(out, in, len);
  if (out_len != NULL)
    *out_len = o;
  return wb__ok(err);
}

/*
 * dec_table pre-shifted into the four positions of a quantum, so that one OR of four lookups
 * yields 24 bits; an invalid character sets bits above 24 in any position.
 */
static uint32_t quad_table[4][256];
static pthread_once_t quad_once = PTHREAD_ONCE_INIT;

static void quad_init(void) {
  for (int c = 0; c < 256; c++) {
    uint32_t v = dec_table[c];
    for (int k = 0; k < 4; k++)
      quad_table[k][c] = v == 0xff ? 0xff000000u : v << (18 - 6 * k);
  }
}

wb_status wb_b64url_decode(unsigned char *out, size_t out_cap, const char *in, size_t len, size_t *out_len,
                           wb_error *err) {
  if (out_len != NULL)
    *out_len = 0;
  if ((in == NULL && len > 0) || (out == NULL && out_cap > 0))
    return wb__fail(err, WB_ERR_INVALID_ARG, "base64url: NULL argument");
  size_t rem = len % 4;
  if (rem == 1)
    return wb__fail(err, WB_ERR_MALFORMED, "base64url: impossible length");
  size_t need = (len / 4) * 3 + (rem ? rem - 1 : 0);
  if (need > out_cap)
    return wb__fail(err, WB_ERR_TOO_LARGE, "base64url: output buffer too small");
  const unsigned char *s = (const unsigned char *)in;
  unsigned bad = 0;
  uint32_t quad_bad = 0;
  size_t i = 0, o = 0;
  pthread_once(&quad_once, quad_init);
  for (; i + 4 <= len; i += 4) {
    uint32_t v =
        quad_table[0][s[i]] | quad_table[1][s[i + 1]] | quad_table[2][s[i + 2]] | quad_table[3][s[i + 3]];
    quad_bad |= v;
    out[o] = (unsigned char)(v >> 16);
    out[o + 1] = (unsigned char)(v >> 8);
    out[o + 2] = (unsigned char)v;
    o += 3;
  }
  if (quad_bad >> 24)
    bad |= 0xff;
  if (rem == 2) {
    unsigned a = dec_table[s[i]], b = dec_table[s[i + 1]];
    bad |= a | b;
    bad |= (b & 0x0f) ? 0x100 : 0; /* non-canonical: trailing 4 bits must be zero */
    out[o++] = (unsigned char)((a << 2) | (b >> 4));
  } else if (rem == 3) {
    unsigned a = dec_table[s[i]], b = dec_table[s[i + 1]], c = dec_table[s[i + 2]];
    bad |= a | b | c;
    bad |= (c & 0x03) ? 0x100 : 0; /* non-canonical: trailing 2 bits must be zero */
    out[o++] = (unsigned char)((a << 2) | (b >> 4));
    out[o++] = (unsigned char)((b << 4) | (c >> 2));
  }
  if (bad & 0x1c0) { /* 0xff marks a bad character, 0x100 a non-canonical tail */
    return wb__fail(err, WB_ERR_MALFORMED,
                    (bad & 0xc0) ? "base64url: invalid character" : "base64url: non-canonical trailing bits");
  }
  if (out_len != NULL)
    *out_len = o;
  return wb__ok(err);
}

char *wb__b64url_encode_alloc(const unsigned char *in, size_t len, size_t *out_len) {
  if (len > (SIZE_MAX / 4) - 4)
    return NULL;
  char *out = malloc(WB_B64URL_ENCODED_LEN(len) + 1);
  if (out == NULL)
    return NULL;
  size_t n = wb__b64url_encode_to(out, in, len);
  if (out_len != NULL)
    *out_len = n;
  return out;
}
