#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/times.sh - time values: --exp/--nbf as a DURATION from now (compound, negative for the
# past), an absolute UNIX time or RFC 3339; --leeway/--max-age as a DURATION or bare seconds;
# --now as UNIX or RFC 3339; each flag's range, refused with the usage hint, and stated in --help.
. "$(dirname "$0")/lib.sh"

"$W" keygen HS256 --kid h >"$T/h.jwk"
pl() { "$W" decode --json "$1" 2>/dev/null | json_get - "j['payload']$2"; }
sign() { "$W" sign --key "$T/h.jwk" --now $NOW "$@"; }

check "--exp 1h30m (compound)" test "$(pl "$(sign --exp 1h30m)" '["exp"]')" = $((NOW + 5400))
check "--exp 1d2h3m4s" test "$(pl "$(sign --exp 1d2h3m4s)" '["exp"]')" = $((NOW + 93784))
check "--exp UNIX time" test "$(pl "$(sign --exp 1700000900)" '["exp"]')" = 1700000900
check "--exp RFC 3339" test "$(pl "$(sign --exp 2026-12-31T23:59:59Z)" '["exp"]')" = 1798761599
check "--exp RFC 3339 with an offset" test "$(pl "$(sign --exp 2026-12-31T23:59:59+02:00)" '["exp"]')" = $((1798761599 - 7200))
check "--exp RFC 3339 lower case t and z" test "$(pl "$(sign --exp 2026-12-31t23:59:59z)" '["exp"]')" = 1798761599
check "--exp on 29 February of a leap year" test "$(pl "$(sign --exp 2028-02-29T00:00:00Z)" '["exp"]')" = "$(date -u -d 2028-02-29T00:00:00Z +%s)"
check "--nbf -5m (in the past)" test "$(pl "$(sign --nbf -5m)" '["nbf"]')" = $((NOW - 300))
check "--nbf +5m" test "$(pl "$(sign --nbf +5m)" '["nbf"]')" = $((NOW + 300))
check "--nbf RFC 3339" test "$(pl "$(sign --nbf 2023-11-14T22:13:20Z)" '["nbf"]')" = 1700000000
check "--now RFC 3339" test "$(pl "$("$W" sign --key "$T/h.jwk" --now 2023-11-14T22:13:20Z)" '["iat"]')" = 1700000000
expect_ok "--exp in the past is signed" sign --key "$T/h.jwk" --now $NOW --exp 1000
check "... with a warning that says how to write a duration" grep -q '^wristband: warning: .*in the past.*1000s' "$T/err"
for v in 1m1h 1h1h 1.5h h 15x "" 1e9 2026-02-30T00:00:00Z 2026-13-01T00:00:00Z 2026-12-31T24:00:00Z 2026-12-31T23:59:60Z \
  2026-12-31 2026-12-31T23:59:59 2026-12-31T23:59:59.5Z 10000-01-01T00:00:00Z 1969-12-31T23:59:59Z 253402300800 36501d -36501d; do
  expect_fail "--exp '$v' refused" 2 usage sign --key "$T/h.jwk" --now $NOW --exp "$v"
  check "--exp '$v': the usage hint" grep -q '(see wristband sign --help)$' "$T/err"
done
# the calendar: leap years (2000 is one, 2100 is not), day and field ranges, offsets
check "2000-02-29 (a leap year)" test "$(pl "$(sign --nbf 2000-02-29T12:00:00Z)" '["nbf"]')" = 951825600
check "--exp with a negative offset" test "$(pl "$(sign --exp 2026-12-31T23:59:59-01:30)" '["exp"]')" = $((1798761599 + 5400))
for v in 2100-02-29T00:00:00Z 2026-02-29T00:00:00Z 2026-04-31T00:00:00Z 2026-00-10T00:00:00Z 2026-01-00T00:00:00Z \
  2026-01-01T00:60:00Z 2026-01-01T00:00:00+24:00 2026-01-01T00:00:00+02:60 2026-01-01T00:00:00+0200 \
  2026-01-01X00:00:00Z 2026/01/01T00:00:00Z 2026-01-01T00-00-00Z 2026-01-01T00:00:00Y 202a-01-01T00:00:00Z; do
  expect_fail "--nbf '$v' refused" 2 usage sign --key "$T/h.jwk" --now $NOW --nbf "$v"
