#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/refusals.sh - refusals the other scripts leave out (issue 16), each one line on stderr,
# nothing on stdout, nothing written: key files written where they cannot be (a socket, a file
# size limit, a read-only directory) leaving the old file whole and no temporary behind; KEY
# files that are text, binary or a token; secrets that are DER keys, JSON or too long; RFC 3339
# times off by one field; tokens behind "Bearer"; dpop and sign argument clashes.
. "$(dirname "$0")/lib.sh"

"$W" keygen ES256 --kid e -o "$T/e.jwk"
"$W" keygen HS256 --kid h -o "$T/h.jwk"
cp "$T/e.jwk" "$T/e.orig"
TOK=$("$W" sign --key "$T/e.jwk" --now $NOW --exp none)

# ---- writing key files (cli/outfile.c)
# a write that fails part-way: the file size limit (1 KiB; SIGXFSZ ignored, so write() says EFBIG)
# against an RSA key of about 1.7 KiB, while the one-line message still fits
(
  trap '' XFSZ
  ulimit -f 1
  "$W" keygen RS256 --bits 2048 -o "$T/e.jwk" >"$T/out" 2>"$T/err"
  echo $? >"$T/rc"
)
check "a failed write: exit 2" [ "$(cat "$T/rc")" = 2 ]
check "a failed write: one line 'io: cannot write'" grep -Eq "^wristband: io: cannot write '.*e.jwk': " "$T/err"
check "a failed write: the old file unchanged" cmp -s "$T/e.jwk" "$T/e.orig"
check "a failed write: no temporary file left" [ -z "$(find "$T" -maxdepth 1 -name '.*.tmp')" ]
$PY -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/sock"
expect_fail "keygen -o a socket" 2 io keygen ES256 -o "$T/sock"
check "... says so" grep -q "is a socket" "$T/err"
blk=$(find /dev -maxdepth 1 -type b 2>/dev/null | head -1)
if [ -n "$blk" ]; then
  expect_fail "keygen -o a block device" 2 io keygen ES256 -o "$blk"
  check "... says so" grep -q "is a device" "$T/err"
fi
mkfifo "$T/fifo"
expect_fail "convert -o a FIFO" 2 io convert "$T/e.jwk" --to pem -o "$T/fifo"
expect_ok "pubkey --pem of a JWKS of one key" pubkey --pem <("$W" jwks "$T/e.jwk")
check "... SPKI PEM" grep -q "BEGIN PUBLIC KEY" "$T/out"

# ---- KEY files that are no key (cli/keyload.c)
{
  printf '\n\n'
  "$W" convert "$T/e.jwk" --to pem
} >"$T/lead.pem"
expect_ok "a PEM key after blank lines" sign --key "$T/lead.pem" --now $NOW
check "... kid the thumbprint" [ "$(json_get <("$W" decode "$OUT" 2>/dev/null) 'j["header"]["kid"]')" = "$("$W" thumbprint "$T/e.jwk")" ]
printf 'abc\001def' >"$T/ctl.key"
expect_fail "a KEY with a control byte" 2 '[a-z_]+' sign --key "$T/ctl.key"
check "... binary data" grep -q "binary data" "$T/err"
printf 'abc\377def' >"$T/hi.key"
expect_fail "a KEY with a byte over 0x7e" 2 '[a-z_]+' sign --key "$T/hi.key"
check "... binary data" grep -q "binary data" "$T/err"
printf 'a secret\twith a tab\n' >"$T/tab.key"
expect_fail "a KEY that is text with a tab" 2 '[a-z_]+' verify --key "$T/tab.key" "$TOK"
check "... a raw secret" grep -q "raw secret" "$T/err"
printf 'eyJhbGciOiJub25lIn0\n' >"$T/one.key"
expect_fail "a KEY that is one base64url word" 2 '[a-z_]+' sign --key "$T/one.key"
check "... not called a JWT" not_grep "looks like a JWT" "$T/err"
printf 'eyJ!.a.b' >"$T/bang.key"
expect_fail "a KEY shaped like a token with a '!'" 2 '[a-z_]+' sign --key "$T/bang.key"
check "... not called a JWT" not_grep "looks like a JWT" "$T/err"
printf 'eyJa.b.c.d' >"$T/four.key"
expect_fail "a KEY of four segments" 2 '[a-z_]+' sign --key "$T/four.key"
check "... not called a JWT" not_grep "looks like a JWT" "$T/err"
printf 'eyJa.b.c.d.e\n' >"$T/five.key"
expect_fail "a KEY of five segments (a JWE)" 2 '[a-z_]+' thumbprint "$T/five.key"
check "... a JWT of 5 segments" grep -q "looks like a JWT (5 segments)" "$T/err"
IN=$T/ctl.key expect_fail "a KEY on stdin that is binary" 2 '[a-z_]+' thumbprint -
check "... named '-'" grep -q "KEY '-' is" "$T/err"

