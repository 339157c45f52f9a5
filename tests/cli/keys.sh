#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/keys.sh - keygen, pubkey, thumbprint and jwks: every algorithm and flag, 0600 files,
# PEM/JWK/JWKS inputs, bad and oversized key files (exit 2, one line), thumbprints against jwcrypto.
. "$(dirname "$0")/lib.sh"

ALGS="HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 ES256K EdDSA"
declare -A KTY=([HS]=oct [RS]=RSA [PS]=RSA [ES]=EC [Ed]=OKP)
declare -A HMAC_BYTES=([HS256]=32 [HS384]=48 [HS512]=64)

# jwcrypto's RFC 7638 thumbprint of a JWK file
jwc_thumb() { $PY -c 'import sys; from jwcrypto import jwk; print(jwk.JWK.from_json(open(sys.argv[1]).read()).thumbprint())' "$1"; }

for a in $ALGS; do
  expect_ok "keygen $a" keygen $a
  printf '%s\n' "$OUT" >"$T/$a.jwk"
  check "keygen $a: kty" test "$(json_get "$T/$a.jwk" 'j["kty"]')" = "${KTY[${a:0:2}]}"
  check "keygen $a: alg" test "$(json_get "$T/$a.jwk" 'j["alg"]')" = "$a"
  check "keygen $a: use sig" test "$(json_get "$T/$a.jwk" 'j["use"]')" = sig
  check "keygen $a: private" test "$(json_get "$T/$a.jwk" '"d" in j or "k" in j')" = True
  expect_ok "thumbprint $a" thumbprint "$T/$a.jwk"
  check "keygen $a: kid is the thumbprint" test "$(json_get "$T/$a.jwk" 'j["kid"]')" = "$OUT"
  check "thumbprint $a equals jwcrypto's" test "$OUT" = "$(jwc_thumb "$T/$a.jwk")"
  IN="$T/$a.jwk" expect_ok "thumbprint $a from stdin (-)" thumbprint -
  IN="$T/$a.jwk" expect_ok "thumbprint $a from stdin (omitted)" thumbprint
  if [ "${a:0:2}" = HS ]; then
    check "keygen $a: secret is the hash size" test "$(json_get "$T/$a.jwk" 'len(__import__("base64").urlsafe_b64decode(j["k"] + "=="))')" = "${HMAC_BYTES[$a]}"
    expect_fail "pubkey $a (oct has no public half)" 2 bad_key pubkey "$T/$a.jwk"
    continue
  fi
  expect_ok "pubkey $a" pubkey "$T/$a.jwk"
  printf '%s\n' "$OUT" >"$T/$a.pub"
  check "pubkey $a: no private member" test "$(json_get "$T/$a.pub" 'any(k in j for k in ("d","p","q","dp","dq","qi"))')" = False
  check "pubkey $a: same kid" test "$(json_get "$T/$a.pub" 'j["kid"]')" = "$(json_get "$T/$a.jwk" 'j["kid"]')"
  check "pubkey $a: same alg" test "$(json_get "$T/$a.pub" 'j["alg"]')" = "$a"
  expect_ok "thumbprint of pubkey $a" thumbprint "$T/$a.pub"
  check "thumbprint $a: public = private" test "$OUT" = "$(json_get "$T/$a.jwk" 'j["kid"]')"
done

