#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/output.sh - `decode` and `verify` print the token's own bytes: numbers as written
# (19.99, 1E3, integers beyond 64 bits), only whitespace moved (compact in a pipe, re-indented on a
# terminal), colour on a terminal only (never with NO_COLOR), the decoded view of a token whose
# signature segment is corrupt or missing (with a warning), and the "Bearer " prefix dropped with a
# note. Terminal output is produced under script(1).
. "$(dirname "$0")/lib.sh"
FORGE="$PY $(dirname "$0")/forge.py"
command -v script >/dev/null || { bad "script(1) is needed to test terminal output"; summary; exit; }

"$W" keygen HS256 --kid h >"$T/h.jwk"
EXP=$((NOW + 600))
HDR='{"alg":"HS256", "kid":"h"}'
PAY="{\"exp\":$EXP, \"price\":19.99,\"n\":1E3,\"big\":18446744073709551615,\"neg\":-0.0,\"s\":\"a  b\",\"o\":{ \"e\":[ ],\"f\":{}}}"
COMPACT_PAY="{\"exp\":$EXP,\"price\":19.99,\"n\":1E3,\"big\":18446744073709551615,\"neg\":-0.0,\"s\":\"a  b\",\"o\":{\"e\":[],\"f\":{}}}"
tok=$($FORGE hmac "$T/h.jwk" HS256 "$HDR" "$PAY")

# tty ARGS...: runs wristband under script(1) (a terminal); output without CRs in $T/tty
tty() {
  local cmd="'$W'" a
  for a in "$@"; do cmd+=" '$a'"; done
  script -qec "$cmd" /dev/null </dev/null 2>&1 | tr -d '\r' >"$T/tty"
}

# ---- a pipe: compact, the token's own bytes
expect_ok "decode in a pipe" decode "$tok"
check "decode: numbers as written, whitespace outside strings dropped" test "$OUT" = "{\"header\":{\"alg\":\"HS256\",\"kid\":\"h\"},\"payload\":$COMPACT_PAY}"
check "decode in a pipe: no colour" bash -c '! grep -q $'"'"'\e'"'"' "$0"' "$T/out"
expect_ok "verify in a pipe" verify --key "$T/h.jwk" --now $NOW "$tok"
check "verify: the claims as written" test "$OUT" = "$COMPACT_PAY"

# ---- a terminal: re-indented, numbers still as written, colour unless NO_COLOR
tty decode "$tok"
check "tty decode: 19.99 as written" grep -q '^  "price": 19.99,$' "$T/tty"
check "tty decode: 1E3 as written" grep -q '^  "n": 1E3,$' "$T/tty"
check "tty decode: 2^64-1 as written" grep -q '^  "big": 18446744073709551615,$' "$T/tty"
check "tty decode: -0.0 as written" grep -q '^  "neg": -0.0,$' "$T/tty"
check "tty decode: whitespace inside strings kept" grep -q '^  "s": "a  b",$' "$T/tty"
check "tty decode: nested and empty containers" grep -q '^    "e": \[\],$' "$T/tty"
check "tty decode: header re-indented" grep -q '"alg": "HS256",$' "$T/tty"
check "tty decode: colour" grep -q $'\e\\[' "$T/tty"
check "tty decode: the exp line" grep -Eq '^exp: [0-9]{4}-' "$T/tty"
NO_COLOR=1 tty decode "$tok"
check "NO_COLOR: no colour" bash -c '! grep -q $'"'"'\e'"'"' "$0"' "$T/tty"
check "NO_COLOR: same text" grep -q '^  "n": 1E3,$' "$T/tty"
tty verify --key "$T/h.jwk" --now $NOW "$tok"
check "tty verify: pretty claims" grep -q '^  "price": 19.99,$' "$T/tty"
check "tty verify: 2^64-1 as written" grep -q '^  "big": 18446744073709551615,$' "$T/tty"
check "tty verify: colour" grep -q $'\e\\[' "$T/tty"
# C1 control characters (a terminal may act on them) are shown escaped on a terminal only
c1=$($FORGE hmac "$T/h.jwk" HS256 "$HDR" "{\"exp\":$EXP,\"x\":\"a$(printf '\302\233')31mb\"}")
tty decode "$c1"
check "tty: a C1 control in a string is shown escaped" grep -q '"x": "a\\u009b31mb"' "$T/tty"
expect_ok "pipe: the C1 byte stays as it is" decode "$c1"
check "pipe: raw bytes" grep -q "$(printf 'a\302\23331mb')" "$T/out"

