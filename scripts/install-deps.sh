#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The single place where wristband's dependencies are named: every Debian 12 package the
# project needs to build, test, measure coverage and benchmark. Checks first, then installs only
# what is missing: when everything is there it asks dpkg once, prints nothing and never runs
# apt-get, so `make build` and `make test` stay quiet and fast.
#   scripts/install-deps.sh              build and test (make build, make test)
#   scripts/install-deps.sh --coverage   ... and lcov (make coverage)
#   scripts/install-deps.sh --bench      ... and the benchmark's peers (make bench)
set -euo pipefail

BUILD=(build-essential cmake pkg-config gcc clang libclang-rt-14-dev clang-format
       libssl-dev libjansson-dev zlib1g-dev libmicrohttpd-dev libsqlite3-dev libsodium-dev libpq-dev)
TEST=(python3 python3-jwcrypto python3-jwt python3-cryptography valgrind curl nginx openssl python3-requests locales strace chromium chromium-driver
      postgresql postgresql-contrib nodejs $(command -v npm >/dev/null || echo npm))  # node: jose (JWE and DPoP interop), dpop (DPoP interop), playwright-core
COVERAGE=(lcov)
BENCH=(libjwt-dev libcjose-dev librhonabwy-dev rnbyc nodejs util-linux time wrk $(command -v npm >/dev/null || echo npm))  # nodesource nodejs bundles npm and Conflicts: npm

want=("${BUILD[@]}" "${TEST[@]}")
for arg in "$@"; do
  case $arg in
    --coverage) want+=("${COVERAGE[@]}") ;;
    --bench) want+=("${BENCH[@]}") ;;
    *)
      echo "usage: $0 [--coverage] [--bench]" >&2
      exit 2
      ;;
  esac
done

# One query for the whole list. Unknown packages are absent from the output (dpkg-query then
# exits 1, hence the || true); "install ok installed" and "hold ok installed" count as installed.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${want[@]}" 2>/dev/null |
  awk '$3 == "ok" && $4 == "installed" {print $1}') || true
declare -A have=()
while read -r p; do [ -n "$p" ] && have[$p]=1; done <<<"$installed"
missing=()
for p in "${want[@]}"; do
  [ -n "${have[$p]:-}" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
