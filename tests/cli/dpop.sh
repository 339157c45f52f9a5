#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/dpop.sh - `wristband dpop` (issue 15): the proofs it prints pass an independent
# checker (dpop_check.py over python3-jwcrypto: typ, alg, a public jwk, the signature, jti, htm,
# htu, iat, ath, nonce), for EC, Ed25519 and RSA keys; every bad input is one line and exit 2.
. "$(dirname "$0")/lib.sh"
CHECK="$PY $(dirname "$0")/dpop_check.py"
proof_ok() { $CHECK "$@" >/dev/null; }
URL=https://api.example/orders

"$W" keygen ES256 -o "$T/ec.jwk"
"$W" keygen EdDSA -o "$T/ed.jwk"
"$W" keygen RS256 -o "$T/rsa.jwk"
"$W" keygen RS256 --pem >"$T/rsa.pem"
"$W" pubkey "$T/ec.jwk" >"$T/ec.pub"
"$W" keygen HS256 >"$T/hs.jwk"
TOKEN=$("$W" sign --key "$T/ec.jwk" --sub alice --now $NOW)

expect_ok "a proof without a token" dpop --key "$T/ec.jwk" --method GET --url $URL --now $NOW
check "... passes the independent checker" proof_ok "$OUT" GET $URL $NOW
check "... its thumbprint is the key's" test "$($CHECK "$OUT" GET $URL $NOW)" = "$("$W" thumbprint "$T/ec.jwk")"
P1=$OUT
expect_ok "the same request again" dpop --key "$T/ec.jwk" --method GET --url $URL --now $NOW
check "... another jti: another proof" test "$OUT" != "$P1"
expect_ok "with a token and a nonce" dpop --key "$T/ec.jwk" --method POST --url $URL --token "$TOKEN" --nonce n-1 --now $NOW
check "... ath and nonce pass the checker" proof_ok "$OUT" POST $URL $NOW "$TOKEN" n-1
check "... the checker refuses another token" bash -c '! $0 "$1" POST "$2" "$3" other.token.here n-1 >/dev/null' "$CHECK" "$OUT" $URL $NOW
check "... and another method" bash -c '! $0 "$1" GET "$2" "$3" "$4" n-1 >/dev/null' "$CHECK" "$OUT" $URL $NOW "$TOKEN"
IN=<(printf '%s\n' "$TOKEN") expect_ok "--token - reads stdin" dpop --key "$T/ec.jwk" --method GET --url $URL --token - --now $NOW
check "... same ath" proof_ok "$OUT" GET $URL $NOW "$TOKEN"
expect_ok "EdDSA" dpop --key "$T/ed.jwk" --method GET --url $URL --now $NOW
check "... passes" proof_ok "$OUT" GET $URL $NOW
expect_ok "RSA (its JWK's alg)" dpop --key "$T/rsa.jwk" --method GET --url $URL --now $NOW
check "... passes" proof_ok "$OUT" GET $URL $NOW
expect_ok "RSA PEM with --alg PS256" dpop --key "$T/rsa.pem" --alg PS256 --method GET --url $URL --now $NOW
check "... passes" proof_ok "$OUT" GET $URL $NOW
expect_ok "the clock by default" dpop --key "$T/ec.jwk" --method GET --url $URL
check "... iat is now" proof_ok "$OUT" GET $URL "$(date +%s)"
expect_ok "the URL is normalised" dpop --key "$T/ec.jwk" --method GET --url "HTTPS://API.example:443/orders?x=1#f" --now $NOW
check "... to scheme and host lowercase, no port, query or fragment" proof_ok "$OUT" GET $URL $NOW

expect_fail "no --key" 2 usage dpop --method GET --url $URL
expect_fail "no --url" 2 usage dpop --key "$T/ec.jwk" --method GET
expect_fail "a public key" 2 bad_key dpop --key "$T/ec.pub" --method GET --url $URL
expect_fail "an HMAC key" 2 "[a-z_]+" dpop --key "$T/hs.jwk" --method GET --url $URL
expect_fail "--alg HS256 with an EC key" 2 "[a-z_]+" dpop --key "$T/ec.jwk" --alg HS256 --method GET --url $URL
expect_fail "--alg none" 2 usage dpop --key "$T/ec.jwk" --alg none --method GET --url $URL
expect_fail "a relative URL" 2 invalid_arg dpop --key "$T/ec.jwk" --method GET --url /orders
expect_fail "a method with a space" 2 invalid_arg dpop --key "$T/ec.jwk" --method "GE T" --url $URL
expect_fail "a nonce with a quote" 2 invalid_arg dpop --key "$T/ec.jwk" --method GET --url $URL --nonce 'a"b'
expect_fail "RSA PEM without --alg" 2 usage dpop --key "$T/rsa.pem" --method GET --url $URL
expect_fail "a positional argument" 2 usage dpop --key "$T/ec.jwk" --method GET --url $URL extra
summary
