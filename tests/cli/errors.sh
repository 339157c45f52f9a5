#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/errors.sh - errors that say what was expected: iss/sub/aud/typ mismatches name the
# expected value and the token's (truncated), key_not_found names the token's kid, a duplicate kid
# in `jwks` names both files, and key or token inputs of the wrong kind say what they looked like.
. "$(dirname "$0")/lib.sh"
FORGE="$PY $(dirname "$0")/forge.py"

"$W" keygen HS256 --kid h >"$T/h.jwk"
EXP=$((NOW + 600))
HDR='{"alg":"HS256","kid":"h"}'
c() { $FORGE hmac "$T/h.jwk" HS256 "${2:-$HDR}" "$1"; }
v() { expect_fail "$1" 1 "$2" verify --key "$T/h.jwk" --now $NOW "${@:3}"; }

v "iss mismatch" claim_mismatch --iss https://good.example "$(c "{\"exp\":$EXP,\"iss\":\"https://evil.example\"}")"
check "iss: names the token's value" grep -q '"https://evil.example"' "$T/err"
check "iss: names the expected value" grep -q 'expected "https://good.example"' "$T/err"
v "iss missing" missing_claim --iss https://good.example "$(c "{\"exp\":$EXP}")"
check "missing iss: names the expected value" grep -q 'expected "https://good.example"' "$T/err"
v "sub mismatch" claim_mismatch --sub alice "$(c "{\"exp\":$EXP,\"sub\":\"mallory\"}")"
check "sub: both values" grep -q '"mallory".*expected "alice"' "$T/err"
v "aud mismatch" claim_mismatch --aud billing --aud payroll "$(c "{\"exp\":$EXP,\"aud\":[\"api\",\"web\"]}")"
check "aud: the token's audiences" grep -q '\["api","web"\]' "$T/err"
check "aud: the expected ones" grep -q '"billing", "payroll"' "$T/err"
v "typ mismatch" claim_mismatch --typ at+jwt "$(c "{\"exp\":$EXP}" '{"alg":"HS256","kid":"h","typ":"JWT"}')"
check "typ: both values" grep -q '"JWT".*expected "at+jwt"' "$T/err"
v "typ missing" '(claim_mismatch|missing_claim)' --typ at+jwt "$(c "{\"exp\":$EXP}")"
check "missing typ: the expected value" grep -q 'expected "at+jwt"' "$T/err"
long=$(printf 'x%.0s' $(seq 400))
v "a long iss is truncated" claim_mismatch --iss "$long" "$(c "{\"exp\":$EXP,\"iss\":\"${long}y\"}")"
check "... the line stays short" test "$(wc -c <"$T/err")" -lt 300
check "... and says it was cut" grep -q '\.\.\.' "$T/err"
tok=$("$W" sign --key "$T/h.jwk" --now $NOW --kid other-key)
v "key_not_found names the token's kid" key_not_found "$tok"
check "... the kid" grep -q '"other-key"' "$T/err"

# jwks: a duplicate kid names both files
"$W" keygen ES256 --kid same >"$T/a.jwk"
"$W" keygen ES256 --kid same >"$T/b.jwk"
expect_fail "jwks duplicate kid" 2 bad_key jwks "$T/a.jwk" "$T/b.jwk"
check "... names the kid and both files" grep -q "\"same\".*b.jwk.*a.jwk\|\"same\".*a.jwk.*b.jwk" "$T/err"

# key files of the wrong kind say what they looked like and what was expected
expect_fail "--key /dev/null" 2 '[a-z_]+' verify --key /dev/null "$tok"
check "... says it is empty and what a KEY is" grep -q "empty.*JWK" "$T/err"
printf 'my-shared-secret-of-some-length!' >"$T/raw"
expect_fail "--key with a raw secret" 2 '[a-z_]+' sign --key "$T/raw"
check "... looks like a raw secret: use --secret-file" grep -q 'raw secret.*--secret-file' "$T/err"
printf '\200\201\202\203\204\205\206\207\210\211\212\213\214\215\216\217\377\376\375\374\373\372\371\370\367\366\365\364\363\362\361\360' >"$T/rawbin" # 32 bytes, never text
expect_fail "--key with raw binary bytes" 2 '[a-z_]+' verify --key "$T/rawbin" "$tok"
check "... not a DER key; a binary secret: --secret-file" grep -q 'DER.*--secret-file' "$T/err"
printf '%s\n' "$tok" >"$T/token.txt"
expect_fail "--key with a token file" 2 '[a-z_]+' verify --key "$T/token.txt" "$tok"
check "... looks like a token" grep -q 'looks like a JWT' "$T/err"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=x -out "$T/cert.pem" 2>/dev/null
expect_fail "--key with a certificate" 2 '[a-z_]+' verify --key "$T/cert.pem" "$tok"
check "... a certificate: extract the key" grep -q 'CERTIFICATE.*openssl x509 -pubkey' "$T/err"

