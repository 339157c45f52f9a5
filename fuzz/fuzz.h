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

#endif
