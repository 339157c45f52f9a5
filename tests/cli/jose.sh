#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/jose.sh - the JOSE side of the CLI (issue 13): keygen for encryption keys and encrypted
# JWKs, encrypt and decrypt (compact and JSON, several recipients, zip, PBES2 passwords, the opt-ins,
# one decrypt_failed for every tampering), nested JWTs (sign --encrypt-to, verify --decrypt-key),
# the JWS JSON serializations (sign --json, several --key; verify of JSON tokens) and detached
# payloads, with python3-jwcrypto on the other side for a few of them.
. "$(dirname "$0")/lib.sh"

# jhdr JWE EXPR: a member of a compact JWE's protected header
jhdr() { $PY -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; j=json.loads(base64.urlsafe_b64decode(h+"="*(-len(h)%4))); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
# segment TOKEN N: the N-th (0-based) dot-separated segment
segment() { cut -d. -f$(($2 + 1)) <<<"$1"; }
# flip TOKEN N: segment N with its first character changed
flip() {
  local IFS=. s
  read -ra s <<<"$1"
  local c=${s[$2]:0:1}
  s[$2]=$([ "$c" = A ] && echo B || echo A)${s[$2]:1}
  echo "${s[*]}"
}

# ---- keygen for encryption
expect_ok "keygen ECDH-ES+A256KW X25519" keygen ECDH-ES+A256KW --crv X25519 -o "$T/x.jwk"
check "... use enc, alg, crv" test "$(json_get "$T/x.jwk" 'j["use"]+" "+j["alg"]+" "+j["crv"]')" = "enc ECDH-ES+A256KW X25519"
check "... kid is the thumbprint" test "$(json_get "$T/x.jwk" 'j["kid"]')" = "$("$W" thumbprint "$T/x.jwk")"
check "... mode 0600" test "$(stat -c %a "$T/x.jwk")" = 600
"$W" pubkey "$T/x.jwk" >"$T/x.pub"
expect_ok "keygen ECDH-ES P-256 (default curve)" keygen ECDH-ES -o "$T/p.jwk"
check "... P-256" test "$(json_get "$T/p.jwk" 'j["crv"]')" = P-256
"$W" pubkey "$T/p.jwk" >"$T/p.pub"
expect_ok "keygen A256KW" keygen A256KW -o "$T/kw.jwk"
check "... 32-byte oct key" test "$(json_get "$T/kw.jwk" 'len(j["k"])')" = 43
expect_ok "keygen dir --enc A128CBC-HS256" keygen dir --enc A128CBC-HS256 -o "$T/dir.jwk"
check "... 32 bytes, alg the enc" test "$(json_get "$T/dir.jwk" 'str(len(j["k"]))+" "+j["alg"]')" = "43 A128CBC-HS256"
expect_ok "keygen A128GCMKW --use enc" keygen A128GCMKW --use enc -o "$T/gkw.jwk"
expect_ok "keygen RSA-OAEP-256" keygen RSA-OAEP-256 -o "$T/rsa.jwk"
"$W" pubkey "$T/rsa.jwk" >"$T/rsa.pub"
expect_ok "keygen RSA-OAEP-256 --pem" keygen RSA-OAEP-256 --pem
check "... PKCS#8" grep -q "BEGIN PRIVATE KEY" "$T/out"
expect_fail "keygen A256KW --use sig" 2 usage keygen A256KW --use sig
expect_fail "keygen ES256 --use enc" 2 usage keygen ES256 --use enc
expect_ok "keygen ES256 --use sig" keygen ES256 --use sig
expect_fail "keygen ECDH-ES --crv Ed25519" 2 usage keygen ECDH-ES --crv Ed25519
expect_fail "keygen A256KW --crv P-256" 2 usage keygen A256KW --crv P-256
expect_fail "keygen A256KW --enc A256GCM (dir only)" 2 usage keygen A256KW --enc A256GCM
expect_fail "keygen ECDH-ES --bits 2048" 2 usage keygen ECDH-ES --bits 2048
expect_fail "keygen RSA-OAEP --bits 1024" 2 bad_key keygen RSA-OAEP --bits 1024
expect_fail "keygen RSA1_5 (decryption only)" 2 usage keygen RSA1_5
expect_fail "keygen PBES2 (a password, no key)" 2 invalid_arg keygen PBES2-HS256+A128KW
expect_fail "keygen A256KW --pem" 2 usage keygen A256KW --pem

# ---- encrypt / decrypt round trips, each key kind
printf 'hello\001binary\377\n' >"$T/pt.bin"
for k in x p kw dir gkw rsa; do
  pub=$T/$k.jwk
  [ -f "$T/$k.pub" ] && pub=$T/$k.pub
  expect_ok "encrypt to $k" encrypt --key "$pub" "$T/pt.bin"
  printf '%s\n' "$OUT" >"$T/$k.jwe"
  IN="$T/$k.jwe" expect_ok "decrypt $k" decrypt --key "$T/$k.jwk" -
  IN="$T/$k.jwe" run decrypt --key "$T/$k.jwk"
  check "decrypt $k: the exact bytes, no newline added" cmp -s "$T/out" "$T/pt.bin"
done
check "the key's alg is used" test "$(jhdr "$(cat "$T/x.jwe")" 'j["alg"]+" "+j["enc"]+" "+j["epk"]["crv"]')" = "ECDH-ES+A256KW A256GCM X25519"
check "dir takes its enc from the key" test "$(jhdr "$(cat "$T/dir.jwe")" 'j["enc"]')" = A128CBC-HS256
check "RSA defaults to RSA-OAEP-256" test "$(jhdr "$(cat "$T/rsa.jwe")" 'j["alg"]')" = RSA-OAEP-256
expect_ok "encrypt --alg --enc --typ --cty" encrypt --key "$T/p.pub" --alg ECDH-ES --enc A192CBC-HS384 --typ x --cty y "$T/pt.bin"
check "... header" test "$(jhdr "$OUT" 'j["alg"]+j["enc"]+j["typ"]+j["cty"]')" = "ECDH-ESA192CBC-HS384xy"
expect_fail "encrypt with a key that does not fit --alg" 2 alg_not_allowed encrypt --key "$T/kw.jwk" --alg A128KW "$T/pt.bin"
expect_fail "encrypt RSA1_5" 2 alg_not_allowed encrypt --key "$T/rsa.pub" --alg RSA1_5 "$T/pt.bin"
expect_fail "encrypt without a key" 2 usage encrypt "$T/pt.bin"
expect_fail "encrypt to a signing key" 2 alg_not_allowed encrypt --key <("$W" keygen ES256) "$T/pt.bin"
# the largest FILE encrypt takes (1 MiB) comes back from decrypt, compact and JSON: the JWE is
# a third larger than its plaintext, and decrypt must read that much
head -c 1048576 /dev/urandom | tr "\\0" x >"$T/max.bin" # no NUL: run keeps stdout in a variable
for form in "" --json; do
  "$W" encrypt --key "$T/kw.jwk" $form "$T/max.bin" >"$T/max.jwe"
  IN="$T/max.jwe" expect_ok "decrypt the JWE of a 1 MiB plaintext ${form:-compact}" decrypt --key "$T/kw.jwk" -
  check "... the same bytes" cmp -s "$T/out" "$T/max.bin"
done
head -c 1048577 /dev/urandom >"$T/over.bin"
expect_fail "encrypt a FILE over 1 MiB" 2 too_large encrypt --key "$T/kw.jwk" "$T/over.bin"

# ---- decrypt: one answer for every tampering, and the policy
tok=$(cat "$T/kw.jwe")
for i in 1 2 3 4; do
  expect_fail "decrypt with segment $i changed" 1 decrypt_failed decrypt --key "$T/kw.jwk" "$(flip "$tok" $i)"
  printf '%s\n' "$ERR" >"$T/err.$i"
done
check "the same message for key, IV, ciphertext and tag" bash -c 'cmp -s "$0.1" "$0.2" && cmp -s "$0.1" "$0.3" && cmp -s "$0.1" "$0.4"' "$T/err"
"$W" keygen A256KW | $PY -c 'import json,sys; k=json.load(sys.stdin); k["kid"]=sys.argv[1]; print(json.dumps(k))' "$(json_get "$T/kw.jwk" 'j["kid"]')" >"$T/kw2.jwk"
expect_fail "decrypt with another key of the same kid" 1 decrypt_failed decrypt --key "$T/kw2.jwk" "$tok"
expect_fail "decrypt with a key of another kid" 1 key_not_found decrypt --key "$T/p.jwk" "$tok"
expect_fail "decrypt --alg no key can do" 2 alg_not_allowed decrypt --key "$T/kw.jwk" --alg A128KW "$tok"
json_get "$T/kw.jwk" 'json.dumps({m: j[m] for m in ("kty", "k", "kid")})' >"$T/kwn.jwk"
expect_fail "decrypt --alg narrows" 1 alg_not_allowed decrypt --key "$T/kwn.jwk" --alg A256GCMKW "$tok"
expect_fail "decrypt --enc narrows" 1 alg_not_allowed decrypt --key "$T/kw.jwk" --enc A128GCM "$tok"
expect_ok "decrypt --alg --enc that match" decrypt --key "$T/kw.jwk" --alg A256KW --alg A128KW --enc A256GCM "$tok"
expect_fail "decrypt a JWS" 1 unsupported decrypt --key "$T/kw.jwk" "$("$W" sign --key <("$W" keygen ES256))"
expect_fail "decrypt with a public key" 2 alg_not_allowed decrypt --key "$T/x.pub" "$(cat "$T/x.jwe")"
expect_fail "decrypt: a file name as TOKEN" 1 malformed decrypt --key "$T/kw.jwk" "$T/kw.jwe"
check "... says how to read the file" grep -q "name of a file.*- <" "$T/err"
expect_fail "decrypt --alg unknown" 2 usage decrypt --key "$T/kw.jwk" --alg A1KW "$tok"

# zip: refused unless --allow-zip
head -c 3000 /dev/zero | tr '\0' a >"$T/big.txt"
expect_ok "encrypt --zip" encrypt --key "$T/kw.jwk" --zip "$T/big.txt"
ztok=$OUT
check "... zip DEF and shorter than the plaintext" test "$(jhdr "$ztok" 'j["zip"]')" = DEF -a ${#ztok} -lt 3000
expect_fail "decrypt zip without --allow-zip" 1 alg_not_allowed decrypt --key "$T/kw.jwk" "$ztok"
run decrypt --key "$T/kw.jwk" --allow-zip "$ztok"
check "decrypt --allow-zip" cmp -s "$T/out" "$T/big.txt"
head -c 300000 /dev/zero | tr '\0' a >"$T/huge.txt"
expect_ok "encrypt --zip of 300,000 bytes" encrypt --key "$T/kw.jwk" --zip "$T/huge.txt"
htok=$OUT
check "... warns that a default --allow-zip refuses it" grep -q "warning: the plaintext is 300000 bytes.*refuses" "$T/err"
expect_fail "... and decrypt --allow-zip does" 1 too_large decrypt --key "$T/kw.jwk" --allow-zip "$htok"

# JSON serializations: flattened, general with two recipients
expect_ok "encrypt --json" encrypt --key "$T/kw.jwk" --json "$T/pt.bin"
check "... flattened" test "$(json_get - '"encrypted_key" in j and "recipients" not in j' <<<"$OUT")" = True
run decrypt --key "$T/kw.jwk" "$(cat "$T/out")"
check "decrypt flattened JSON" cmp -s "$T/out" "$T/pt.bin"
expect_ok "encrypt --json to two keys" encrypt --json --key "$T/x.pub" --key "$T/rsa.pub" "$T/pt.bin"
printf '%s\n' "$OUT" >"$T/two.json"
check "... general, two recipients" test "$(json_get "$T/two.json" 'len(j["recipients"])')" = 2
for k in x rsa; do
  IN="$T/two.json" run decrypt --key "$T/$k.jwk"
  check "the $k recipient decrypts the general JSON" cmp -s "$T/out" "$T/pt.bin"
done
expect_fail "two keys without --json" 2 usage encrypt --key "$T/p.pub" --key "$T/rsa.pub" "$T/pt.bin"
expect_fail "dir with another recipient" 2 invalid_arg encrypt --json --key "$T/dir.jwk" --key "$T/kw.jwk" "$T/pt.bin"

# ---- passwords: PBES2 and encrypted JWKs
printf 'correct horse battery staple\n' >"$T/pw"
printf 'wrong horse\n' >"$T/pw2"
: >"$T/empty"
expect_ok "encrypt --password-file" encrypt --password-file "$T/pw" "$T/pt.bin"
ptok=$OUT
check "... PBES2-HS512+A256KW, 10000 iterations" test "$(jhdr "$ptok" 'j["alg"]+" "+str(j["p2c"])')" = "PBES2-HS512+A256KW 10000"
run decrypt --allow-pbes2 --password-file "$T/pw" "$ptok"
check "decrypt --allow-pbes2 --password-file" cmp -s "$T/out" "$T/pt.bin"
expect_fail "... the wrong password" 1 decrypt_failed decrypt --allow-pbes2 --password-file "$T/pw2" "$ptok"
expect_fail "... without --allow-pbes2" 2 usage decrypt --password-file "$T/pw" "$ptok"
expect_fail "... with a key" 1 alg_not_allowed decrypt --key "$T/kw.jwk" --allow-pbes2 "$ptok"
expect_fail "an empty password file" 2 invalid_arg encrypt --password-file "$T/empty" "$T/pt.bin"
expect_fail "a password file on stdin" 2 usage encrypt --password-file - "$T/pt.bin"
expect_ok "keygen --password-file" keygen ES256 --password-file "$T/pw" -o "$T/sig.jwe"
check "... a compact JWE in a 0600 file" bash -c '[ "$(stat -c %a "$0")" = 600 ] && [ "$(tr -cd . <"$0" | wc -c)" = 4 ]' "$T/sig.jwe"
check "... cty jwk+json, 210000 iterations" test "$(jhdr "$(cat "$T/sig.jwe")" 'j["cty"]+" "+str(j["p2c"])')" = "jwk+json 210000"
expect_ok "keygen ECDH-ES --password-file" keygen ECDH-ES --password-file "$T/pw" -o "$T/enc.jwe"
expect_fail "keygen --password-file --pem" 2 usage keygen ES256 --password-file "$T/pw" --pem
expect_ok "sign with an encrypted JWK" sign --key "$T/sig.jwe" --password-file "$T/pw" --now $NOW --sub s
stok=$OUT
expect_fail "... without --password-file" 2 usage sign --key "$T/sig.jwe" --now $NOW
expect_fail "... with the wrong password" 2 decrypt_failed sign --key "$T/sig.jwe" --password-file "$T/pw2" --now $NOW
expect_ok "encrypt to the public half, decrypt with the encrypted JWK" encrypt --key <($PY - "$T/enc.jwe" "$T/pw" <<'EOF'
import json, sys
from jwcrypto import jwe, jwk
t = jwe.JWE()
t.deserialize(open(sys.argv[1]).read().strip(), jwk.JWK.from_password(open(sys.argv[2], 'rb').read().rstrip(b'\n').decode()))
print(jwk.JWK.from_json(t.payload).export_public())
EOF
) "$T/pt.bin"
run decrypt --key "$T/enc.jwe" --password-file "$T/pw" "$OUT"
check "decrypt --password-file with a key jwcrypto read" cmp -s "$T/out" "$T/pt.bin"

# ---- nested JWTs
"$W" keygen ES256 -o "$T/s.jwk"
"$W" pubkey "$T/s.jwk" >"$T/s.pub"
expect_ok "sign --encrypt-to" sign --key "$T/s.jwk" --sub alice --now $NOW --encrypt-to "$T/x.pub"
ntok=$OUT
check "... a compact JWE with cty JWT" test "$(jhdr "$ntok" 'j["cty"]')" = JWT -a "$(tr -cd . <<<"$ntok" | wc -c)" = 4
expect_ok "verify --decrypt-key" verify --key "$T/s.pub" --decrypt-key "$T/x.jwk" --now $NOW "$ntok"
check "... prints the claims" test "$(json_get - 'j["sub"]' <<<"$OUT")" = alice
expect_fail "... expired" 1 expired verify --key "$T/s.pub" --decrypt-key "$T/x.jwk" --now $((NOW + 3600)) "$ntok"
expect_fail "... signed by another key" 1 key_not_found verify --key <("$W" keygen ES256 | "$W" pubkey) --decrypt-key "$T/x.jwk" --now $NOW "$ntok"
expect_fail "a nested JWT without --decrypt-key" 1 unsupported verify --key "$T/s.pub" --now $NOW "$ntok"
expect_fail "a plain JWS with --decrypt-key" 1 unsupported verify --key "$T/s.pub" --decrypt-key "$T/x.jwk" --now $NOW "$stok"
expect_fail "a JWE of claims, not signed (no cty JWT)" 1 claim_mismatch verify --key "$T/s.pub" --decrypt-key "$T/x.jwk" --now $NOW "$(echo '{"sub":"mallory","exp":9999999999}' | "$W" encrypt --key "$T/x.pub")"
expect_fail "a JWE saying cty JWT around claims" 1 malformed verify --key "$T/s.pub" --decrypt-key "$T/x.jwk" --now $NOW "$(echo '{"sub":"mallory"}' | "$W" encrypt --cty JWT --key "$T/x.pub")"
expect_fail "--encrypt-to with --json" 2 usage sign --key "$T/s.jwk" --json --encrypt-to "$T/x.pub"
expect_fail "--encrypt-to a signing key" 2 alg_not_allowed sign --key "$T/s.jwk" --encrypt-to "$T/s.pub"
expect_fail "--password-file without --decrypt-key" 2 usage verify --key "$T/s.pub" --password-file "$T/pw" "$stok"

# ---- JWS JSON serializations
"$W" keygen RS256 -o "$T/r.jwk"
"$W" pubkey "$T/r.jwk" >"$T/r.pub"
expect_ok "sign --json" sign --key "$T/s.jwk" --sub bob --now $NOW --json
printf '%s\n' "$OUT" >"$T/flat.json"
check "... flattened" test "$(json_get "$T/flat.json" 'sorted(j)')" = "['payload', 'protected', 'signature']"
IN="$T/flat.json" expect_ok "verify a flattened JSON JWS" verify --key "$T/s.pub" --now $NOW
check "... prints the claims" test "$(json_get - 'j["sub"]' <<<"$OUT")" = bob
IN="$T/flat.json" expect_fail "... expired" 1 expired verify --key "$T/s.pub" --now $((NOW + 3600))
expect_ok "sign --json with two keys" sign --key "$T/s.jwk" --key "$T/r.jwk" --sub bob --now $NOW --json
printf '%s\n' "$OUT" >"$T/gen.json"
check "... general, two signatures" test "$(json_get "$T/gen.json" 'len(j["signatures"])')" = 2
for k in s r; do
  IN="$T/gen.json" expect_ok "verify the general JSON with the $k key only" verify --key "$T/$k.pub" --now $NOW
done
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); j["payload"]=j["payload"][:-2]+"fQ"; print(json.dumps(j))' "$T/gen.json" >"$T/gen2.json"
IN="$T/gen2.json" expect_fail "a changed payload" 1 bad_signature verify --key "$T/s.pub" --now $NOW
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); s=j["signatures"][0]; s["header"]={"alg":"ES256"}; print(json.dumps(j))' "$T/gen.json" >"$T/gen3.json"
IN="$T/gen3.json" expect_fail "alg in both header parts" 1 malformed verify --key "$T/s.pub" --now $NOW
expect_fail "two keys without --json" 2 usage sign --key "$T/s.jwk" --key "$T/r.jwk"
IN="$T/s.jwk" expect_fail "a JWK is still not a token" 1 malformed verify --key "$T/s.pub" --now $NOW
check "... looks like JSON" grep -q 'looks like JSON' "$T/err"

