# SPDX-License-Identifier: MIT
# tests/cli/lib.sh - helpers shared by the CLI test scripts (sourced, not run).
#
# Each script is run by CTest as `bash SCRIPT PATH_TO_WRISTBAND` (or with $WRISTBAND set), prints
# "FAIL: ..." for each failed check, ends with the summary line "N passed, N failed" and exits
# non-zero when anything failed. The contract under test is issue 3 (docs/wristband.1).

W=${1:-${WRISTBAND:-}}
if [ -z "$W" ] || [ ! -x "$W" ]; then
  echo "usage: $0 PATH_TO_WRISTBAND (or set WRISTBAND)" >&2
  exit 2
fi
W=$(realpath "$W") # absolute: some checks run from another directory
# Debian's python3-jwcrypto and python3-jwt are installed for this interpreter only.
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
NOW=1700000000
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*" >&2
}

# run ARGS...: runs wristband with stdin from $IN (default /dev/null); sets RC, OUT and ERR.
run() {
  "$W" "$@" >"$T/out" 2>"$T/err" <"${IN:-/dev/null}"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}

# check NAME COMMAND...: one check that COMMAND succeeds.
check() {
  local name=$1
  shift
  if "$@"; then ok; else bad "$name"; fi
}

# not_grep GREP_ARGS...: true when grep finds no match (for `check`, which takes a command).
not_grep() { ! grep -q "$@"; }

# expect_ok NAME ARGS...: exit 0 (stdout in $OUT).
expect_ok() {
  local name=$1
  shift
  run "$@"
  if [ "$RC" -eq 0 ]; then ok; else bad "$name: exit $RC, stderr: $ERR"; fi
}

# expect_fail NAME CODE REASON ARGS...: exit CODE, stdout empty, stderr exactly one line
# "wristband: REASON: <message>".
expect_fail() {
  local name=$1 code=$2 reason=$3
  shift 3
  run "$@"
  local lines
  lines=$(wc -l <"$T/err")
  if [ "$RC" -ne "$code" ]; then
    bad "$name: exit $RC, wanted $code (stderr: $ERR)"
  elif [ -s "$T/out" ]; then
    bad "$name: stdout not empty on failure: $OUT"
  elif [ "$lines" -ne 1 ] || ! grep -Eq "^wristband: $reason: .+" "$T/err"; then
    bad "$name: stderr is not one line 'wristband: $reason: ...': $ERR"
  else
    ok
  fi
}

# json_get FILE_OR_- EXPR: evaluates a Python expression over the JSON value `j`.
json_get() {
  # stderr dropped: a failed lookup is reported by the check that uses it
  $PY -c 'import json,sys; j=json.load(open(sys.argv[1]) if sys.argv[1] != "-" else sys.stdin); print(eval(sys.argv[2]))' "$@" 2>/dev/null
}

summary() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
