#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/server_dpop.py - the DPoP row of the server benchmark (issue 15): GET /oauth/userinfo
with a bearer token against the same with a DPoP-bound token and a fresh proof per request, one
instance on SQLite, with wrk. The proofs are made beforehand (python3-cryptography, ES256, one
per request, each with its own jti, all within their 60 s window), and a wrk Lua script sends
each once. A DPoP request costs one more ES256 verification, a SHA-256 of the token, the RFC 7638
thumbprint and one replay-cache insert (the shared table beside the database); the goal is a DPoP request at most 1.1x
(userinfo time + one raw ES256 verify, from `openssl speed`).
The two rows alternate, BENCH_DPOP_ROUNDS times, and the goal is judged on each row's median round.
Prints TSV rows, then the goal's arithmetic. Informational: asserts nothing. The same goal counted in
instructions (exact, independent of the machine's load) is printed by bench/server_profile.py.
Settings: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 4), BENCH_DPOP_ROUNDS (default 3),
BENCH_DPOP_PIN (1: the server table's method, see below), BENCH_CPU, WRISTBAND_BIN.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "server", "e2e"))
os.environ.setdefault("WRISTBAND_BIN", os.path.join(HERE, "..", "build", "cli", "wristband"))
os.environ.setdefault("WRISTBAND_TESTCLOCK_BIN", os.environ["WRISTBAND_BIN"])

import wbtest  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
ROUNDS = int(os.environ.get("BENCH_DPOP_ROUNDS", "3"))
# BENCH_DPOP_PIN=1: the server table's method (bench/server_bench.py): the server pinned to cpu
# BENCH_CPU (1) with one worker thread, one wrk thread pinned to the other cpu, BENCH_CONNECTIONS
# connections (then 16 by default).
PIN = os.environ.get("BENCH_DPOP_PIN") == "1"
if PIN:
    CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
CPU_SERVER = int(os.environ.get("BENCH_CPU", "1"))
WRK_THREADS = 1 if PIN else CONNECTIONS
RATE_GUESS = 20000  # proofs made per second of run: more than the server can take here

# Each wrk thread takes its own file of proofs and sends them in order.
DPOP_LUA = r"""
local n = 0
function setup(thread)
  n = n + 1
  thread:set("id", n)
end
function init(args)
  proofs = {}
  for line in io.lines(args[1] .. "." .. id) do proofs[#proofs + 1] = line end
  i = 0
  token = args[2]
end
function request()
  i = i + 1
  return wrk.format("GET", "/oauth/userinfo", {["Authorization"] = "DPoP " .. token, ["DPoP"] = proofs[i]})
end
"""


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def proofs(key, url, token, count):
    pub = key.public_key().public_numbers()
    jwk = {"crv": "P-256", "kty": "EC", "x": b64(pub.x.to_bytes(32, "big")), "y": b64(pub.y.to_bytes(32, "big"))}
    head = b64(json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}, separators=(",", ":")).encode())
    ath = b64(hashlib.sha256(token.encode()).digest())
    now = int(time.time())
    out = []
    for _ in range(count):
        body = b64(json.dumps({"jti": b64(os.urandom(16)), "htm": "GET", "htu": url, "iat": now, "ath": ath},
                              separators=(",", ":")).encode())
        r, s = decode_dss_signature(key.sign((head + "." + body).encode(), ec.ECDSA(hashes.SHA256())))
        out.append(head + "." + body + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big")))
    return out


def login(s):
    return s.post("/oauth/token", data={"grant_type": "password", "username": "bench",
                                        "password": wbtest.PASSWORD}).json()


def raw_es256_verify_us():
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "ecdsap256"], capture_output=True, text=True).stdout
    m = re.search(r"256 bits ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+[\d.]+\s+([\d.]+)", out)
    return 1e6 / float(m.group(1)) if m else float("nan")


