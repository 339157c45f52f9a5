#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh - the benchmark (`make bench` runs it after building the library): installs the
# bench dependencies (scripts/install-deps.sh --bench) and the npm peers (bench/peers), generates
# one key set and the reference tokens (make_workload.py), builds the C programs with pkg-config,
# runs every implementation pinned to one core, and prints the markdown tables (report.py) and the
# memory table (memory.sh). Figures also go to bench/out/results.tsv.
#
# Environment: BENCH_SECONDS (1), BENCH_WARMUP (0.3), BENCH_REPS (3)  timing, see timing.h
#              BENCH_ROUNDS (1)          run the whole suite this many times, report the median
#                                        of the rounds (evens out drift on a shared machine)
#              BENCH_CPU (1)             the core everything is pinned to
#              BENCH_IMPLS (all)         comma list of rows to run, e.g. wristband,openssl-raw
#              BENCH_ALGS (all)          comma list of HS256,RS256,ES256,EdDSA
#              BENCH_MEMORY (1)          0 skips memory.sh
#              BENCH_SKIP_DEPS (0)       1 skips install-deps.sh and npm (offline re-runs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=bench/out
WORK=$OUT/work
BIN=$OUT/bin
RAW=$OUT/raw.tsv
PY=/usr/bin/python3
ALGS=${BENCH_ALGS:-HS256,RS256,ES256,EdDSA}
IMPLS=${BENCH_IMPLS:-wristband,wristband-cached,openssl-raw,libjwt,cjose,rhonabwy,pyjwt,jwcrypto,node-jose,fast-jwt,fast-jwt-cached,jsonwebtoken,wristband-2threads}
export BENCH_WORK=$WORK

log() { echo "bench: $*" >&2; }
want() { [[ ",$IMPLS," == *",$1,"* ]]; }
# The rows of $1 (a comma list) that were asked for, as a comma list.
wanted() {
  local r=() i
  IFS=, read -ra all <<<"$1"
  for i in "${all[@]}"; do want "$i" && r+=("$i"); done
  (IFS=,; echo "${r[*]}")
}

# ---- dependencies ----------------------------------------------------------------------------
if [ "${BENCH_SKIP_DEPS:-0}" != 1 ]; then
  bash scripts/install-deps.sh --bench
  if [ ! -f bench/peers/node_modules/.package-lock.json ] ||
     ! cmp -s bench/peers/package-lock.json bench/peers/node_modules/.bench-installed-lock; then
    log "installing the node peers (npm ci in bench/peers)"
    (cd bench/peers && npm ci --no-audit --no-fund --loglevel=error >&2 &&
       cp package-lock.json node_modules/.bench-installed-lock)
  fi
fi

# ---- pinning -----------------------------------------------------------------------------------
CPU=${BENCH_CPU:-1}
if [ "$(nproc)" -le "$CPU" ]; then CPU=0; fi
PIN=(taskset -c "$CPU")

# ---- workload: one key set and the reference tokens per run --------------------------------------
rm -rf "$WORK" "$RAW"
mkdir -p "$WORK" "$BIN"
$PY bench/make_workload.py "$WORK"

# ---- build ---------------------------------------------------------------------------------------
CFLAGS=(-std=c11 -O2 -g -Wall -Wextra -Wpedantic -Wshadow -D_POSIX_C_SOURCE=200809L
        -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED)
build() { # build NAME SOURCE PKG-CONFIG-MODULES [EXTRA...]
  local name=$1 src=$2 mods=$3
  shift 3
  # shellcheck disable=SC2046,SC2086
  cc "${CFLAGS[@]}" $(pkg-config --cflags $mods) "bench/$src" -o "$BIN/$name" "$@" \
    $(pkg-config --libs $mods) -lpthread
}
build openssl_raw openssl_raw.c openssl
build peer_libjwt peer_libjwt.c libjwt
build peer_cjose peer_cjose.c "cjose jansson"
build peer_rhonabwy peer_rhonabwy.c "librhonabwy jansson"
WB_OK=0
if [ -f build/libwristband.so ] &&
   build bench_wristband bench_wristband.c "openssl jansson" -Iinclude -Lbuild -lwristband \
     -Wl,-rpath,"$ROOT/build" 2>"$OUT/wristband-build.log"; then
  WB_OK=1
