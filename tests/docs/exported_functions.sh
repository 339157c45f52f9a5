#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/docs/exported_functions.sh SRCDIR - prints the public functions, one name per line, sorted:
# every function declared with WB_EXPORT in include/wristband/*.h. The one list that the docs test
# (api_doc_test.sh) checks against docs/api.md and the contract test generator
# (tests/contract/gen_contract.py) checks its own parse against, so neither can miss a function.
# Declarations start with "WB_EXPORT" (the #define line does not); the name is the first wb_
# identifier directly followed by "(" on that line.
set -u
src=${1:-$(dirname "$0")/../..}
grep -h '^[[:space:]]*WB_EXPORT[[:space:]]' "$src"/include/wristband/*.h |
  sed -nE 's/^[^(]*[^a-z0-9_](wb_[a-z0-9_]+)[[:space:]]*\(.*/\1/p' | sort -u
