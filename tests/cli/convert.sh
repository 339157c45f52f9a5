#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/convert.sh - keys that move to openssl and other tools: pubkey --pem, keygen --pem,
# `convert KEY --to jwk|pem` (openssl reads what it writes, thumbprints survive the round trip),
# and sign --kid choosing one key from a JWKS of several.
. "$(dirname "$0")/lib.sh"

"$W" keygen ES256 --kid e1 >"$T/e1.jwk"
"$W" keygen ES256 --kid e2 >"$T/e2.jwk"
"$W" keygen HS256 --kid h >"$T/h.jwk"
tp_e1=$("$W" thumbprint "$T/e1.jwk")

# pubkey --pem: SPKI that openssl reads; the same key
expect_ok "pubkey --pem" pubkey --pem "$T/e1.jwk"
printf '%s\n' "$OUT" >"$T/e1.pub.pem"
check "pubkey --pem is SPKI PEM" grep -q '^-----BEGIN PUBLIC KEY-----$' "$T/e1.pub.pem"
check "openssl reads it" openssl pkey -pubin -in "$T/e1.pub.pem" -noout
check "its thumbprint is the key's" test "$("$W" thumbprint "$T/e1.pub.pem")" = "$tp_e1"
expect_fail "pubkey --pem of an oct key" 2 '(bad_key|usage)' pubkey --pem "$T/h.jwk"
"$W" jwks "$T/e1.jwk" "$T/e2.jwk" >"$T/set.jwks"
expect_fail "pubkey --pem of a two-key JWKS" 2 usage pubkey --pem "$T/set.jwks"

# keygen --pem: PKCS#8 private key that openssl reads; -o writes it 0600
expect_ok "keygen ES256 --pem" keygen ES256 --pem
printf '%s\n' "$OUT" >"$T/k.pem"
check "keygen --pem is PKCS#8" grep -q '^-----BEGIN PRIVATE KEY-----$' "$T/k.pem"
check "openssl reads the private key" openssl pkey -in "$T/k.pem" -noout
expect_ok "keygen EdDSA --pem -o FILE" keygen EdDSA --pem -o "$T/ed.pem"
check "-o with --pem: 0600" test "$(stat -c %a "$T/ed.pem")" = 600
check "openssl reads the Ed25519 key" bash -c 'openssl pkey -in "$0" -noout -text | grep -q ED25519' "$T/ed.pem"
expect_fail "keygen HS256 --pem" 2 usage keygen HS256 --pem

# convert KEY --to jwk|pem
expect_ok "convert JWK --to pem (private)" convert "$T/e1.jwk" --to pem
printf '%s\n' "$OUT" >"$T/e1.pem"
check "private JWK -> PKCS#8" grep -q '^-----BEGIN PRIVATE KEY-----$' "$T/e1.pem"
check "openssl reads it" openssl pkey -in "$T/e1.pem" -noout
check "same key (thumbprint)" test "$("$W" thumbprint "$T/e1.pem")" = "$tp_e1"
expect_ok "convert PEM --to jwk" convert "$T/e1.pem" --to jwk
printf '%s\n' "$OUT" >"$T/back.jwk"
check "PEM -> private JWK" test "$(json_get "$T/back.jwk" '"d" in j')" = True
check "PEM -> JWK: kid is the thumbprint" test "$(json_get "$T/back.jwk" 'j["kid"]')" = "$tp_e1"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
expect_ok "convert an openssl RSA key --to jwk" convert "$T/rsa.pem" --to jwk
check "RSA JWK with the private members" test "$(printf '%s' "$OUT" | json_get - 'all(k in j for k in ("n","e","d","p","q"))')" = True
expect_ok "convert public JWK --to pem" convert "$T/e1.pub.pem" --to jwk
check "public stays public" test "$(printf '%s' "$OUT" | json_get - '"d" in j')" = False
expect_ok "convert --to pem -o FILE" convert "$T/e1.jwk" --to pem -o "$T/out.pem"
check "convert -o: 0600" test "$(stat -c %a "$T/out.pem")" = 600
IN="$T/e1.pem" expect_ok "convert --to=jwk, KEY from stdin" convert --to=jwk -
expect_fail "convert without --to" 2 usage convert "$T/e1.jwk"
expect_fail "convert --to xml" 2 usage convert "$T/e1.jwk" --to xml
expect_fail "convert an oct key --to pem" 2 usage convert "$T/h.jwk" --to pem
expect_fail "convert a two-key JWKS --to pem" 2 usage convert "$T/set.jwks" --to pem
expect_ok "convert a JWKS --to jwk" convert "$T/set.jwks" --to jwk
check "a JWKS stays a JWKS" test "$(printf '%s' "$OUT" | json_get - 'len(j["keys"])')" = 2
expect_fail "convert garbage" 2 '[a-z_]+' convert /dev/null --to pem

# sign --kid picks one key of a JWKS holding several
printf '{"keys":[%s,%s]}' "$(cat "$T/e1.jwk")" "$(cat "$T/e2.jwk")" >"$T/private.jwks"
expect_ok "sign --kid e2 from a two-key JWKS" sign --key "$T/private.jwks" --kid e2
tok=$OUT
check "the header names e2" test "$("$W" decode --json "$tok" 2>/dev/null | json_get - 'j["header"]["kid"]')" = e2
"$W" pubkey "$T/e2.jwk" >"$T/e2.pub"
expect_ok "signed by e2's key" verify --key "$T/e2.pub" --any-aud "$tok"
expect_fail "--kid not in the set" 2 usage sign --key "$T/private.jwks" --kid e3
check "... the message lists the set's kids" grep -q 'e1, e2' "$T/err"
expect_fail "a two-key set without --kid" 2 usage sign --key "$T/private.jwks"
check "... the message suggests --kid" grep -q -- '--kid' "$T/err"

# a JWKS of one key is still a set: --kid picks from it, and a kid it lacks is refused rather
# than written over the only key (which would sign with that key under another key's name)
printf '{"keys":[%s]}' "$(cat "$T/e1.jwk")" >"$T/one.jwks"
expect_fail "--kid not in a one-key JWKS" 2 usage sign --key "$T/one.jwks" --kid e2
check "... the message lists the set's kid" grep -q 'its kids: e1' "$T/err"
expect_ok "--kid of the one key" sign --key "$T/one.jwks" --kid e1
check "... the header names it" test "$("$W" decode --json "$OUT" 2>/dev/null | json_get - 'j["header"]["kid"]')" = e1
expect_ok "a one-key JWKS without --kid" sign --key "$T/one.jwks"

summary
