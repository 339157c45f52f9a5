/* SPDX-License-Identifier: MIT */
/*
 * wristband/b64url.h - strict base64url (RFC 4648 section 5, RFC 7515 section 2).
 *
 * The decoder accepts only the unpadded, canonical alphabet A-Z a-z 0-9 - _:
 * no '=', '+', '/', whitespace, and no non-zero trailing bits. Length mod 4 == 1
 * is impossible and rejected. Thread-safety: stateless.
 */
#ifndef WRISTBAND_B64URL_H
#define WRISTBAND_B64URL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Encoded length of n bytes (no padding, no NUL). */
#define WB_B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + (((n) % 3) ? ((n) % 3) + 1 : 0))
/** Upper bound of the decoded length of n characters. */
#define WB_B64URL_DECODED_MAX(n) (((n) / 4) * 3 + 2)

/**
 * Encodes in[0..len) into out (capacity out_cap, needs WB_B64URL_ENCODED_LEN(len) + 1 for the NUL).
 * *out_len (may be NULL) receives the number of characters written, NUL excluded.
 */
WB_EXPORT wb_status wb_b64url_encode(char *out, size_t out_cap, const unsigned char *in, size_t len,
                                     size_t *out_len, wb_error *err) WB_WARN_UNUSED_RESULT;

/**
 * Decodes in[0..len) into out (capacity out_cap). Fails with WB_ERR_MALFORMED on any
 * non-canonical input and WB_ERR_TOO_LARGE when out_cap is too small. *out_len is 0 on failure.
 */
WB_EXPORT wb_status wb_b64url_decode(unsigned char *out, size_t out_cap, const char *in, size_t len,
                                     size_t *out_len, wb_error *err) WB_WARN_UNUSED_RESULT;

#ifdef __cplusplus
}
#endif
#endif
