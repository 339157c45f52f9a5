#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/attacks.sh - every attack of the core issue (issue 2, "Tests"), through the CLI: each
# forged token must be rejected with exit 1, one line on stderr and nothing on stdout. Each case
# asserts the one reason word the library gives for it (never an alternative), so a change of the
# library's answer is seen here.
. "$(dirname "$0")/lib.sh"
FORGE="$PY $(dirname "$0")/forge.py"
EXP=$((NOW + 600))
P="{\"sub\":\"admin\",\"exp\":$EXP}"

"$W" keygen HS256 --kid h >"$T/h.jwk"
"$W" keygen ES256 --kid e >"$T/e.jwk"
"$W" pubkey "$T/e.jwk" >"$T/e.pub"
"$W" keygen RS256 --kid r >"$T/r.jwk"
"$W" pubkey "$T/r.jwk" >"$T/r.pub"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub.pem" 2>/dev/null
"$W" keygen ES256 --kid e >"$T/attacker.jwk"
"$W" jwks "$T/e.pub" "$T/r.pub" >"$T/set.jwks"
good=$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h"}' "$P")
expect_ok "control: a good HS256 token verifies" verify --key "$T/h.jwk" --now $NOW "$good"

# alg none, any case, with and without a signature
for alg in none None NONE nOnE; do
  for k in h.jwk e.pub set.jwks; do
    expect_fail "alg $alg, key $k" 1 alg_not_allowed verify --key "$T/$k" --now $NOW "$($FORGE raw "{\"alg\":\"$alg\"}" "$P" "")"
  done
  expect_fail "alg $alg with a signature" 1 alg_not_allowed verify --key "$T/h.jwk" --now $NOW "$($FORGE raw "{\"alg\":\"$alg\",\"kid\":\"h\"}" "$P" AAAA)"
done
expect_fail "alg missing" 1 malformed verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"kid":"h"}' "$P")"

# HMAC keyed with the RSA public key, as PEM text and as JWK text
expect_fail "HS256 keyed with the RSA public PEM" 1 alg_not_allowed verify --key "$T/rsa.pub.pem" --now $NOW "$($FORGE hmac "$T/rsa.pub.pem" HS256 '{"alg":"HS256"}' "$P")"
expect_fail "HS256 keyed with the RSA public JWK" 1 alg_not_allowed verify --key "$T/r.pub" --now $NOW "$($FORGE hmac "$T/r.pub" HS256 '{"alg":"HS256","kid":"r"}' "$P")"
expect_fail "HS512 keyed with the EC public JWK" 1 alg_not_allowed verify --key "$T/e.pub" --now $NOW "$($FORGE hmac "$T/e.pub" HS512 '{"alg":"HS512","kid":"e"}' "$P")"
expect_fail "HS256 keyed with a JWKS" 1 alg_not_allowed verify --jwks "$T/set.jwks" --now $NOW "$($FORGE hmac "$T/set.jwks" HS256 '{"alg":"HS256","kid":"r"}' "$P")"

# HMAC with an empty or short key
expect_fail "HS256 with an empty key" 1 bad_signature verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac - HS256 '{"alg":"HS256","kid":"h"}' "$P")"
printf 'x' >"$T/short"
expect_fail "HS256 with a 1-byte key" 1 bad_signature verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/short" HS256 '{"alg":"HS256","kid":"h"}' "$P")"

