#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/sign_verify.sh - every flag of `sign` and `verify`, every claims reason word, key
# choice by kid, stdin handling, the 64 KiB token limit and the JSON depth limit of 64.
. "$(dirname "$0")/lib.sh"
FORGE="$PY $(dirname "$0")/forge.py"

"$W" keygen ES256 --kid e1 >"$T/e1.jwk"
"$W" keygen ES256 --kid e2 >"$T/e2.jwk"
"$W" keygen HS256 --kid h1 >"$T/h1.jwk"
"$W" keygen RS256 >"$T/rs256.jwk"
"$W" keygen EdDSA >"$T/ed.jwk"
"$W" pubkey "$T/e1.jwk" >"$T/e1.pub"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null
"$W" jwks "$T/e1.jwk" "$T/e2.jwk" >"$T/set.jwks"

# hdr TOKEN / pl TOKEN EXPR: a header or payload field, read back through `decode --json`
hdr() { "$W" decode --json "$1" 2>/dev/null | json_get - "j['header']$2"; }
pl() { "$W" decode --json "$1" 2>/dev/null | json_get - "j['payload']$2"; }
sign() { "$W" sign --now $NOW "$@"; }

# ---- sign: defaults and every flag
expect_ok "sign defaults" sign --now $NOW --key "$T/e1.jwk"
tok=$OUT
check "sign prints one line ending in a newline" test "$(wc -l <"$T/out")" = 1
check "default iat = now" test "$(pl "$tok" '["iat"]')" = $NOW
check "default exp = now + 15m" test "$(pl "$tok" '["exp"]')" = $((NOW + 900))
check "no nbf by default" test "$(pl "$tok" '.get("nbf")')" = None
check "no jti by default" test "$(pl "$tok" '.get("jti")')" = None
check "typ defaults to JWT" test "$(hdr "$tok" '["typ"]')" = JWT
check "alg from the EC key" test "$(hdr "$tok" '["alg"]')" = ES256
check "kid is the key's" test "$(hdr "$tok" '["kid"]')" = e1
tok=$(sign --key "$T/e1.jwk" --iss https://issuer --sub alice --aud api --exp 1h --nbf 5m --jti --typ at+jwt --kid other)
check "--iss" test "$(pl "$tok" '["iss"]')" = https://issuer
check "--sub" test "$(pl "$tok" '["sub"]')" = alice
check "one --aud is a string" test "$(pl "$tok" '["aud"]')" = api
check "--exp 1h" test "$(pl "$tok" '["exp"]')" = $((NOW + 3600))
check "--nbf 5m" test "$(pl "$tok" '["nbf"]')" = $((NOW + 300))
check "--jti is 128 bits base64url" bash -c '[[ "$0" =~ ^[A-Za-z0-9_-]{22}$ ]]' "$(pl "$tok" '["jti"]')"
check "--typ" test "$(hdr "$tok" '["typ"]')" = at+jwt
check "--kid" test "$(hdr "$tok" '["kid"]')" = other
check "two --jti differ" test "$(pl "$(sign --key "$T/e1.jwk" --jti)" '["jti"]')" != "$(pl "$(sign --key "$T/e1.jwk" --jti)" '["jti"]')"
tok=$(sign --key "$T/e1.jwk" --aud a --aud b --aud c --exp none --no-iat)
check "several --aud give an array in order" test "$(pl "$tok" '["aud"]')" = "['a', 'b', 'c']"
check "--exp none omits exp" test "$(pl "$tok" '.get("exp")')" = None
check "--no-iat omits iat" test "$(pl "$tok" '.get("iat")')" = None
tok=$(sign --key "$T/e1.jwk" --claim n=42 --claim f=1.5 --claim b=true --claim z=null --claim 'o={"a":[1,"x"]}' --claim s=hello --claim 'q="42"' --claim e= --claim 'u=with space')
check "--claim integer" test "$(pl "$tok" '["n"]')" = 42
check "--claim real" test "$(pl "$tok" '["f"]')" = 1.5
check "--claim true" test "$(pl "$tok" '["b"]')" = True
check "--claim null" test "$(pl "$tok" '["z"]')" = None
check "--claim object" test "$(pl "$tok" '["o"]')" = "{'a': [1, 'x']}"
check "--claim non-JSON is a string" test "$(pl "$tok" '["s"]')" = hello
check "--claim JSON string" test "$(pl "$tok" '["q"]')" = "42"
check "--claim quoted JSON stays a string" test "$(pl "$tok" '["q"].__class__.__name__')" = str
check "--claim empty value is an empty string" test "$(pl "$tok" '["e"]')" = ""
check "--claim with a space" test "$(pl "$tok" '["u"]')" = "with space"
expect_fail "--claim without =" 2 usage sign --key "$T/e1.jwk" --claim novalue
expect_fail "--claim without a name" 2 usage sign --key "$T/e1.jwk" --claim =v
expect_fail "empty --iss" 2 usage sign --key "$T/e1.jwk" --iss ""
# CLAIMS_FILE: merged, flags win, defaults only fill in
printf '{"iss":"file","role":"admin","exp":%s}\n' $((NOW + 60)) >"$T/claims.json"
tok=$(sign --key "$T/e1.jwk" "$T/claims.json")
check "CLAIMS_FILE members" test "$(pl "$tok" '["role"]')" = admin
check "CLAIMS_FILE exp kept without --exp" test "$(pl "$tok" '["exp"]')" = $((NOW + 60))
tok=$(sign --key "$T/e1.jwk" --iss flag --exp 2m "$T/claims.json")
check "--iss wins over the file" test "$(pl "$tok" '["iss"]')" = flag
check "--exp wins over the file" test "$(pl "$tok" '["exp"]')" = $((NOW + 120))
tok=$(sign --key "$T/e1.jwk" --claim role=user "$T/claims.json")
check "--claim wins over the file" test "$(pl "$tok" '["role"]')" = user
tok=$(sign --key "$T/e1.jwk" - <"$T/claims.json")
check "CLAIMS_FILE from stdin" test "$(pl "$tok" '["role"]')" = admin
printf '[1,2]' >"$T/array.json"
printf '{"a":1,"a":2}' >"$T/dup.json"
printf '{"a":' >"$T/broken.json"
expect_fail "CLAIMS_FILE not an object" 2 '[a-z_]+' sign --key "$T/e1.jwk" "$T/array.json"
expect_fail "CLAIMS_FILE duplicate members" 2 malformed sign --key "$T/e1.jwk" "$T/dup.json"
expect_fail "CLAIMS_FILE broken JSON" 2 malformed sign --key "$T/e1.jwk" "$T/broken.json"
expect_fail "CLAIMS_FILE missing" 2 io sign --key "$T/e1.jwk" "$T/nope.json"
# algorithm choice
expect_fail "RSA key without alg needs --alg" 2 usage sign --key "$T/rsa.pem"
expect_ok "RSA PEM with --alg RS256" sign --key "$T/rsa.pem" --alg RS256
check "PEM key: kid is its thumbprint" test "$(hdr "$OUT" '["kid"]')" = "$("$W" thumbprint "$T/rsa.pem")"
expect_ok "RSA PEM with --alg PS512" sign --key "$T/rsa.pem" --alg PS512
expect_ok "EC PEM picks ES256" sign --key "$T/ec.pem"
check "EC PEM alg" test "$(hdr "$OUT" '["alg"]')" = ES256
expect_ok "Ed25519 picks EdDSA" sign --key "$T/ed.jwk"
check "EdDSA alg" test "$(hdr "$OUT" '["alg"]')" = EdDSA
expect_fail "--alg HS256 with an EC key" 2 usage sign --key "$T/e1.jwk" --alg HS256
expect_fail "--alg ES384 with a P-256 key" 2 usage sign --key "$T/e1.jwk" --alg ES384
expect_fail "--alg RS512 with an RS256-pinned key" 2 usage sign --key "$T/rs256.jwk" --alg RS512
expect_fail "--alg RS256 with an oct key" 2 usage sign --key "$T/h1.jwk" --alg RS256
expect_fail "--alg none" 2 usage sign --key "$T/h1.jwk" --alg none
expect_fail "sign with a public key" 2 bad_key sign --key "$T/e1.pub"
expect_fail "sign with a two-key JWKS" 2 usage sign --key "$T/set.jwks"
"$W" jwks "$T/e1.jwk" >"$T/one.jwks"
printf '{"keys":[%s]}' "$(cat "$T/h1.jwk")" >"$T/oct1.jwks"
expect_ok "sign with a one-key JWKS" sign --key "$T/oct1.jwks"
printf '{"kty":"oct","k":"c2hvcnQtc2VjcmV0","alg":"HS256"}' >"$T/short.jwk"
expect_fail "sign with a short HMAC key" 2 bad_key sign --key "$T/short.jwk"
IN="$T/h1.jwk" expect_ok "sign with KEY from stdin" sign --key -

# ---- verify
tok=$(sign --key "$T/e1.jwk" --iss https://issuer --sub alice --jti --claim role=admin)
taud=$(sign --key "$T/e1.jwk" --iss https://issuer --sub alice --aud api --aud web --jti --claim role=admin)
expect_ok "verify" verify --key "$T/e1.pub" --now $NOW "$tok"
check "verify prints the claims" test "$(printf '%s' "$OUT" | json_get - 'j["role"]')" = admin
check "verify output is the payload" test "$(printf '%s' "$OUT" | json_get - 'sorted(j.items())')" = "$(pl "$tok" '.items().__class__ and sorted(j["payload"].items())')"
check "verify prints one line" test "$(wc -l <"$T/out")" = 1
check "verify success: stderr empty" test ! -s "$T/err"
printf '%s\n' "$tok" >"$T/tok.nl"
printf '  %s\r\n\n' "$tok" >"$T/tok.ws"
printf '%s' "$tok" >"$T/tok.raw"
IN="$T/tok.nl" expect_ok "TOKEN from stdin (-) with a trailing newline" verify --key "$T/e1.pub" --now $NOW -
IN="$T/tok.nl" expect_ok "TOKEN omitted: stdin" verify --key "$T/e1.pub" --now $NOW
IN="$T/tok.ws" expect_ok "TOKEN from stdin with surrounding whitespace" verify --key "$T/e1.pub" --now $NOW -
IN="$T/tok.raw" expect_ok "TOKEN from stdin without newline" verify --key "$T/e1.pub" --now $NOW -
check "sign | verify -" bash -c '"$0" sign --now '$NOW' --key "$1" | "$0" verify --now '$NOW' --key "$2" - >/dev/null' "$W" "$T/e1.jwk" "$T/e1.pub"
expect_ok "verify with the private JWK" verify --key "$T/e1.jwk" --now $NOW "$tok"
expect_ok "--jwks picks the key by kid" verify --jwks "$T/set.jwks" --now $NOW "$tok"
expect_ok "--key accepts a JWKS" verify --key "$T/set.jwks" --now $NOW "$tok"
IN="$T/e1.pub" expect_ok "KEY from stdin" verify --key - --now $NOW "$tok"
tok2=$(sign --key "$T/e2.jwk" --kid e3)
expect_fail "kid not in the set" 1 key_not_found verify --jwks "$T/set.jwks" --now $NOW "$tok2"
tok2=$(sign --key "$T/e1.jwk" --kid e2)
expect_fail "single key with another kid" 1 key_not_found verify --key "$T/e1.pub" --now $NOW "$tok2"
expect_fail "kid of the other key: bad signature" 1 bad_signature verify --jwks "$T/set.jwks" --now $NOW "$tok2"
nokid=$($FORGE key "$T/e1.jwk" ES256 '{"alg":"ES256"}' "{\"exp\":$((NOW + 60))}")
expect_fail "no kid, two keys fit" 1 key_not_found verify --jwks "$T/set.jwks" --now $NOW "$nokid"
"$W" jwks "$T/e1.jwk" "$T/ed.jwk" >"$T/mixed.jwks"
expect_ok "no kid, one key fits its alg" verify --jwks "$T/mixed.jwks" --now $NOW "$nokid"
# claims policy
expect_fail "expired" 1 expired verify --key "$T/e1.pub" --now $((NOW + 901)) "$tok"
expect_ok "expired within --leeway" verify --key "$T/e1.pub" --now $((NOW + 901)) --leeway 30s "$tok"
expect_fail "exp == now is expired" 1 expired verify --key "$T/e1.pub" --now $((NOW + 900)) "$tok"
tok2=$(sign --key "$T/e1.jwk" --nbf 10m)
expect_fail "nbf in the future" 1 not_yet_valid verify --key "$T/e1.pub" --now $NOW "$tok2"
expect_ok "nbf within --leeway" verify --key "$T/e1.pub" --now $NOW --leeway 10m "$tok2"
tok2=$("$W" sign --key "$T/e1.jwk" --now $((NOW + 3600)) --exp 2h)
expect_fail "iat in the future" 1 iat_in_future verify --key "$T/e1.pub" --now $NOW "$tok2"
expect_ok "iat within --leeway" verify --key "$T/e1.pub" --now $NOW --leeway 1h "$tok2"
tok2=$(sign --key "$T/e1.jwk" --exp none)
expect_fail "missing exp" 1 missing_claim verify --key "$T/e1.pub" --now $NOW "$tok2"
expect_ok "--allow-no-exp" verify --key "$T/e1.pub" --now $NOW --allow-no-exp "$tok2"
expect_fail "--allow-no-exp still checks exp" 1 expired verify --key "$T/e1.pub" --now $((NOW + 1000)) --allow-no-exp "$tok"
expect_ok "--iss" verify --key "$T/e1.pub" --now $NOW --iss https://issuer "$tok"
expect_fail "--iss mismatch" 1 claim_mismatch verify --key "$T/e1.pub" --now $NOW --iss https://evil "$tok"
expect_ok "--aud in the array" verify --key "$T/e1.pub" --now $NOW --aud web "$taud"
expect_ok "--aud: one match suffices" verify --key "$T/e1.pub" --now $NOW --aud other --aud api "$taud"
expect_fail "--aud mismatch" 1 claim_mismatch verify --key "$T/e1.pub" --now $NOW --aud other "$taud"
expect_fail "a token with aud and no --aud (RFC 7519 4.1.3)" 1 claim_mismatch verify --key "$T/e1.pub" --now $NOW "$taud"
check "the error names the token's audiences" grep -q '\["api","web"\]' "$T/err"
expect_ok "--any-aud accepts any aud" verify --key "$T/e1.pub" --now $NOW --any-aud "$taud"
expect_fail "--any-aud with --aud: the named audience still binds" 1 claim_mismatch verify --key "$T/e1.pub" --now $NOW --any-aud --aud other "$taud"
expect_ok "no aud in the token: nothing to check" verify --key "$T/e1.pub" --now $NOW "$tok"
tok3=$(sign --key "$T/e1.jwk" --aud api)
expect_ok "--aud matches a string aud" verify --key "$T/e1.pub" --now $NOW --aud api "$tok3"
expect_fail "--aud without aud in the token" 1 missing_claim verify --key "$T/e1.pub" --now $NOW --aud api "$tok2" --allow-no-exp
expect_ok "--sub" verify --key "$T/e1.pub" --now $NOW --sub alice "$tok"
expect_fail "--sub mismatch" 1 claim_mismatch verify --key "$T/e1.pub" --now $NOW --sub bob "$tok"
expect_ok "--typ JWT" verify --key "$T/e1.pub" --now $NOW --typ JWT "$tok"
expect_ok "--typ case-insensitive, application/ prefix" verify --key "$T/e1.pub" --now $NOW --typ application/jwt "$tok"
tok3=$(sign --key "$T/e1.jwk" --typ application/AT+JWT)
expect_ok "--typ at+jwt matches application/AT+JWT" verify --key "$T/e1.pub" --now $NOW --typ at+jwt "$tok3"
expect_fail "--typ mismatch" 1 claim_mismatch verify --key "$T/e1.pub" --now $NOW --typ at+jwt "$tok"
expect_ok "--max-age" verify --key "$T/e1.pub" --now $((NOW + 60)) --max-age 2m "$tok"
expect_fail "--max-age too old" 1 claim_mismatch verify --key "$T/e1.pub" --now $((NOW + 300)) --max-age 2m "$tok"
expect_ok "--max-age with --leeway" verify --key "$T/e1.pub" --now $((NOW + 150)) --max-age 2m --leeway 1m "$tok"
tok3=$(sign --key "$T/e1.jwk" --no-iat)
expect_fail "--max-age needs iat" 1 missing_claim verify --key "$T/e1.pub" --now $NOW --max-age 2m "$tok3"
expect_ok "--require present" verify --key "$T/e1.pub" --now $NOW --require role "$tok"
expect_ok "--require a registered claim" verify --key "$T/e1.pub" --now $NOW --require jti --require iss "$tok"
expect_fail "--require missing" 1 missing_claim verify --key "$T/e1.pub" --now $NOW --require jti --require email "$tok"
expect_ok "--alg allows" verify --key "$T/e1.pub" --now $NOW --alg ES256 "$tok"
expect_ok "--alg repeated" verify --key "$T/e1.pub" --now $NOW --alg ES384 --alg ES256 "$tok"
expect_fail "--alg no key can do: a usage error" 2 usage verify --key "$T/e1.pub" --now $NOW --alg ES384 "$tok"
expect_fail "--alg narrows a set" 1 alg_not_allowed verify --jwks "$T/mixed.jwks" --now $NOW --alg EdDSA "$nokid"
expect_fail "--alg HS256 with an EC key: a usage error, as in sign" 2 usage verify --key "$T/e1.pub" --now $NOW --alg HS256 "$tok"
check "... the message names the algorithm" grep -q 'no key in KEY can do HS256' "$T/err"
expect_fail "--alg narrows" 1 alg_not_allowed verify --key "$T/set.jwks" --now $NOW --alg ES256 "$($FORGE key "$T/ed.jwk" EdDSA '{"alg":"EdDSA"}' "{\"exp\":$((NOW + 60))}")"
run verify --key "$T/e1.pub" "$tok"
check "verify without --now uses the clock (token from 2023 expired)" test "$RC" = 1
# NumericDates may be non-integer; must be numbers
frac=$($FORGE hmac "$T/h1.jwk" HS256 '{"alg":"HS256","kid":"h1"}' "{\"exp\":$NOW.5,\"iat\":$((NOW - 1)).25}")
expect_ok "fractional NumericDates" verify --key "$T/h1.jwk" --now $NOW "$frac"
expect_fail "fractional exp passed" 1 expired verify --key "$T/h1.jwk" --now $((NOW + 1)) "$frac"
strexp=$($FORGE hmac "$T/h1.jwk" HS256 '{"alg":"HS256"}' "{\"exp\":\"$((NOW + 60))\"}")
expect_fail "string exp" 1 malformed verify --key "$T/h1.jwk" --now $NOW "$strexp"

# ---- bad tokens and keys through verify
expect_fail "empty token" 1 malformed verify --key "$T/e1.pub" ""
IN=/dev/null expect_fail "empty stdin" 1 malformed verify --key "$T/e1.pub" -
head -c 300 /dev/urandom >"$T/bin"
IN="$T/bin" expect_fail "binary token" 1 malformed verify --key "$T/e1.pub" -
expect_fail "one segment" 1 malformed verify --key "$T/e1.pub" abc
expect_fail "two segments" 1 malformed verify --key "$T/e1.pub" "${tok%.*}"
expect_fail "four segments" 1 malformed verify --key "$T/e1.pub" "$tok.x"
expect_fail "token with inner space" 1 malformed verify --key "$T/e1.pub" "${tok:0:10} ${tok:10}"
expect_fail "verify: missing key file" 2 io verify --key "$T/nope" "$tok"
printf 'garbage' >"$T/garbage"
expect_fail "verify: garbage key" 2 '[a-z_]+' verify --key "$T/garbage" "$tok"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa1024.pem" 2>/dev/null
expect_fail "verify: RSA 1024 key" 2 bad_key verify --key "$T/rsa1024.pem" "$tok"

# ---- 64 KiB: exactly 65536 bytes pass the size check (a trailing newline not counted), 65537 fail
$PY - "$W" "$T/h1.jwk" $NOW >"$T/big.tok" <<'PY'
import subprocess, sys
w, key, now = sys.argv[1:4]
def tok(n):
    return subprocess.run([w, "sign", "--key", key, "--now", now, "--claim", "pad=" + "a" * n],
                          capture_output=True, text=True, check=True).stdout.strip()
n = 48000
for _ in range(20):
    t = tok(n)
    if len(t) == 65536:
        break
    n += max(1, (65536 - len(t)) * 3 // 4) if len(t) < 65536 else -1
print(t)
PY
check "built a 65536-byte token" test "$(tr -d '\n' <"$T/big.tok" | wc -c)" = 65536
IN="$T/big.tok" expect_ok "65536-byte token + newline verifies" verify --key "$T/h1.jwk" --now $NOW -
expect_ok "65536-byte token as an argument" verify --key "$T/h1.jwk" --now $NOW "$(cat "$T/big.tok")"
printf '%sA\n' "$(cat "$T/big.tok")" >"$T/big1.tok"
IN="$T/big1.tok" expect_fail "65537-byte token" 1 too_large verify --key "$T/h1.jwk" --now $NOW -
$PY -c 'import sys; sys.stdout.write("a" * (3 * 1024 * 1024))' >"$T/huge.tok"
IN="$T/huge.tok" expect_fail "3 MiB on stdin" 1 too_large verify --key "$T/h1.jwk" --now $NOW -
IN="$T/huge.tok" expect_fail "3 MiB on stdin (decode)" 1 too_large decode -

# ---- nesting: the top object is level 1; 64 levels pass, 65 fail
deep() { printf '{"exp":%s,"d":%s%s}' $((NOW + 60)) "$(printf '[%.0s' $(seq "$1"))" "$(printf ']%.0s' $(seq "$1"))"; }
d64=$($FORGE hmac "$T/h1.jwk" HS256 '{"alg":"HS256"}' "$(deep 63)")
d65=$($FORGE hmac "$T/h1.jwk" HS256 '{"alg":"HS256"}' "$(deep 64)")
expect_ok "JSON depth 64" verify --key "$T/h1.jwk" --now $NOW "$d64"
expect_fail "JSON depth 65" 1 malformed verify --key "$T/h1.jwk" --now $NOW "$d65"
h65=$($FORGE hmac "$T/h1.jwk" HS256 "{\"alg\":\"HS256\",\"x\":$(deep 64)}" "{\"exp\":$((NOW + 60))}")
expect_fail "header depth 65" 1 malformed verify --key "$T/h1.jwk" --now $NOW "$h65"
expect_fail "decode: depth 65" 1 malformed decode "$d65"

summary
