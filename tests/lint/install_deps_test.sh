#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/lint/install_deps_test.sh SOURCE_DIR - scripts/install-deps.sh checks first, then installs:
# with every package present it prints nothing and never runs apt-get (nor does `make deps`); with
# some missing it runs apt-get update once and installs exactly those; --coverage adds lcov only
# when asked. dpkg-query, apt-get and sudo are stand-ins on PATH that log their calls (installing
# packages is not something a test may do); the stand-in dpkg-query answers like the real one.
set -u
src=${1:?usage: install_deps_test.sh SOURCE_DIR}
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

mkdir "$tmp/bin"
cat >"$tmp/bin/dpkg-query" <<'EOF'
#!/bin/sh
# dpkg-query -W -f=FORMAT PKG...: "PKG install ok installed" unless PKG is in $FAKE_MISSING.
echo "dpkg-query $*" >>"$FAKE_LOG.dpkg"
rc=0
for p in "$@"; do
  case $p in -*) continue ;; esac
  case " $FAKE_MISSING " in
    *" $p "*) echo "dpkg-query: no packages found matching $p" >&2; rc=1 ;;
    *) echo "$p install ok installed" ;;
  esac
done
exit $rc
EOF
printf '#!/bin/sh\necho "apt-get $*" >>"$FAKE_LOG"\n' >"$tmp/bin/apt-get"
printf '#!/bin/sh\necho "sudo $*" >>"$FAKE_LOG.sudo"\nexec "$@"\n' >"$tmp/bin/sudo"
chmod +x "$tmp/bin/"*

# deps MISSING ARGS...: runs install-deps.sh; sets RC, OUT (stdout+stderr) and APT (apt-get calls).
deps() {
  export FAKE_MISSING=$1 FAKE_LOG=$tmp/log
  shift
  rm -f "$FAKE_LOG"*
  OUT=$(PATH="$tmp/bin:$PATH" bash "$src/scripts/install-deps.sh" "$@" 2>&1)
  RC=$?
  APT=$(cat "$FAKE_LOG" 2>/dev/null)
}

deps ""
[ "$RC" -eq 0 ] && ok || bad "all installed: exit $RC"
[ -z "$OUT" ] && ok || bad "all installed: prints nothing" "$OUT"
[ -z "$APT" ] && ok || bad "all installed: apt-get never runs" "$APT"
[ "$(grep -c "^dpkg-query " "$tmp/log.dpkg")" -eq 1 ] && ok || bad "all installed: one dpkg-query call" "$(cat "$tmp/log.dpkg")"

deps "valgrind libssl-dev"
[ "$RC" -eq 0 ] && ok || bad "two missing: exit $RC" "$OUT"
want="apt-get update -qq
apt-get install -y -qq --no-install-recommends libssl-dev valgrind"
[ "$APT" = "$want" ] && ok || bad "two missing: apt-get update, then install exactly those two" "$APT"
grep -q "^install-deps: installing libssl-dev valgrind$" <<<"$OUT" && ok || bad "two missing: says what it installs" "$OUT"

deps "lcov"
[ -z "$APT" ] && ok || bad "lcov missing, not asked for: apt-get never runs" "$APT"
deps "lcov" --coverage
[ "$APT" = "apt-get update -qq
apt-get install -y -qq --no-install-recommends lcov" ] && ok || bad "--coverage: installs lcov" "$APT"
deps "" --coverage
[ -z "$APT$OUT" ] && ok || bad "--coverage, all installed: silent, no apt-get" "$APT$OUT"

deps "" --no-such-option
[ "$RC" -eq 2 ] && [ -z "$APT" ] && ok || bad "unknown option: exit 2 (got $RC), no apt-get" "$APT"

# The Makefile's deps step adds nothing to the silence of the no-op path.
export FAKE_MISSING="" FAKE_LOG=$tmp/log
rm -f "$FAKE_LOG"*
out=$(PATH="$tmp/bin:$PATH" make --no-print-directory -C "$src" deps 2>&1)
[ -z "$out" ] && [ ! -s "$FAKE_LOG" ] && ok || bad "make deps with everything installed prints nothing" "$out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
