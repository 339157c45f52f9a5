#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/claims.sh - where `sign` takes its claims: CLAIMS_FILE, or stdin when it is omitted
# and stdin is not a terminal (the behaviour chosen for issue 9: help and behaviour agree); never
# stdin when it serves as KEY. --claim VALUE that starts like JSON must be JSON; --claim-string.
. "$(dirname "$0")/lib.sh"

"$W" keygen HS256 --kid h >"$T/h.jwk"
pl() { "$W" decode --json "$1" 2>/dev/null | json_get - "j['payload']$2"; }
names() { "$W" decode --json "$1" 2>/dev/null | json_get - "sorted(j['payload'])"; }

# stdin is read when CLAIMS_FILE is omitted and stdin is not a terminal
printf '{"x":1}\n' >"$T/x.json"
IN="$T/x.json" expect_ok "claims piped to sign" sign --key "$T/h.jwk" --now $NOW
check "the piped claims are in the token" test "$(pl "$OUT" '["x"]')" = 1
check "echo | sign (a real pipe)" test "$(pl "$(echo '{"x":2}' | "$W" sign --key "$T/h.jwk")" '["x"]')" = 2
IN=/dev/null expect_ok "empty stdin: no claims from it" sign --key "$T/h.jwk" --now $NOW
check "empty stdin: the default claims only" test "$(names "$OUT")" = "['exp', 'iat']"
printf ' \n\n' >"$T/blank"
IN="$T/blank" expect_ok "blank stdin: no claims from it" sign --key "$T/h.jwk" --now $NOW
printf '{"x":' >"$T/broken"
IN="$T/broken" expect_fail "broken JSON on stdin" 2 malformed sign --key "$T/h.jwk"
check "... the message names stdin" grep -q 'stdin' "$T/err"
IN="$T/x.json" expect_ok "CLAIMS_FILE given: stdin is not read" sign --key "$T/h.jwk" --now $NOW "$T/x.json"
IN="$T/h.jwk" expect_ok "--key -: stdin is the key, not claims" sign --key - --now $NOW
check "--key -: no claims from stdin" test "$(names "$OUT")" = "['exp', 'iat']"
IN="$T/broken" expect_fail "explicit - with broken JSON" 2 malformed sign --key "$T/h.jwk" -
IN=/dev/null expect_fail "explicit - with empty stdin" 2 malformed sign --key "$T/h.jwk" -
if script -qec true /dev/null >/dev/null 2>&1; then
  out=$(script -qec "'$W' sign --key '$T/h.jwk'; echo rc=\$?" /dev/null </dev/null 2>&1 | tr -d '\r')
  check "a terminal on stdin: signs without waiting" grep -q '^rc=0$' <<<"$out"
  check "a terminal on stdin: a token" grep -Eq '^ey[A-Za-z0-9_-]+\.' <<<"$out"
fi
"$W" sign --help >"$T/help"
check "--help says when stdin is read" grep -q 'stdin when it is not a terminal' "$T/help"

# --claim: JSON when it parses; what starts like JSON must parse; --claim-string forces a string
tok=$("$W" sign --key "$T/h.jwk" --claim n=1 --claim s=hello --claim 'o={"a":1}' --claim-string 'p={"x":1' --claim-string q=42 --claim 'r="quoted"')
check "--claim n=1 is a number" test "$(pl "$tok" '["n"]')" = 1
check "--claim s=hello is a string" test "$(pl "$tok" '["s"]')" = hello
check "--claim o={...} is an object" test "$(pl "$tok" '["o"]')" = "{'a': 1}"
check "--claim-string keeps broken JSON as text" test "$(pl "$tok" '["p"]')" = '{"x":1'
check "--claim-string q=42 is a string" test "$(pl "$tok" '["q"].__class__.__name__')" = str
check "--claim r=\"quoted\" is a JSON string" test "$(pl "$tok" '["r"]')" = quoted
for v in '{"x":1' '[1,' '"open' '{"a":1,"a":2}' '[1]]'; do
  expect_fail "--claim a=$v (starts like JSON, is not)" 2 usage sign --key "$T/h.jwk" --claim "a=$v"
  check "--claim a=$v: the message suggests --claim-string" grep -q -- '--claim-string' "$T/err"
done
tok=$("$W" sign --key "$T/h.jwk" --claim a=1 --claim-string a=2)
check "the later of --claim and --claim-string wins" test "$(pl "$tok" '["a"]')" = 2
expect_fail "--claim-string without =" 2 usage sign --key "$T/h.jwk" --claim-string novalue

# registered claims of a type no verifier accepts are refused, from every source (RFC 7519 4.1)
expect_fail "--claim exp=soon" 2 invalid_arg sign --key "$T/h.jwk" --claim exp=soon
check "... the message names exp and NumericDate" grep -q '"exp" must be a number (NumericDate)' "$T/err"
expect_fail "--claim iss=7" 2 invalid_arg sign --key "$T/h.jwk" --claim iss=7
expect_fail "--claim 'aud=[1]'" 2 invalid_arg sign --key "$T/h.jwk" --claim 'aud=[1]'
expect_fail "--claim-string iat=5" 2 invalid_arg sign --key "$T/h.jwk" --claim-string iat=5
printf '{"nbf":"later"}' >"$T/badtype.json"
expect_fail "CLAIMS_FILE with nbf a string" 2 invalid_arg sign --key "$T/h.jwk" "$T/badtype.json"

summary
