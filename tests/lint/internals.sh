#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/lint/internals.sh - cli/ and server/ are clients of the public API (include/wristband/)
# only (DESIGN.md, issue 8): no lib/ header (internal.h, claims.h, ...), no include path into
# lib/, no wb__ symbol. Prints "N passed, N failed"; exits 1 when anything reaches inside.
set -u
root=${1:?usage: internals.sh SOURCE_DIR}
passed=0 failed=0
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}

mapfile -t sources < <(find "$root/cli" "$root/server" -name '*.[ch]' | sort)
if [ ${#sources[@]} -eq 0 ]; then
  bad "no sources found under $root/cli and $root/server"
fi

# 1. No wb__ (the library's internal prefix) anywhere in their code or comments.
hits=$(grep -n 'wb__' "${sources[@]}")
if [ -n "$hits" ]; then bad "wb__ used in cli/ or server/:"; echo "$hits"; else passed=$((passed + 1)); fi

# 2. No include of a lib/ header: by path, or by the name of a header that lives in lib/ (a
#    file of the same name beside the includer is its own header, not lib's).
for src in "${sources[@]}"; do
  dir=$(dirname "$src")
  while IFS= read -r inc; do
    name=${inc##*/}
    case "$inc" in
    wristband/*) continue ;;
    *lib/*) bad "$src includes $inc" ; continue ;;
    esac
    if [ -e "$root/lib/$name" ] && [ ! -e "$dir/$inc" ]; then
      bad "$src includes lib/$name"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src")
done
[ "$failed" -eq 0 ] && passed=$((passed + 1))

# 3. Their targets add no include directory into lib/.
for cm in "$root/cli/CMakeLists.txt" "$root/server/CMakeLists.txt"; do
  [ -e "$cm" ] || continue
  if grep -nE 'include_directories[^)]*(/lib\b|/lib[ )])' "$cm"; then
    bad "$cm adds lib/ to the include path"
  else
    passed=$((passed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
