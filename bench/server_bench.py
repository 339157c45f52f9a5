#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/server_bench.py - `wristband serve` under load (issue 10), run by bench/server.sh
(`make bench-server`): nginx serving a static file (the HTTP limit of this machine), wristband's
rows, the same rows against glewlwyd (bench/server_glewlwyd.py), the raw limits (ES256 verify by
bench's openssl-raw, Argon2id verify by bench/argon2_raw), RSS with 100,000 live sessions, and
the 2-threads-on-2-cores scaling.

Method: wrk over loopback, keep-alive, a fixed number of connections (BENCH_SERVER_CONNECTIONS,
16), one wrk thread pinned to cpu 0, the server pinned to cpu 1 (taskset) with one worker
thread. Every row is checked before it gets a figure: its answer (status, body shape) through
python-requests, and a sample of the tokens it hands out verified by an independent verifier
(PyJWT against the server's JWKS); a wrk run with any socket error or non-2xx answer, or that ran
past its token pool, is FAIL. Peak RSS per row: VmHWM of the server, reset before each row
(/proc/PID/clear_refs). Nothing is timed by Python: figures are wrk's.

Token pools are made before any timing, through the real server: 100,000 logins of a user whose
password hash is cheap (the server is started with the same cheap Argon2 settings for that, then
restarted with the defaults), so the database then holds 100,000 live sessions; their access
tokens feed "userinfo, fresh token" (each request a token the server has never seen, so the
signature is verified every time: the server's verification cache holds 16,384 results, which
would absorb a 10,000-token working set) and their refresh tokens feed "refresh" (each used once).

Output (OUTDIR): server.tsv (one line per row), server.md (the README's table), raw/ (wrk's
reports and the servers' logs). Usage: server_bench.py OUTDIR BINDIR
Environment: WRISTBAND_BIN, BENCH_SERVER_SECONDS (5), BENCH_SERVER_CONNECTIONS (16),
BENCH_SERVER_POOL (100000), BENCH_SERVER_PEER (1: glewlwyd rows), BENCH_CPU (1: the server's).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import jwt
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_glewlwyd  # noqa: E402
import server_wrk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SECONDS = int(os.environ.get("BENCH_SERVER_SECONDS", "5"))
CONNS = int(os.environ.get("BENCH_SERVER_CONNECTIONS", "16"))
POOL = int(os.environ.get("BENCH_SERVER_POOL", "100000"))
PEER = os.environ.get("BENCH_SERVER_PEER", "1") == "1"
WB = os.environ.get("WRISTBAND_BIN", os.path.join(ROOT, "build/cli/wristband"))
CPU_SERVER = int(os.environ.get("BENCH_CPU", "1"))
CPU_WRK = 0 if CPU_SERVER != 0 else 1
PIN_SERVER = ["taskset", "-c", str(CPU_SERVER)]
PIN_WRK = ["taskset", "-c", str(CPU_WRK)]
PASSWORD = "correct horse battery staple"
CHEAP = ["--argon2-ops", "1", "--argon2-memory-kib", "8"]
ARGON2_OPS, ARGON2_KIB = 2, 19456  # the server's defaults (server/config.c)
ISSUER = "http://wristband.bench"  # fixed: the pool's tokens outlive the pool server's port
COMMON = ["--token-rate", "1000000", "--access-ttl", "1d", "--lockout-failures", "1000", "--issuer", ISSUER]

ROWS = [  # (key, label, goal text)
    ("static", "nginx static 300-byte JSON", "the limit"),
    ("jwks", "jwks", ">= 60% of nginx static"),
    ("userinfo1", "userinfo, one token (cache hits)", ">= 50% of nginx static"),
    ("authcheck1", "auth/check, one token", ">= 50% of nginx static"),
    ("userinfo_fresh", "userinfo, a fresh token per request (signature verified)", ">= 90% of raw ES256 verify"),
    ("introspect", "introspect (client Basic auth)", ">= 10,000/s"),
    ("refresh", "refresh (durable rotation)", ">= 2,000/s"),
    ("login", "login (Argon2id m=19 MiB, t=2)", ">= 90% of raw Argon2id verify"),
]


def log(*a):
    print("bench-server:", *a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pids):
    """(utime, stime) of the processes (all threads), in seconds: user space and the kernel."""
    user = system = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user += int(fields[11])
            system += int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    tick = os.sysconf("SC_CLK_TCK")
    return user / tick, system / tick


def reset_peak(pids):
    for pid in pids:
        try:
            with open("/proc/%d/clear_refs" % pid, "w") as f:
                f.write("5")
        except OSError:
            pass


def peak_kib(pids):
    return sum(proc_status(p, "VmHWM") or 0 for p in pids)


class Row:
    """One measured row: its figure, or FAIL / n/a with why."""

    def __init__(self, server, key, value=None, why=""):
        self.server, self.key, self.value, self.why = server, key, value, why
        self.p50 = self.p99 = self.rss = None
        self.requests = 0
        self.cpu_us = self.busy = self.elapsed_s = self.sys_share = None


class Bench:
    def __init__(self, out, bindir):
        self.out = out
        self.bindir = bindir
        self.raw = os.path.join(out, "raw")
        os.makedirs(self.raw, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="wbbench")
        self.rows = []
        self.extra = {}

    # ---- measuring ----------------------------------------------------------------------------

    def script(self, name, text):
        path = os.path.join(self.work, name + ".lua")
        with open(path, "w") as f:
            f.write(text)
        return path

    def measure(self, server, key, url, script, pids, check, seconds=SECONDS, pin=PIN_WRK, conns=CONNS, threads=1):
        """check() -> None or why it failed; then wrk."""
        row = Row(server, key)
        try:
            why = check()
        except Exception as e:  # a crash in a check is a failed check
            why = "check raised %r" % e
        if why:
            row.value, row.why = "FAIL", why
            log("%s %s: FAIL: %s" % (server, key, why))
            self.rows.append(row)
            return row
        reset_peak(pids)
        user0, sys0 = cpu_seconds(pids)
        r = server_wrk.run(pin, url, script, seconds, conns, threads)
        user1, sys1 = cpu_seconds(pids)
        cpu = (user1 - user0) + (sys1 - sys0)
        if r["requests"]:
            row.cpu_us = cpu / r["requests"] * 1e6  # the server's CPU time per request
            row.sys_share = (sys1 - sys0) / cpu if cpu > 0 else None  # of which in the kernel
            row.busy = cpu / (r["elapsed_s"] or seconds)  # cores the server kept busy
        with open(os.path.join(self.raw, "%s-%s.txt" % (server, key)), "w") as f:
            f.write(r["raw"])
        row.rss = peak_kib(pids)
        row.p50, row.p99, row.requests, row.elapsed_s = r["p50"], r["p99"], r["requests"], r["elapsed_s"]
        if r["rps"] is None or r["errors"] or r["non2xx"]:
            row.value = "FAIL"
            row.why = "wrk: %s socket errors, %s non-2xx answers" % (r["errors"], r["non2xx"])
        else:
            row.value = r["rps"]
        log("%s %s: %s req/s, p50 %s ms, p99 %s ms, peak RSS %s KiB, server CPU %s us/req (%s%% kernel, %s cores "
            "busy)%s" % (server, key, row.value, row.p50, row.p99, row.rss, row.cpu_us and round(row.cpu_us, 1),
                         row.sys_share is not None and round(100 * row.sys_share), row.busy and round(row.busy, 2),
                         (" (" + row.why + ")") if row.why else ""))
        self.rows.append(row)
        return row

    def measure_pool(self, server, key, url, make_script, lines, pids, check):
        """A row whose requests each use up a line of the pool: the run stops when the pool is
        used up (then it is shorter than the others, and says so)."""
        path = os.path.join(self.work, "%s-%s.txt" % (server, key))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        row = self.measure(server, key, url, self.script("%s-%s" % (server, key), make_script(path)), pids, check)
        row.consumed = min(row.requests, len(lines))
        if row.elapsed_s is not None and row.elapsed_s < SECONDS * 0.9:
            row.why = (row.why + "; " if row.why else "") + "its %d tokens lasted %.1f s" % (len(lines), row.elapsed_s)
        return row

    # ---- raw limits ---------------------------------------------------------------------------

    def raw_limits(self):
        work = os.path.join(self.work, "workload")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_workload.py"), work], check=True,
                       capture_output=True)
        p = subprocess.run(PIN_SERVER + [os.path.join(self.bindir, "openssl_raw"), "--work", work, "--algs", "ES256"],
                           capture_output=True, text=True)
        for line in p.stdout.splitlines():
            parts = line.split("\t")
            if parts[:3] == ["openssl-raw", "ES256", "verify"]:
                self.extra["es256_raw"] = parts[3]
        p = subprocess.run(PIN_SERVER + [os.path.join(self.bindir, "argon2_raw"), "--ops", str(ARGON2_OPS),
                                         "--memory-kib", str(ARGON2_KIB)], capture_output=True, text=True)
        for line in p.stdout.splitlines():
            parts = line.split("\t")
            if parts[:2] == ["argon2-raw", "login"]:
                self.extra["argon2_raw"] = parts[2]
        log("raw limits: ES256 verify %s/s, Argon2id verify %s/s" % (self.extra.get("es256_raw"),
                                                                      self.extra.get("argon2_raw")))

    # ---- nginx --------------------------------------------------------------------------------

    def nginx(self):
        d = os.path.join(self.work, "nginx")
        os.makedirs(os.path.join(d, "logs"))
        os.chmod(self.work, 0o755)  # nginx's worker (www-data) reads the file
        os.chmod(d, 0o755)
        body = json.dumps({"sub": "W2xg9xA4s4ttNuABQ51nZw", "preferred_username": "alice", "roles": ["admin"],
                           "iss": "http://127.0.0.1", "note": ""})
        body = body[:-2] + "x" * (300 - len(body)) + '"}'
        with open(os.path.join(d, "static.json"), "w") as f:
            f.write(body)
        port = free_port()
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write("""worker_processes 1;
daemon off;
pid %(d)s/nginx.pid;
error_log %(d)s/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy; fastcgi_temp_path %(d)s/fcgi;
  uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  server {
    listen 127.0.0.1:%(port)d;
    location = /static.json { root %(d)s; default_type application/json; }
  }
}
""" % {"d": d, "port": port})
        proc = subprocess.Popen(PIN_SERVER + ["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf")],
                                stderr=subprocess.DEVNULL)
        url = "http://127.0.0.1:%d/static.json" % port
        try:
            for _ in range(100):
                try:
                    requests.get(url, timeout=2)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
            pids = [proc.pid] + [int(w) for w in workers]

            def check():
                r = requests.get(url, timeout=10)
                if r.status_code != 200 or len(r.content) != 300 or r.json().get("preferred_username") != "alice":
                    return "nginx: %d, %d bytes" % (r.status_code, len(r.content))
                return None
            self.measure("nginx", "static", url, self.script("static", server_wrk.fixed_script()), pids, check)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    # ---- wristband ----------------------------------------------------------------------------

    def wb_admin(self, store, *args, stdin=None, env=None):
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run([WB] + list(args) + ["--store", store], input=stdin, capture_output=True, text=True,
                           env=e, timeout=600)
        if p.returncode != 0:
            raise RuntimeError("wristband %s: %s" % (" ".join(args), p.stderr))
        return p.stdout

    def wb_start(self, store, pin, args, name):
        logf = open(os.path.join(self.raw, "wristband-%s.log" % name), "ab")
        proc = subprocess.Popen(pin + [WB, "serve", "--listen", "127.0.0.1:0", "--store", store] + COMMON + args,
                                stdout=subprocess.PIPE, stderr=logf)
        line = proc.stdout.readline().decode()
        if not line.startswith("wristband: listening on "):
            proc.kill()
            raise RuntimeError("wristband did not start: %r" % line)
        proc._logf = logf
        return proc, line.split()[-1]

    def wb_stop(self, proc):
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        proc.stdout.close()
        proc._logf.close()

    def make_pool(self, base, name, n, headers, body, pin, seconds_cap=600):
        """n login answers (JSON bodies) through wrk, before any timing."""
        path = os.path.join(self.work, "pool-%s.jsonl" % name)
        open(path, "w").close()
        script = self.script("pool-" + name, server_wrk.pool_script(body, headers))
        deadline = time.monotonic() + seconds_cap
        have = 0
        while have < n and time.monotonic() < deadline:
            server_wrk.run(pin, base, script, 10, 8, threads=1, args=[path])
            with open(path) as f:
                have = sum(1 for _ in f)
            log("%s pool: %d of %d" % (name, have, n))
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()][:n]

    def verify_sample(self, jwks_url, tokens, **kw):
        """PyJWT, an independent verifier, on a sample of tokens: None or why not."""
        keys = jwt.PyJWKSet.from_json(requests.get(jwks_url, timeout=10).text)
        by_kid = {k.key_id: k for k in keys.keys}
        for t in tokens:
            kid = jwt.get_unverified_header(t).get("kid")
            if kid not in by_kid:
                return "token signed by an unpublished key %r" % kid
            try:
                jwt.decode(t, by_kid[kid].key, algorithms=["ES256"], options={"verify_aud": "audience" in kw}, **kw)
            except jwt.PyJWTError as e:
                return "PyJWT rejects a token: %s" % e
        return None

    def wristband(self):
        d = os.path.join(self.work, "wristband")
        store = "sqlite:%s/wristband.db" % d
        self.wb_admin(store, "user", "add", "alice", "--role", "admin", stdin=PASSWORD + "\n")
        self.wb_admin(store, "user", "add", "pool", stdin=PASSWORD + "\n",
                      env={"WRISTBAND_ARGON2_OPS": "1", "WRISTBAND_ARGON2_MEMORY_KIB": "8"})
        secret = self.wb_admin(store, "client", "add", "bench").strip()

        log("making %d sessions (logins of a cheap-hash user, both cores)" % POOL)
        proc, base = self.wb_start(store, [], ["--threads", "2"] + CHEAP, "pool")
        try:
            form = "grant_type=password&username=pool&password=" + PASSWORD.replace(" ", "+")
            pool = self.make_pool(base + "/oauth/token", "wristband", POOL,
                                  {"Content-Type": "application/x-www-form-urlencoded"}, form, [])
        finally:
            self.wb_stop(proc)
        access = [p["access_token"] for p in pool]
        refresh = [p["refresh_token"] for p in pool]
        self.extra["sessions"] = len(pool)

        proc, base = self.wb_start(store, PIN_SERVER, ["--threads", "1"], "1thread")
        pids = [proc.pid]
        try:
            self.wb_rows("wristband", base, pids, access, refresh, secret)
        finally:
            self.extra["rss_100k_kib"] = proc_status(proc.pid, "VmHWM")
            self.extra["rss_now_kib"] = proc_status(proc.pid, "VmRSS")
            self.wb_stop(proc)
        self.extra["live_sessions"] = self.sql_count(d + "/wristband.db")

        log("2 server threads on 2 cores (wrk unpinned beside them)")
        fresh = self.value("wristband", "userinfo_fresh")
        used = getattr(fresh, "consumed", 0) if fresh else 0
        if len(access) - used < 1100:
            log("2 threads: no tokens left for the fresh-token row (BENCH_SERVER_POOL too small)")
            return
        proc, base = self.wb_start(store, [], ["--threads", "2"], "2threads")
        try:
            self.wb_rows("wristband-2t", base, [proc.pid], access[used + 100:], refresh, secret,
                         only=("userinfo_fresh", "login", "jwks"), pin=[])
        finally:
            self.wb_stop(proc)

    def sql_count(self, db):
        import sqlite3
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT COUNT(*) FROM sessions WHERE revoked_us IS NULL").fetchone()[0]
        finally:
            con.close()

    def wb_rows(self, name, base, pids, access, refresh, secret, only=None, pin=None):
        pin = PIN_WRK if pin is None else pin
        want = (lambda k: only is None or k in only)
        jwks_url = base + "/.well-known/jwks.json"
        tok = access[0]
        bearer = {"Authorization": "Bearer " + tok}
        verify = (lambda ts: self.verify_sample(jwks_url, ts, issuer=ISSUER, audience=ISSUER))

        def m(key, url, script, check, **kw):
            if want(key):
                self.measure(name, key, url, script, pids, check, pin=pin, **kw)

        def check_jwks():
            keys = requests.get(jwks_url, timeout=10).json().get("keys", [])
            if not keys or any(k.get("kty") != "EC" or "d" in k for k in keys):
                return "jwks: %r" % keys
            return verify(access[:5])
        m("jwks", jwks_url, self.script("jwks", server_wrk.fixed_script()), check_jwks)

        def check_userinfo():
            r = requests.get(base + "/oauth/userinfo", headers=bearer, timeout=10)
            return None if r.status_code == 200 and r.json().get("preferred_username") == "pool" else r.text
        m("userinfo1", base + "/oauth/userinfo", self.script("userinfo1", server_wrk.fixed_script(headers=bearer)),
          check_userinfo)

        def check_authcheck():
            r = requests.get(base + "/auth/check", headers=bearer, timeout=10)
            return None if r.status_code == 200 and r.headers.get("X-Auth-User") == "pool" else r.text
        m("authcheck1", base + "/auth/check", self.script("authcheck1", server_wrk.fixed_script(headers=bearer)),
          check_authcheck)

        if want("userinfo_fresh"):
            fresh = access[1:-20]
            sample = access[-20:]

            def check_fresh():
                for t in sample:
                    r = requests.get(base + "/oauth/userinfo", headers={"Authorization": "Bearer " + t}, timeout=10)
                    if r.status_code != 200 or r.json().get("preferred_username") != "pool":
                        return "userinfo with a pool token: %d %s" % (r.status_code, r.text)
                return verify(sample)
            self.measure_pool(name, "userinfo_fresh", base + "/oauth/userinfo",
                              lambda p: server_wrk.bearer_from_file(p, "/oauth/userinfo"), fresh, pids, check_fresh)

        basic = requests.auth._basic_auth_str("bench", secret)

        def check_introspect():
            r = requests.post(base + "/oauth/introspect", data={"token": tok}, auth=("bench", secret), timeout=10)
            j = r.json() if r.status_code == 200 else {}
            if j.get("active") is not True or j.get("username") != "pool":
                return "introspect: %d %s" % (r.status_code, r.text)
            r = requests.post(base + "/oauth/introspect", data={"token": tok}, auth=("bench", "wrong"), timeout=10)
            return None if r.status_code == 401 else "a wrong client secret got %d" % r.status_code
        m("introspect", base + "/oauth/introspect",
          self.script("introspect", server_wrk.fixed_script("POST", {
              "Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"}, "token=" + tok)),
          check_introspect)

        if want("refresh"):
            sample, chain = refresh[-20:], refresh[:-20]

            def check_refresh():
                got = []
                for rt in sample:
                    r = requests.post(base + "/oauth/token", timeout=10,
                                      data={"grant_type": "refresh_token", "refresh_token": rt})
                    j = r.json() if r.status_code == 200 else {}
                    if not j.get("refresh_token") or j["refresh_token"] == rt or j.get("token_type") != "Bearer":
                        return "refresh: %d %s" % (r.status_code, r.text)
                    got.append(j["access_token"])
                r = requests.post(base + "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x"},
                                  timeout=10)
                return verify(got) if r.status_code == 400 else "a bad refresh token got %d" % r.status_code
            self.measure_pool(name, "refresh", base + "/oauth/token",
                              lambda p: server_wrk.form_from_file(p, "/oauth/token",
                                                                  "grant_type=refresh_token&refresh_token="),
                              chain, pids, check_refresh)

        form = "grant_type=password&username=alice&password=" + PASSWORD.replace(" ", "+")

        def check_login():
            r = requests.post(base + "/oauth/token", timeout=60,
                              data={"grant_type": "password", "username": "alice", "password": PASSWORD})
            if r.status_code != 200:
                return "login: %d %s" % (r.status_code, r.text)
            bad = requests.post(base + "/oauth/token", timeout=60,
                                data={"grant_type": "password", "username": "alice", "password": "wrong"})
            if bad.status_code != 400:
                return "a wrong password got %d" % bad.status_code
            return verify([r.json()["access_token"]])
        m("login", base + "/oauth/token",
          self.script("login", server_wrk.fixed_script("POST", {"Content-Type": "application/x-www-form-urlencoded"},
                                                        form)), check_login)

    # ---- glewlwyd -----------------------------------------------------------------------------

    def glewlwyd(self):
        why = server_glewlwyd.available()
        if why:
            for key, _, _ in ROWS[1:]:
                self.rows.append(Row("glewlwyd", key, "n/a", why))
            return
        work = os.path.join(self.work, "workload", "keys")
        key_pem = open(os.path.join(work, "ES256.priv.pem")).read()
        pub_pem = open(os.path.join(work, "ES256.pub.pem")).read()
        g = server_glewlwyd.Glewlwyd(os.path.join(self.work, "glewlwyd"), free_port(), key_pem, pub_pem,
                                     pin=PIN_SERVER)
        try:
            g.start()
            g.provision([("alice", PASSWORD)])
            self.glewlwyd_rows(g)
        except Exception as e:
            log("glewlwyd failed: %s" % e)
            done = {r.key for r in self.rows if r.server == "glewlwyd"}
            for key, _, _ in ROWS[1:]:
                if key not in done:
                    self.rows.append(Row("glewlwyd", key, "FAIL", "glewlwyd: %s" % str(e)[:200]))
        finally:
            with open(os.path.join(self.raw, "glewlwyd.log"), "w") as f:
                f.write(g.tail())
            g.stop()

    def glewlwyd_rows(self, g):
        pids = [g.proc.pid]
        basic = requests.auth._basic_auth_str(server_glewlwyd.CLIENT, server_glewlwyd.CLIENT_SECRET)
        form_hdr = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic}
        login_form = "grant_type=password&scope=bench&username=alice&password=" + PASSWORD.replace(" ", "+")
        n = int(os.environ.get("BENCH_SERVER_PEER_POOL", "1000"))
        log("glewlwyd: making %d sessions" % n)
        pool = self.make_pool(g.url("/token"), "glewlwyd", n, form_hdr, login_form, PIN_WRK, seconds_cap=300)
        access = [p["access_token"] for p in pool]
        refresh = [p["refresh_token"] for p in pool]
        tok = access[0]
        bearer = {"Authorization": "Bearer " + tok}
        verify = (lambda ts: self.verify_sample(g.url("/jwks"), ts, issuer="glewlwyd-bench"))

        def check_jwks():
            keys = requests.get(g.url("/jwks"), timeout=10).json().get("keys", [])
            return verify(access[:5]) if keys else "jwks: no keys"
        self.measure("glewlwyd", "jwks", g.url("/jwks"), self.script("g-jwks", server_wrk.fixed_script()), pids,
                     check_jwks)

        def check_userinfo():
            r = requests.get(g.url("/userinfo"), headers=bearer, timeout=10)
            return None if r.status_code == 200 and "sub" in r.json() else "%d %s" % (r.status_code, r.text)
        self.measure("glewlwyd", "userinfo1", g.url("/userinfo"),
                     self.script("g-userinfo1", server_wrk.fixed_script(headers=bearer)), pids, check_userinfo)
        self.rows.append(Row("glewlwyd", "authcheck1", "n/a", "no forward-auth endpoint"))

        sample = access[-20:]

        def check_fresh():
            for t in sample:
                r = requests.get(g.url("/userinfo"), headers={"Authorization": "Bearer " + t}, timeout=10)
                if r.status_code != 200:
                    return "userinfo: %d %s" % (r.status_code, r.text)
            return verify(sample)
        self.measure_pool("glewlwyd", "userinfo_fresh", g.url("/userinfo"),
                          lambda p: server_wrk.bearer_from_file(p, "/api/oidc/userinfo"), access[1:-20], pids,
                          check_fresh)

        def check_introspect():
            r = requests.post(g.url("/introspect"), data={"token": tok}, timeout=10,
                              auth=(server_glewlwyd.CLIENT, server_glewlwyd.CLIENT_SECRET))
            ok = r.status_code == 200 and r.json().get("active") is True and r.json().get("username") == "alice"
            return None if ok else "introspect: %d %s" % (r.status_code, r.text)
        self.measure("glewlwyd", "introspect", g.url("/introspect"),
                     self.script("g-introspect", server_wrk.fixed_script("POST", form_hdr, "token=" + tok)), pids,
                     check_introspect)

        rsample, chain = refresh[-20:], refresh[:-20]

        def check_refresh():
            got = []
            for rt in rsample:
                r = requests.post(g.url("/token"), auth=(server_glewlwyd.CLIENT, server_glewlwyd.CLIENT_SECRET),
                                  data={"grant_type": "refresh_token", "refresh_token": rt}, timeout=10)
                if r.status_code != 200 or "access_token" not in r.json():
                    return "refresh: %d %s" % (r.status_code, r.text)
                got.append(r.json()["access_token"])
            return verify(got)
        self.measure_pool("glewlwyd", "refresh", g.url("/token"),
                          lambda p: server_wrk.form_from_file(p, "/api/oidc/token",
                                                              "grant_type=refresh_token&refresh_token=",
                                                              {"Authorization": basic}), chain, pids, check_refresh)

        def check_login():
            r = g.login(requests, "alice", PASSWORD)
            return verify([r.json()["access_token"]]) if r.status_code == 200 else "%d %s" % (r.status_code, r.text)
        self.measure("glewlwyd", "login", g.url("/token"),
                     self.script("g-login", server_wrk.fixed_script("POST", form_hdr, login_form)), pids, check_login)
        with sqlite3_conn(g.db) as con:
            h = con.execute("SELECT guw_password FROM g_user_password JOIN g_user USING (gu_id) "
                            "WHERE gu_username = 'alice'").fetchone()
        self.extra["glewlwyd_hash"] = (h[0][:24] + "...") if h and h[0] else "?"

    # ---- report -------------------------------------------------------------------------------

    def value(self, server, key):
        for r in self.rows:
            if r.server == server and r.key == key:
                return r
        return None

    def write(self):
        from server_report import report
        report(self, ROWS)


class sqlite3_conn:
    def __init__(self, path):
        import sqlite3
        self.con = sqlite3.connect(path)

    def __enter__(self):
        return self.con

    def __exit__(self, *a):
        self.con.close()


def loadavg():
    """The machine's 1-, 5- and 15-minute load averages: how many others shared its 2 cores."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    out, bindir = sys.argv[1], sys.argv[2]
    b = Bench(out, bindir)
    b.extra["loadavg_start"] = loadavg()
    try:
        b.raw_limits()
        b.nginx()
        b.wristband()
        if PEER:
            b.glewlwyd()
        b.extra["loadavg_end"] = loadavg()
        b.write()
    finally:
        shutil.rmtree(b.work, ignore_errors=True)


if __name__ == "__main__":
    main()
