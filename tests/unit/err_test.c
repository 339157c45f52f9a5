/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/err_test.c - lib/err.c: every status has its stable reason word and a value outside
 * the enum is "unknown"; the error helpers fill an optional wb_error; wb_random refuses a NULL
 * buffer with a length and a length beyond what RAND_bytes takes, before writing anything, and
 * treats zero bytes as nothing to do; the NULL-safe helpers do nothing with NULL. (RAND_bytes
 * itself failing is the allocation-failure test's part: tests/oom/oom_random_test.c.)
 */
#include <stdint.h>

#include "check.h"
#include "internal.h"

static void status_names(void) {
  static const char *const words[WB_STATUS_COUNT_] = {"ok",
                                                      "malformed",
                                                      "bad_signature",
                                                      "alg_not_allowed",
                                                      "expired",
                                                      "not_yet_valid",
                                                      "iat_in_future",
                                                      "missing_claim",
                                                      "claim_mismatch",
                                                      "unsupported_crit",
                                                      "key_not_found",
                                                      "too_large",
                                                      "bad_key",
                                                      "nomem",
                                                      "invalid_arg",
                                                      "io",
                                                      "crypto",
                                                      "unsupported",
                                                      "out_of_range",
                                                      "decrypt_failed",
                                                      "replayed",
                                                      "request_mismatch",
                                                      "token_mismatch",
                                                      "key_mismatch",
                                                      "use_dpop_nonce"};
  _Static_assert(sizeof(words) / sizeof(words[0]) == WB_STATUS_COUNT_,
                 "a status was added: name its reason word here");
  for (int s = 0; s < WB_STATUS_COUNT_; s++)
    CHECK(strcmp(wb_status_name((wb_status)s), words[s]) == 0);
  CHECK(strcmp(wb_status_name(WB_STATUS_COUNT_), "unknown") == 0);
  CHECK(strcmp(wb_status_name((wb_status)1000), "unknown") == 0);
  CHECK(strcmp(wb_status_name((wb_status)-1), "unknown") == 0);
}

static void error_helpers(void) {
  wb_error err = {WB_OK, ""};
  CHECK(wb__fail(NULL, WB_ERR_IO, "no %s", "error struct") == WB_ERR_IO);
  CHECK(wb__fail(&err, WB_ERR_IO, "read %d bytes", 3) == WB_ERR_IO);
  CHECK(err.code == WB_ERR_IO && strcmp(err.message, "read 3 bytes") == 0);
  CHECK(wb__ok(&err) == WB_OK && err.code == WB_OK && err.message[0] == '\0');
  CHECK(wb__ok(NULL) == WB_OK);
}

static void random_bytes(void) {
  unsigned char buf[32], zero[32] = {0};
  wb_error err;
  memset(buf, 0, sizeof(buf));
  CHECK_ST(wb_random(buf, 0, &err), WB_OK); /* nothing asked, nothing written */
  CHECK(memcmp(buf, zero, sizeof(buf)) == 0 && err.code == WB_OK);
  CHECK_ST(wb_random(NULL, 0, &err), WB_OK);
  CHECK_ST(wb_random(NULL, 16, &err), WB_ERR_INVALID_ARG);
  CHECK(err.code == WB_ERR_INVALID_ARG && strcmp(err.message, "random: NULL buffer") == 0);
  /* more than RAND_bytes' int can say: refused before a byte is written (buf holds 32) */
  CHECK_ST(wb_random(buf, (size_t)INT32_MAX + 1, &err), WB_ERR_INVALID_ARG);
  CHECK(strcmp(err.message, "random: too many bytes") == 0 && memcmp(buf, zero, sizeof(buf)) == 0);
  CHECK_ST(wb_random(buf, sizeof(buf), &err), WB_OK);
  CHECK(memcmp(buf, zero, sizeof(buf)) != 0); /* 2^-256 to fail by chance */
}

static void null_safe(void) {
  wb_limits_default(NULL); /* nothing to fill */
  wb_string_free(NULL);
  wb_limits lim;
  wb_limits_default(&lim);
  CHECK(lim.max_token_len == WB_DEFAULT_MAX_TOKEN_LEN && lim.max_depth > 0 && lim.max_keys > 0);
}

int main(void) {
  status_names();
  error_helpers();
  random_bytes();
  null_safe();
  return CHECK_DONE();
}
