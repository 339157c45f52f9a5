/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_zip.c - the JWE "zip": "DEF" compression (RFC 7516 4.1.3): raw DEFLATE (RFC 1951)
 * through zlib. Inflating is bounded while it runs: the output buffer never grows past the
 * caller's ceiling plus one byte, so a "zip bomb" costs at most the ceiling, whatever it would
 * inflate to. Every buffer that held plaintext is wiped, zlib's own (window, state) included: it
 * allocates through wiping_alloc / wiping_free. Contract: lib/jwe_int.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "jwe_int.h"

#define ZIP_CHUNK 16384
#define ZIP_HEAD  16 /* bytes before each zlib allocation: its size, and malloc's alignment kept */

/* zlib's allocator: its window and state hold plaintext, so each block is wiped before free. */
static voidpf wiping_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  if (size != 0 && items > (SIZE_MAX - ZIP_HEAD) / size) /* LCOV_EXCL_BR_LINE: cov-zlib-contract */
    return Z_NULL;                                       /* LCOV_EXCL_LINE: cov-zlib-contract */
  size_t n = (size_t)items * size;
  unsigned char *p = malloc(ZIP_HEAD + n);
  if (p == NULL)
    return Z_NULL;
  memcpy(p, &n, sizeof(n));
  return p + ZIP_HEAD;
}

static void wiping_free(voidpf opaque, voidpf address) {
  (void)opaque;
  if (address == NULL) /* LCOV_EXCL_BR_LINE: cov-zlib-contract */
    return;            /* LCOV_EXCL_LINE: cov-zlib-contract */
  unsigned char *p = (unsigned char *)address - ZIP_HEAD;
  size_t n = 0;
  memcpy(&n, p, sizeof(n));
  OPENSSL_cleanse(address, n);
  free(p);
}

/* A zeroed stream that allocates through the wiping allocator. */
static void stream_init(z_stream *zs) {
  memset(zs, 0, sizeof(*zs));
  zs->zalloc = wiping_alloc;
  zs->zfree = wiping_free;
}

/* Grows *buf (capacity *cap, used bytes kept) to at least want bytes, wiping the old buffer. */
static bool grow(unsigned char **buf, size_t *cap, size_t used, size_t want) {
  size_t ncap = *cap ? *cap : ZIP_CHUNK;
  while (ncap < want)
    ncap *= 2;
  unsigned char *p = malloc(ncap);
  if (p == NULL)
    return false;
  if (*buf != NULL) {
    memcpy(p, *buf, used);
    OPENSSL_cleanse(*buf, *cap);
    free(*buf);
  }
  *buf = p;
  *cap = ncap;
  return true;
}

wb_status wb__deflate(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                      wb_error *err) {
  *out = NULL;
  *out_len = 0;
  if (len > UINT32_MAX / 2)
    return wb__fail(err, WB_ERR_TOO_LARGE, "plaintext too large to compress");
  z_stream zs;
  stream_init(&zs);
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return wb__fail(err, WB_ERR_NOMEM, "zlib: deflateInit2 failed");
  size_t cap = deflateBound(&zs, (uLong)len);
  unsigned char *buf = malloc(cap);
  wb_status st = WB_OK;
  if (buf == NULL) {
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  } else {
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)                  /* LCOV_EXCL_BR_LINE: cov-zlib-contract */
      st = wb__fail(err, WB_ERR_CRYPTO, "zlib: deflate failed"); /* LCOV_EXCL_LINE: cov-zlib-contract */
  }
  deflateEnd(&zs);
  if (st != WB_OK) {
    wb_plaintext_free(buf, cap);
    return st;
  }
  *out = buf;
  *out_len = zs.total_out;
  return WB_OK;
}

wb_status wb__inflate(const unsigned char *in, size_t len, size_t max, unsigned char **out, size_t *out_len,
                      wb_error *err) {
  *out = NULL;
  *out_len = 0;
  if (len > UINT32_MAX / 2)
    return wb__fail(err, WB_ERR_TOO_LARGE, "compressed plaintext too large");
  z_stream zs;
  stream_init(&zs);
  if (inflateInit2(&zs, -15) != Z_OK)
    return wb__fail(err, WB_ERR_NOMEM, "zlib: inflateInit2 failed");
  zs.next_in = (Bytef *)in;
  zs.avail_in = (uInt)len;
  unsigned char *buf = NULL;
  size_t cap = 0, used = 0;
  wb_status st = WB_OK;
  int zr = Z_OK;
  while (zr != Z_STREAM_END) {
    if (used == cap) {
      if (used > max) { /* one byte past the ceiling is proof enough */
        st = wb__fail(err, WB_ERR_TOO_LARGE, "the plaintext inflates to more than %zu bytes", max);
        break;
      }
      size_t want = used + ZIP_CHUNK < max + 1 ? used + ZIP_CHUNK : max + 1;
      if (!grow(&buf, &cap, used, want)) {
        st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
        break;
      }
      if (cap > max + 1)
        cap = max + 1; /* never write past the ceiling plus one */
    }
    zs.next_out = buf + used;
    zs.avail_out = (uInt)(cap - used);
    zr = inflate(&zs, Z_NO_FLUSH);
    used = cap - zs.avail_out;
    if (zr == Z_MEM_ERROR) { /* the window is allocated on the first inflate */
      st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
      break;
    }
    if (zr != Z_OK && zr != Z_STREAM_END) {
      st = wb__fail(err, WB_ERR_MALFORMED, "the compressed plaintext is not valid DEFLATE");
      break;
    }
    if (zr == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      st = wb__fail(err, WB_ERR_MALFORMED, "the compressed plaintext is truncated");
      break;
    }
  }
  if (st == WB_OK && used > max)
    st = wb__fail(err, WB_ERR_TOO_LARGE, "the plaintext inflates to more than %zu bytes", max);
  if (st == WB_OK && zs.avail_in != 0)
    st = wb__fail(err, WB_ERR_MALFORMED, "bytes after the end of the compressed plaintext");
  inflateEnd(&zs);
  if (st != WB_OK) {
    wb_plaintext_free(buf, cap);
    return st;
  }
  *out = buf;
  *out_len = used;
  return WB_OK;
}