# RSA sizes, curves, kid
expect_ok "keygen RS256 --bits 3072" keygen RS256 --bits 3072
check "--bits 3072 gives a 3072-bit modulus" test "$(printf '%s' "$OUT" | json_get - 'len(__import__("base64").urlsafe_b64decode(j["n"] + "=="))')" = 384
expect_fail "keygen --bits 1024 refused" 2 bad_key keygen RS256 --bits 1024
expect_fail "keygen --bits 2047 refused" 2 bad_key keygen PS256 --bits 2047
expect_fail "keygen --bits abc" 2 usage keygen RS256 --bits abc
expect_fail "keygen --bits for ES256" 2 usage keygen ES256 --bits 2048
expect_fail "keygen --bits huge" 2 usage keygen RS256 --bits 1000000
expect_ok "keygen EdDSA --crv Ed448" keygen EdDSA --crv Ed448
printf '%s\n' "$OUT" >"$T/Ed448.jwk"
check "--crv Ed448" test "$(json_get "$T/Ed448.jwk" 'j["crv"]')" = Ed448
expect_ok "keygen EdDSA --crv Ed25519" keygen EdDSA --crv Ed25519
check "--crv Ed25519" test "$(printf '%s' "$OUT" | json_get - 'j["crv"]')" = Ed25519
check "EdDSA defaults to Ed25519" test "$(json_get "$T/EdDSA.jwk" 'j["crv"]')" = Ed25519
expect_fail "keygen --crv X25519" 2 usage keygen EdDSA --crv X25519
expect_fail "keygen --crv for ES256" 2 usage keygen ES256 --crv Ed25519
expect_fail "keygen unknown alg" 2 usage keygen HS257
expect_fail "keygen none" 2 usage keygen none
expect_ok "keygen --kid" keygen ES256 --kid my-key
check "--kid is used" test "$(printf '%s' "$OUT" | json_get - 'j["kid"]')" = my-key
expect_fail "keygen empty --kid" 2 usage keygen ES256 --kid ""

# -o writes 0600, also over an existing file with other permissions
expect_ok "keygen -o new file" keygen ES256 -o "$T/new.jwk"
check "-o: stdout empty" test -z "$OUT"
check "-o: new file is 0600" test "$(stat -c %a "$T/new.jwk")" = 600
check "-o: file holds the private key" test "$(json_get "$T/new.jwk" '"d" in j')" = True
printf 'old contents that are longer than a key would ever be ...........................................................................................................................................................................................................................................................................................\n' >"$T/old.jwk"
chmod 644 "$T/old.jwk"
expect_ok "keygen -o existing 0644 file" keygen HS256 --output "$T/old.jwk"
check "-o: existing file becomes 0600" test "$(stat -c %a "$T/old.jwk")" = 600
check "-o: existing file is truncated" test "$(json_get "$T/old.jwk" 'j["kty"]')" = oct
expect_fail "keygen -o into a missing directory" 2 io keygen HS256 -o "$T/nodir/k.jwk"

# PEM inputs (SPKI, PKCS#8, PKCS#1, SEC1): pubkey, thumbprint = jwcrypto, kid added
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.p8.pem" 2>/dev/null
openssl ec -in "$T/ec.p8.pem" -out "$T/ec.sec1.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.p8.pem" 2>/dev/null
openssl rsa -in "$T/rsa.p8.pem" -traditional -out "$T/rsa.p1.pem" 2>/dev/null
openssl pkey -in "$T/rsa.p8.pem" -pubout -out "$T/rsa.spki.pem" 2>/dev/null
openssl genpkey -algorithm ed448 -out "$T/ed448.pem" 2>/dev/null
for f in ec.p8 ec.sec1 rsa.p8 rsa.p1 rsa.spki ed448; do
  expect_ok "thumbprint PEM $f" thumbprint "$T/$f.pem"
  tp=$OUT
  want=$($PY -c 'import sys; from jwcrypto import jwk; print(jwk.JWK.from_pem(open(sys.argv[1],"rb").read()).thumbprint())' "$T/$f.pem")
  check "thumbprint PEM $f equals jwcrypto's" test "$tp" = "$want"
  expect_ok "pubkey PEM $f" pubkey "$T/$f.pem"
  check "pubkey PEM $f: kid is the thumbprint" test "$(printf '%s' "$OUT" | json_get - 'j["kid"]')" = "$tp"
  check "pubkey PEM $f: public only" test "$(printf '%s' "$OUT" | json_get - '"d" in j')" = False
done

