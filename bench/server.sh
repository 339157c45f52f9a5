#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/server.sh - `make bench-server` (also run by `make bench`, never by `make test`):
# `wristband serve` under load next to nginx (the HTTP limit), glewlwyd (a peer auth server) and
# the raw cryptography (issue 10). Installs the bench dependencies, builds the two raw-limit
# programs (bench/openssl_raw.c, bench/argon2_raw.c) and runs bench/server_bench.py, which prints
# the table; figures go to bench/out/server/server.tsv, the table to bench/out/server/server.md,
# wrk's reports and the servers' logs to bench/out/server/raw/. The DPoP row (bench/server_dpop.py,
# issue 15) follows, to bench/out/server/server_dpop.tsv. When bench/server_pg.sh exists
# (the PostgreSQL rows, issue 11), its rows follow.
#
# Environment: BENCH_SERVER_SECONDS (5)      wrk's duration per row
#              BENCH_SERVER_CONNECTIONS (16) keep-alive connections
#              BENCH_SERVER_POOL (100000)    sessions made before timing (token pools, RSS row)
#              BENCH_SERVER_PEER (1)         0 skips glewlwyd
#              BENCH_CPU (1)                 the server's core; wrk gets the other
#              BENCH_SERVER_PROFILE (1)      0 skips the callgrind profiles (bench/server_profile.py)
#              BENCH_SKIP_DEPS (0)           1 skips install-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/server
BIN=bench/out/bin
if [ "${BENCH_SKIP_DEPS:-0}" != 1 ]; then
  bash scripts/install-deps.sh --bench
fi
if [ "$(nproc)" -lt 2 ]; then
  echo "bench-server: needs 2 cores (server on one, wrk on the other)" >&2
  exit 1
fi
if [ ! -x build/cli/wristband ]; then
  echo "bench-server: build/cli/wristband is missing: make build first" >&2
  exit 1
fi
mkdir -p "$OUT" "$BIN"
rm -rf "$OUT/raw"
CFLAGS=(-std=c11 -O2 -g -Wall -Wextra -Wpedantic -D_POSIX_C_SOURCE=200809L -DOPENSSL_API_COMPAT=30000
        -DOPENSSL_NO_DEPRECATED)
# shellcheck disable=SC2046
cc "${CFLAGS[@]}" bench/openssl_raw.c -o "$BIN/openssl_raw" $(pkg-config --cflags --libs openssl) -lpthread
# shellcheck disable=SC2046
cc "${CFLAGS[@]}" bench/argon2_raw.c -o "$BIN/argon2_raw" $(pkg-config --cflags --libs libsodium)

WRISTBAND_BIN=$PWD/build/cli/wristband /usr/bin/python3 bench/server_bench.py "$OUT" "$BIN"

echo
echo "## userinfo with DPoP (bench/server_dpop.py, issue 15)"
WRISTBAND_BIN=$PWD/build/cli/wristband /usr/bin/python3 bench/server_dpop.py | tee "$OUT/server_dpop.tsv" ||
  echo "bench-server: server_dpop.py failed" >&2
echo "## the same proof check without HTTP (bench/dpop_loop.c)"
# shellcheck disable=SC2046
if cc "${CFLAGS[@]}" -Iinclude bench/dpop_loop.c -o "$BIN/dpop_loop" -Lbuild -lwristband -Wl,-rpath,"$PWD/build" \
  $(pkg-config --cflags --libs openssl); then
  "$BIN/dpop_loop" | tee -a "$OUT/server_dpop.tsv" || echo "bench-server: dpop_loop failed" >&2
fi

if [ -f bench/server_pg.sh ]; then
  echo
  echo "## The server on PostgreSQL (bench/server_pg.sh)"
  bash bench/server_pg.sh | tee "$OUT/server_pg.tsv" || echo "bench-server: server_pg.sh failed" >&2
fi

if [ "${BENCH_SERVER_PROFILE:-1}" = 1 ]; then
  echo
  echo "bench-server: profiles (valgrind callgrind on the server, a fixed number of requests)" >&2
  WRISTBAND_BIN=$PWD/build/cli/wristband /usr/bin/python3 bench/server_profile.py "$OUT/profile" ||
    echo "bench-server: the profile failed" >&2
fi
