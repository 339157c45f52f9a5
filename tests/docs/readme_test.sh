#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/docs/readme_test.sh SRCDIR - keeps the README true:
#   1. its example program (the ```c block after "A complete program") is tests/install/example.c
#      without the file's header comment, which the install test compiles and runs;
#   2. every status reason word of lib/err.c is listed in the README's "Errors" paragraph;
#   3. it names the two commands (make test, make bench).
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
src=${1:-$(dirname "$0")/../..}
readme=$src/README.md
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

awk '/^A complete program/ {want = 1} want && /^```c$/ {inside = 1; next} inside && /^```$/ {exit} inside {print}' \
  "$readme" >"$tmp/readme.c"
# example.c minus its opening comment block (up to the first line that ends it)
awk 'done {print; next} /^ \*\/$/ {done = 1; next}' "$src/tests/install/example.c" >"$tmp/example.c"
if [ -s "$tmp/readme.c" ] && cmp -s "$tmp/readme.c" "$tmp/example.c"; then
  ok
else
  bad "the README example differs from tests/install/example.c:"
  diff "$tmp/readme.c" "$tmp/example.c" | head -20
fi

for word in $(sed -n 's/^ *\[WB_[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' "$src/lib/err.c"); do
  [ "$word" = ok ] && continue
  if grep -q "$word" "$readme"; then ok; else bad "reason word $word missing from README.md"; fi
done

for cmd in "make test" "make bench"; do
  if grep -q "$cmd" "$readme"; then ok; else bad "README.md does not name '$cmd'"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