# the terminal's date lines read the members' text (escaped names too), never print a number back
odd=$($FORGE hmac "$T/h.jwk" HS256 "$HDR" '{"\u0065xp":1E3,"nbf":"soon","iat":-5,"n\ttab":1,"x":{"exp":7}}')
tty decode "$odd"
check "tty: an escaped name is still exp; 1E3 is a date" grep -q '^exp: 1970-01-01T00:16:40Z, expired' "$T/tty"
check "tty: a string nbf is not a date" grep -q '^nbf: not a NumericDate' "$T/tty"
check "tty: a negative iat is not a date" grep -q '^iat: not a NumericDate' "$T/tty"
check "tty: the number itself as written" grep -q '"\\u0065xp": 1E3,' "$T/tty"
big=$($FORGE hmac "$T/h.jwk" HS256 "$HDR" '{"exp":1e400,"nbf":123456789012345678901234567890123456789012345678901234567890123456789,"iat":[1]}')
tty decode "$big"
check "tty: exp 1e400 is not a date" grep -q '^exp: not a NumericDate' "$T/tty"
check "tty: a 69-digit nbf is not a date" grep -q '^nbf: not a NumericDate' "$T/tty"
check "tty: a 69-digit nbf printed as written" grep -q '"nbf": 123456789012345678901234567890123456789012345678901234567890123456789,' "$T/tty"

# ---- a corrupt or missing signature: header and payload shown, with a warning
h64=${tok%%.*}
rest=${tok#*.}
p64=${rest%%.*}
for case in "truncated:$h64.$p64.A" "padded:$tok=" "bad characters:$h64.$p64.#!" "missing:$h64.$p64" "empty:$h64.$p64."; do
  name=${case%%:*}
  t=${case#*:}
  expect_ok "decode, $name signature" decode "$t"
  check "decode, $name signature: header and payload" test "$OUT" = "{\"header\":{\"alg\":\"HS256\",\"kid\":\"h\"},\"payload\":$COMPACT_PAY}"
  check "decode, $name signature: a warning names the signature" grep -q '^wristband: warning: .*signature' "$T/err"
  check "decode, $name signature: still says NOT verified" grep -q 'NOT verified' "$T/err"
  expect_fail "verify, $name signature" 1 '(malformed|bad_signature)' verify --key "$T/h.jwk" --now $NOW "$t"
done
tty decode "$h64.$p64.A"
check "tty: the corrupt-signature view" grep -q '^  "price": 19.99,$' "$T/tty"
# header or payload that is not base64url JSON still fails, whatever the signature
expect_fail "decode: bad header, bad signature" 1 malformed decode "!$h64.$p64.A"
expect_fail "decode: header not JSON, no signature" 1 malformed decode "$($FORGE raw 'nope' '{}' x | cut -d. -f1-2)"
expect_fail "decode: payload not base64url, no signature" 1 malformed decode "$h64.$p64="

# ---- "Bearer " prefix (an Authorization header pasted whole)
expect_ok "decode 'Bearer TOKEN'" decode "Bearer $tok"
check "Bearer: same output" test "$OUT" = "{\"header\":{\"alg\":\"HS256\",\"kid\":\"h\"},\"payload\":$COMPACT_PAY}"
check "Bearer: a note says it was dropped" grep -q '^wristband: note: .*Bearer' "$T/err"
expect_ok "decode 'bearer TOKEN' (scheme is case-insensitive)" decode "bearer $tok"
printf 'Bearer %s\n' "$tok" >"$T/bearer"
IN="$T/bearer" expect_ok "decode - with Bearer on stdin" decode -
expect_ok "verify 'Bearer TOKEN'" verify --key "$T/h.jwk" --now $NOW "Bearer $tok"
check "verify Bearer: claims" test "$OUT" = "$COMPACT_PAY"

summary