def cpu_split(pid):
    """(user, system) CPU ticks of a process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def run_wrk(url, lua, args):
    """One wrk run: (req/s, requests, socket errors + non-2xx, p50 ms, p99 ms)."""
    if not PIN:
        from server_pg import wrk  # noqa: E402  (the PostgreSQL rows' helper)
        return wrk(url, lua, args, CONNECTIONS)
    import server_wrk  # noqa: E402  (the server table's)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        r = server_wrk.run(["taskset", "-c", str(1 - CPU_SERVER)], url, script.name, SECONDS, CONNECTIONS,
                           WRK_THREADS, args)
    finally:
        os.unlink(script.name)
    return r["rps"] or 0, r["requests"], r["errors"] + r["non2xx"], r["p50"] or float("nan"), r["p99"] or float("nan")


def measure(s, name, lua, args):
    """One wrk run; returns the TSV row and the server's user and system CPU per request (us)."""
    u0, s0 = cpu_split(s.proc.pid)
    rps, total, bad, p50, p99 = run_wrk(s.url("/oauth/userinfo"), lua, args)
    u1, s1 = cpu_split(s.proc.pid)
    per = lambda ticks: ticks * 1e6 / os.sysconf("SC_CLK_TCK") / max(total, 1)  # noqa: E731
    return (["sqlite-1", name, "%.0f" % rps, "%.2f" % p50, "%.2f" % p99, str(bad), "%.0f" % per(u1 - u0 + s1 - s0)],
            per(u1 - u0), per(s1 - s0))


def main():
    from server_pg import userinfo_lua  # noqa: E402
    if shutil.which("wrk") is None:
        print("wrk is not installed (scripts/install-deps.sh --bench)", file=sys.stderr)
        return 2
    wbtest.STORE = "sqlite"
    s = wbtest.Server("--token-rate", "1000000", *(["--threads", "1"] if PIN else [])).start()
    if PIN:
        subprocess.run(["taskset", "-a", "-p", "-c", str(CPU_SERVER), str(s.proc.pid)], check=True,
                       capture_output=True)
    rows, cpu = [], {"userinfo": [], "userinfo-dpop": []}
    tmp = tempfile.mkdtemp(prefix="wbdpopbench")
    try:
        s.add_user("bench")
        at = login(s)["access_token"]
        key = ec.generate_private_key(ec.SECP256R1())
        bound = s.post("/oauth/token", data={"grant_type": "password", "username": "bench",
                                             "password": wbtest.PASSWORD},
                       headers={"DPoP": proofs_token_endpoint(key, s.url("/oauth/token"))}).json()
        dat = bound["access_token"]
        per_thread = int(RATE_GUESS * SECONDS / WRK_THREADS) + 1000
        base = os.path.join(tmp, "proofs")
        for _ in range(ROUNDS):  # the rows alternate, so that both meet the same moments of the machine
            row, user, system = measure(s, "userinfo", userinfo_lua(at), [])
            rows.append(row)
            cpu["userinfo"].append((user, system))
            for i in range(1, WRK_THREADS + 1):  # fresh proofs, each good for 60 s
                with open("%s.%d" % (base, i), "w") as f:
                    f.write("\n".join(proofs(key, s.url("/oauth/userinfo"), dat, per_thread)) + "\n")
            row, user, system = measure(s, "userinfo-dpop", DPOP_LUA, [base, dat])
            rows.append(row)
            cpu["userinfo-dpop"].append((user, system))
    finally:
        subprocess.run(["rm", "-rf", tmp])
        s.cleanup()
    print("\t".join(["setup", "endpoint", "requests_per_s", "p50_ms", "p99_ms", "non_2xx", "wristband_cpu_us_per_req"]))
    for r in rows:
        print("\t".join(r))
    verify = raw_es256_verify_us()
    med = {k: sorted(v, key=sum)[len(v) // 2] for k, v in cpu.items()}
    plain, dpop = sum(med["userinfo"]), sum(med["userinfo-dpop"])
    print("# %s, %d cores, wrk -t%d -c%d -d%ds, %d rounds%s; raw ES256 verify (openssl speed): %.0f us"
          % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count(), WRK_THREADS, CONNECTIONS, SECONDS,
             ROUNDS, ", server pinned to cpu %d with 1 worker, wrk to the other" % CPU_SERVER if PIN else "",
             verify))
    print("# CPU per request, median round (user + system): userinfo %.0f us (%.0f + %.0f), with DPoP %.0f us "
          "(%.0f + %.0f); goal 1.1 x (%.0f + %.0f) = %.0f us: %s"
          % (plain, med["userinfo"][0], med["userinfo"][1], dpop, med["userinfo-dpop"][0], med["userinfo-dpop"][1],
             plain, verify, 1.1 * (plain + verify), "met" if dpop <= 1.1 * (plain + verify) else "NOT met"))
    return 0


def proofs_token_endpoint(key, url):
    """One proof for POST url without a token."""
    p = proofs(key, url, "", 1)[0]
    head, body, _ = p.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims.pop("ath")
    claims["htm"] = "POST"
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    r, s = decode_dss_signature(key.sign((head + "." + body).encode(), ec.ECDSA(hashes.SHA256())))
    return head + "." + body + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


if __name__ == "__main__":
    sys.exit(main())
