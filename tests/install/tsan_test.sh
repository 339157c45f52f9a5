#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/install/tsan_test.sh SOURCE_DIR WORK_DIR - builds tests/install/tsan (the threaded unit
# tests, the remote key set and revocation tests, and lib/*.c with clang -fsanitize=thread) in
# WORK_DIR and runs each; any data race fails.
# Exit 77 (skipped) when clang is missing or ThreadSanitizer cannot start on this kernel.
set -u
src=$1
work=$2
command -v clang >/dev/null 2>&1 || { echo "TSan test skipped: clang not installed"; exit 77; }
cmake -S "$src/tests/install/tsan" -B "$work" -DWB_ROOT="$src" -DCMAKE_C_COMPILER=clang >/dev/null || exit 1
cmake --build "$work" -j2 >/dev/null || { cmake --build "$work" 2>&1 | tail -20; exit 1; }
rc=0
for t in threads ctxpool secret_wipe gcm_pool_threads; do
  out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$work/${t}_tsan" 2>&1)
  trc=$?
  printf '%s: %s\n' "$t" "$out"
  if printf '%s' "$out" | grep -q "unexpected memory mapping\|FATAL: ThreadSanitizer"; then
    echo "TSan test skipped: ThreadSanitizer cannot run here (see above)"
    exit 77
  fi
  [ $trc -eq 77 ] && trc=0 # a test that skips itself (secret_wipe off Linux) is no race
  [ $trc -ne 0 ] && rc=$trc
done
# the remote key set and the revocation follower (built when libcurl is there), against the fault server
for t in remote revocation; do
  [ -x "$work/${t}_tsan" ] || continue
  out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66" http_proxy= https_proxy= HTTP_PROXY= HTTPS_PROXY= no_proxy='*' \
    /usr/bin/python3 "$src/tests/remote/faultserver.py" "$work/${t}.d" -- "$work/${t}_tsan" 2>&1)
  trc=$?
  printf '%s: %s\n' "$t" "$(printf '%s' "$out" | tail -30)"
  [ $trc -ne 0 ] && rc=$trc
done
exit $rc
