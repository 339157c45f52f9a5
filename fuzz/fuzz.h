/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz.h - the libFuzzer entry point every fuzz target defines. Built with
 * -fsanitize=fuzzer under clang (cmake -DWB_FUZZ=ON); otherwise fuzz/replay.c provides a main()
 * that runs the saved corpus and every kept crasher, which CTest does on every build.
 */
#ifndef WB_FUZZ_H
#define WB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The HS256 key of RFC 7515 A.1, shared by the targets that sign or verify (so seed tokens made
 * with it reach the claims checks). */
#define FUZZ_HS256_JWK                                                                                       \
  "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"                                   \
  "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}"

#endif
