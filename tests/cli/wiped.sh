#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/wiped.sh - HMAC secrets given to the CLI (--secret-file, --secret-env, --secret-b64)
# are wiped before their buffers go back to malloc, on success and on every failure path: run
# under tests/cli/freescan.c (LD_PRELOAD), no freed buffer may hold the secret's bytes.
# Usage: wiped.sh PATH_TO_WRISTBAND PATH_TO_FREESCAN_SO. Not under ASan (its allocator is its own).
. "$(dirname "$0")/lib.sh"
SCAN=$(realpath "${2:-}")
[ -f "$SCAN" ] || { bad "usage: $0 WRISTBAND FREESCAN_SO"; summary; exit; }

MARKER=QzWbSecretMarkerQz # the raw secret bytes searched for; 54 bytes of secret hold it 3 times
printf '%s%s%s' $MARKER $MARKER $MARKER >"$T/secret"
base64 -w0 <"$T/secret" >"$T/secret.b64"
printf '%s' $MARKER >"$T/short"

# scanned NAME CODE ARGS...: runs wristband under the scanner; exit CODE, no freed secret
scanned() {
  local name=$1 code=$2
  shift 2
  rm -f "$T/log"
  FREESCAN_MARKER=$MARKER FREESCAN_LOG="$T/log" LD_PRELOAD="$SCAN" "$W" "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$?
  if [ "$rc" -ne "$code" ]; then
    bad "$name: exit $rc, wanted $code: $(cat "$T/err")"
  elif [ -s "$T/log" ]; then
    bad "$name: a freed buffer held the secret: $(head -20 "$T/log")"
  else
    ok
  fi
}

# the scanner itself: a control that must find the marker (decode's layout of a payload holding
# it is freed as it is: a token is no secret)
marked=$("$W" sign --secret-file "$T/secret" --claim-string "m=$MARKER" </dev/null)
rm -f "$T/log"
FREESCAN_MARKER=$MARKER FREESCAN_LOG="$T/log" LD_PRELOAD="$SCAN" "$W" decode "$marked" >/dev/null 2>&1
check "control: the scanner sees a freed buffer holding the marker" test -s "$T/log"

tok=$("$W" sign --secret-file "$T/secret" --now $NOW --exp 1h </dev/null)
scanned "sign --secret-file" 0 sign --secret-file "$T/secret"
scanned "verify --secret-file" 0 verify --secret-file "$T/secret" --now $NOW "$tok"
S=$(cat "$T/secret") scanned "sign --secret-env" 0 sign --secret-env S
scanned "sign --secret-b64" 0 sign --secret-b64 "$T/secret.b64"
scanned "verify --secret-b64" 0 verify --secret-b64 "$T/secret.b64" --now $NOW "$tok"
# failure paths: the secret was read, then something is wrong
scanned "a short secret (bad_key)" 2 sign --secret-file "$T/short"
scanned "a bad --alg after the secret" 2 verify --secret-file "$T/secret" --alg HS512 "$tok"
scanned "a rejected token" 1 verify --secret-file "$T/secret" --now $((NOW + 7200)) "$tok"
# --secret-b64 text that decodes almost whole and then fails: what was decoded is wiped too
b64=$(cat "$T/secret.b64")
printf '%s' "${b64%??}.." >"$T/bad-tail.b64"
scanned "--secret-b64 with a bad character at the end" 2 sign --secret-b64 "$T/bad-tail.b64"
$PY -c 'import base64,sys; t=base64.b64encode(open(sys.argv[1],"rb").read()[:-1]).decode(); print(t[:-3] + ("B" if t[-3] != "B" else "C") + "==")' "$T/secret" >"$T/noncanonical.b64"
scanned "--secret-b64 with non-canonical trailing bits" 2 sign --secret-b64 "$T/noncanonical.b64"

# a JWE plaintext is a secret too, compressed (--zip) or not: zlib's own buffers (its window
# holds the last 32 KiB of plaintext) are wiped when the stream ends, the file read is wiped
for i in $(seq 40); do printf '%s ' $MARKER; done >"$T/plain"
"$W" keygen A256KW >"$T/enc.jwk"
jwe=$("$W" encrypt --key "$T/enc.jwk" "$T/plain")
jwez=$("$W" encrypt --key "$T/enc.jwk" --zip "$T/plain")
scanned "encrypt" 0 encrypt --key "$T/enc.jwk" "$T/plain"
scanned "decrypt" 0 decrypt --key "$T/enc.jwk" "$jwe"
scanned "encrypt --zip" 0 encrypt --key "$T/enc.jwk" --zip "$T/plain"
scanned "decrypt --allow-zip" 0 decrypt --key "$T/enc.jwk" --allow-zip "$jwez"

summary
