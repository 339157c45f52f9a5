#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/terminal.sh - terminal injection: the token's bytes are the attacker's, so nothing a
# terminal acts on or that misleads the reader (C1 controls such as CSI U+009B and OSC U+009D,
# bidirectional overrides and isolates such as U+202E and U+2066, line separators, bytes that are
# not UTF-8) reaches a terminal raw: not from decode (terminal view and --json), not from verify,
# not from any error or warning line that quotes a token's value (iss, sub, aud, typ, kid) or a
# file name. In a pipe the token's own bytes are printed unchanged. Terminals are script(1).
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { bad "script(1) is needed to test terminal output"; summary; exit; }

"$W" keygen HS256 --kid h >"$T/h.jwk"
EXP=$((NOW + 600))

# hmac HEADER PAYLOAD: a token HMAC-signed with h.jwk, HEADER and PAYLOAD byte for byte.
hmac() {
  $PY - "$T/h.jwk" "$1" "$2" <<'EOF'
import base64, hashlib, hmac, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
key = base64.urlsafe_b64decode(json.load(open(sys.argv[1]))["k"] + "==")
si = b64(sys.argv[2].encode("utf-8", "surrogateescape")) + "." + b64(sys.argv[3].encode("utf-8", "surrogateescape"))
print(si + "." + b64(hmac.new(key, si.encode(), hashlib.sha256).digest()))
EOF
}

# tty ARGS...: runs wristband under script(1), stdout and stderr both the terminal, into $T/tty
tty() {
  local cmd="'$W'" a
  for a in "$@"; do cmd+=" '$a'"; done
  script -qec "$cmd" /dev/null </dev/null >"$T/tty" 2>&1
}

# raw FILE: 1 when FILE holds a character a terminal must not get raw (grep -P on bytes)
raw() {
  LC_ALL=C grep -Paq '[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]' "$1" ||
    ! $PY -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$1" 2>/dev/null
}
# no_raw NAME FILE: the check that FILE holds nothing raw (ESC of wristband's own colours aside)
no_raw() {
  if raw "$2"; then bad "$1: $(LC_ALL=C od -c "$2" | head -20)"; else ok; fi
}

CSI=$'\302\233'   # U+009B, a one-character CSI on terminals that take C1 controls
OSC=$'\302\235'   # U+009D
RLO=$'\342\200\256' # U+202E RIGHT-TO-LEFT OVERRIDE
LRI=$'\342\201\246' # U+2066 LEFT-TO-RIGHT ISOLATE
RLM=$'\342\200\217' # U+200F RIGHT-TO-LEFT MARK
LS=$'\342\200\250'  # U+2028 LINE SEPARATOR
ALM=$'\330\234'     # U+061C ARABIC LETTER MARK
EVIL="a${CSI}2Jb${OSC}8;;http://x${RLO}c${LRI}d${RLM}e${LS}f${ALM}g"
HDR='{"alg":"HS256","kid":"h"}'
tok=$(hmac "$HDR" "{\"exp\":$EXP,\"iss\":\"$EVIL\",\"${RLO}name\":1}")

# ---- decode and verify on a terminal: shown as \u escapes (the same JSON value)
tty decode "$tok"
no_raw "tty decode: nothing raw" "$T/tty"
check "tty decode: U+009B as \\u009b" grep -q 'a\\u009b2Jb' "$T/tty"
check "tty decode: U+202E as \\u202e" grep -q 'http://x\\u202ec' "$T/tty"
check "tty decode: U+2066, U+200F, U+2028, U+061C escaped" grep -q '\\u2066d\\u200fe\\u2028f\\u061cg' "$T/tty"
check "tty decode: in a member name too" grep -q '"\\u202ename": 1' "$T/tty"
tty decode --json "$tok"
no_raw "tty decode --json: nothing raw" "$T/tty"
check "tty decode --json: still compact JSON with escapes" grep -q '"iss":"a\\u009b2Jb' "$T/tty"
tty verify --key "$T/h.jwk" --now $NOW "$tok"
no_raw "tty verify: nothing raw" "$T/tty"
check "tty verify: U+202E as \\u202e" grep -q 'http://x\\u202ec' "$T/tty"
NO_COLOR=1 tty verify --key "$T/h.jwk" --now $NOW "$tok"
no_raw "tty verify, NO_COLOR: nothing raw" "$T/tty"
check "tty verify, NO_COLOR: no colour" not_grep $'\033\\[' "$T/tty"
TERM=dumb tty verify --key "$T/h.jwk" --now $NOW "$tok"
check "tty verify, TERM=dumb: no colour" not_grep $'\033\\[' "$T/tty"
check "tty verify, TERM=dumb: still escaped" grep -q 'http://x\\u202ec' "$T/tty"
NO_COLOR= tty verify --key "$T/h.jwk" --now $NOW "$tok"
check "tty verify, NO_COLOR empty: colour (no-color.org: set and not empty)" grep -q $'^\033\\[' "$T/tty"

