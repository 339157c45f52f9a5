#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/jose_refusals.sh - every refusal of the JWE side of the CLI that jose.sh leaves out
# (issue 16): password files that are unreadable, too long, or end in CRLF; encrypted KEY files
# with trailing blanks; bad --alg/--enc names; empty, blank or binary tokens; keygen's --bits and
# --enc checks; sign --json with several keys and verify --decrypt-key misuse. Each refusal is
# one line on stderr, nothing on stdout, and no file written.
. "$(dirname "$0")/lib.sh"

"$W" keygen A256KW -o "$T/kw.jwk"
"$W" keygen ECDH-ES -o "$T/ec.jwk"
"$W" pubkey "$T/ec.jwk" >"$T/ec.pub"
"$W" keygen ES256 --kid s1 -o "$T/s1.jwk"
"$W" keygen ES256 --kid s2 -o "$T/s2.jwk"
"$W" jwks "$T/s1.jwk" "$T/s2.jwk" >"$T/set.jwks"
printf 'hello' >"$T/pt"
printf 'correct horse\r\n' >"$T/pw.crlf"
printf 'correct horse' >"$T/pw"
head -c 5000 /dev/zero | tr '\0' a >"$T/pw.long"
mkdir "$T/dir"

# ---- password files
expect_ok "encrypt with a CRLF password file" encrypt --password-file "$T/pw.crlf" "$T/pt"
printf '%s\n' "$OUT" >"$T/pb.jwe"
IN=$T/pb.jwe expect_ok "the CRLF is not part of the password (token on stdin)" decrypt --allow-pbes2 \
  --password-file "$T/pw" -
check "... the plaintext" [ "$OUT" = hello ]
IN=$T/pb.jwe expect_ok "a password and the token on stdin, TOKEN omitted" decrypt --allow-pbes2 --password-file "$T/pw"
check "... the plaintext" [ "$OUT" = hello ]
expect_fail "a password file that is a directory" 2 io decrypt --allow-pbes2 --password-file "$T/dir" "$T/pb.jwe"
expect_fail "a password file over 4096 bytes" 2 '[a-z_]+' decrypt --allow-pbes2 --password-file "$T/pw.long" \
  "$(cat "$T/pb.jwe")"
expect_fail "pbes2 with an unknown --enc" 2 usage decrypt --allow-pbes2 --password-file "$T/pw" \
  --enc A1GCM "$(cat "$T/pb.jwe")"
expect_fail "an unknown --enc with a key" 2 usage decrypt --key "$T/kw.jwk" --enc NOPE "$(cat "$T/pb.jwe")"
expect_fail "decrypt with a missing KEY" 2 io decrypt --key "$T/none.jwk" "$(cat "$T/pb.jwe")"

# ---- encrypted KEY files
expect_ok "keygen an encrypted JWK" keygen ES256 --kid e1 --password-file "$T/pw" -o "$T/enc.jwk"
check "... one line, mode 0600" [ "$(wc -l <"$T/enc.jwk")" = 1 ] && [ "$(stat -c %a "$T/enc.jwk")" = 600 ]
expect_ok "keygen an encrypted JWK to stdout" keygen ES256 --password-file "$T/pw" -o -
check "... a compact JWE" [ "$(tr -cd . <<<"$OUT" | wc -c)" = 4 ]
printf '%s \r\n\n' "$(cat "$T/enc.jwk")" >"$T/enc-blanks.jwk"
expect_ok "an encrypted JWK with trailing blanks" sign --key "$T/enc-blanks.jwk" --password-file "$T/pw" --now $NOW
expect_fail "an encrypted JWK whose password file is a directory" 2 io sign --key "$T/enc.jwk" \
  --password-file "$T/dir" --now $NOW
expect_fail "an encrypted JWK without --password-file" 2 usage sign --key "$T/enc.jwk" --now $NOW
printf 'ey' >"$T/short.jwk"
expect_fail "a two-byte KEY file" 2 '[a-z_]+' sign --key "$T/short.jwk" --password-file "$T/pw" --now $NOW