# ECDSA: r = 0, s = 0, r or s >= n, DER-encoded signatures, wrong lengths
N=FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
EH=$($PY -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.argv[1].encode()).rstrip(b"=").decode())' '{"alg":"ES256","kid":"e"}')
EP=$($PY -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.argv[1].encode()).rstrip(b"=").decode())' "$P")
sig() { $PY -c 'import base64,sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).rstrip(b"=").decode())' "$1"; }
Z=$(printf '0%.0s' $(seq 64))
ONE=$(printf '0%.0s' $(seq 63))1
expect_fail "ECDSA r = s = 0" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$EH.$EP.$(sig $Z$Z)"
expect_fail "ECDSA r = 0" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$EH.$EP.$(sig $Z$ONE)"
expect_fail "ECDSA s = 0" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$EH.$EP.$(sig $ONE$Z)"
expect_fail "ECDSA r = n" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$EH.$EP.$(sig $N$ONE)"
expect_fail "ECDSA s = n" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$EH.$EP.$(sig $ONE$N)"
expect_fail "ECDSA r, s = ff..ff" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$EH.$EP.$(sig $(printf 'f%.0s' $(seq 128)))"
good_es=$($FORGE key "$T/e.jwk" ES256 '{"alg":"ES256","kid":"e"}' "$P")
expect_ok "control: a good ES256 token verifies" verify --key "$T/e.pub" --now $NOW "$good_es"
der=$($PY -c '
import base64, sys
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
h, p, s = sys.argv[1].split(".")
raw = base64.urlsafe_b64decode(s + "==")
d = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
print(h + "." + p + "." + base64.urlsafe_b64encode(d).rstrip(b"=").decode())' "$good_es")
expect_fail "ECDSA DER-encoded signature" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$der"
expect_fail "ECDSA signature one byte short" 1 bad_signature verify --key "$T/e.pub" --now $NOW "${good_es%.*}.$(sig $(printf 'ab%.0s' $(seq 63)))"

# same-family substitution: an RS512 token against an RS256-pinned key
# (the same RSA key without its alg, so that jwcrypto signs other algorithms with it)
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); j.pop("alg"); print(json.dumps(j))' "$T/r.jwk" >"$T/r.noalg.jwk"
rs512=$($FORGE key "$T/r.noalg.jwk" RS512 '{"alg":"RS512","kid":"r"}' "$P")
expect_fail "RS512 token, RS256-pinned key" 1 alg_not_allowed verify --key "$T/r.pub" --now $NOW "$rs512"
ps256=$($FORGE key "$T/r.noalg.jwk" PS256 '{"alg":"PS256","kid":"r"}' "$P")
expect_fail "PS256 token, RS256-pinned key" 1 alg_not_allowed verify --key "$T/r.pub" --now $NOW "$ps256"
es384=$($FORGE raw '{"alg":"ES384","kid":"e"}' "$P" "$(sig $(printf 'ab%.0s' $(seq 96)))")
expect_fail "ES384 token, P-256 key" 1 alg_not_allowed verify --key "$T/e.pub" --now $NOW "$es384"

# tampered payload, header and signature
tp=$($PY -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.argv[1].encode()).rstrip(b"=").decode())' "{\"sub\":\"root\",\"exp\":$EXP}")
expect_fail "tampered payload" 1 bad_signature verify --key "$T/h.jwk" --now $NOW "${good%%.*}.$tp.${good##*.}"
expect_fail "tampered payload (ES256)" 1 bad_signature verify --key "$T/e.pub" --now $NOW "${good_es%%.*}.$tp.${good_es##*.}"
s=${good##*.}
flip=$([ "${s:0:1}" = A ] && echo B || echo A)${s:1}
expect_fail "tampered signature" 1 bad_signature verify --key "$T/h.jwk" --now $NOW "${good%.*}.$flip"
expect_fail "signature stripped" 1 bad_signature verify --key "$T/h.jwk" --now $NOW "${good%.*}."

# embedded jwk and jku / x5u / x5c headers never choose a key
ajwk=$("$W" pubkey "$T/attacker.jwk")
expect_fail "embedded jwk header" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$($FORGE key "$T/attacker.jwk" ES256 "{\"alg\":\"ES256\",\"kid\":\"e\",\"jwk\":$ajwk}" "$P")"
expect_fail "embedded jwk header, JWKS" 1 bad_signature verify --jwks "$T/set.jwks" --now $NOW "$($FORGE key "$T/attacker.jwk" ES256 "{\"alg\":\"ES256\",\"kid\":\"e\",\"jwk\":$ajwk}" "$P")"
# (the kid names no key of the set: key_not_found shows that the header did not bring a key along)
for h in jku x5u; do
  expect_fail "$h header" 1 key_not_found verify --jwks "$T/set.jwks" --now $NOW "$($FORGE key "$T/attacker.jwk" ES256 "{\"alg\":\"ES256\",\"kid\":\"attacker\",\"$h\":\"https://evil.example/keys\"}" "$P")"
done
expect_fail "x5c header" 1 bad_signature verify --key "$T/e.pub" --now $NOW "$($FORGE key "$T/attacker.jwk" ES256 '{"alg":"ES256","kid":"e","x5c":["MIIB"]}' "$P")"

# crit: unknown entries and b64=false are rejected
expect_fail "unknown crit" 1 unsupported_crit verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h","crit":["exp2"],"exp2":1}' "$P")"
expect_fail "b64=false" 1 unsupported_crit verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h","b64":false,"crit":["b64"]}' "$P")"
expect_fail "empty crit" 1 unsupported_crit verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h","crit":[]}' "$P")"

# duplicate member names
expect_fail "duplicate header member" 1 malformed verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h","alg":"HS256"}' "$P")"
expect_fail "duplicate alg (none second)" 1 malformed verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h","alg":"none"}' "$P")"
expect_fail "duplicate payload member" 1 malformed verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h"}' "{\"sub\":\"a\",\"exp\":$EXP,\"sub\":\"admin\"}")"
expect_fail "duplicate exp" 1 malformed verify --key "$T/h.jwk" --now $NOW "$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h"}' "{\"exp\":1,\"exp\":$EXP}")"