# ---- secrets that are keys, JSON or too long (cli/secret.c)
# DER lengths in all three forms: P-256 SEC1 (short), P-384 SEC1 (0x81), RSA PKCS#8 (0x82)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER -out "$T/ec.der" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -outform DER -out "$T/ec384.der" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out "$T/rsa.der" 2>/dev/null
expect_fail "--secret-file holding a DER EC key" 2 bad_key sign --secret-file "$T/ec.der"
check "... a DER key" grep -q "holds a DER key" "$T/err"
expect_fail "--secret-file holding a DER P-384 key" 2 bad_key sign --secret-file "$T/ec384.der"
check "... a DER key" grep -q "holds a DER key" "$T/err"
expect_fail "--secret-file holding a DER RSA key" 2 bad_key sign --secret-file "$T/rsa.der"
check "... a DER key" grep -q "holds a DER key" "$T/err"
printf '\060\005hello' >"$T/seq.bin"
expect_fail "--secret-file shaped like DER, no key, 7 bytes" 2 bad_key sign --secret-file "$T/seq.bin"
check "... too short, not a key" grep -q "the HMAC key is 7 bytes" "$T/err"
printf '\060\201\003abc' >"$T/seq81.bin"
expect_fail "--secret-file shaped like long-form DER, no key" 2 bad_key sign --secret-file "$T/seq81.bin"
check "... too short, not a key" grep -q "the HMAC key is 6 bytes" "$T/err"
printf '  {"this is": "json but no key at all, long enough"}' >"$T/json.secret"
expect_ok "--secret-file of JSON that is no key" sign --secret-file "$T/json.secret" --now $NOW
expect_ok "... verifies with the same secret" verify --secret-file "$T/json.secret" --now $NOW "$OUT"
head -c 70000 /dev/zero | tr '\0' x >"$T/huge.secret"
expect_fail "--secret-file over 64 KiB" 2 too_large sign --secret-file "$T/huge.secret"
expect_fail "--secret-b64 then --secret-env" 2 usage sign --secret-b64 "$T/json.secret" --secret-env HOME
expect_fail "verify --secret-file of 16 bytes (HS256 default)" 2 bad_key verify --secret-file <(printf 0123456789abcdef) "$TOK"
expect_fail "verify --alg ES256 with a secret" 2 '[a-z_]+' verify --secret-file "$T/json.secret" --alg ES256 "$TOK"

# ---- RFC 3339 times one field off (cli/times.c)
for t in 2026-01-01X00:00:00Z 2026-01-01T00-00:00Z 2026-01-01T00:00-00Z 2026/01-01T00:00:00Z 2026-01/01T00:00:00Z \
  2026-13-01T00:00:00Z 2026-00-01T00:00:00Z 2026-01-00T00:00:00Z 2026-04-31T00:00:00Z 2026-01-01T24:00:00Z \
  2026-01-01T00:60:00Z 2026-01-01T00:00:60Z 2025-02-29T00:00:00Z 1900-02-29T00:00:00Z 2026-01-01T00:00:00Y \
  2026-01-01T00:00:00*01:00 2026-01-01T00:00:00+01-00 2026-01-01T00:00:00+24:00 2026-01-01T00:00:00+01:60 \
  2026-01-0aT00:00:00Z 2026-01-01T0a:00:00Z 2026-01-01T00:0a:00Z 2026-01-01T00:00:0aZ 2026-01-01T00:00:00+0a:00 \
  2026-01-01T00:00:00+00:0a 2026-01-01T00:00:00 x026-01-01T00:00:00Z; do
  expect_fail "--now $t" 2 usage sign --key "$T/e.jwk" --now "$t"
