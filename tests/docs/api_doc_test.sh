#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/docs/api_doc_test.sh SRCDIR - checks docs/api.md against the public API.
#   1. every function declared with WB_EXPORT in include/wristband/*.h has a "### name" entry;
#   2. every "### wb_*" entry in docs/api.md names an exported function;
#   3. every reason word in lib/err.c's status_names table appears in docs/api.md as `word`.
# Prints one line per failure, then "N passed, N failed"; exits 1 when anything failed.
set -u
src=${1:-$(dirname "$0")/../..}
doc=$src/docs/api.md
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if [ ! -f "$doc" ]; then
  echo "FAIL: $doc does not exist"
  echo "0 passed, 1 failed"
  exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Exported functions: the list exported_functions.sh extracts (the contract test uses it too).
sh "$(dirname "$0")/exported_functions.sh" "$src" >"$tmp/exported"
nexp=$(wc -l <"$tmp/exported")
decls=$(grep -hc '^[[:space:]]*WB_EXPORT[[:space:]]' "$src"/include/wristband/*.h | awk '{s += $1} END {print s + 0}')
if [ "$nexp" -eq 0 ] || [ "$nexp" -ne "$decls" ]; then
  bad "found $nexp function names in $decls WB_EXPORT declarations (parser out of date?)"
else
  ok
fi

# Documented functions: "### wb_name" headings.
sed -nE 's/^### (wb_[a-z0-9_]+)[[:space:]]*$/\1/p' "$doc" | sort >"$tmp/documented_all"
sort -u "$tmp/documented_all" >"$tmp/documented"
uniq -d "$tmp/documented_all" >"$tmp/dups"

while read -r name; do
  if grep -qx "$name" "$tmp/documented"; then ok; else bad "$name is exported but has no '### $name' entry in docs/api.md"; fi
done <"$tmp/exported"

while read -r name; do
  if grep -qx "$name" "$tmp/exported"; then ok; else bad "docs/api.md documents $name, which no header exports"; fi
done <"$tmp/documented"

while read -r name; do
  bad "docs/api.md has more than one '### $name' entry"
done <"$tmp/dups"

# Status reason words: the table in lib/err.c, lines like  [WB_ERR_X] = "word",
sed -nE 's/^[[:space:]]*\[WB_[A-Z_]+\][[:space:]]*=[[:space:]]*"([a-z_]+)".*/\1/p' "$src/lib/err.c" >"$tmp/words"
nwords=$(wc -l <"$tmp/words")
nstatus=$(sed -n '/typedef enum {/,/} wb_status;/p' "$src/include/wristband/common.h" |
  grep -cE '^[[:space:]]*WB_(OK|ERR_[A-Z_]+)[[:space:]]*=')
if [ "$nwords" -eq 0 ] || [ "$nwords" -ne "$nstatus" ]; then
  bad "lib/err.c names $nwords statuses, common.h declares $nstatus"
else
  ok
fi
while read -r word; do
  if grep -qF "\`$word\`" "$doc"; then ok; else bad "status reason word '$word' (lib/err.c) is not in docs/api.md"; fi
done <"$tmp/words"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
