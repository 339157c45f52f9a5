#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/memory.sh - memory figures, printed as a markdown table (run by bench/run.sh after the
# throughput tables; needs its bench/out/work and bench/out/bin).
#
#  * peak RSS (GNU time -f %M) of one process verifying one ES256 token: the `wristband verify` CLI
#    (build/cli/wristband; skipped with a note when it is not built) and rhonabwy's CLI `rnbyc -t`
#    (the only peer CLI: libjwt and cjose ship none), and every C bench program in
#    --repeat-verify ES256 1 mode (library + key set-up + one verify, no timing);
#  * heap allocations per verify: valgrind memcheck's "total heap usage" of --repeat-verify ALG 1
#    and ALG 101; the difference / 100 is what one verification allocates (set-up cancels out).
#    Python and node are not measured here: their allocators are garbage-collected arenas.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
WORK=$OUT/work
BIN=$OUT/bin
ALGS=${BENCH_ALGS:-HS256,RS256,ES256,EdDSA}
IFS=, read -ra AS <<<"$ALGS"
TOKEN=$(cat "$WORK/tokens/ES256.jwt")

[ -d "$WORK" ] || { echo "memory.sh: run bench/run.sh first (no $WORK)" >&2; exit 1; }

peak_kib() { # peak RSS in KiB of the command, or a word when it failed
  local f rc=0
  f=$(mktemp)
  /usr/bin/time -f '%M' -o "$f" "$@" >/dev/null 2>&1 || rc=$?
  if [ $rc = 0 ]; then tail -1 "$f"; else echo "FAIL(exit $rc)"; fi
  rm -f "$f"
}

heap() { # heap PROGRAM ALG N -> "allocs bytes" of the whole run, or nothing when it failed
  valgrind --tool=memcheck --leak-check=no "$@" 2>&1 >/dev/null |
    sed -n 's/.*total heap usage: \([0-9,]*\) allocs, [0-9,]* frees, \([0-9,]*\) bytes allocated.*/\1 \2/p' |
    tr -d ,
}

per_verify() { # per_verify PROGRAM ALG -> "allocs / bytes" per verification, or n/a
  local one many
  one=$(heap "$1" --repeat-verify "$2" 1 || true)
  many=$(heap "$1" --repeat-verify "$2" 101 || true)
  # a failed run (unsupported alg, rejected token) exits non-zero before the summary matters
  if ! "$1" --repeat-verify "$2" 1 >/dev/null 2>&1 || [ -z "$one" ] || [ -z "$many" ]; then
    echo "n/a"
    return
  fi
  set -- $one $many
  awk -v a1="$1" -v b1="$2" -v a2="$3" -v b2="$4" \
    'BEGIN { printf "%.1f / %.0f B", (a2 - a1) / 100, (b2 - b1) / 100 }'
}

echo "### Memory"
echo
echo "Peak RSS of one process verifying one ES256 token (KiB):"
echo
echo "| process | peak RSS (KiB) |"
echo "|---|---|"
if [ -x build/cli/wristband ]; then
  echo "| \`wristband verify --key ES256.pub.pem --iss .. --aud api TOKEN\` | $(peak_kib build/cli/wristband verify \
    --key "$WORK/keys/ES256.pub.pem" --iss https://auth.example.com --aud api "$TOKEN") |"
else
  echo "| \`wristband verify\` | skipped: build/cli/wristband not built yet |"
fi
if command -v rnbyc >/dev/null; then
  printf '{"keys":[%s]}' "$(cat "$WORK/keys/ES256.pub.jwk")" >"$WORK/keys/ES256.pub.jwks"
  echo "| \`rnbyc -t TOKEN -P ES256.pub.jwks\` (rhonabwy CLI; signature only) | $(peak_kib rnbyc -t "$TOKEN" \
    -P "$WORK/keys/ES256.pub.jwks") |"
else
  echo "| \`rnbyc\` | skipped: not installed (package rnbyc) |"
fi
for p in bench_wristband:wristband openssl_raw:openssl-raw peer_libjwt:libjwt peer_cjose:cjose peer_rhonabwy:rhonabwy; do
  bin=$BIN/${p%%:*}
  [ -x "$bin" ] || continue
  echo "| ${p#*:} bench program, set-up + 1 verify | $(peak_kib "$bin" --repeat-verify ES256 1) |"
done

echo
if ! command -v valgrind >/dev/null; then
  echo "Heap allocations per verify: skipped (valgrind not installed)."
  exit 0
fi
echo "Heap allocations per verify (valgrind memcheck, (run of 101 - run of 1) / 100; allocs / bytes):"
echo
printf '| implementation |'
for a in "${AS[@]}"; do printf ' %s verify |' "$a"; done
printf '\n|---|'
for a in "${AS[@]}"; do printf -- '---|'; done
echo
for p in bench_wristband:wristband openssl_raw:openssl-raw peer_libjwt:libjwt peer_cjose:cjose peer_rhonabwy:rhonabwy; do
  bin=$BIN/${p%%:*}
  [ -x "$bin" ] || { echo "| ${p#*:} | pending |"; continue; }
  printf '| %s |' "${p#*:}"
  for a in "${AS[@]}"; do printf ' %s |' "$(per_verify "$bin" "$a")"; done
  echo
done
