#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/install/install_test.sh BUILD_DIR SOURCE_DIR - installs the build into a temporary prefix
# and checks what a consumer sees (issue 2, "Skeleton"):
#   1. the README example (tests/install/example.c) builds with exactly
#      `cc example.c $(pkg-config --cflags --libs wristband)` and runs;
#   2. it also builds warning-free with -std=c11 -Wall -Wextra -Wpedantic -Werror;
#   3. libwristband.so exports only wb_* symbols (nm -D --defined-only);
#   4. the shared library has the versioned SONAME libwristband.so.0;
#   5. a CMake project builds the example with find_package(wristband) and wristband::wristband.
# Prints one line per check and "N passed, N failed".
set -u
build=$1
src=$2
prefix=$(mktemp -d "${TMPDIR:-/tmp}/wb-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
passed=0
failed=0
ok() { echo "  ok   $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'; failed=$((failed + 1)); }

if ! out=$(cmake --install "$build" --prefix "$prefix" 2>&1); then
  bad "cmake --install" "$out"
  echo "$passed passed, $((failed)) failed"
  exit 1
fi
ok "cmake --install into $prefix"

pc=$(find "$prefix" -name wristband.pc | head -n 1)
so=$(find "$prefix" -name 'libwristband.so' | head -n 1)
[ -n "$pc" ] && ok "wristband.pc installed" || bad "wristband.pc installed"
[ -n "$so" ] && ok "libwristband.so installed" || bad "libwristband.so installed"
[ -f "$prefix/include/wristband/wristband.h" ] && ok "headers in include/wristband/" || bad "headers in include/wristband/"
export PKG_CONFIG_PATH="$(dirname "${pc:-$prefix/lib/pkgconfig/x}")"
export LD_LIBRARY_PATH="$(dirname "${so:-$prefix/lib/x}")"

cd "$prefix" || exit 1
cp "$src/tests/install/example.c" app.c
# Exactly the consumer's command line from the issue.
if out=$(cc app.c $(pkg-config --cflags --libs wristband) -o app 2>&1); then
  ok "cc app.c \$(pkg-config --cflags --libs wristband)"
  if out=$(./app 2>&1); then ok "the example runs"; else bad "the example runs" "$out"; fi
else
  bad "cc app.c \$(pkg-config --cflags --libs wristband)" "$(pkg-config --cflags --libs wristband 2>&1)
$out"
fi
if out=$(cc -std=c11 -Wall -Wextra -Wpedantic -Werror -c app.c $(pkg-config --cflags wristband) -o app.o 2>&1); then
  ok "the example is warning-free (-std=c11 -Wall -Wextra -Wpedantic -Werror)"
else
  bad "the example is warning-free" "$out"
fi

if [ -n "$so" ]; then
  others=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -v '^wb_')
  exported=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -c '^wb_')
  if [ -z "$others" ] && [ "$exported" -gt 0 ]; then
    ok "exports only wb_* symbols ($exported)"
  else
    bad "exports only wb_* symbols" "$others"
  fi
  soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
  [ "$soname" = "libwristband.so.0" ] && ok "SONAME $soname" || bad "SONAME libwristband.so.0" "got: $soname"
fi
mkdir -p "$prefix/cmake-app" && cp "$src/tests/install/example.c" "$prefix/cmake-app/app.c"
cat >"$prefix/cmake-app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(app C)
find_package(wristband 0.1 REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE wristband::wristband)
CMAKE
if out=$(cmake -S "$prefix/cmake-app" -B "$prefix/cmake-app/build" -DCMAKE_PREFIX_PATH="$prefix" 2>&1 &&
  cmake --build "$prefix/cmake-app/build" 2>&1) && out=$("$prefix/cmake-app/build/app" 2>&1); then
  ok "find_package(wristband) + wristband::wristband builds and runs the example"
else
  bad "find_package(wristband) + wristband::wristband" "$out"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
