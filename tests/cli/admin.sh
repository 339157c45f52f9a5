#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/admin.sh - the server's admin commands on a SQLite store, from the CLI side (issue
# 16): user add with a password on stdin or typed (none typed: refused, nothing added), client
# add, keys list and rotate, store migrate and copy, every argument refusal of client/keys/store,
# and a configuration that cannot be read. Refusals are one line on stderr and change nothing.
. "$(dirname "$0")/lib.sh"
for v in $(env | grep -o '^WRISTBAND_[A-Z_]*'); do unset "$v"; done
cd "$T" || exit 1
S=sqlite://$T/a.db

expect_ok "store migrate" store migrate --store "$S"
check "... says the schema version" grep -q "is at schema version [0-9]" "$T/err"
printf 'a password without its newline' >"$T/pw"
IN=$T/pw expect_ok "user add, the password's last line unterminated" user add alice --store "$S"
expect_ok "user list" user list --store "$S"
check "... alice" grep -q "^alice	" "$T/out"

# typed on a terminal: ^D at the first prompt gives no password, and no user (timeout: should the
# ^D ever be lost, a failure rather than a hang)
if script -qec true /dev/null >/dev/null 2>&1; then
  printf '\004' | timeout 60 script -qec "'$W' user add bob --store '$S'" /dev/null >"$T/tty" 2>&1
  check "a terminal's empty answer is refused" grep -q "no password given" "$T/tty"
  "$W" user list --store "$S" >"$T/users" 2>/dev/null
  check "... and no user bob" not_grep "^bob	" "$T/users"
fi

expect_fail "user disable without a NAME" 2 usage user disable --store "$S"
check "... one argument" grep -q "disable takes 1 argument " "$T/err"
expect_fail "user set-claim with two arguments" 2 usage user set-claim alice k --store "$S"
check "... three arguments" grep -q "set-claim takes 3 arguments " "$T/err"

# client add
expect_ok "client add" client add c1 --store "$S"
check "... prints its secret" grep -Eq '^[A-Za-z0-9_-]{40,}$' "$T/out"
expect_fail "client add an existing name" 1 conflict client add c1 --store "$S"
expect_fail "client without add" 2 usage client list --store "$S"
expect_fail "client add without a NAME" 2 usage client add --store "$S"
expect_fail "client add --alg" 2 usage client add c2 --alg ES256 --store "$S"

# keys
expect_ok "keys rotate on an empty store: ES256" keys rotate --store "$S"
kid=$OUT
expect_ok "keys list" keys list --store "$S"
check "... the new key, next" grep -q "^$kid	ES256	next	" "$T/out"
expect_ok "keys rotate: the newest key's algorithm" keys rotate --store "$S"
expect_ok "keys list" keys list --store "$S"
check "... two ES256 keys" [ "$(grep -c "	ES256	" "$T/out")" = 2 ]
expect_fail "keys rotate --alg HS256" 2 usage keys rotate --alg HS256 --store "$S"
expect_fail "keys list --alg" 2 usage keys list --alg ES256 --store "$S"
expect_fail "keys rotate NAME" 2 usage keys rotate extra --store "$S"
expect_fail "keys without a subcommand" 2 usage keys --store "$S"
expect_fail "keys drop" 2 usage keys drop --store "$S"
"$W" keys list --store "$S" >"$T/keys.before" 2>/dev/null
check "refusals added no key" [ "$(wc -l <"$T/keys.before")" = 2 ]

# store
expect_fail "store migrate --from" 2 usage store migrate --from "$S" --store "$S"
expect_fail "store migrate --kek-file" 2 usage store migrate --kek-file "$T/kek" --store "$S"
expect_fail "store copy --store" 2 usage store copy --from "$S" --to "sqlite://$T/b.db" --store "$S"
expect_fail "store copy without --to" 2 usage store copy --from "$S"
expect_fail "store copy without --from" 2 usage store copy --to "sqlite://$T/b.db"
expect_fail "store copy --from-kek-file twice" 2 usage store copy --from "$S" --to "sqlite://$T/b.db" \
  --from-kek-file "$T/kek" --from-kek-file "$T/kek"
expect_fail "store copy from nothing" 1 not_found store copy --from "sqlite://$T/none.db" --to "sqlite://$T/c.db"
check "... creates no target" [ ! -e "$T/c.db" ]
expect_ok "store copy into an empty SQLite store" store copy --from "$S" --to "sqlite://$T/b.db" \
  --from-kek-file "$T/kek"
check "... says what it copied" grep -q "copied 1 users, .* 1 clients, .* 2 signing keys" "$T/err"
expect_ok "the copy's users" user list --store "sqlite://$T/b.db"
check "... alice" grep -q "^alice	" "$T/out"
expect_ok "the copy's keys" keys list --store "sqlite://$T/b.db"
check "... the same kids" [ "$(cut -f1 "$T/out" | sort)" = "$(cut -f1 "$T/keys.before" | sort)" ]
expect_fail "store copy into a store that is not empty" 1 '[a-z_]+' store copy --from "$S" --to "sqlite://$T/b.db"
expect_fail "store frob" 2 usage store frob --store "$S"

# a configuration that cannot be read, or that says something wrong
WRISTBAND_CONFIG=$T/none.conf expect_fail "a config file that does not exist" 2 config user list --store "$S"
WRISTBAND_ACCESS_TTL=bogus expect_fail "a bad setting in the environment" 2 config user list --store "$S"

summary