else
  log "wristband: not buildable yet (see $OUT/wristband-build.log): its row is 'pending'"
fi

# ---- run -----------------------------------------------------------------------------------------
record() { tee -a "$RAW" >&2; } # the lines go to the raw file and, as progress, to stderr
run_c() { # run_c ROW BINARY
  want "$1" || return 0
  log "running $1 on cpu $CPU"
  "${PIN[@]}" "$BIN/$2" --algs "$ALGS" | record || log "$1: some rows failed (see above)"
}
pending() { # pending ROW OPS...
  local row=$1 a o
  shift
  IFS=, read -ra as <<<"$ALGS"
  for a in "${as[@]}"; do for o in "$@"; do printf '%s\t%s\t%s\tpending\n' "$row" "$a" "$o"; done; done | record
}

ROUNDS=${BENCH_ROUNDS:-1}
for ((round = 1; round <= ROUNDS; round++)); do
  if [ "$ROUNDS" -gt 1 ]; then log "round $round of $ROUNDS"; fi
  if want wristband; then
    if [ $WB_OK = 1 ]; then run_c wristband bench_wristband; else pending wristband verify sign; fi
  fi
  if want wristband-cached && [ $WB_OK = 1 ]; then
    log "running wristband-cached on cpu $CPU"
    "${PIN[@]}" "$BIN/bench_wristband" --cached --algs "$ALGS" | record || log "wristband-cached: some rows failed"
  fi
  run_c openssl-raw openssl_raw
  run_c libjwt peer_libjwt
  run_c cjose peer_cjose
  run_c rhonabwy peer_rhonabwy

  py_impls=$(wanted pyjwt,jwcrypto)
  if [ -n "$py_impls" ]; then
    log "running $py_impls on cpu $CPU"
    "${PIN[@]}" $PY bench/peer_py.py --algs "$ALGS" --impls "$py_impls" | record || log "python: some rows failed"
  fi
  node_impls=$(wanted node-jose,fast-jwt,fast-jwt-cached,jsonwebtoken)
  if [ -n "$node_impls" ]; then
    log "running $node_impls on cpu $CPU (node $(node --version))"
    "${PIN[@]}" node bench/peer_node.mjs --algs "$ALGS" --impls "$node_impls" | record || log "node: some rows failed"
  fi

  if want wristband-2threads; then
    if [ $WB_OK = 1 ] && [ "$(nproc)" -ge 2 ]; then
      log "running wristband-2threads (not pinned: two threads on two cores, one shared verifier)"
      "$BIN/bench_wristband" --algs "$ALGS" --threads 2 | record || log "wristband-2threads: some rows failed"
    elif [ $WB_OK = 1 ]; then
      log "wristband-2threads: skipped, this machine has one core"
    else
      pending wristband-2threads verify
    fi
  fi
done

# ---- report --------------------------------------------------------------------------------------
{
  echo "## wristband benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
  echo "pinned to cpu $CPU, ${BENCH_REPS:-3} x ${BENCH_SECONDS:-1} s after ${BENCH_WARMUP:-0.3} s warm-up, median;"
  if [ "$ROUNDS" -gt 1 ]; then echo "median of $ROUNDS rounds of the whole suite;"; fi
  echo "$(openssl version | cut -d' ' -f1-2), node $(node --version), $($PY --version)."
  echo
  $PY bench/report.py "$RAW" "$OUT/results.tsv"
} | tee "$OUT/results.md"
log "figures: $OUT/results.tsv, tables: $OUT/results.md"

if [ "${BENCH_MEMORY:-1}" != 0 ]; then
  echo
  bash bench/memory.sh | tee "$OUT/memory.md"
fi

if [ "${BENCH_JWE:-1}" != 0 ]; then # the JWE rows (issue 13): bench/jwe.sh, its own tables
  echo
  BENCH_SKIP_DEPS=1 bash bench/jwe.sh
fi
