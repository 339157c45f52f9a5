/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/b64url_test.c - lib/b64url.c: RFC 4648 test strings, round trips of every length,
 * every non-canonical form the strict decoder must refuse, and the edges of the arguments: empty
 * input without a buffer, NULL with a length, and lengths whose encoding would not fit in size_t
 * (refused before a byte is read).
 */
#include <stdint.h>

#include "check.h"
#include "internal.h"

static void rfc4648_strings(void) {
  static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *const enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    char out[16];
    size_t n;
    CHECK_ST(wb_b64url_encode(out, sizeof(out), (const unsigned char *)plain[i], strlen(plain[i]), &n, NULL),
             WB_OK);
    CHECK(n == strlen(enc[i]) && strcmp(out, enc[i]) == 0);
    unsigned char dec[16];
    CHECK_ST(wb_b64url_decode(dec, sizeof(dec), enc[i], strlen(enc[i]), &n, NULL), WB_OK);
    CHECK(n == strlen(plain[i]) && memcmp(dec, plain[i], n) == 0);
  }
}

static void url_alphabet(void) {
  const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
  char out[8];
  CHECK_ST(wb_b64url_encode(out, sizeof(out), bytes, 3, NULL, NULL), WB_OK);
  CHECK(strcmp(out, "-_-_") == 0);
}

static void round_trips(void) {
  unsigned char in[300], dec[300];
  char enc[WB_B64URL_ENCODED_LEN(300) + 1];
  for (size_t i = 0; i < sizeof(in); i++)
    in[i] = (unsigned char)(i * 37 + 11);
  for (size_t len = 0; len <= sizeof(in); len++) {
    size_t n, m;
    if (wb_b64url_encode(enc, sizeof(enc), in, len, &n, NULL) != WB_OK || n != WB_B64URL_ENCODED_LEN(len) ||
        wb_b64url_decode(dec, sizeof(dec), enc, n, &m, NULL) != WB_OK || m != len ||
        memcmp(in, dec, len) != 0) {
      CHECK(!"round trip");
      return;
    }
  }
  CHECK(1);
}

static void rejects(void) {
  static const char *const bad[] = {
      "Zg==",      /* padding */
      "Zm8=",      /* padding */
      "Zm9v+g",    /* standard alphabet */
      "Zm9v/g",    /* standard alphabet */
      "Zm9 v",     /* whitespace */
      "Zm9v\n",    /* newline */
      "Z",         /* impossible length */
      "Zm9vY",     /* impossible length */
      "Zh",        /* non-canonical: trailing bits set */
      "Zm9",       /* non-canonical: "fo" is Zm8 */
      "Zm?v",      /* invalid character */
      "Zm9v\x80g", /* high byte */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    unsigned char out[16];
    size_t n = 99;
    wb_error err;
    CHECK_ST(wb_b64url_decode(out, sizeof(out), bad[i], strlen(bad[i]), &n, &err), WB_ERR_MALFORMED);
    CHECK(n == 0 && err.code == WB_ERR_MALFORMED && err.message[0] != '\0');
  }
  unsigned char small[2];
  CHECK_ST(wb_b64url_decode(small, sizeof(small), "Zm9v", 4, NULL, NULL), WB_ERR_TOO_LARGE);
  char tiny[4];
  CHECK_ST(wb_b64url_encode(tiny, sizeof(tiny), (const unsigned char *)"foo", 3, NULL, NULL),
           WB_ERR_TOO_LARGE);
  CHECK_ST(wb_b64url_decode(NULL, 4, "Zm9v", 4, NULL, NULL), WB_ERR_INVALID_ARG);
}

static void argument_edges(void) {
  char out[8] = "xxxxxxx";
  unsigned char raw[8] = {0};
  size_t n = 99;
  wb_error err;
  /* nothing to encode or decode: NULL input is fine with length 0, and so is a NULL output with
   * capacity 0 for the decoder */
  CHECK_ST(wb_b64url_encode(out, sizeof(out), NULL, 0, &n, &err), WB_OK);
  CHECK(n == 0 && out[0] == '\0' && err.code == WB_OK);
  n = 99;
  CHECK_ST(wb_b64url_decode(NULL, 0, NULL, 0, &n, &err), WB_OK);
  CHECK(n == 0);
  /* NULL with a length */
  n = 99;
  CHECK_ST(wb_b64url_encode(out, sizeof(out), NULL, 3, &n, &err), WB_ERR_INVALID_ARG);
  CHECK(n == 0 && err.code == WB_ERR_INVALID_ARG);
  CHECK_ST(wb_b64url_encode(NULL, sizeof(out), raw, 3, &n, NULL), WB_ERR_INVALID_ARG);
  n = 99;
  CHECK_ST(wb_b64url_decode(raw, sizeof(raw), NULL, 4, &n, &err), WB_ERR_INVALID_ARG);
  CHECK(n == 0);
  /* an input whose encoded length overflows: refused before it is read (raw holds one byte) */
  memcpy(out, "xxxxxxx", 8);
  n = 99;
  CHECK_ST(wb_b64url_encode(out, sizeof(out), raw, SIZE_MAX - 3, &n, &err), WB_ERR_TOO_LARGE);
  CHECK(n == 0 && strcmp(err.message, "base64url: input too long") == 0 && strcmp(out, "xxxxxxx") == 0);
  CHECK(wb__b64url_encode_alloc(raw, SIZE_MAX - 3, &n) == NULL);
  /* the allocating encoder, with and without the length; an encoder without out_len */
  char *s = wb__b64url_encode_alloc((const unsigned char *)"foob", 4, &n);
  CHECK(s != NULL && strcmp(s, "Zm9vYg") == 0 && n == 6);
  free(s);
  s = wb__b64url_encode_alloc((const unsigned char *)"fooba", 5, NULL);
  CHECK(s != NULL && strcmp(s, "Zm9vYmE") == 0);
  free(s);
  CHECK_ST(wb_b64url_encode(out, sizeof(out), (const unsigned char *)"fo", 2, NULL, NULL), WB_OK);
  CHECK(strcmp(out, "Zm8") == 0);
}

int main(void) {
  argument_edges();
  rfc4648_strings();
  url_alphabet();
  round_trips();
  rejects();
  return CHECK_DONE();
}
