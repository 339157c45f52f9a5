#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/lint/banned.sh - lib/ never prints, aborts or exits, and avoids the unbounded string
# functions curl bans (STYLE.md section 4). A library must report, not act.
set -u
root=${1:?usage: banned.sh SOURCE_DIR}
pattern='\b(printf|fprintf|puts|putchar|perror|abort|exit|_exit|sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atof|strtok)\s*\('
hits=$(grep -nE "$pattern" "$root"/lib/*.c "$root"/lib/*.h | grep -vE '^\S+:\s*(/\*|\*)' )
passed=0 failed=0
if [ -n "$hits" ]; then
  echo "banned calls in lib/:"
  echo "$hits"
  failed=1
else
  passed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
