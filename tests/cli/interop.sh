#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/interop.sh - runs interop.py (python3-jwcrypto and PyJWT against the CLI, both
# directions, every algorithm) with Debian's /usr/bin/python3, which has both libraries.
. "$(dirname "$0")/lib.sh"
$PY "$(dirname "$0")/interop.py" "$W"
