#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/dudect.sh - builds and runs bench/dudect_jwe.c (the dudect-style measurement that JWE
# decryption failures are indistinguishable by their timing) against the static library of
# build/ (it reaches the library's own primitives to forge the inputs). Pinned to one core.
# Usage: bash bench/dudect.sh [SAMPLES_PER_CLASS [SUITE]]   (after `make build`; default 20000;
# SUITE: cbc, kw, oaep or rsa1_5 alone)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out/bin
cc -std=c11 -O2 -g -Wall -Wextra -D_POSIX_C_SOURCE=200809L -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
  -Iinclude -Ilib bench/dudect_jwe.c build/libwristband.a -o bench/out/bin/dudect_jwe \
  $(pkg-config --libs libcrypto jansson zlib) -lpthread -lm
CPU=${BENCH_CPU:-1}
if [ "$(nproc)" -le "$CPU" ]; then CPU=0; fi
taskset -c "$CPU" bench/out/bin/dudect_jwe "${1:-20000}" ${2:+"$2"}