# ---- sign --json with several keys (cli_load_one_key_pw) and its refusals
expect_ok "sign --json with two keys, one encrypted" sign --json --key "$T/s1.jwk" --key "$T/enc.jwk" \
  --password-file "$T/pw" --now $NOW
check "... two signatures" [ "$(json_get "$T/out" 'len(j["signatures"])')" = 2 ]
expect_ok "sign --json --alg with two keys" sign --json --alg ES256 --key "$T/s1.jwk" --key "$T/s2.jwk" --now $NOW
check "... both ES256" [ "$(json_get "$T/out" 'len(j["signatures"])')" = 2 ]
expect_fail "sign --json with a key set as a further --key" 2 usage sign --json --key "$T/s1.jwk" \
  --key "$T/set.jwks" --now $NOW
expect_fail "sign --json with an oct key without --alg as a further --key" 2 usage sign --json \
  --key "$T/s1.jwk" --key "$T/kw.jwk" --now $NOW
args=()
for i in $(seq 17); do args+=(--key "$T/s1.jwk"); done
expect_fail "sign --json with 17 keys" 2 usage sign --json "${args[@]}" --now $NOW
expect_fail "sign --detached -" 2 usage sign --key "$T/s1.jwk" --detached -
expect_ok "sign --detached with a kid" sign --key "$T/s1.jwk" --kid other --detached "$T/pt"
check "... kid header" [ "$($PY -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h+"="*(-len(h)%4)))["kid"])' "$OUT")" = other ]
expect_fail "sign --encrypt-to a missing key" 2 io sign --key "$T/s1.jwk" --encrypt-to "$T/none.jwk" --now $NOW

# ---- verify --decrypt-key misuse
NESTED=$("$W" sign --key "$T/s1.jwk" --encrypt-to "$T/ec.pub" --exp none)
expect_ok "verify a nested JWT" verify --key "$T/s1.jwk" --decrypt-key "$T/ec.jwk" --allow-no-exp "$NESTED"
JSONJWS=$("$W" sign --json --key "$T/s1.jwk" --exp none)
expect_fail "verify --decrypt-key of a JSON JWS" 1 unsupported verify --key "$T/s1.jwk" \
  --decrypt-key "$T/ec.jwk" --allow-no-exp "$JSONJWS"
expect_fail "verify --decrypt-key with a missing key" 2 io verify --key "$T/s1.jwk" --decrypt-key "$T/none" "$NESTED"
echo - >"$T/dash"
IN=$T/dash expect_fail "a TOKEN on stdin that is '-'" 1 malformed verify --key "$T/s1.jwk" -

printf '%s' - >"$T/dash1"
IN=$T/dash1 expect_fail "a TOKEN on stdin that is '-', no newline" 1 malformed verify --key "$T/s1.jwk" -
check "... says so" grep -q "the TOKEN on stdin is '-'" "$T/err"
expect_fail "verify --password-file without --decrypt-key" 2 usage verify --key "$T/s1.jwk" \
  --password-file "$T/pw" "$NESTED"
expect_fail "verify --detached with --iss" 2 usage verify --key "$T/s1.jwk" --detached "$T/pt" --iss x "$NESTED"
expect_fail "verify --detached with --decrypt-key" 2 usage verify --key "$T/s1.jwk" --detached "$T/pt" \
  --decrypt-key "$T/ec.jwk" "$NESTED"
expect_fail "sign --encrypt-to with --detached" 2 usage sign --key "$T/s1.jwk" --encrypt-to "$T/ec.pub" --detached "$T/pt"
expect_ok "sign --json --typ --kid" sign --json --key "$T/s1.jwk" --typ at+jwt --kid kk --exp none
check "... typ and kid in the protected header" [ "$($PY -c 'import base64,json,sys; h=json.load(open(sys.argv[1]))["protected"]; h=json.loads(base64.urlsafe_b64decode(h+"="*(-len(h)%4))); print(h["typ"]+h["kid"])' "$T/out")" = at+jwtkk ]
"$W" sign --json --key "$T/s1.jwk" --key "$T/s2.jwk" --exp none --sub two >"$T/two.json"
IN=$T/two.json expect_ok "verify a general JWS with the second signer's key" verify --key "$T/s2.jwk" --allow-no-exp -
check "... the claims" [ "$(json_get "$T/out" 'j["sub"]')" = two ]
"$W" keygen ES256 --kid s1 -o "$T/s3.jwk"
IN=$T/two.json expect_fail "verify a general JWS with neither key (same kid)" 1 bad_signature verify --key "$T/s3.jwk" -