# JWKS: pubkey gives the public JWKS; thumbprint and sign need exactly one key
expect_ok "jwks of three keys" jwks "$T/ES256.jwk" "$T/RS256.pub" "$T/ec.p8.pem"
printf '%s\n' "$OUT" >"$T/set.jwks"
check "jwks: three keys in order" test "$(json_get "$T/set.jwks" '[k["kty"] for k in j["keys"]]')" = "['EC', 'RSA', 'EC']"
check "jwks: public only" test "$(json_get "$T/set.jwks" 'any("d" in k for k in j["keys"])')" = False
check "jwks: PEM key gets its thumbprint as kid" test "$(json_get "$T/set.jwks" 'j["keys"][2]["kid"]')" = "$("$W" thumbprint "$T/ec.p8.pem")"
check "jwks: jwcrypto reads it" $PY -c 'import sys; from jwcrypto import jwk; s=jwk.JWKSet.from_json(open(sys.argv[1]).read()); assert len(s["keys"]) == 3' "$T/set.jwks"
expect_ok "pubkey of a JWKS" pubkey "$T/set.jwks"
check "pubkey of a JWKS is a JWKS" test "$(printf '%s' "$OUT" | json_get - 'len(j["keys"])')" = 3
"$W" jwks "$T/ES256.jwk" >"$T/one.jwks"
expect_ok "thumbprint of a one-key JWKS" thumbprint "$T/one.jwks"
check "thumbprint of a one-key JWKS is the key's" test "$OUT" = "$(json_get "$T/ES256.jwk" 'j["kid"]')"
expect_fail "thumbprint of a three-key JWKS" 2 usage thumbprint "$T/set.jwks"
expect_ok "jwks of a JWKS and a key" jwks "$T/set.jwks" "$T/EdDSA.jwk"
check "jwks merges sets" test "$(printf '%s' "$OUT" | json_get - 'len(j["keys"])')" = 4
IN="$T/ES256.jwk" expect_ok "jwks from stdin" jwks
expect_fail "jwks: duplicate kid" 2 bad_key jwks "$T/ES256.jwk" "$T/ES256.pub"
expect_fail "jwks: oct key refused" 2 bad_key jwks "$T/ES256.jwk" "$T/HS256.jwk"
"$W" keygen HS256 --kid h >"$T/h.jwk"
printf '{"keys":[%s]}\n' "$(cat "$T/h.jwk")" >"$T/oct.jwks"
expect_fail "pubkey of a JWKS holding an oct key" 2 bad_key pubkey "$T/oct.jwks"

# bad key files: exit 2, one line, for every command that reads a KEY
printf 'garbage' >"$T/garbage"
head -c 3000 /dev/urandom >"$T/binary"
: >"$T/empty"
printf '{"kty":"RSA","n":"AQAB","e":"AQAB"}' >"$T/weak.jwk"
printf '{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' >"$T/offcurve.jwk"
printf '{"keys":[{"kty":"oct","k":"AAAA"},' >"$T/broken.jwks"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa1024.pem" 2>/dev/null
$PY -c 'import sys; sys.stdout.write("{" + " " * (1024 * 1024) + "}")' >"$T/huge"
openssl genpkey -algorithm ED25519 -out "$T/ed1.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 2>/dev/null | cat "$T/ed1.pem" - >"$T/two.pem"     # two keys: ambiguous
printf '{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' >"$T/ed-identity.jwk"
for cmd in pubkey thumbprint jwks; do
  expect_fail "$cmd: missing file" 2 io $cmd "$T/missing"
  expect_fail "$cmd: a directory" 2 io $cmd "$T"
  expect_fail "$cmd: over 1 MiB" 2 too_large $cmd "$T/huge"
  for f in garbage binary empty weak.jwk offcurve.jwk broken.jwks rsa1024.pem; do
    expect_fail "$cmd: bad key file $f" 2 '[a-z_]+' $cmd "$T/$f"
  done
  expect_fail "$cmd: RSA 1024 is bad_key" 2 bad_key $cmd "$T/rsa1024.pem"
  expect_fail "$cmd: off-curve EC is bad_key" 2 bad_key $cmd "$T/offcurve.jwk"
  expect_fail "$cmd: PEM with two keys is bad_key" 2 bad_key $cmd "$T/two.pem"
  expect_fail "$cmd: Ed25519 identity (small order) is bad_key" 2 bad_key $cmd "$T/ed-identity.jwk"
  expect_ok "$cmd: PEM with one key" $cmd "$T/ed1.pem"
done

summary
