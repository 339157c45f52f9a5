#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/jwe.sh - the JWE rows of the benchmark: decrypting the reference token and encrypting the
# benchmark claims for dir+A256GCM, A256KW+A256GCM, ECDH-ES+A256KW (P-256 and X25519) and
# RSA-OAEP-256+A256GCM, with wristband, the raw OpenSSL limit (bench/jwe_bench.c), cjose and
# rhonabwy (bench/jwe_peer_c.c, where they support the pair), python3-jwcrypto (bench/jwe_peer_py.py)
# and node jose (bench/jwe_peer_node.mjs), pinned to one core, then the tables
# (bench/jwe_report.py). Figures also go to bench/out/jwe-results.tsv.
#
# Environment: BENCH_SECONDS, BENCH_WARMUP, BENCH_REPS (timing.h), BENCH_ROUNDS (1: run everything
# this many times, the median is reported), BENCH_CPU (1), BENCH_SKIP_DEPS (0).
# Needs a build first (make build): the programs link build/libwristband.a.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
WORK=$OUT/jwe-work
RAW=$OUT/jwe-raw.tsv
PY=/usr/bin/python3
log() { echo "bench/jwe: $*" >&2; }

if [ "${BENCH_SKIP_DEPS:-0}" != 1 ] && [ ! -f bench/peers/node_modules/jose/package.json ]; then
  log "installing the node peers (npm ci in bench/peers)"
  (cd bench/peers && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
[ -f build/libwristband.a ] || { log "build/libwristband.a is missing: run make build first"; exit 1; }

CPU=${BENCH_CPU:-1}
if [ "$(nproc)" -le "$CPU" ]; then CPU=0; fi
PIN=(taskset -c "$CPU")
rm -rf "$WORK" "$RAW"
mkdir -p "$WORK" "$OUT/bin"
$PY bench/jwe_workload.py "$WORK"
cc -std=c11 -O2 -g -Wall -Wextra -Wshadow -D_POSIX_C_SOURCE=200809L -DOPENSSL_API_COMPAT=30000 \
  -DOPENSSL_NO_DEPRECATED -Iinclude -Ilib bench/jwe_bench.c build/libwristband.a -o "$OUT/bin/jwe_bench" \
  $(pkg-config --libs libcrypto jansson zlib) -lpthread -lm
PEERS_C=()
for p in cjose:cjose rhonabwy:librhonabwy; do
  name=${p%%:*} pc=${p#*:}
  if pkg-config --exists "$pc" jansson &&
    cc -std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L "-DPEER_${name^^}" $(pkg-config --cflags "$pc" jansson) \
      bench/jwe_peer_c.c -o "$OUT/bin/jwe_peer_$name" $(pkg-config --libs "$pc" jansson) -lpthread -lm; then
    PEERS_C+=("$name")
  else
    log "$name: not built (scripts/install-deps.sh --bench installs it): its cells stay empty"
  fi
done

ROUNDS=${BENCH_ROUNDS:-1}
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round of $ROUNDS on cpu $CPU"
  "${PIN[@]}" "$OUT/bin/jwe_bench" --work "$WORK" | tee -a "$RAW" >&2
  for name in "${PEERS_C[@]}"; do
    "${PIN[@]}" "$OUT/bin/jwe_peer_$name" --work "$WORK" | tee -a "$RAW" >&2
  done
  "${PIN[@]}" $PY bench/jwe_peer_py.py --work "$WORK" | tee -a "$RAW" >&2
  "${PIN[@]}" node bench/jwe_peer_node.mjs --work "$WORK" | tee -a "$RAW" >&2
done
{
  echo "## wristband JWE benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
  echo "pinned to cpu $CPU, ${BENCH_REPS:-3} x ${BENCH_SECONDS:-1} s after ${BENCH_WARMUP:-0.3} s warm-up, median"
  echo "of $ROUNDS round(s); $(openssl version | cut -d' ' -f1-2), node $(node --version), jose 5.10.0, jwcrypto 1.1,"
  echo "cjose 0.6.2, rhonabwy 1.1 (GnuTLS)."
  echo
  $PY bench/jwe_report.py "$RAW" "$OUT/jwe-results.tsv"
} | tee "$OUT/jwe-results.md"
