#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/secrets.sh - HMAC secrets without a JWK: --secret-file (raw bytes), --secret-env and
# --secret-b64 (base64 or base64url, file or stdin) for sign and verify, checked against PyJWT
# with the same raw secret; never a secret as an argument; short secrets refused with both lengths.
. "$(dirname "$0")/lib.sh"
FORGE="$PY $(dirname "$0")/forge.py"

head -c 32 /dev/urandom >"$T/s32"
head -c 64 /dev/urandom >"$T/s64"
printf 'short-secret' >"$T/s12"
$PY -c 'import base64,sys; sys.stdout.write(base64.b64encode(open(sys.argv[1],"rb").read()).decode() + "\n")' "$T/s32" >"$T/s32.b64"
$PY -c 'import base64,sys; sys.stdout.write(base64.urlsafe_b64encode(open(sys.argv[1],"rb").read()).decode().rstrip("="))' "$T/s32" >"$T/s32.b64url"
pyjwt() { $PY -c 'import jwt,sys; print(jwt.decode(sys.argv[1], open(sys.argv[2],"rb").read(), algorithms=[sys.argv[3]])["sub"])' "$@" 2>&1; }

expect_ok "sign --secret-file" sign --secret-file "$T/s32" --sub alice
tok=$OUT
check "HS256 by default" test "$("$W" decode --json "$tok" 2>/dev/null | json_get - 'j["header"]["alg"]')" = HS256
check "PyJWT verifies it with the raw secret" test "$(pyjwt "$tok" "$T/s32" HS256)" = alice
expect_ok "verify --secret-file" verify --secret-file "$T/s32" "$tok"
check "verify prints the claims" test "$(printf '%s' "$OUT" | json_get - 'j["sub"]')" = alice
forged=$($FORGE hmac "$T/s32" HS256 '{"alg":"HS256"}' "{\"sub\":\"bob\",\"exp\":$(($(date +%s) + 60))}")
expect_ok "verify an independently signed token" verify --secret-file "$T/s32" "$forged"
expect_fail "another secret: bad_signature" 1 bad_signature verify --secret-file "$T/s64" "$tok"
expect_ok "sign --secret-file --alg HS512 (64 bytes)" sign --secret-file "$T/s64" --alg HS512 --sub carol
check "PyJWT verifies HS512" test "$(pyjwt "$OUT" "$T/s64" HS512)" = carol

# --secret-env
S32_ENV=$(cat "$T/s12")$(cat "$T/s12")$(cat "$T/s12") # 36 bytes of text
export S32_ENV
printf '%s' "$S32_ENV" >"$T/env.raw"
expect_ok "sign --secret-env" sign --secret-env S32_ENV --sub dave
check "PyJWT: the variable's bytes are the secret" test "$(pyjwt "$OUT" "$T/env.raw" HS256)" = dave
expect_ok "verify --secret-env" verify --secret-env S32_ENV "$OUT"
expect_fail "--secret-env unset" 2 usage sign --secret-env WB_NO_SUCH_VARIABLE
export WB_EMPTY_SECRET=
expect_fail "--secret-env empty" 2 usage sign --secret-env WB_EMPTY_SECRET
expect_fail "--secret-env NAME=x is not a name (getenv would read S32_ENV's tail)" 2 usage sign --secret-env "S32_ENV=$(cut -c1-3 "$T/env.raw")"
expect_fail "--secret-env '' is not a name" 2 usage sign --secret-env ""

# --secret-b64: base64 with padding and a newline, base64url without, from a file or stdin
expect_ok "sign --secret-b64 (base64, padded, newline)" sign --secret-b64 "$T/s32.b64" --sub erin
etok=$OUT
check "PyJWT: the decoded bytes are the secret" test "$(pyjwt "$etok" "$T/s32" HS256)" = erin
expect_ok "verify --secret-b64 base64url" verify --secret-b64 "$T/s32.b64url" "$etok"
IN="$T/s32.b64" expect_ok "verify --secret-b64 - (stdin)" verify --secret-b64 - "$etok"
fold -w 8 "$T/s32.b64" >"$T/s32.folded"
expect_ok "--secret-b64 with line breaks inside" verify --secret-b64 "$T/s32.folded" "$etok"
printf ' \n \n' >"$T/blank.b64"
expect_fail "--secret-b64 of blank text" 2 malformed sign --secret-b64 "$T/blank.b64"
check "... says it is empty" grep -q 'it is empty' "$T/err"
printf 'not base64!' >"$T/bad.b64"
expect_fail "--secret-b64 not base64" 2 malformed sign --secret-b64 "$T/bad.b64"
IN="$T/s32.b64" expect_fail "--secret-b64 - and TOKEN from stdin" 2 usage verify --secret-b64 -

