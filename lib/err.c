/* SPDX-License-Identifier: MIT */
/*
 * lib/err.c - status names, the error helper, algorithm names, limits, random bytes and the
 * string free. The reason words are the CLI's and never change (include/wristband/common.h).
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char *const status_names[WB_STATUS_COUNT_] = {
    [WB_OK] = "ok",
    [WB_ERR_MALFORMED] = "malformed",
    [WB_ERR_BAD_SIGNATURE] = "bad_signature",
    [WB_ERR_ALG_NOT_ALLOWED] = "alg_not_allowed",
    [WB_ERR_EXPIRED] = "expired",
    [WB_ERR_NOT_YET_VALID] = "not_yet_valid",
    [WB_ERR_IAT_IN_FUTURE] = "iat_in_future",
    [WB_ERR_MISSING_CLAIM] = "missing_claim",
    [WB_ERR_CLAIM_MISMATCH] = "claim_mismatch",
    [WB_ERR_UNSUPPORTED_CRIT] = "unsupported_crit",
    [WB_ERR_KEY_NOT_FOUND] = "key_not_found",
    [WB_ERR_TOO_LARGE] = "too_large",
    [WB_ERR_BAD_KEY] = "bad_key",
    [WB_ERR_NOMEM] = "nomem",
    [WB_ERR_INVALID_ARG] = "invalid_arg",
    [WB_ERR_IO] = "io",
    [WB_ERR_CRYPTO] = "crypto",
    [WB_ERR_UNSUPPORTED] = "unsupported",
    [WB_ERR_OUT_OF_RANGE] = "out_of_range",
    [WB_ERR_DECRYPT_FAILED] = "decrypt_failed",
    [WB_ERR_REPLAYED] = "replayed",
    [WB_ERR_REQUEST_MISMATCH] = "request_mismatch",
    [WB_ERR_TOKEN_MISMATCH] = "token_mismatch",
    [WB_ERR_KEY_MISMATCH] = "key_mismatch",
    [WB_ERR_USE_DPOP_NONCE] = "use_dpop_nonce",
    [WB_ERR_REVOKED] = "revoked",
};

const char *wb_status_name(wb_status s) {
  if ((unsigned)s >= WB_STATUS_COUNT_ || status_names[s] == NULL) /* a value not (yet) assigned */
    return "unknown";
  return status_names[s];
}

wb_status wb__fail(wb_error *err, wb_status code, const char *fmt, ...) {
  if (err == NULL)
    return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof(err->message), fmt, ap);
  va_end(ap);
  return code;
}

int64_t wb__now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

wb_status wb__ok(wb_error *err) {
  if (err != NULL) {
    err->code = WB_OK;
    err->message[0] = '\0';
  }
  return WB_OK;
}

void wb_limits_default(wb_limits *limits) {
  if (limits == NULL)
    return;
  limits->max_token_len = WB_DEFAULT_MAX_TOKEN_LEN;
  limits->max_header_len = 8192;
  limits->max_claims_len = 49152;
  limits->max_depth = 64;
  limits->max_members = 1024;
  limits->max_keys = 256;
}

wb_status wb__limits_check(const wb_limits *limits, wb_error *err) {
  if (limits->max_token_len == 0 || limits->max_header_len == 0 || limits->max_claims_len == 0 ||
      limits->max_depth == 0 || limits->max_members == 0 || limits->max_keys == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "a zero limit is refused");
  if (limits->max_depth > WB_MAX_DEPTH_LIMIT)
    return wb__fail(err, WB_ERR_INVALID_ARG, "max_depth must be at most %d", WB_MAX_DEPTH_LIMIT);
  return WB_OK;
}

void wb_string_free(char *s) {
  if (s == NULL)
    return;
  OPENSSL_cleanse(s, strlen(s));
  free(s);
}

wb_status wb_random(unsigned char *buf, size_t n, wb_error *err) {
  if (buf == NULL && n > 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "random: NULL buffer");
  if (n > (size_t)INT32_MAX)
    return wb__fail(err, WB_ERR_INVALID_ARG, "random: too many bytes");
  if (n > 0 && RAND_bytes(buf, (int)n) != 1)
    return wb__fail(err, WB_ERR_CRYPTO, "random: RAND_bytes failed");
  return wb__ok(err);
}
