#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The single place where wristband's dependencies are named: every Debian 12 package the
# project needs to build, test and benchmark. Idempotent: installs only what is missing.
set -euo pipefail

BUILD=(build-essential cmake pkg-config gcc clang libclang-rt-14-dev clang-format
       libssl-dev libjansson-dev zlib1g-dev)
TEST=(python3 python3-jwcrypto python3-jwt python3-cryptography valgrind)
BENCH=(libjwt-dev libcjose-dev librhonabwy-dev rnbyc nodejs util-linux time $(command -v npm >/dev/null || echo npm))  # nodesource nodejs bundles npm and Conflicts: npm

want=("${BUILD[@]}" "${TEST[@]}")
[ "${1:-}" = "--bench" ] && want+=("${BENCH[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
