#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/cli/remote.sh - the keys and revocations that follow an issuer (verify --jwks-url,
# --issuer-url, --keys-cache, --revocations, --client; jwks --fetch) against a real HTTP server on
# loopback (httpdir.py, serving files this script writes), and every refusal of those options.
. "$(dirname "$0")/lib.sh"
export http_proxy= https_proxy= HTTP_PROXY= HTTPS_PROXY= no_proxy='*'

WWW=$T/www
mkdir -p "$WWW/.well-known"
$PY "$(dirname "$0")/httpdir.py" "$WWW" "$T/port" &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
BASE=http://127.0.0.1:$(cat "$T/port")

"$W" keygen ES256 --kid k1 -o "$T/k1.jwk"
"$W" jwks "$T/k1.jwk" >"$WWW/jwks.json"
echo '{"keys":[]}' >"$WWW/empty.json"
printf '{"issuer":"%s","jwks_uri":"%s/jwks.json"}' "$BASE" "$BASE" >"$WWW/.well-known/openid-configuration"
TOK=$("$W" sign --key "$T/k1.jwk" --iss "$BASE" --exp 10m)
JTI_TOK=$("$W" sign --key "$T/k1.jwk" --iss "$BASE" --exp 10m --jti)
JTI=$(printf '%s' "$JTI_TOK" | cut -d. -f2 | $PY -c 'import sys,base64,json; s=sys.stdin.read().strip(); print(json.loads(base64.urlsafe_b64decode(s+"="*(-len(s)%4)))["jti"])')

# jwks --fetch: the keys a follower would trust, and its refusals.
expect_ok "jwks --fetch" jwks --fetch "$BASE/jwks.json" --allow-http
check "jwks --fetch prints the key" [ "$(json_get "$T/out" 'j["keys"][0]["kid"]')" = k1 ]
expect_fail "jwks --fetch twice" 2 usage jwks --fetch "$BASE/jwks.json" --fetch "$BASE/jwks.json" --allow-http
expect_fail "jwks --fetch with a KEY" 2 usage jwks --fetch "$BASE/jwks.json" --allow-http "$T/k1.jwk"
expect_fail "jwks --allow-http without --fetch" 2 usage jwks --allow-http "$T/k1.jwk"
expect_fail "jwks --ca-file without --fetch" 2 usage jwks --ca-file "$T/k1.jwk" "$T/k1.jwk"
expect_fail "jwks --fetch of http without --allow-http" 2 '[a-z_]+' jwks --fetch "$BASE/jwks.json"
expect_fail "jwks --fetch of a missing file" 2 '[a-z_]+' jwks --fetch "$BASE/nothing.json" --allow-http
expect_fail "jwks --fetch over TLS from a plain server" 2 '[a-z_]+' jwks --fetch \
  "https://127.0.0.1:$(cat "$T/port")/jwks.json" --ca-file "$T/k1.jwk"

# verify --jwks-url and --issuer-url.
expect_ok "verify --jwks-url" verify --jwks-url "$BASE/jwks.json" --allow-http --iss "$BASE" "$TOK"
check "verify --jwks-url prints the claims" [ "$(json_get "$T/out" 'j["iss"]')" = "$BASE" ]
expect_ok "verify --issuer-url" verify --issuer-url "$BASE" --allow-http "$TOK"
check "verify --issuer-url prints the claims" [ "$(json_get "$T/out" 'j["iss"]')" = "$BASE" ]
expect_fail "verify --jwks-url and --issuer-url" 2 usage verify --jwks-url "$BASE/jwks.json" \
  --issuer-url "$BASE" --allow-http "$TOK"
expect_fail "verify --jwks-url twice" 2 usage verify --jwks-url "$BASE/jwks.json" \
  --jwks-url "$BASE/jwks.json" --allow-http "$TOK"
expect_fail "verify --allow-http alone" 2 usage verify --key "$T/k1.jwk" --allow-http "$TOK"
expect_fail "verify --keys-cache alone" 2 usage verify --key "$T/k1.jwk" --keys-cache "$T/cache" "$TOK"
check "a refused --keys-cache writes nothing" [ ! -e "$T/cache" ]
expect_fail "verify --client without --revocations" 2 usage verify --jwks-url "$BASE/jwks.json" \
  --allow-http --client "c:$T/k1.jwk" "$TOK"
expect_fail "verify --jwks-url of a key set with no key" 2 '[a-z_]+' verify --jwks-url "$BASE/empty.json" \
  --allow-http "$TOK"
expect_fail "verify --jwks-url of a missing file" 2 '[a-z_]+' verify --jwks-url "$BASE/nothing.json" \
  --allow-http "$TOK"
expect_fail "verify --ca-file over TLS from a plain server" 2 '[a-z_]+' verify --jwks-url \
  "https://127.0.0.1:$(cat "$T/port")/jwks.json" --ca-file "$T/k1.jwk" "$TOK"

