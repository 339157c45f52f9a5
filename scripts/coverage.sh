#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/coverage.sh - `make coverage` (docs/coverage.md): checks the exclusion markers, builds
# with gcc --coverage into build-coverage/, runs the whole CTest suite there, merges the counters
# of lib/, cli/ and server/ into one lcov tracefile, prints the per-directory and per-file summary
# with the floor check (tests/coverage/floors.txt) and writes the HTML report to
# build-coverage/html/. Exit status 1 when a test failed or a floor is not met.
# Environment: JOBS (parallel build and test jobs, default nproc), WB_COVERAGE_DIR (build folder).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${WB_COVERAGE_DIR:-$root/build-coverage}
jobs=${JOBS:-$(nproc)}
lcov_rc=(--rc lcov_branch_coverage=1)
# run_lcov ARGS...: lcov, quiet; its stderr without the warnings lcov 1.16's geninfo prints about its
# own redefined Perl subroutines (noise, not about the data).
run_lcov() {
  local rc=0
  lcov "${lcov_rc[@]}" --quiet "$@" 2>"$out/lcov.err" || rc=$?
  grep -v '^Subroutine .* redefined at ' "$out/lcov.err" >&2 || true
  return $rc
}
cd "$root"
for tool in lcov genhtml gcov; do
  command -v $tool >/dev/null || { echo "coverage: $tool is missing (scripts/install-deps.sh --coverage)" >&2; exit 2; }
done

echo "coverage: exclusion markers"
/usr/bin/python3 tests/coverage/markers.py "$root"

echo "coverage: building with gcc --coverage in $out"
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Debug -DWB_COVERAGE=ON -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build "$out" -j"$jobs" >/dev/null

# Counters start from zero; the baseline (--initial) lists every instrumented line, so that a file
# no test reaches counts as 0% instead of being absent. Notes of a source file that no longer
# exists (CMake keeps the objects of removed files) are dropped: OUT/SUB/CMakeFiles/T.dir/REL.gcno
# belongs to ROOT/SUB/REL, or to OUT/SUB/REL for a source generated at build time (the contract
# test; a `..` in REL is written `__` by CMake); so are the notes of a target the build no longer
# has (a renamed CMake target leaves its T.dir behind): the generated CMakeFiles/Makefile2 names
# every current target's directory.
find "$out" -name '*.gcda' -delete
targets=$(grep -o '[^ :]*CMakeFiles/[^/ ]*\.dir' "$out/CMakeFiles/Makefile2" | sort -u)
while IFS= read -r gcno; do
  rel=${gcno#"$out"/}
  sub=${rel%%CMakeFiles/*}
  file=${rel#*CMakeFiles/*.dir/}
  tdir=${rel%%.dir/*}.dir
  if ! grep -qxF "$tdir" <<<"$targets"; then
    rm -f "$gcno"
    continue
  fi
  src=${file%.gcno}
  src=${src//__\//../} # CMake writes a source outside the target's folder (../oom/x.c) as __/oom/x.c
  [ -f "$root/$sub$src" ] || [ -f "$out/$sub$src" ] || rm -f "$gcno"
done < <(find "$out" -path '*/CMakeFiles/*.dir/*' -name '*.gcno')
run_lcov --capture --initial --directory "$out" --base-directory "$root" --output-file "$out/base.info"

echo "coverage: running the test suite"
suite=0
(cd "$out" && ctest --output-on-failure -j"$jobs") || suite=1

# Counters without notes (an object whose notes an older version of this script dropped, or one
# of the files dropped above) cannot be read: lcov would stop at them.
while IFS= read -r gcda; do
  [ -f "${gcda%.gcda}.gcno" ] || rm -f "$gcda"
done < <(find "$out" -name '*.gcda')
run_lcov --capture --directory "$out" --base-directory "$root" --output-file "$out/tests.info"
run_lcov --add-tracefile "$out/base.info" --add-tracefile "$out/tests.info" \
  --output-file "$out/all.info"
# The directories measured: lib/, cli/ and server/, whichever exist.
dirs=()
for d in lib cli server; do
  [ -d "$root/$d" ] && dirs+=("$root/$d/*")
done
run_lcov --extract "$out/all.info" "${dirs[@]}" --output-file "$out/coverage.info"

genhtml "${lcov_rc[@]}" --quiet --branch-coverage --legend --title "wristband" --prefix "$root" \
  --output-directory "$out/html" "$out/coverage.info"

echo
floors=0
/usr/bin/python3 tests/coverage/report.py "$out/coverage.info" tests/coverage/floors.txt "$root" || floors=1
echo "HTML report: ${out#"$root"/}/html/index.html"
[ "$suite" -eq 0 ] || echo "coverage: FAILED: some tests failed (see above); the figures are incomplete" >&2
[ "$suite" -eq 0 ] && [ "$floors" -eq 0 ]