# ---- detached payloads
printf 'release 1.0\n' >"$T/rel.txt"
printf 'release 1.1\n' >"$T/rel2.txt"
expect_ok "sign --detached" sign --key "$T/s.jwk" --detached "$T/rel.txt"
dtok=$OUT
check "... an empty payload segment, no typ" test -z "$(segment "$dtok" 1)" -a "$(jhdr "$dtok" 'j.get("typ")')" = None
expect_ok "verify --detached" verify --key "$T/s.pub" --detached "$T/rel.txt" "$dtok"
check "... prints nothing" test -z "$OUT"
expect_fail "verify --detached, another file" 1 bad_signature verify --key "$T/s.pub" --detached "$T/rel2.txt" "$dtok"
expect_fail "verify --detached of an attached JWS" 1 malformed verify --key "$T/s.pub" --detached "$T/rel.txt" "$stok"
expect_fail "verify --detached with claims flags" 2 usage verify --key "$T/s.pub" --detached "$T/rel.txt" --iss x "$dtok"
expect_fail "sign --detached with claims" 2 usage sign --key "$T/s.jwk" --detached "$T/rel.txt" --sub x
expect_ok "sign --detached --json" sign --key "$T/s.jwk" --detached "$T/rel.txt" --json
printf '%s\n' "$OUT" >"$T/det.json"
check "... no payload member" test "$(json_get "$T/det.json" '"payload" in j')" = False
IN="$T/det.json" expect_ok "verify --detached of JSON" verify --key "$T/s.pub" --detached "$T/rel.txt"
IN="$T/det.json" expect_fail "... another file" 1 bad_signature verify --key "$T/s.pub" --detached "$T/rel2.txt"

