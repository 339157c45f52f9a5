#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/install/install_test.sh BUILD_DIR SOURCE_DIR - what a consumer of the installed library
# sees, in the two layouts that matter:
#   A. a custom prefix, following the README's "Installing" section word for word (each command
#      below is looked up in README.md and then run): `cmake --install build --prefix "$PREFIX"`,
#      the compiler finding the library through PKG_CONFIG_PATH, the loader through
#      LD_LIBRARY_PATH or an RPATH, a fully static program through `pkg-config --static`; plus the
#      README example built warning-free, only wb_* symbols exported, the SONAME, and
#      find_package(wristband);
#   B. a Debian package build: a second build tree configured with CMAKE_INSTALL_PREFIX=/usr and
#      CMAKE_INSTALL_LIBDIR=lib/<multiarch>, installed with DESTDIR: wristband.pc says /usr, and
#      pkg-config (PKG_CONFIG_SYSROOT_DIR) reports the staged include and lib folders, which a
#      consumer compiles, links and runs against (also through find_package).
# Prints one line per check and "N passed, N failed".
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wb-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "  ok   $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'; failed=$((failed + 1)); }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# readme COMMAND: COMMAND must appear as a line of README.md (an indented code line), word for
# word; then it runs (eval, output in $out). Returns the command's status.
readme() {
  if ! sed 's/^ *//' "$src/README.md" | grep -Fqx -- "$1"; then
    bad "README.md says: $1" "(this line is not in README.md: keep the README and this test in step)"
    return 1
  fi
  out=$(eval "$1" 2>&1)
}

# A consumer that does not find the library must not succeed by accident (a system-wide
# libwristband would make the loader checks below meaningless).
unset LD_LIBRARY_PATH PKG_CONFIG_SYSROOT_DIR
system_lib=$(ldconfig -p 2>/dev/null | grep -c 'libwristband\.so')

# --- A. custom prefix, the README's words -------------------------------------------------------
PREFIX=$work/prefix
mkdir -p "$work/a" && cd "$work/a" || exit 1
ln -s "$build" build
cp "$src/tests/install/example.c" app.c
if readme 'cmake --install build --prefix "$PREFIX"'; then
  ok "cmake --install build --prefix \"\$PREFIX\""
else
  bad "cmake --install build --prefix \"\$PREFIX\"" "$out"
  finish
fi
[ -f "$PREFIX/include/wristband/wristband.h" ] && ok "headers in include/wristband/" || bad "headers in include/wristband/"
[ -f "$PREFIX/lib/libwristband.so" ] && [ -f "$PREFIX/lib/libwristband.a" ] &&
  ok "libwristband.so and libwristband.a in \$PREFIX/lib" || bad "libwristband.so and .a in \$PREFIX/lib"
pcline=$(grep '^prefix=' "$PREFIX/lib/pkgconfig/wristband.pc" 2>/dev/null)
[ "$pcline" = "prefix=$PREFIX" ] && ok "wristband.pc says prefix=\$PREFIX" || bad "wristband.pc says prefix=\$PREFIX" "got: $pcline"

if readme 'export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"' && eval 'export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"'; then
  ok "export PKG_CONFIG_PATH=\"\$PREFIX/lib/pkgconfig\""
fi
if readme 'cc app.c $(pkg-config --cflags --libs wristband) -o app'; then
  ok "cc app.c \$(pkg-config --cflags --libs wristband) -o app"
  if [ "$system_lib" -eq 0 ]; then
    if out=$(./app 2>&1); then
      bad "without LD_LIBRARY_PATH or an RPATH the loader does not find the library" "$out"
    else
      ok "without LD_LIBRARY_PATH or an RPATH the loader does not find the library"
    fi
  fi
  if readme 'LD_LIBRARY_PATH="$PREFIX/lib" ./app'; then
    ok "LD_LIBRARY_PATH=\"\$PREFIX/lib\" ./app runs the example"
  else
    bad "LD_LIBRARY_PATH=\"\$PREFIX/lib\" ./app" "$out"
  fi
else
  bad "cc app.c \$(pkg-config --cflags --libs wristband) -o app" "$out"
fi
rm -f app
if readme 'cc app.c $(pkg-config --cflags --libs wristband) -Wl,-rpath,"$PREFIX/lib" -o app'; then
  ok "cc ... -Wl,-rpath,\"\$PREFIX/lib\" -o app"
  if readme './app'; then ok "./app runs through its RPATH"; else bad "./app runs through its RPATH" "$out"; fi
else
  bad "cc ... -Wl,-rpath,\"\$PREFIX/lib\" -o app" "$out"
fi
rm -f app
if readme 'cc -static app.c $(pkg-config --static --cflags --libs wristband) -o app'; then
  if ! readelf -d app 2>&1 | grep -q NEEDED; then
    ok "cc -static app.c \$(pkg-config --static --cflags --libs wristband) links a static program"
  else
    bad "the -static program has no dynamic dependencies" "$(readelf -d app)"
  fi
  if out=$(./app 2>&1); then ok "the static program runs"; else bad "the static program runs" "$out"; fi
else
  bad "cc -static app.c \$(pkg-config --static --cflags --libs wristband) -o app" "$(pkg-config --static --libs wristband 2>&1)
$out"
fi

if out=$(cc -std=c11 -Wall -Wextra -Wpedantic -Werror -c app.c $(pkg-config --cflags wristband) -o app.o 2>&1); then
  ok "the example is warning-free (-std=c11 -Wall -Wextra -Wpedantic -Werror)"
else
  bad "the example is warning-free" "$out"
