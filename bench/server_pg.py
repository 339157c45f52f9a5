#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/server_pg.py - the PostgreSQL rows of the server benchmark (issue 11), run by
bench/server_pg.sh inside a throwaway cluster (tests/server/e2e/pgcluster.py, fsync on).

Measures refresh (POST /oauth/token, grant_type=refresh_token, each connection following its own
chain of rotating tokens) and userinfo (GET /oauth/userinfo with one access token) with wrk:
  sqlite-1       one instance on SQLite (WAL, synchronous=FULL), direct
  pg-1           one instance on PostgreSQL, direct
  pg-2-nginx     two instances on one PostgreSQL database behind nginx (round-robin)
and, for each run, the CPU time per request of the wristband processes and of PostgreSQL (from
/proc, so it includes the protocol work of every round trip) and the round trips per request.
Prints TSV rows on stdout (header first), then notes that put the figures on paper for a
deployment where PostgreSQL has a machine of its own. Informational: asserts nothing.
Settings: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 4), WRISTBAND_BIN.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "server", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "server", "pg"))
os.environ.setdefault("WRISTBAND_BIN", os.path.join(HERE, "..", "build", "cli", "wristband"))
os.environ.setdefault("WRISTBAND_TESTCLOCK_BIN", os.environ["WRISTBAND_BIN"])

import pgcluster  # noqa: E402
import wbtest  # noqa: E402
from pgmulti import Balancer  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
HZ = os.sysconf("SC_CLK_TCK")
# Store calls per request (server/session*.c): refresh = rate_hit, session_get, user_get_by_id,
# session_rotate; userinfo = access_check.
ROUND_TRIPS = {"refresh": 4, "userinfo": 1}

REFRESH_LUA = r"""
local tokens = {}
local n = 0
function setup(thread)
  n = n + 1
  thread:set("id", n)
end
function init(args)
  token = args[id]
end
function request()
  return wrk.format("POST", "/oauth/token", {["Content-Type"] = "application/x-www-form-urlencoded"},
                    "grant_type=refresh_token&refresh_token=" .. token)
end
function response(status, headers, body)
  if status == 200 then
    token = string.match(body, '"refresh_token":"([^"]+)"') or token
  else
    failed = (failed or 0) + 1
  end
end
"""


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except OSError:
            pass
    return total


def postgres_pids(cluster):
    with open(os.path.join(cluster.data, "postmaster.pid")) as f:
        master = int(f.readline())
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master] + [int(k) for k in kids]


def wrk(url, lua, args, threads):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(lua)
    script.close()
    cmd = ["wrk", "-t%d" % threads, "-c%d" % threads, "-d%ds" % SECONDS, "--latency", "-s", script.name, url,
           "--"] + args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 60).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        if not m:
            return float("nan")
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    return rps, total, int(non2xx.group(1)) if non2xx else 0, pct(50), pct(99)


def userinfo_lua(token):
    return 'wrk.headers["Authorization"] = "Bearer %s"\n' % token


def measure(name, base, servers, cluster, endpoint):
    """One wrk run; returns the TSV row."""
    logins = [servers[0].login("bench").json() for _ in range(CONNECTIONS)]
    if endpoint == "refresh":
        lua, args, url = REFRESH_LUA, [t["refresh_token"] for t in logins], base
    else:
        lua, args, url = userinfo_lua(logins[0]["access_token"]), [], base + "/oauth/userinfo"
    spids = [s.proc.pid for s in servers]
    ppids = postgres_pids(cluster) if cluster else []
    s0, p0 = cpu_ticks(spids), cpu_ticks(ppids)
    rps, total, bad, p50, p99 = wrk(url, lua, args, CONNECTIONS)
    s1, p1 = cpu_ticks(spids), cpu_ticks(ppids)
    per = lambda ticks: ticks * 1e6 / HZ / max(total, 1)  # noqa: E731
    db_us = "%.0f" % per(p1 - p0) if cluster else "-"
    trips = ROUND_TRIPS[endpoint] if cluster else 0
    return [name, endpoint, "%.0f" % rps, "%.2f" % p50, "%.2f" % p99, str(bad), "%.0f" % per(s1 - s0), db_us,
            str(trips)]


def rtt_us(cluster, db):
    """The latency of one round trip (SELECT 1) on this machine, from pgbench."""
    sql = os.path.join(cluster.tmp, "select1.sql")
    with open(sql, "w") as f:
        f.write("SELECT 1;\n")
    os.chmod(sql, 0o644)
    out = subprocess.run([os.path.join(cluster.bindir, "pgbench"), "-n", "-h", "127.0.0.1", "-p", str(cluster.port),
                          "-U", pgcluster.ROLE, "-f", sql, "-T", "2", "-c", "1", db], capture_output=True,
                         text=True, timeout=60).stdout
    m = re.search(r"latency average = ([\d.]+) ms", out)
    return float(m.group(1)) * 1000 if m else float("nan")


def main():
    if shutil.which("wrk") is None:
        print("wrk is not installed (scripts/install-deps.sh --bench)", file=sys.stderr)
        return 2
    cluster = pgcluster.Cluster.from_env()
    rows = []
    common = ("--token-rate", "1000000", "--refresh-grace", "10s")
    # SQLite, one instance.
    wbtest.STORE = "sqlite"
    s = wbtest.Server(*common).start()
    try:
        s.add_user("bench")
        for ep in ("refresh", "userinfo"):
            rows.append(measure("sqlite-1", s.base, [s], None, ep))
    finally:
        s.cleanup()
    # PostgreSQL: one instance direct, then two behind nginx.
    wbtest.STORE = "postgres"
    port = pgcluster.free_port()
    issuer = "http://127.0.0.1:%d" % port
    a = wbtest.Server(*common, "--issuer", issuer).start()
    b = lb = None
    try:
        a.add_user("bench")
        for ep in ("refresh", "userinfo"):
            rows.append(measure("pg-1", a.base, [a], cluster, ep))
        b = wbtest.Server(*common, "--issuer", issuer, share=a).start()
        lb = Balancer(a.tmp, port, [a.base, b.base])
        for ep in ("refresh", "userinfo"):
            rows.append(measure("pg-2-nginx", lb.base, [a, b], cluster, ep))
        rtt = rtt_us(cluster, a.db.name)
    finally:
        if lb is not None:
            lb.stop()
        if b is not None:
            b.cleanup()
        a.cleanup()
    print("\t".join(["setup", "endpoint", "requests_per_s", "p50_ms", "p99_ms", "non_2xx", "wristband_cpu_us_per_req",
                     "postgres_cpu_us_per_req", "db_round_trips_per_req"]))
    for r in rows:
        print("\t".join(r))
    print("# %s, %d cores, wrk -t%d -c%d -d%ds, fsync on; loopback round trip (pgbench SELECT 1): %.0f us"
          % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count(), CONNECTIONS, CONNECTIONS, SECONDS, rtt))
    for r in rows:
        if r[0] == "pg-1":
            db_us, trips = float(r[7]), int(r[8])
            print("# %s on PostgreSQL: %d round trips = %.0f us of latency on loopback; PostgreSQL spends %.0f us of "
                  "CPU per request, which a database machine of its own takes off the servers' cores (here all "
                  "share 2); across a 200 us network the round trips would add %.1f ms of latency per request but "
                  "no CPU" % (r[1], trips, trips * rtt, db_us, trips * 0.2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