done
expect_ok "--now on 29 February 2000" sign --key "$T/e.jwk" --now 2000-02-29t12:00:00z --exp none
check "... iat" [ "$(json_get <("$W" decode "$OUT" 2>/dev/null) 'j["payload"]["iat"]')" = 951825600 ]
expect_ok "--now with a negative offset" sign --key "$T/e.jwk" --now 2000-02-29T12:00:00-01:30 --exp none
check "... iat" [ "$(json_get <("$W" decode "$OUT" 2>/dev/null) 'j["payload"]["iat"]')" = 951831000 ]
expect_fail "--leeway, bare seconds over 366 days" 2 usage verify --key "$T/e.jwk" --leeway 99999999 "$TOK"
expect_fail "--max-age, bare seconds over its maximum" 2 usage verify --key "$T/e.jwk" --max-age 99999999999 "$TOK"
expect_fail "verify --now not a time" 2 usage verify --key "$T/e.jwk" --now x "$TOK"
expect_fail "verify --alg twice, neither the key's" 2 usage verify --key "$T/e.jwk" --alg HS256 --alg HS384 "$TOK"
check "... names the others" grep -q "or the other algorithms named" "$T/err"
expect_fail "dpop --now not a time" 2 usage dpop --key "$T/e.jwk" --method GET --url https://a.example/ --now x

# ---- tokens (cli/io.c)
expect_ok "a token after 'Bearer' and several blanks" verify --key "$T/e.jwk" --allow-no-exp "Bearer 	  $TOK"
expect_fail "'Bearer' alone" 1 malformed verify --key "$T/e.jwk" "Bearer  "
expect_fail "a token that is JSON array" 1 malformed verify --key "$T/e.jwk" '[1,2]'
check "... says JSON" grep -q "looks like JSON" "$T/err"
printf '\n\n  %s  \n' "$TOK" >"$T/tok"
IN=$T/tok expect_ok "a token on stdin between blank lines" verify --key "$T/e.jwk" --allow-no-exp -
expect_fail "a token of four segments" 1 malformed verify --key "$T/e.jwk" "a.b.c.d"
expect_fail "a token of one segment that is no file" 1 malformed verify --key "$T/e.jwk" "abc!"

# ---- dpop (cli/dpop.c)
IN=$T/e.jwk expect_fail "dpop --key - --token -" 2 usage dpop --key - --method GET --url https://a.example/ --token -
expect_fail "dpop with a missing key" 2 io dpop --key "$T/none" --method GET --url https://a.example/
expect_fail "dpop with a malformed token" 1 malformed dpop --key "$T/e.jwk" --method GET --url https://a.example/ \
  --token 'a b'
expect_fail "dpop without --url" 2 usage dpop --key "$T/e.jwk" --method GET
IN=$T/tok expect_ok "dpop with the token on stdin" dpop --key "$T/e.jwk" --method GET --url https://a.example/ \
  --token - --now $NOW
check "... has ath" [ -n "$(json_get <("$W" decode "$OUT" 2>/dev/null) 'j["payload"]["ath"]')" ]

# ---- sign (cli/sign.c, cli/sign_claims.c)
expect_fail "sign --claim with a name over 255 bytes" 2 usage sign --key "$T/e.jwk" \
  --claim "$(head -c 300 /dev/zero | tr '\0' n)=1"
expect_ok "sign --sub --aud (one)" sign --key "$T/e.jwk" --sub alice --aud api --jti --now $NOW --no-iat
check "... sub, aud a string, jti, no iat" [ "$(json_get <("$W" decode "$OUT" 2>/dev/null) 'j["payload"]["sub"]+j["payload"]["aud"]+str("iat" in j["payload"])+str(len(j["payload"]["jti"]))')" = aliceapiFalse22 ]
expect_ok "sign --aud twice" sign --key "$T/e.jwk" --aud a1 --aud a2 --now $NOW
check "... aud an array in order" [ "$(json_get <("$W" decode "$OUT" 2>/dev/null) '",".join(j["payload"]["aud"])')" = a1,a2 ]
IN=$T/e.jwk expect_fail "sign --secret-b64 - with CLAIMS_FILE -" 2 usage sign --secret-b64 - -
IN=$T/e.jwk expect_fail "sign --key - with CLAIMS_FILE -" 2 usage sign --key - -
expect_ok "keygen --output (the long name of -o)" keygen ES256 --output "$T/long.jwk"
check "... written" [ "$(json_get "$T/long.jwk" 'j["kty"]')" = EC ]
expect_ok "sign --typ --kid" sign --key "$T/e.jwk" --typ at+jwt --kid other --now $NOW
check "... typ and kid" [ "$(json_get <("$W" decode "$OUT" 2>/dev/null) 'j["header"]["typ"]+j["header"]["kid"]')" = at+jwtother ]