done
expect_fail "--now not a time" 2 usage sign --key "$T/h.jwk" --now 2026-01-01
expect_fail "--now after 9999" 2 usage sign --key "$T/h.jwk" --now 10000-01-01T00:00:00Z
expect_fail "--exp +36501d" 2 usage sign --key "$T/h.jwk" --now $NOW --exp +36501d
expect_fail "--exp beyond 9999 by duration" 2 usage sign --key "$T/h.jwk" --now 253402300000 --exp 1h
expect_fail "a DURATION that overflows" 2 usage verify --key "$T/h.jwk" --leeway 99999999999999999999s x.y.z
expect_fail "a DURATION with a unit that overflows" 2 usage verify --key "$T/h.jwk" --max-age 9999999999999999d x.y.z
check "ranges shown in their largest unit" bash -c '"$0" verify --key "$1" --max-age 36501d x 2>&1 | grep -q "0 to 36500d"' "$W" "$T/h.jwk"
expect_fail "--nbf before 1970" 2 usage sign --key "$T/h.jwk" --now 100 --nbf -5m
check "... names the range" grep -q '1970' "$T/err"

# verify: --leeway and --max-age are DURATIONs; a bare number is seconds
tok=$(sign --exp 1m)
expect_fail "expired 20 seconds ago" 1 expired verify --key "$T/h.jwk" --now $((NOW + 80)) "$tok"
expect_ok "--leeway 30 (bare seconds)" verify --key "$T/h.jwk" --now $((NOW + 80)) --leeway 30 "$tok"
expect_ok "--leeway 1m" verify --key "$T/h.jwk" --now $((NOW + 80)) --leeway 1m "$tok"
expect_ok "--max-age 90 (bare seconds)" verify --key "$T/h.jwk" --now $((NOW + 50)) --max-age 90 "$tok"
expect_fail "--max-age 30 too old" 1 claim_mismatch verify --key "$T/h.jwk" --now $((NOW + 50)) --max-age 30 "$tok"
expect_ok "--now RFC 3339 in verify" verify --key "$T/h.jwk" --now 2023-11-14T22:13:20Z "$tok"
for v in 400d 367d -5s 5y 1.5 ""; do
  expect_fail "--leeway '$v' refused" 2 usage verify --key "$T/h.jwk" --leeway "$v" "$tok"
  check "--leeway '$v': the usage hint" grep -q '(see wristband verify --help)$' "$T/err"
done
check "--leeway range in the message" bash -c '"$0" verify --key "$1" --leeway 400d x 2>&1 | grep -q "366d"' "$W" "$T/h.jwk"
expect_ok "--leeway 366d is the most" verify --key "$T/h.jwk" --now $NOW --leeway 366d "$tok"
expect_fail "--max-age 36501d refused" 2 usage verify --key "$T/h.jwk" --max-age 36501d "$tok"

# --help and the man page state each time flag's range
MAN="$(dirname "$0")/../../docs/wristband.1"
"$W" sign --help >"$T/sign.help"
"$W" verify --help >"$T/verify.help"
check "sign --help: --exp range" grep -Eq -- '--exp .*100 years' "$T/sign.help"
check "sign --help: --nbf range" grep -Eq -- '--nbf .*(100 years|as --exp)' "$T/sign.help"
check "sign --help: TIME years" grep -q '1970 to 9999' "$T/sign.help"
check "verify --help: --leeway range" grep -Eq -- '--leeway .*0 to 366d' "$T/verify.help"
check "sign --help: --now range" grep -Eq -- '--now .*1970 to 9999' "$T/sign.help"
check "verify --help: --now range" grep -Eq -- '--now .*1970 to 9999' "$T/verify.help"
check "verify --help: --max-age range" grep -Eq -- '--max-age .*0 to 36500d' "$T/verify.help"
check "man page: --leeway range" grep -q '0 to 366d' "$MAN"
check "man page: --max-age range" grep -q '0 to 36500d' "$MAN"
check "man page: TIME forms" grep -q 'RFC 3339' "$MAN"

summary
