#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/coverage/tools_test.sh SOURCE_DIR - the two checks of `make coverage` can fail:
#   report.py (the floor check) on small lcov tracefiles: a directory at its floor passes, one
#   below it fails and is named, code without a floor fails, a floor without code is "no code yet",
#   a branch never evaluated ("-") counts as not taken, a malformed floors file is refused;
#   markers.py (the exclusion markers) on small source trees: a named, documented marker passes;
#   unnamed, unknown or unpaired markers, other LCOV_EXCL_ words and unused entries fail.
set -u
src=${1:?usage: tools_test.sh SOURCE_DIR}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/      /'
}
# expect RC PATTERN NAME COMMAND...: COMMAND exits RC and its output matches PATTERN (grep -E).
expect() {
  local rc=$1 pattern=$2 name=$3 out got
  shift 3
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" -eq "$rc" ] && grep -Eq -- "$pattern" <<<"$out"; then ok; else bad "$name (exit $got, want $rc)" "$out"; fi
}

# --- report.py ------------------------------------------------------------------------------------
mkdir -p "$tmp/r/lib" "$tmp/r/cli"
# lib/a.c: 4 lines, 3 hit (75%); 4 branches, 2 taken (50%), one never evaluated.
cat >"$tmp/r/lib.info" <<INFO
SF:$tmp/r/lib/a.c
DA:1,1
DA:2,5
DA:3,0
DA:4,2
BRDA:2,0,0,3
BRDA:2,0,1,2
BRDA:4,0,0,0
BRDA:4,0,1,-
end_of_record
INFO
floors() { printf '%s\n' "# dir lf bf lt bt" "$@" >"$tmp/r/floors.txt"; }
report() { $PY "$src/tests/coverage/report.py" "$1" "$tmp/r/floors.txt" "$tmp/r"; }
floors "lib 75 50 98 95" "server 95 90 95 90"
expect 0 'lib/ +75\.0% +3/4 +50\.0% +2/4 +75/50 +98/95 +ok' "at the floor: passes, figures per directory" report "$tmp/r/lib.info"
expect 0 'lib/a\.c +75\.0% +3/4 +50\.0% +2/4' "per-file line" report "$tmp/r/lib.info"
expect 0 'server/ +\(no code yet\) +95/90 +95/90' "a floor without code is 'no code yet'" report "$tmp/r/lib.info"
floors "lib 76 50 98 95"
expect 1 'lib/: lines 75\.0% < floor 76%' "lines below the floor fail" report "$tmp/r/lib.info"
floors "lib 75 51 98 95"
expect 1 'lib/: branches 50\.0% < floor 51%' "branches below the floor fail" report "$tmp/r/lib.info"
# a second record for the same file (another test binary) is merged, not double counted
{ cat "$tmp/r/lib.info"; sed 's/^DA:3,0$/DA:3,1/; s/^BRDA:4,0,1,-$/BRDA:4,0,1,1/' "$tmp/r/lib.info"; } >"$tmp/r/two.info"
floors "lib 100 75 98 95"
expect 0 'lib/ +100\.0% +4/4 +75\.0% +3/4' "records of one file are merged" report "$tmp/r/two.info"
{ cat "$tmp/r/lib.info"; printf 'SF:%s\nDA:1,1\nend_of_record\n' "$tmp/r/cli/b.c"; } >"$tmp/r/cli.info"
floors "lib 75 50 98 95"
expect 1 'cli/ has code but no line in' "code without a floor fails" report "$tmp/r/cli.info"
floors "lib 75 50"
expect 2 'want .dir lines-floor' "a malformed floors file is refused" report "$tmp/r/lib.info"

# --- markers.py -----------------------------------------------------------------------------------
# tree C_SOURCE [DOC_ENTRY...]: a tree with lib/x.c and docs/coverage.md listing the entries.
tree() {
  rm -rf "$tmp/m" && mkdir -p "$tmp/m/lib" "$tmp/m/docs"
  printf '%s\n' "$1" >"$tmp/m/lib/x.c"
  shift
  { printf '# Test coverage\n\n## Exclusions\n\n'; for e in "$@"; do printf -- '- `%s`: why\n' "$e"; done; printf '\n## Other\n\n- `cov-elsewhere`: not an entry\n'; } \
    >"$tmp/m/docs/coverage.md"
}
markers() { $PY "$src/tests/coverage/markers.py" "$tmp/m"; }
tree 'int x; /* LCOV_EXCL_LINE: cov-a */' cov-a
expect 0 '1 marker\(s\), 1 documented exclusion\(s\), 0 problem' "a named, documented marker passes" markers
tree 'int x;'
expect 0 '0 marker\(s\), 0 documented' "no markers, no entries: passes" markers
tree 'int x; /* LCOV_EXCL_LINE */' cov-a
expect 1 'lib/x\.c:1: LCOV_EXCL_LINE must be written' "an unnamed marker fails" markers
tree 'int x; /* LCOV_EXCL_BR_LINE: cov-b */' cov-a
expect 1 'lib/x\.c:1: cov-b is not listed' "an undocumented name fails" markers
tree 'int x; /* LCOV_EXCL_LINE: cov-elsewhere */' cov-a
expect 1 'cov-elsewhere is not listed' "a name outside the Exclusions section fails" markers
tree 'int x; /* LCOV_EXCL_LINE: cov-a */' cov-a cov-unused
expect 1 'cov-unused is listed but no marker names it' "an unused entry fails" markers
tree 'int x; /* LCOV_EXCL_EXCEPTION_BR_LINE: cov-a */' cov-a
expect 1 'LCOV_EXCL_EXCEPTION_BR_LINE must be written' "another LCOV_EXCL_ word fails" markers
tree '/* LCOV_EXCL_START: cov-a */
int x;' cov-a
expect 1 'LCOV_EXCL_START: cov-a is never stopped' "an unstopped block fails" markers
tree '/* LCOV_EXCL_START: cov-a */
int x;
/* LCOV_EXCL_STOP: cov-b */' cov-a cov-b
expect 1 'closes the block cov-a' "a STOP naming another entry fails" markers
tree 'int x;
/* LCOV_EXCL_BR_STOP: cov-a */' cov-a
expect 1 'LCOV_EXCL_BR_STOP without a START' "a STOP without START fails" markers
tree '/* LCOV_EXCL_BR_START: cov-a */
int x; /* LCOV_EXCL_LINE: cov-b */
/* LCOV_EXCL_BR_STOP: cov-a */' cov-a cov-b
expect 0 '3 marker\(s\), 2 documented exclusion\(s\), 0 problem' "a block with a line marker inside passes" markers
tree 'int x;' cov-a
mkdir -p "$tmp/m/tests" && echo 'int y; // LCOV_EXCL_LINE' >"$tmp/m/tests/t.h"
expect 1 'tests/t\.h:1: LCOV_EXCL_LINE must be written' "markers outside lib/ are checked too" markers

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
