#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/edges.sh - the CLI's refusals that the other scripts do not reach (issue 16): `store`
# usage errors, key output to what is not a regular file or into a missing directory, conflicting
# key sources, a key file of blanks. Each must exit with its code and one line on stderr, print
# nothing on stdout and leave no file behind.
. "$(dirname "$0")/lib.sh"

# store: every wrong combination is a usage error, before any store is opened (none is created).
cd "$T" || exit 2
expect_fail "store without a subcommand" 2 usage store
expect_fail "store with an unknown subcommand" 2 usage store vacuum
expect_fail "store migrate with an extra argument" 2 usage store migrate extra
expect_fail "store migrate with --from" 2 usage store migrate --from "sqlite:$T/a.db"
expect_fail "store migrate with --kek-file" 2 usage store migrate --kek-file "$T/kek"
expect_fail "store copy without --to" 2 usage store copy --from "sqlite:$T/a.db"
expect_fail "store copy with --store" 2 usage store copy --store "sqlite:$T/c.db" --from "sqlite:$T/a.db" \
  --to "sqlite:$T/b.db"
check "store refusals created nothing" bash -c '[ -z "$(ls -A "$0" | grep -v "^out$\|^err$")" ]' "$T"

# keygen --output: a socket, a FIFO and a missing directory are refused; nothing is created.
$PY -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock"
mkfifo "$T/fifo"
expect_fail "key output to a socket" 2 io keygen HS256 --output "$T/sock"
check "the socket is still a socket" test -S "$T/sock"
expect_fail "key output to a FIFO" 2 io keygen HS256 --output "$T/fifo"
check "the FIFO is still a FIFO" test -p "$T/fifo"
expect_fail "key output into a missing directory" 2 io keygen HS256 --output "$T/missing/k.jwk"
check "no directory was made" test ! -e "$T/missing"
expect_ok "key output to stdout with -o -" keygen HS256 --output -
check "-o - prints the JWK" test "$(json_get - 'j["kty"]' <<<"$OUT")" = oct

# verify: a key and a secret at once is ambiguous.
expect_ok "a key" keygen HS256 --output "$T/hs.jwk"
expect_ok "a token" sign --key "$T/hs.jwk" --sub alice --now "$NOW" --exp 15m
TOKEN=$OUT
S=0123456789abcdef0123456789abcdef expect_fail "a key and a secret at once" 2 usage verify --key "$T/hs.jwk" \
  --secret-env S --now "$NOW" "$TOKEN"

# A key file of blanks is empty, whichever command reads it.
printf '  \n\t\r\n' >"$T/blank.jwk"
expect_fail "verify with a blank key file" 2 malformed verify --key "$T/blank.jwk" --now "$NOW" "$TOKEN"
expect_fail "thumbprint of a blank key file" 2 malformed thumbprint "$T/blank.jwk"

# decrypt cannot read both KEY and TOKEN from stdin.
expect_fail "decrypt with stdin as KEY and TOKEN" 2 usage decrypt --key - -

# -V is --version; help COMMAND is COMMAND --help.
expect_ok "-V" -V
check "-V prints the version" bash -c '[[ "$0" == "wristband "[0-9]* ]]' "$OUT"
expect_ok "help sign" help sign
check "help sign is sign's usage" bash -c '[[ "$0" == "wristband sign "* ]] && [[ "$0" != *"wristband verify"* ]]' "$OUT"

# A binary secret that happens to end in a newline byte is used whole (no warning about a
# stray newline, which is for text files): what signs with it verifies with it.
printf '\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\x01\n' >"$T/bin.key"
expect_ok "sign with a binary secret" sign --secret-file "$T/bin.key" --alg HS256 --now "$NOW" --sub bin
check "no warning for a binary secret" test -z "$ERR"
BINTOKEN=$OUT
expect_ok "verify with the same binary secret" verify --secret-file "$T/bin.key" --now "$NOW" "$BINTOKEN"

summary