fi

so=$PREFIX/lib/libwristband.so
if [ -f "$so" ]; then
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

# cmake_app NAME PREFIX_PATH LD_LIBRARY_PATH [TARGET]: a CMake project using find_package(wristband)
# and TARGET (wristband::wristband) builds and runs the example.
cmake_app() {
  mkdir -p "$work/$1" && cp "$src/tests/install/example.c" "$work/$1/app.c"
  cat >"$work/$1/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(app C)
find_package(wristband 0.1 REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE ${4:-wristband::wristband})
CMAKE
  cmake -S "$work/$1" -B "$work/$1/build" -DCMAKE_PREFIX_PATH="$2" 2>&1 && cmake --build "$work/$1/build" 2>&1 &&
    LD_LIBRARY_PATH=${3:-} "$work/$1/build/app" 2>&1
}
if out=$(cmake_app cmake-app "$PREFIX" ""); then
  ok "find_package(wristband) + wristband::wristband builds and runs the example"
else
  bad "find_package(wristband) + wristband::wristband" "$out"
fi
if out=$(cmake_app cmake-static "$PREFIX" "" wristband::wristband_static) &&
  ! readelf -d "$work/cmake-static/build/app" | grep -q 'libwristband'; then
  ok "find_package(wristband) + wristband::wristband_static links the library statically"
else
  bad "find_package(wristband) + wristband::wristband_static" "$out"
fi
unset PKG_CONFIG_PATH

# --- B. Debian multiarch layout, staged with DESTDIR ----------------------------------------------
arch=$(cc -print-multiarch 2>/dev/null)
[ -n "$arch" ] || arch=x86_64-linux-gnu
libdir=lib/$arch
root=$work/root
if out=$(cmake -S "$src" -B "$work/deb" -DCMAKE_BUILD_TYPE=Release -DWB_BUILD_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR="$libdir" 2>&1 &&
  cmake --build "$work/deb" -j2 2>&1 && DESTDIR=$root cmake --install "$work/deb" 2>&1); then
  ok "Debian layout: -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=$libdir, DESTDIR install"
else
  bad "Debian layout: configure, build, DESTDIR install" "$(printf '%s\n' "$out" | tail -20)"
  finish
fi
pc=$root/usr/$libdir/pkgconfig/wristband.pc
[ -f "$root/usr/$libdir/libwristband.so.0" ] && [ -f "$root/usr/$libdir/libwristband.a" ] &&
  [ -f "$root/usr/include/wristband/wristband.h" ] && [ -f "$pc" ] &&
  ok "staged files: usr/$libdir/{libwristband.so.0,libwristband.a,pkgconfig/wristband.pc}, usr/include/wristband/" ||
  bad "staged files under usr/$libdir and usr/include" "$(cd "$root" && find . -type f | sort)"
# The file itself names the final paths, never the staging folder.
want="prefix=/usr
libdir=\${prefix}/$libdir
includedir=\${prefix}/include"
got=$(grep -E '^(prefix|libdir|includedir)=' "$pc" 2>/dev/null)
[ "$got" = "$want" ] && ok "wristband.pc: prefix=/usr, libdir=\${prefix}/$libdir, includedir=\${prefix}/include" ||
  bad "wristband.pc paths" "got:
$got"
grep -q "$work" "$pc" 2>/dev/null && bad "wristband.pc does not mention the staging folder" "$(cat "$pc")"
# What pkg-config reports for the staged tree (sysroot = the DESTDIR).
export PKG_CONFIG_PATH="$root/usr/$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
inc=$(pkg-config --variable=includedir wristband 2>&1)
lib=$(pkg-config --variable=libdir wristband 2>&1)
[ "$inc" = "$root/usr/include" ] && ok "pkg-config: includedir = <sysroot>/usr/include" || bad "pkg-config includedir" "got: $inc"
[ "$lib" = "$root/usr/$libdir" ] && ok "pkg-config: libdir = <sysroot>/usr/$libdir" || bad "pkg-config libdir" "got: $lib"
flags=$(pkg-config --cflags --libs wristband 2>&1)
case " $flags " in
  *" -I$root/usr/include "*) case " $flags " in
    *" -L$root/usr/$libdir "*) ok "pkg-config --cflags --libs: -I<sysroot>/usr/include -L<sysroot>/usr/$libdir" ;;
    *) bad "pkg-config --libs names the staged libdir" "got: $flags" ;;
  esac ;;
  *) bad "pkg-config --cflags names the staged includedir" "got: $flags" ;;
esac
cd "$work" || exit 1
cp "$src/tests/install/example.c" deb-app.c
if out=$(cc deb-app.c $(pkg-config --cflags --libs wristband) -o deb-app 2>&1) &&
  out=$(LD_LIBRARY_PATH="$root/usr/$libdir" ./deb-app 2>&1); then
  ok "a consumer builds with those flags and runs"
else
  bad "a consumer builds with the staged flags and runs" "$out"
fi
if out=$(cc -static deb-app.c $(pkg-config --static --cflags --libs wristband) -o deb-app-static 2>&1) &&
  out=$(./deb-app-static 2>&1); then
  ok "a static consumer (pkg-config --static) builds and runs"
else
  bad "a static consumer (pkg-config --static) builds and runs" "$(pkg-config --static --libs wristband)
$out"
fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
if out=$(cmake_app deb-cmake-app "$root/usr" "$root/usr/$libdir"); then
  ok "find_package(wristband) finds usr/$libdir/cmake/wristband and the example runs"
else
  bad "find_package(wristband) in the Debian layout" "$out"
fi
finish