# ---- tokens that are empty, blank or binary
expect_fail "decrypt an empty TOKEN" 1 malformed decrypt --key "$T/kw.jwk" ""
printf ' \n\t\r\n' >"$T/blank"
IN=$T/blank expect_fail "decrypt a blank stdin" 1 malformed decrypt --key "$T/kw.jwk" -
expect_fail "decrypt a TOKEN with a space" 1 malformed decrypt --key "$T/kw.jwk" "eyJ a.b.c.d"
expect_fail "decrypt a TOKEN with a byte over 0x7e" 1 malformed decrypt --key "$T/kw.jwk" $'eyJ\x80.b.c.d.e'
IN=$T/dir expect_fail "decrypt a stdin that cannot be read" 1 io decrypt --key "$T/kw.jwk" -
"$W" encrypt --key "$T/kw.jwk" "$T/pt" >"$T/kw.jwe"
printf '  \n%s\n' "$(cat "$T/kw.jwe")" >"$T/kw-lead.jwe"
IN=$T/kw-lead.jwe expect_ok "decrypt a token after blank lines" decrypt --key "$T/kw.jwk" -
check "... the plaintext" [ "$OUT" = hello ]

# ---- encrypt refusals
expect_fail "encrypt --alg unknown" 2 usage encrypt --key "$T/kw.jwk" --alg A1KW "$T/pt"
expect_fail "encrypt --enc unknown" 2 usage encrypt --key "$T/kw.jwk" --enc A1GCM "$T/pt"
IN=$T/pt expect_fail "encrypt KEY and FILE both stdin" 2 usage encrypt --key - -
IN=$T/pt expect_fail "encrypt KEY stdin, FILE omitted" 2 usage encrypt --key -
expect_fail "encrypt to a missing key" 2 io encrypt --key "$T/none.jwk" "$T/pt"

# ---- keygen for encryption: --bits and --enc
expect_fail "keygen dir --enc unknown" 2 usage keygen dir --enc A1GCM
expect_fail "keygen RSA-OAEP --bits x" 2 usage keygen RSA-OAEP --bits 20x8
expect_fail "keygen RSA-OAEP --bits empty" 2 usage keygen RSA-OAEP --bits ""
expect_fail "keygen RS256 --bits empty" 2 usage keygen RS256 --bits ""
expect_fail "keygen RS256 --bits too many digits" 2 usage keygen RS256 --bits 1234567
expect_fail "keygen RSA-OAEP --bits too many digits" 2 usage keygen RSA-OAEP --bits 1234567
expect_fail "keygen RSA-OAEP --bits over the maximum" 2 usage keygen RSA-OAEP --bits 999999
expect_ok "keygen RSA-OAEP-256 --bits 2048 --kid r" keygen RSA-OAEP-256 --bits 2048 --kid r -o "$T/r.jwk"
check "... kid r, 2048 bits" [ "$(json_get "$T/r.jwk" 'j["kid"]+str(len(j["n"]))')" = r342 ]
expect_fail "keygen ES256 --enc" 2 usage keygen ES256 --enc A256GCM
expect_fail "keygen ES256 --bits over the maximum" 2 usage keygen RS256 --bits 999999
expect_fail "keygen --password-file with --pem" 2 usage keygen ES256 --pem --password-file "$T/pw"
expect_fail "keygen --password-file empty" 2 invalid_arg keygen ES256 --password-file /dev/null -o "$T/never.jwk"
check "... nothing written" [ ! -e "$T/never.jwk" ]

summary
