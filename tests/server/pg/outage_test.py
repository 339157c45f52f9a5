#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/pg/outage_test.py - failures under load with two instances on one PostgreSQL
database. kill -9 of one instance: the other keeps serving and every session either made
(whichever instance made or last rotated it) still refreshes. PostgreSQL restarted: while it is
down, requests that need it get 503 with Retry-After and a JSON body, the JWKS, discovery and
the health check's verdict keep answering; when it is back both instances recover by themselves,
nothing committed is lost and neither crashed. Runs under pgcluster.py (WRISTBAND_TEST_STORE=
postgres): the restart is of that throwaway cluster."""
import signal
import subprocess
import threading

import requests

from pgmulti import cleanup, cluster_of
from wbtest import PASSWORD, Server, jwt_parts, main, pg_cluster

# The grace window covers a rotation that committed while its answer was lost with the instance.
ARGS = ("--refresh-grace", "120s", "--token-rate", "1000000")


class Load:
    """Threads logging in on one instance and refreshing on the other, recording for each
    session the last refresh token a 200 answer carried."""

    def __init__(self, servers, users, threads=4):
        self.servers, self.users = servers, users
        self.committed = {}
        self.statuses = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started = threading.Semaphore(0)
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()
        for _ in self.threads:  # every thread has committed sessions through both instances
            if not self.started.acquire(timeout=300):  # a guard against a hang, not a measurement
                self.finish()
                raise RuntimeError("the load never got going: %s" % self.statuses)

    def note(self, server, status):
        with self.lock:
            self.statuses.setdefault(server.base, []).append(status)

    def run(self, i):
        http = requests.Session()
        n = 0
        while not self.stop.is_set():
            one, other = self.servers[n % 2], self.servers[(n + 1) % 2]
            n += 1
            try:
                t = http.post(one.url("/oauth/token"), data={"grant_type": "password",
                                                             "username": self.users[i % len(self.users)],
                                                             "password": PASSWORD}, timeout=30)
                self.note(one, t.status_code)
                if t.status_code != 200:
                    continue
                body = t.json()
                sid = jwt_parts(body["access_token"])[1]["sid"]
                with self.lock:
                    self.committed[sid] = body["refresh_token"]
                for _ in range(2):
                    r = http.post(other.url("/oauth/token"), data={"grant_type": "refresh_token",
                                                                   "refresh_token": body["refresh_token"]}, timeout=30)
                    self.note(other, r.status_code)
                    if r.status_code != 200:
                        break
                    body = r.json()
                    with self.lock:
                        self.committed[sid] = body["refresh_token"]
                if n == 6:
                    self.started.release()
            except (requests.RequestException, ValueError):
                # This thread's instance died: go on with the other one only.
                self.servers = [s for s in self.servers if s.proc is not None] * 2 or self.servers
                if n < 6:
                    self.started.release()
                    n = 6

    def finish(self):
        """Stops the load (again: a no-op)."""
        self.stop.set()
        for t in self.threads:
            t.join()


def lost_sessions(s, committed):
    return [sid for sid, rt in committed.items() if s.refresh(rt).status_code != 200]


def test_kill9_one_instance(c):
    servers = cluster_of(2, *ARGS, issuer="https://auth.wristband.test")
    load = None
    try:
        a, b = servers
        for i in range(4):
            a.add_user("user%d" % i)
        load = Load(servers, ["user%d" % i for i in range(4)])
        c.eq(a.kill9(), -signal.SIGKILL, "instance A killed with -9 under load")
        served_before = len(load.statuses.get(b.base, []))
        # B keeps serving: a full login-and-refresh round through B alone.
        t = b.login("user0")
        c.eq(t.status_code, 200, "B logs in after A died")
        c.eq(b.refresh(t.json()["refresh_token"]).status_code, 200, "B refreshes after A died")
        load.finish()
        c.check(len(load.statuses.get(b.base, [])) >= served_before, "B went on serving the load")
        c.eq(sorted(set(load.statuses.get(b.base, []))), [200], "B answered every request of the load with 200")
        c.check(len(load.committed) >= 8, "sessions made before and during the kill: %d" % len(load.committed))
        c.eq(lost_sessions(b, load.committed), [], "no committed session lost (all refresh on B)")
        a.proc = None
    finally:
        if load is not None:
            load.finish()
        cleanup(servers)


def wait_healthy(s):
    for _ in range(1200):  # bounded: the backoff is at most 5 s
        try:
            if requests.get(s.url("/healthz"), timeout=10).status_code == 200:
                return True
        except requests.RequestException:
            pass
        subprocess.run(["sleep", "0.05"])
    return False


def test_postgres_restart(c):
    cluster = pg_cluster()
    servers = cluster_of(2, *ARGS, issuer="https://auth.wristband.test")
    load = None
    try:
        a, b = servers
        for i in range(4):
            a.add_user("user%d" % i)
        t = a.login("user0").json()
        load = Load(servers, ["user%d" % i for i in range(4)])
        cluster.stop("fast")
        try:
            for s in (a, b):
                r = s.refresh(t["refresh_token"])
                c.eq(r.status_code, 503, "%s: a refresh while PostgreSQL is down: 503" % s.base)
                c.check(int(r.headers.get("Retry-After", "0")) >= 1, "with Retry-After")
                c.eq(r.headers.get("Content-Type"), "application/json", "and a JSON body")
                c.eq(r.json().get("error"), "temporarily_unavailable", "error temporarily_unavailable")
                c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 503, "userinfo needs the store: 503")
                c.eq(s.get("/healthz").status_code, 503, "the health check says so")
                c.eq(s.get("/.well-known/jwks.json").status_code, 200, "the JWKS keeps working")
                c.eq(s.get("/.well-known/openid-configuration").status_code, 200, "discovery keeps working")
        finally:
            cluster.start()
        c.check(wait_healthy(a) and wait_healthy(b), "both instances recover by themselves")
        # Full service again, under the load that went on all along.
        for s in (a, b):
            r = s.refresh(t["refresh_token"])
            c.eq(r.status_code, 200, "%s refreshes again" % s.base)
            t = r.json()
        seen = load.statuses
        load.finish()
        statuses = sorted({st for sts in seen.values() for st in sts})
        c.check(set(statuses) <= {200, 503}, "only 200 and 503 under the outage: %s" % statuses)
        c.eq(lost_sessions(a, load.committed), [], "no committed session lost (%d)" % len(load.committed))
        for s in (a, b):
            c.check(s.proc.poll() is None, "%s did not crash" % s.base)
    finally:
        if load is not None:
            load.finish()
        cleanup(servers)


def cluster_pids(cluster):
    """The postmaster and its children, the postmaster first."""
    import os
    with open(os.path.join(cluster.data, "postmaster.pid")) as f:
        top = int(f.readline())
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == top:
                kids.append(int(d))
    return [top] + kids


def signal_all(pids, sig):
    import os
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def test_postgres_unresponsive(c):
    """PostgreSQL stops answering without closing anything (its host frozen or cut off: no RST,
    no FIN). Statements already sent wait for a reply that does not come. What does not need the
    database must keep answering; what needs it must fail (503), not hang the server."""
    cluster = pg_cluster()
    s = Server().start()
    frozen = []
    try:
        s.add_user("alice")
        t = s.login("alice").json()
        frozen = cluster_pids(cluster)
        signal_all(frozen, signal.SIGSTOP)
        # 120 s: a guard against a hang, not a measurement.
        jwks = requests.get(s.url("/.well-known/jwks.json"), timeout=120)
        c.eq(jwks.status_code, 200, "the JWKS answers")
        disc = requests.get(s.url("/.well-known/openid-configuration"), timeout=120)
        c.eq(disc.status_code, 200, "discovery answers")
        r = requests.post(s.url("/oauth/token"), data={"grant_type": "refresh_token",
                                                      "refresh_token": t["refresh_token"]}, timeout=120)
        c.eq(r.status_code, 503, "a refresh fails: 503")
        c.check(int(r.headers.get("Retry-After", "0")) >= 1, "with Retry-After")
        c.eq(requests.get(s.url("/healthz"), timeout=120).status_code, 503, "the health check says so")
        c.eq(requests.get(s.url("/.well-known/jwks.json"), timeout=120).status_code, 200, "the JWKS still answers")
    finally:
        signal_all(reversed(frozen), signal.SIGCONT)
    try:
        c.check(wait_healthy(s), "the server recovers once PostgreSQL answers again")
        c.eq(s.refresh(t["refresh_token"]).status_code, 200, "and refreshes")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_kill9_one_instance, test_postgres_restart, test_postgres_unresponsive])