# ---- decrypt on a terminal: bytes that are not UTF-8 (overlong, surrogate, past U+10FFFF, a lead
# byte no sequence has, a cut sequence) as \xNN, a bidi mark as \uXXXX
"$W" keygen A256KW -o "$T/kw.jwk"
printf 'x\300\257 \355\240\200 \364\220\200\200 \365 \342\200\216 \342\202' >"$T/odd.pt"
"$W" encrypt --key "$T/kw.jwk" "$T/odd.pt" >"$T/odd.jwe"
script -qec "'$W' decrypt --key '$T/kw.jwk' - <'$T/odd.jwe'" /dev/null >"$T/tty" 2>&1
no_raw "tty decrypt: nothing raw" "$T/tty"
check "tty decrypt: each odd byte escaped" grep -qF 'x\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xf5 \u200e \xe2\x82' "$T/tty"

# ---- in a pipe: the token's own bytes, unchanged
expect_ok "pipe decode" decode "$tok"
check "pipe decode: the bytes as the token has them" grep -qF "\"iss\":\"$EVIL\"" "$T/out"
expect_ok "pipe verify" verify --key "$T/h.jwk" --now $NOW "$tok"
check "pipe verify: the bytes as the token has them" grep -qF "\"iss\":\"$EVIL\"" "$T/out"

# ---- error lines quoting a token's value: one line, nothing raw
err_case() {
  local name=$1 reason=$2
  shift 2
  expect_fail "$name" 1 "$reason" "$@"
  no_raw "$name: nothing raw on stderr" "$T/err"
}
err_case "iss mismatch" claim_mismatch verify --key "$T/h.jwk" --now $NOW --iss good "$tok"
sub=$(hmac "$HDR" "{\"exp\":$EXP,\"sub\":\"$EVIL\"}")
err_case "sub mismatch" claim_mismatch verify --key "$T/h.jwk" --now $NOW --sub good "$sub"
aud=$(hmac "$HDR" "{\"exp\":$EXP,\"aud\":[\"$EVIL\"]}")
err_case "aud mismatch" claim_mismatch verify --key "$T/h.jwk" --now $NOW --aud good "$aud"
err_case "aud present, none expected" claim_mismatch verify --key "$T/h.jwk" --now $NOW "$aud"
typ=$(hmac "{\"alg\":\"HS256\",\"kid\":\"h\",\"typ\":\"$EVIL\"}" "{\"exp\":$EXP}")
err_case "typ mismatch" claim_mismatch verify --key "$T/h.jwk" --now $NOW --typ JWT "$typ"
kid=$(hmac "{\"alg\":\"HS256\",\"kid\":\"$EVIL\"}" "{\"exp\":$EXP}")
err_case "kid not found" key_not_found verify --key "$T/h.jwk" --now $NOW "$kid"
# a value cut to 48 bytes in the middle of a character: the line is still UTF-8
cut=$(hmac "$HDR" "{\"exp\":$EXP,\"iss\":\"$(printf 'x%.0s' $(seq 46))${RLO}${RLO}\"}")
err_case "iss cut inside a character" claim_mismatch verify --key "$T/h.jwk" --now $NOW --iss good "$cut"
# the same on a terminal, stderr included
tty verify --key "$T/h.jwk" --now $NOW --iss good "$tok"
no_raw "tty: the iss mismatch line" "$T/tty"

# ---- decrypt: a JWE's plaintext is anyone's (whoever has the public key wrote it), so on a
# terminal what it would act on is shown escaped, with a warning; in a pipe, its bytes unchanged
"$W" keygen A256KW >"$T/enc.jwk"
printf 'x\033]52;c;cHduZWQ=\007y%s\rz\377\n' "$EVIL" >"$T/evil.txt"
jwe=$("$W" encrypt --key "$T/enc.jwk" "$T/evil.txt")
tty decrypt --key "$T/enc.jwk" "$jwe"
no_raw "tty decrypt: nothing raw" "$T/tty"
check "tty decrypt: no raw ESC ] (OSC)" bash -c '! grep -q $'"'"'\033]'"'"' "$1"' _ "$T/tty"
check "tty decrypt: ESC, BEL and CR as \\u escapes" grep -qF 'x\u001b]52;c;cHduZWQ=\u0007y' "$T/tty"
check "tty decrypt: U+009B, U+202E escaped" grep -qF 'a\u009b2Jb\u009d8;;http://x\u202ec' "$T/tty"
check "tty decrypt: a byte that is not UTF-8 as \\xff" grep -qF 'z\xff' "$T/tty"
check "tty decrypt: a warning says so" grep -q 'shown escaped' "$T/tty"
expect_ok "pipe decrypt" decrypt --key "$T/enc.jwk" "$jwe"
check "pipe decrypt: the plaintext's bytes unchanged" cmp -s "$T/out" "$T/evil.txt"

# a file name with such characters, quoted by an error
expect_fail "a KEY file name with C1 and bidi characters" 2 io verify --key "$T/k${CSI}${RLO}" "$tok"
no_raw "file name: nothing raw on stderr" "$T/err"

summary