# --keys-cache: kept on a good fetch; a one-shot verify asks the issuer first and takes the file's
# keys only when the issuer does not answer (saying so), so a key the issuer dropped is not
# trusted on the file's word.
expect_ok "verify --keys-cache, issuer up" verify --jwks-url "$BASE/jwks.json" --allow-http \
  --keys-cache "$T/cache" --iss "$BASE" "$TOK"
check "the keys cache was written" [ -s "$T/cache" ]
check "... with the key" grep -q '"kid":"k1"' "$T/cache"
mv "$WWW/jwks.json" "$WWW/jwks.gone"
run verify --jwks-url "$BASE/jwks.json" --allow-http --keys-cache "$T/cache" --iss "$BASE" "$TOK"
if [ "$RC" -eq 0 ] && [ "$(json_get "$T/out" 'j["iss"]')" = "$BASE" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
  grep -q "^wristband verify: warning: using cached keys ([0-9]* s old): " "$T/err"; then ok; else
  bad "verify --keys-cache, issuer down: exit $RC, stderr: $ERR"
fi
"$W" keygen ES256 --kid k2 -o "$T/k2.jwk"
"$W" jwks "$T/k2.jwk" >"$WWW/jwks.json" # the issuer drops k1 for k2
expect_fail "verify --keys-cache: a key the issuer dropped" 1 key_not_found verify --jwks-url "$BASE/jwks.json" \
  --allow-http --keys-cache "$T/cache" --iss "$BASE" "$TOK"
check "... the cache now holds the issuer's keys" grep -q '"kid":"k2"' "$T/cache"
check "... and not the dropped one" not_grep '"kid":"k1"' "$T/cache"
mv "$WWW/jwks.gone" "$WWW/jwks.json"

# --revocations and --client: a revoked jti is rejected; a feed that does not answer is exit 2.
printf 'hunter2-secret\r\n' >"$T/client.secret"
printf '{"cursor":"1","jtis":[{"jti":"%s","until":4102444800}]}' "$JTI" >"$WWW/revocations"
REV=(verify --jwks-url "$BASE/jwks.json" --allow-http --iss "$BASE")
expect_ok "a token whose jti is not revoked passes" "${REV[@]}" --revocations "$BASE/revocations" \
  --client "c1:$T/client.secret" "$TOK"
expect_fail "a token whose jti is revoked is rejected" 1 revoked "${REV[@]}" \
  --revocations "$BASE/revocations" --client "c1:$T/client.secret" "$JTI_TOK"
expect_fail "a revocation feed that does not answer" 2 '[a-z_]+' "${REV[@]}" \
  --revocations "$BASE/no-feed" "$TOK"
printf 'not json' >"$WWW/bad-feed"
expect_fail "a revocation feed that is not JSON" 2 '[a-z_]+' "${REV[@]}" --revocations "$BASE/bad-feed" "$TOK"
expect_fail "--client without a colon" 2 usage "${REV[@]}" --revocations "$BASE/revocations" --client c1 "$TOK"
expect_fail "--client without a name" 2 usage "${REV[@]}" --revocations "$BASE/revocations" \
  --client ":$T/client.secret" "$TOK"
expect_fail "--client without a file" 2 usage "${REV[@]}" --revocations "$BASE/revocations" --client "c1:" "$TOK"
expect_fail "--client with a missing file" 2 io "${REV[@]}" --revocations "$BASE/revocations" \
  --client "c1:$T/none" "$TOK"
printf 'a\0b' >"$T/nul.secret"
expect_fail "--client secret holding a NUL" 2 usage "${REV[@]}" --revocations "$BASE/revocations" \
  --client "c1:$T/nul.secret" "$TOK"
expect_fail "--revocations of http without --allow-http" 2 '[a-z_]+' verify --key "$T/k1.jwk" \
  --iss "$BASE" --revocations "$BASE/revocations" "$TOK"

expect_ok "--revocations over http with a --key file" verify --key "$T/k1.jwk" --allow-http --iss "$BASE" \
  --revocations "$BASE/revocations" "$TOK"
expect_fail "... and the revoked jti" 1 revoked verify --key "$T/k1.jwk" --allow-http --iss "$BASE" \
  --revocations "$BASE/revocations" "$JTI_TOK"
: >"$T/empty.secret"
expect_fail "--client secret file that is empty" 2 usage "${REV[@]}" --revocations "$BASE/revocations" \
  --client "c1:$T/empty.secret" "$TOK"
printf '\r\n' >"$T/blank.secret"
expect_fail "--client secret that is only a line end" 2 usage "${REV[@]}" --revocations "$BASE/revocations" \
  --client "c1:$T/blank.secret" "$TOK"

summary