# ---- jwcrypto on the other side
$PY - "$T" <<'EOF' >"$T/py.out" 2>&1
import json, sys
from jwcrypto import jwe, jwk, jws
T = sys.argv[1]
x = jwk.JWK.from_json(open(T + '/x.pub').read())
t = jwe.JWE(b'from jwcrypto', json.dumps({'alg': 'ECDH-ES+A256KW', 'enc': 'A128CBC-HS256', 'kid': x['kid']}))
t.add_recipient(x)
open(T + '/py1.jwe', 'w').write(t.serialize(compact=True))
r = jwk.JWK.from_json(open(T + '/rsa.pub').read())
t = jwe.JWE(b'old style', json.dumps({'alg': 'RSA1_5', 'enc': 'A128GCM', 'kid': r['kid']}), algs=['RSA1_5', 'A128GCM'])
t.add_recipient(r)
open(T + '/py2.jwe', 'w').write(t.serialize(compact=True))
for name in ('x', 'rsa'):  # wristband's tokens, read by jwcrypto
    t = jwe.JWE()
    t.deserialize(open(T + '/' + name + '.jwe').read().strip(), jwk.JWK.from_json(open(T + '/' + name + '.jwk').read()))
    assert t.payload == open(T + '/pt.bin', 'rb').read(), name
s = jws.JWS()
s.deserialize(open(T + '/gen.json').read(), jwk.JWK.from_json(open(T + '/r.pub').read()))
print('ok')
EOF
check "jwcrypto reads wristband's JWEs and JSON JWS ($(tail -1 "$T/py.out"))" test "$(tail -1 "$T/py.out")" = ok
run decrypt --key "$T/x.jwk" "$(cat "$T/py1.jwe")"
check "decrypt a jwcrypto JWE" test "$OUT" = "from jwcrypto"
json_get "$T/rsa.jwk" 'json.dumps({m: v for m, v in j.items() if m != "alg"})' >"$T/rsan.jwk"
expect_fail "RSA1_5 with a key pinned to RSA-OAEP-256" 1 alg_not_allowed decrypt --key "$T/rsa.jwk" --allow-rsa1_5 "$(cat "$T/py2.jwe")"
expect_fail "RSA1_5 without --allow-rsa1_5" 1 alg_not_allowed decrypt --key "$T/rsan.jwk" "$(cat "$T/py2.jwe")"
run decrypt --key "$T/rsan.jwk" --allow-rsa1_5 "$(cat "$T/py2.jwe")"
check "RSA1_5 with --allow-rsa1_5" test "$OUT" = "old style"

summary