# padded and non-canonical base64url
expect_fail "padded signature" 1 malformed verify --key "$T/h.jwk" --now $NOW "${good}="
h=${good%%.*}
expect_fail "padded header" 1 malformed verify --key "$T/h.jwk" --now $NOW "$h==.${good#*.}"
expect_fail "standard base64 alphabet" 1 malformed verify --key "$T/h.jwk" --now $NOW "$(printf '%s' "$good" | tr -- '-_' '+/')x+/"
last=${s: -1}
nc=$($PY -c '
import sys
a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
c = sys.argv[1]
print(a[a.index(c) | 1] if a.index(c) | 1 != a.index(c) else a[a.index(c) | 2])' "$last")
expect_fail "non-canonical trailing bits" 1 malformed verify --key "$T/h.jwk" --now $NOW "${good%?}$nc"
expect_fail "whitespace inside a segment" 1 malformed verify --key "$T/h.jwk" --now $NOW "${good:0:5}%${good:5}"

# oversize and deep
expect_fail "oversize token" 1 too_large verify --key "$T/h.jwk" --now $NOW "$(head -c 70000 /dev/zero | tr '\0' a)"
deep=$($FORGE hmac "$T/h.jwk" HS256 '{"alg":"HS256","kid":"h"}' "{\"exp\":$EXP,\"x\":$(printf '{"a":%.0s' $(seq 70))1$(printf '}%.0s' $(seq 70))}")
expect_fail "deep nesting" 1 malformed verify --key "$T/h.jwk" --now $NOW "$deep"

# claims: expired, not yet valid, iat in the future, wrong iss / aud / typ, missing exp
HDR='{"alg":"HS256","kid":"h"}'
c() { $FORGE hmac "$T/h.jwk" HS256 "${2:-$HDR}" "$1"; }
expect_fail "expired" 1 expired verify --key "$T/h.jwk" --now $NOW "$(c "{\"exp\":$((NOW - 1))}")"
expect_fail "nbf in the future" 1 not_yet_valid verify --key "$T/h.jwk" --now $NOW "$(c "{\"exp\":$EXP,\"nbf\":$((NOW + 60))}")"
expect_fail "iat in the future" 1 iat_in_future verify --key "$T/h.jwk" --now $NOW "$(c "{\"exp\":$EXP,\"iat\":$((NOW + 60))}")"
expect_fail "wrong iss" 1 claim_mismatch verify --key "$T/h.jwk" --now $NOW --iss good "$(c "{\"exp\":$EXP,\"iss\":\"evil\"}")"
expect_fail "missing iss" 1 missing_claim verify --key "$T/h.jwk" --now $NOW --iss good "$(c "{\"exp\":$EXP}")"
expect_fail "wrong aud" 1 claim_mismatch verify --key "$T/h.jwk" --now $NOW --aud api "$(c "{\"exp\":$EXP,\"aud\":[\"web\",\"apix\"]}")"
expect_fail "aud not a string" 1 malformed verify --key "$T/h.jwk" --now $NOW --aud api "$(c "{\"exp\":$EXP,\"aud\":[[\"api\"]]}")"
expect_fail "wrong typ" 1 claim_mismatch verify --key "$T/h.jwk" --now $NOW --typ at+jwt "$(c "{\"exp\":$EXP}" '{"alg":"HS256","kid":"h","typ":"JWT"}')"
expect_fail "missing typ" 1 claim_mismatch verify --key "$T/h.jwk" --now $NOW --typ at+jwt "$(c "{\"exp\":$EXP}")"
expect_fail "missing exp" 1 missing_claim verify --key "$T/h.jwk" --now $NOW "$(c '{"sub":"a"}')"
expect_fail "exp as a string" 1 malformed verify --key "$T/h.jwk" --now $NOW "$(c '{"exp":"9999999999"}')"
expect_fail "payload not an object" 1 malformed verify --key "$T/h.jwk" --now $NOW "$(c '[1]')"
expect_fail "header not an object" 1 malformed verify --key "$T/h.jwk" --now $NOW "$(c "{\"exp\":$EXP}" '"HS256"')"

summary
