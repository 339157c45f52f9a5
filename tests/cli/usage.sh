#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/usage.sh - the command line itself: usage errors, --help, --version, option parsing,
# DURATION and --now values, stdin conflicts, write errors. Every failure: exit 2, one line.
. "$(dirname "$0")/lib.sh"

expect_fail "no arguments" 2 usage
check "no arguments points at --help" grep -q "(see wristband --help)" "$T/err"
expect_fail "unknown command" 2 usage frobnicate
check "unknown command points at --help" grep -q "(see wristband --help)" "$T/err"
expect_ok "--help" --help
check "--help lists every command" bash -c 'for c in keygen pubkey thumbprint sign verify decode jwks; do grep -q "wristband $c" "$0" || exit 1; done' "$T/out"
check "--help prints nothing on stderr" test ! -s "$T/err"
expect_ok "-h" -h
expect_ok "help" help
expect_ok "--version" --version
check "--version names the version" grep -Eq '^wristband [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
for c in keygen pubkey thumbprint sign verify decode jwks; do
  expect_ok "$c --help" $c --help
  check "$c --help shows its synopsis" grep -q "^wristband $c" "$T/out"
  expect_ok "help $c" help $c
  expect_fail "$c unknown option" 2 usage $c --bogus
  check "$c usage error points at $c --help" grep -q "(see wristband $c --help)" "$T/err"
done

"$W" keygen HS256 >"$T/hs.jwk"
# option syntax
expect_fail "option missing its value" 2 usage sign --key
expect_fail "flag given a value" 2 usage sign --key "$T/hs.jwk" --jti=yes
expect_ok "--opt=value form" sign --key="$T/hs.jwk" --now=$NOW
expect_fail "option given twice" 2 usage sign --key "$T/hs.jwk" --iss a --iss b
expect_fail "two positional arguments" 2 usage pubkey "$T/hs.jwk" "$T/hs.jwk"
expect_fail "verify: --key and --jwks together" 2 usage verify --key "$T/hs.jwk" --jwks "$T/hs.jwk" x
expect_fail "verify: no key" 2 usage verify x.y.z
expect_fail "sign: no key" 2 usage sign
expect_fail "keygen: no ALG" 2 usage keygen
expect_ok "-- ends options" sign --now $NOW --key "$T/hs.jwk" --
# DURATION and UNIX values
# (a bare number is a UNIX time for --exp and seconds for --leeway; -5m is a TIME in the past:
# tests/cli/times.sh has those)
for d in 15x 1.5h m "" 99999999999999999999d 36501d; do
  expect_fail "DURATION '$d' refused" 2 usage sign --key "$T/hs.jwk" --exp "$d"
  expect_fail "verify --leeway '$d' refused" 2 usage verify --key "$T/hs.jwk" --leeway "$d" x
done
expect_fail "verify --leeway '-5m' refused" 2 usage verify --key "$T/hs.jwk" --leeway -5m x
for d in 30s 15m 2h 7d 0s 36500d; do
  expect_ok "DURATION $d" sign --key "$T/hs.jwk" --now $NOW --exp "$d"
done
for t in -1 abc 1e9 "" 253402300800 99999999999999999999999; do
  expect_fail "--now '$t' refused" 2 usage sign --key "$T/hs.jwk" --now "$t"
done
expect_fail "--max-age bad" 2 usage verify --key "$T/hs.jwk" --max-age 1y x
expect_fail "unknown --alg in verify" 2 usage verify --key "$T/hs.jwk" --alg HS999 x
expect_fail "--alg none in verify" 2 usage verify --key "$T/hs.jwk" --alg none x
expect_fail "--alg family name" 2 usage verify --key "$T/hs.jwk" --alg HS x
expect_fail "--alg lower case" 2 usage verify --key "$T/hs.jwk" --alg hs256 x
# stdin used twice
expect_fail "verify: stdin as KEY and TOKEN" 2 usage verify --key - -
expect_fail "verify: stdin as KEY and omitted TOKEN" 2 usage verify --key -
expect_fail "sign: stdin as KEY and CLAIMS_FILE" 2 usage sign --key - -
expect_fail "jwks: stdin twice" 2 usage jwks - -
# a full stdout is an io error, never a silent success
if [ -w /dev/full ]; then
  "$W" keygen HS256 >/dev/full 2>"$T/err"
  rc=$?
  check "write error: exit 2" test $rc -eq 2
  check "write error: one io line" grep -Eq '^wristband: io: ' "$T/err"
fi
# control characters in arguments never split the error line
expect_fail "newline in a file name stays on one line" 2 io pubkey "$T/no
such"

# an omitted input on an interactive terminal is a usage error, not a silent wait
if script -qec true /dev/null >/dev/null 2>&1; then
  for c in pubkey thumbprint decode jwks "verify --key $T/hs.jwk"; do
    out=$(script -qec "'$W' $c; echo rc=\$?" /dev/null </dev/null 2>&1 | tr -d '\r')
    check "$c on a terminal: usage error" grep -q '^wristband: usage: no .* given and stdin is a terminal' <<<"$out"
    check "$c on a terminal: exit 2" grep -q '^rc=2$' <<<"$out"
  done
fi

# the man page exists, has the contract's sections and names every option of every --help
MAN="$(dirname "$0")/../../docs/wristband.1"
check "docs/wristband.1 exists" test -f "$MAN"
for sec in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" EXAMPLES SECURITY; do
  check "man page section $sec" grep -q "^\.SH \"\?$sec" "$MAN"
done
for opt in $("$W" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  check "man page documents $opt" grep -qF -- "$(printf %s "$opt" | sed 's/-/\\-/g')" "$MAN"
done

summary
