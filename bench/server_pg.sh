#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/server_pg.sh - the PostgreSQL rows of the server benchmark (issue 11): refresh and userinfo
# with one instance on SQLite, one on PostgreSQL, and two on one PostgreSQL behind nginx, as TSV
# on stdout (bench/server_pg.py says what each column is). Runs in a throwaway cluster with fsync
# on (tests/server/e2e/pgcluster.py), removed afterwards. Needs a build (build/cli/wristband, or
# WRISTBAND_BIN), wrk and nginx (scripts/install-deps.sh --bench). Never part of make test.
#   bash bench/server_pg.sh                 # 5 s per row, 4 connections
#   BENCH_SECONDS=10 BENCH_CONNECTIONS=8 bash bench/server_pg.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export WRISTBAND_BIN=${WRISTBAND_BIN:-$here/../build/cli/wristband}
export WRISTBAND_PG_FSYNC=1 PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$here/../tests/server/e2e/pgcluster.py" -- /usr/bin/python3 "$here/server_pg.py"