# TOKEN inputs of the wrong kind
expect_fail "TOKEN that names a file" 1 malformed verify --key "$T/h.jwk" "$T/token.txt"
check "... says it is a file name and how to read it" grep -q "name of a file.*- <" "$T/err"
IN="$T/h.jwk" expect_fail "a JWK on stdin instead of a token" 1 malformed verify --key "$T/h.jwk" --now $NOW -
check "... looks like JSON" grep -q 'looks like JSON' "$T/err"
expect_fail "a four-segment token" 1 malformed decode "$tok.x"
check "... counts the segments" grep -q '4 segments; a signed token has 3' "$T/err"
expect_fail "a six-segment token" 1 malformed decode "$tok.x.y.z"
check "... counts the segments" grep -q '6 segments' "$T/err"
expect_fail "a one-segment token" 1 malformed decode abcdef
check "... one segment" grep -q 'has 1 segment;' "$T/err"
IN="$T/cert.pem" expect_fail "a PEM file on stdin instead of a token" 1 malformed decode -
check "... looks like PEM" grep -q 'looks like a PEM' "$T/err"
printf '%s\377' "$tok" >"$T/bin.tok"
IN="$T/bin.tok" expect_fail "a token with a binary byte" 1 malformed decode -
check "... names binary data and where" grep -q "binary data at byte ${#tok}" "$T/err"
expect_fail "a JSON object as TOKEN argument" 1 malformed decode '{"alg":"none"}'
check "... looks like JSON" grep -q 'looks like JSON' "$T/err"

# sign --kid in a set: the message lists the set's kids, cut to fit, keys without kid shown
for i in $(seq 12); do "$W" keygen ES256 --kid "a-rather-long-key-identifier-number-$i" >"$T/k$i.jwk"; done
printf '{"keys":[%s]}' "$(cat "$T"/k*.jwk | paste -sd, -)" >"$T/many.jwks"
expect_fail "--kid missing from a set of 12" 2 usage sign --key "$T/many.jwks" --kid nope
check "... the list is cut with ..." grep -q 'number-[0-9]*, \.\.\.\|\.\.\.)' "$T/err"
check "... the line stays short" test "$(wc -c <"$T/err")" -lt 400
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/nokid.pem" 2>/dev/null
printf '{"keys":[%s,%s]}' "$(cat "$T/k1.jwk")" "$("$W" convert "$T/nokid.pem" --to jwk | $PY -c 'import json,sys; j=json.load(sys.stdin); j.pop("kid"); print(json.dumps(j))')" >"$T/nokid.jwks"
expect_fail "a set with a key without kid" 2 usage sign --key "$T/nokid.jwks"
check "... shown as (none)" grep -q '(none)' "$T/err"

# more than 32 expected audiences: the library's limit, a usage-level error (exit 2)
auds=()
for i in $(seq 33); do auds+=(--aud "a$i"); done
expect_fail "33 --aud" 2 too_large verify --key "$T/h.jwk" --now $NOW "${auds[@]}" "$tok"

# a warning or note that was due before the command failed never makes the failure two lines:
# the one line is the error (warnings and notes are shown when the command succeeds)
printf 'short text secret\n' >"$T/short-nl"
expect_fail "newline warning, then a short secret" 2 bad_key sign --secret-file "$T/short-nl"
expect_fail "past --exp warning, then a missing key" 2 io sign --key "$T/nope.jwk" --now $NOW --exp 5
expect_fail "past --exp warning, then a bad --claim" 2 usage sign --key "$T/h.jwk" --now $NOW --exp 5 --claim 'a={'
expect_fail "Bearer note, then a malformed token" 1 malformed decode "Bearer abc"
bearer_bad=$("$W" sign --key "$T/h.jwk" --now $NOW --exp 1m)
expect_fail "Bearer note, then a bad signature" 1 bad_signature verify --key "$T/h.jwk" --now $NOW "Bearer ${bearer_bad%.*}.$(printf 'A%.0s' $(seq 43))"
expect_fail "Bearer note, then expired" 1 expired verify --key "$T/h.jwk" --now $((NOW + 3600)) "Bearer $bearer_bad"
expect_ok "... and on success the note is shown" verify --key "$T/h.jwk" --now $NOW "Bearer $bearer_bad"
check "... once" test "$(grep -c 'note: .*Bearer' "$T/err")" = 1

# a hint names only options the command has: every --option an error line suggests is in that
# command's --help (pubkey and convert have no --kid; only sign and verify take --secret-file)
"$W" keygen ES256 --kid x1 >"$T/x1.jwk"
"$W" keygen ES256 --kid x2 >"$T/x2.jwk"
printf '{"keys":[%s,%s]}' "$(cat "$T/x1.jwk")" "$(cat "$T/x2.jwk")" >"$T/two.jwks"
hints() {
  local cmd=$1 o
  shift
  "$W" "$cmd" "$@" >/dev/null 2>"$T/err" </dev/null
  for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$T/err" | grep -vx -- --help | sort -u); do
    if ! "$W" "$cmd" --help | grep -q -- "$o\b"; then
      bad "$cmd $*: the error suggests $o, which $cmd does not have: $(cat "$T/err")"
      return
    fi
  done
  ok
}
hints pubkey --pem "$T/two.jwks"
hints convert "$T/two.jwks" --to pem
hints thumbprint "$T/two.jwks"
hints sign --key "$T/two.jwks"
for cmd in pubkey thumbprint jwks; do hints $cmd "$T/raw"; done
hints convert "$T/raw" --to jwk
hints sign --key "$T/raw"
hints verify --key "$T/rawbin" "$tok"
hints pubkey "$T/rawbin"

summary