# ---- secrets shaped like DER or JSON, at their edges (cli/secret.c)
for sec in '\060\201' '\060\202\001' '\060\203\001\002' '    ' '\001\002\003\004\005\006\007\010\n' '\303\251t\303\251\n'; do
  printf "$sec" >"$T/edge.secret"
  expect_fail "--secret-file $sec: too short for HS256, no key" 2 bad_key sign --secret-file "$T/edge.secret"
  check "... its length named" grep -q "the HMAC key is [0-9]* bytes" "$T/err"
  check "... no newline warning (binary or too short)" not_grep "ends with a newline" "$T/err"
done
printf '{"keys":[]}' >"$T/emptyset.secret"
expect_fail "--secret-file holding an empty JWKS" 2 bad_key sign --secret-file "$T/emptyset.secret"
check "... a JWK or JWKS" grep -q "holds a JWK or JWKS" "$T/err"
printf '{"k\\u0074y":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}' >"$T/escjwk.secret"
expect_fail "--secret-file holding a JWK whose kty is spelled with an escape" 2 bad_key sign --secret-file "$T/escjwk.secret"
check "... a JWK or JWKS" grep -q "holds a JWK or JWKS" "$T/err"
expect_fail "--secret-b64 of a missing file" 2 io sign --secret-b64 "$T/none.b64"

# ---- the command line (cli/main.c, cli/args.c)
expect_ok "help with an unknown command" help nosuch
check "... the general help" grep -q "^wristband keygen" "$T/out"
expect_ok "-h with a command" -h sign
check "... the general help" grep -q "^wristband verify" "$T/out"
expect_ok "sign -h" sign -h
check "... sign's usage" grep -q "^wristband sign" "$T/out"
expect_fail "thumbprint with two KEYs" 2 usage thumbprint "$T/e.jwk" "$T/e.jwk"
expect_fail "an option value with a tab is shown with a space" 2 usage sign --key "$T/e.jwk" --alg $'HS\t256'
check "... HS 256" grep -q "HS 256" "$T/err"
expect_fail "a CLAIMS_FILE after --" 2 io sign --key "$T/e.jwk" -- -claims.json
check "... named" grep -q -- "-claims.json" "$T/err"
keys=()
for i in $(seq 12); do
  "$W" keygen ES256 --kid "a-rather-long-key-identifier-number-$i" -o "$T/k$i.jwk"
  keys+=("$T/k$i.jwk")
done
"$W" jwks "${keys[@]}" >"$T/many.jwks"
expect_fail "sign --kid not in a set of 12" 2 '[a-z_]+' sign --key "$T/many.jwks" --kid nope
check "... the kids listed, cut short" grep -q "(its kids: a-rather-long-key-identifier-number-1, .*, \.\.\.)" "$T/err"

# ---- stdout that cannot be written (/dev/full): an error, never a silent success
if [ -w /dev/full ]; then
  "$W" sign --key "$T/e.jwk" --now $NOW >/dev/full 2>"$T/err"
  check "sign to a full stdout: exit 2" [ $? = 2 ]
  check "... one line: cannot write to stdout" [ "$(cat "$T/err")" = "wristband: io: cannot write to stdout" ]
  "$W" keygen A256KW -o "$T/kw.jwk"
  "$W" encrypt --key "$T/kw.jwk" <(printf 'plaintext') >"$T/kw.jwe"
  "$W" decrypt --key "$T/kw.jwk" - <"$T/kw.jwe" >/dev/full 2>"$T/err"
  check "decrypt to a full stdout: exit 2" [ $? = 2 ]
  check "... one line: cannot write to stdout" [ "$(cat "$T/err")" = "wristband: io: cannot write to stdout" ]
fi

summary