# short secrets: refused with both lengths, for sign and verify
expect_fail "sign: 12-byte secret" 2 bad_key sign --secret-file "$T/s12"
check "... names both lengths" grep -q '12 bytes; HS256 needs at least 32' "$T/err"
expect_fail "sign: 32-byte secret for HS512" 2 bad_key sign --secret-file "$T/s32" --alg HS512
check "... names both lengths" grep -q '32 bytes; HS512 needs at least 64' "$T/err"
expect_fail "verify: 12-byte secret" 2 bad_key verify --secret-file "$T/s12" "$tok"
check "... names both lengths" grep -q '12 bytes; HS256 needs at least 32' "$T/err"
expect_fail "verify --alg HS384 with 32 bytes" 2 bad_key verify --secret-file "$T/s32" --alg HS384 "$tok"
printf '{"kty":"oct","k":"c2hvcnQtc2VjcmV0"}' >"$T/short.jwk"
expect_fail "sign: short oct JWK" 2 bad_key sign --key "$T/short.jwk" --alg HS256
check "... names both lengths" grep -q '12 bytes; HS256 needs at least 32' "$T/err"

# never a secret on the command line; one key source
expect_fail "--secret VALUE refused" 2 usage sign --secret hunter2
check "... points at the safe options" grep -q -- '--secret-file' "$T/err"
check "... never echoes the secret" bash -c '! grep -q hunter2 "$0"' "$T/err"
expect_fail "verify --secret VALUE refused" 2 usage verify --secret hunter2 x.y.z
expect_fail "--key and --secret-file" 2 usage sign --key "$T/s32" --secret-file "$T/s32"
expect_fail "two secret options" 2 usage sign --secret-file "$T/s32" --secret-env S32_ENV
expect_fail "--secret-file missing" 2 io sign --secret-file "$T/nope"
: >"$T/empty"
expect_fail "--secret-file empty" 2 bad_key sign --secret-file "$T/empty"

# a text secret file ending in a newline: the newline is part of it, and a warning says so
printf '%s\n' "$S32_ENV" >"$T/nl.txt"
expect_ok "secret file with a newline" sign --secret-file "$T/nl.txt"
check "... a warning about the newline" grep -q '^wristband: warning: .*newline' "$T/err"
check "... the newline is part of the secret" test "$($PY -c 'import jwt,sys; print(jwt.decode(sys.argv[1], open(sys.argv[2],"rb").read(), algorithms=["HS256"], options={"verify_exp": False}) is not None)' "$OUT" "$T/nl.txt" 2>&1)" = True

# key confusion through a secret option: a public key's bytes (PEM, JWK, JWKS, DER) used as an HMAC
# secret let anyone who has the public key forge tokens (RFC 8725 2.1), exactly the attack the key
# rules stop for --key. Whatever holds a key is refused as a secret, for sign and verify alike.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub.pem" 2>/dev/null
openssl pkey -in "$T/rsa.pem" -pubout -outform DER -out "$T/rsa.pub.der" 2>/dev/null
"$W" keygen ES256 --kid e >"$T/e.jwk"
"$W" pubkey "$T/e.jwk" >"$T/e.pub"
"$W" jwks "$T/e.pub" >"$T/e.jwks"
openssl req -x509 -key "$T/rsa.pem" -subj /CN=x -days 1 -out "$T/cert.pem" 2>/dev/null
for f in rsa.pub.pem rsa.pub.der e.pub e.jwks cert.pem; do
  forged=$($FORGE hmac "$T/$f" HS256 '{"alg":"HS256"}' "{\"sub\":\"admin\",\"exp\":$(($(date +%s) + 60))}")
  expect_fail "verify --secret-file $f (a public key as the secret)" 2 bad_key verify --secret-file "$T/$f" "$forged"
  check "... says to give the key with --key" grep -q -- '--key' "$T/err"
done
expect_fail "sign --secret-file of a private JWK" 2 bad_key sign --secret-file "$T/e.jwk"
expect_fail "sign --secret-file of a private PEM" 2 bad_key sign --secret-file "$T/rsa.pem"
printf '\357\273\277' | cat - "$T/e.pub" >"$T/bom.pub"
expect_fail "--secret-file of a JWK after a byte-order mark" 2 bad_key verify --secret-file "$T/bom.pub" "$forged"
PUB_PEM=$(cat "$T/rsa.pub.pem")
export PUB_PEM
expect_fail "--secret-env holding a PEM key" 2 bad_key verify --secret-env PUB_PEM "$forged"
base64 <"$T/rsa.pub.pem" >"$T/pub.pem.b64"
expect_fail "--secret-b64 of a PEM key" 2 bad_key verify --secret-b64 "$T/pub.pem.b64" "$forged"
base64 <"$T/rsa.pub.der" >"$T/pub.der.b64"
expect_fail "--secret-b64 of a DER key" 2 bad_key verify --secret-b64 "$T/pub.der.b64" "$forged"

summary
