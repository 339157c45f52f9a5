#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/decode.sh - `wristband decode`: exact --json / non-terminal output, the pretty terminal
# output with UTC dates and relative times (run under script(1) for a terminal), the NOT-verified
# warning on success, and exactly one error line (exit 1) for malformed tokens.
. "$(dirname "$0")/lib.sh"
FORGE="$PY $(dirname "$0")/forge.py"

"$W" keygen HS256 --kid h >"$T/h.jwk"
now=$(date +%s)
tok=$("$W" sign --key "$T/h.jwk" --now $((now - 3 * 86400 - 100)) --exp 1s --iss me --claim 'o={"a":[1,2]}')

expect_ok "decode TOKEN" decode "$tok"
check "non-terminal output is exactly {header,payload}" $PY -c '
import json, sys
text = open(sys.argv[1]).read()
assert text.endswith("}\n") and text.count("\n") == 1, text
j = json.loads(text)
assert list(j) == ["header", "payload"], j
assert j["header"] == {"alg": "HS256", "typ": "JWT", "kid": "h"}, j
assert j["payload"]["iss"] == "me" and j["payload"]["o"] == {"a": [1, 2]}, j
assert text.startswith("{\"header\":{"), text
assert ",\"payload\":{" in text, text' "$T/out"
check "warning that the token was NOT verified" grep -Eq '^wristband: warning: .*NOT verified' "$T/err"
check "the warning is one line" test "$(wc -l <"$T/err")" = 1
cp "$T/out" "$T/plain"
expect_ok "decode --json" decode --json "$tok"
check "--json gives the same output" cmp -s "$T/out" "$T/plain"
printf '%s\n' "$tok" >"$T/tok"
IN="$T/tok" expect_ok "decode - (stdin, trailing newline)" decode -
check "stdin gives the same output" cmp -s "$T/out" "$T/plain"
IN="$T/tok" expect_ok "decode (TOKEN omitted)" decode
check "omitted TOKEN reads stdin" cmp -s "$T/out" "$T/plain"
expired=$("$W" sign --key "$T/h.jwk" --now 1000 --exp 1s)
expect_ok "decode does not verify: an expired token decodes" decode "$expired"
expect_ok "decode does not verify: a bad signature decodes" decode "${tok%.*}.AAAA"

# a terminal: pretty JSON, UTC dates and relative phrases
if script -qec true /dev/null >/dev/null 2>&1; then
  script -qec "'$W' decode '$tok'" /dev/null >"$T/tty" 2>&1
  tr -d '\r' <"$T/tty" >"$T/tty.txt"
  check "tty: pretty header" grep -q '^  "alg": "HS256",' "$T/tty.txt"
  check "tty: pretty nested payload" grep -q '^    "a": \[' "$T/tty.txt"
  check "tty: exp as a UTC date, expired days ago" grep -Eq '^exp: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z, expired 3 days ago$' "$T/tty.txt"
  check "tty: iat as a UTC date, days ago" grep -Eq '^iat: [0-9-]{10}T[0-9:]{8}Z, issued 3 days ago$' "$T/tty.txt"
  want=$(date -u -d @$((now - 3 * 86400 - 99)) +%Y-%m-%dT%H:%M:%SZ)
  check "tty: the exp date is right" grep -q "^exp: $want," "$T/tty.txt"
  check "tty: warning shown" grep -q 'NOT verified' "$T/tty.txt"
  future=$("$W" sign --key "$T/h.jwk" --now "$now" --exp 2h --nbf 30m)
  script -qec "'$W' decode '$future'" /dev/null 2>&1 | tr -d '\r' >"$T/tty2.txt"
  check "tty: exp in the future" grep -Eq '^exp: .*Z, expires in (1 hour|2 hours)$' "$T/tty2.txt"
  check "tty: nbf in the future" grep -Eq '^nbf: .*Z, not valid yet, valid in (29|30) minutes$' "$T/tty2.txt"
  script -qec "'$W' decode --json '$tok'" /dev/null 2>/dev/null | tr -d '\r' | grep -v NOT >"$T/tty3.txt"
  check "tty with --json: the exact JSON" cmp -s "$T/tty3.txt" "$T/plain"
  # the time lines find members by their JSON name, escapes and blanks included, and only those
  odd=$($FORGE raw '{"alg":"HS256"}' ' { "expire" : 5 , "e\u0078p" : 1700000000,"i\nat":1,"iat":"soon",
    "nbf":123456789012345678901234567890123456789012345678901234567890123456789,"e":{ },"l":[ ],"s":"q\"x"}' AAAA)
  script -qec "'$W' decode '$odd'" /dev/null 2>&1 | tr -d '\r' >"$T/tty4.txt"
  check "tty: exp spelled with an escape" grep -q '^exp: 2023-11-14T22:13:20Z, expired ' "$T/tty4.txt"
  check "tty: iat that is a string" grep -q '^iat: not a NumericDate between 1970 and 9999$' "$T/tty4.txt"
  check "tty: nbf of 69 digits" grep -q '^nbf: not a NumericDate between 1970 and 9999$' "$T/tty4.txt"
  check "tty: empty object and array on one line" grep -q '^  "e": {},$' "$T/tty4.txt"
  check "tty: ... and the array" grep -q '^  "l": \[\],$' "$T/tty4.txt"
  check "tty: an escaped quote kept" grep -q '^  "s": "q\\"x"$' "$T/tty4.txt"
else
  bad "script(1) is needed to test terminal output"
fi

# malformed tokens: exit 1, exactly one line (no warning), stdout empty
expect_fail "decode empty" 1 malformed decode ""
IN=/dev/null expect_fail "decode empty stdin" 1 malformed decode -
expect_fail "decode garbage" 1 malformed decode 'not a token'
expect_fail "decode one segment" 1 malformed decode abcdef
expect_fail "decode bad base64" 1 malformed decode "!$tok"
expect_fail "decode padded" 1 malformed decode "${tok%%.*}=.${tok#*.}"
expect_fail "decode header not JSON" 1 malformed decode "$($FORGE raw 'nope' '{}' AAAA)"
expect_fail "decode duplicate members" 1 malformed decode "$($FORGE raw '{"alg":"HS256","alg":"none"}' '{}' AAAA)"
head -c 500 /dev/urandom >"$T/bin"
IN="$T/bin" expect_fail "decode binary" 1 malformed decode -
expect_fail "decode oversize" 1 too_large decode "$(head -c 70000 /dev/zero | tr '\0' a)"
expect_fail "decode two tokens" 2 usage decode "$tok" "$tok"

summary
