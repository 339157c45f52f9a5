/* SPDX-License-Identifier: MIT */
/*
 * fuzz/json_fuzz.c - application/json request bodies (server/params.c, params_parse_json): the
 * input is the body. What it accepts holds the parameter contract.
 */
#include "fuzz.h"
#include "request_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  params p;
  if (params_parse_json(&p, (const char *)data, size, NULL) == SRV_OK) {
    check_params(&p);
    params_free(&p);
  }
  return 0;
}
