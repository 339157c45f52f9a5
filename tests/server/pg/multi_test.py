#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/pg/multi_test.py - two `wristband serve` instances on one PostgreSQL database
behind nginx (round-robin), as issue 11 deploys them: a session made on one is refreshed on the
other and a logout on one is refused by the other at once; twenty concurrent refreshes of one
token spread over both rotate it exactly once and all succeed; failed passwords on both count
towards one lockout; two instances started at once on a new database agree on one signing key;
`keys rotate` shows in both JWKS without a reload and SIGHUP switches each one's signing key; several processes migrating a new database at once migrate it once.
Runs under pgcluster.py with WRISTBAND_TEST_STORE=postgres (tests/server/CMakeLists.txt)."""
import concurrent.futures
import os
import re
import signal
import subprocess
import threading

import requests

from pgmulti import Balancer, Locker, cleanup, cluster_of, waiting_for_locks
from pgcluster import free_port
from wbtest import BIN, PASSWORD, Server, jwt_parts, main, pg_cluster, sql

# The newest schema version: one migration file each (server/store/migrations_pg).
LATEST = len([f for f in os.listdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                                "server", "store", "migrations_pg")) if f.endswith(".sql")])


def two_behind_nginx(*args):
    port = free_port()
    issuer = "http://127.0.0.1:%d" % port
    servers = cluster_of(2, *args, issuer=issuer)
    try:
        lb = Balancer(servers[0].tmp, port, [s.base for s in servers])
    except Exception:
        cleanup(servers)
        raise
    return servers, lb


def upstream(r):
    return r.headers.get("X-Upstream")


def test_login_refresh_logout_across(c):
    servers, lb = two_behind_nginx()
    try:
        a, b = servers
        a.add_user("alice")
        http = requests.Session()
        login = http.post(lb.url("/oauth/token"), data={"grant_type": "password", "username": "alice",
                                                        "password": PASSWORD}, timeout=60)
        c.eq(login.status_code, 200, "login through the balancer")
        t = login.json()
        ref = http.post(lb.url("/oauth/token"), data={"grant_type": "refresh_token",
                                                      "refresh_token": t["refresh_token"]}, timeout=60)
        c.eq(ref.status_code, 200, "refresh through the balancer")
        c.check(upstream(ref) != upstream(login), "the refresh went to the other instance: %s then %s"
                % (upstream(login), upstream(ref)))
        t2 = ref.json()
        # The other instance verifies what the first signed, and the reverse.
        for s in (a, b):
            c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 200, "%s accepts the login's token" % s.base)
            c.eq(s.get("/oauth/userinfo", t2["access_token"]).status_code, 200, "%s accepts the refresh's" % s.base)
        out = http.post(lb.url("/oauth/logout"), headers={"Authorization": "Bearer " + t2["access_token"]},
                        timeout=60)
        c.eq(out.status_code, 204, "logout through the balancer")
        nxt = http.get(lb.url("/oauth/userinfo"), headers={"Authorization": "Bearer " + t2["access_token"]},
                       timeout=60)
        c.check(upstream(nxt) != upstream(out), "the next request went to the other instance")
        c.eq(nxt.status_code, 401, "the other instance refuses the logged-out token at once")
        for s in (a, b):
            c.eq(s.get("/oauth/userinfo", t2["access_token"]).status_code, 401, "%s: logged out" % s.base)
            c.eq(s.refresh(t2["refresh_token"]).status_code, 400, "%s: the session's refresh token is dead" % s.base)
    finally:
        lb.stop()
        cleanup(servers)


def test_concurrent_refreshes(c):
    servers, lb = two_behind_nginx("--token-rate", "1000")
    try:
        a, _ = servers
        a.add_user("bob")
        t = a.login("bob").json()
        sid = jwt_parts(t["access_token"])[1]["sid"]

        def refresh(_):
            return requests.post(lb.url("/oauth/token"), data={"grant_type": "refresh_token",
                                                                "refresh_token": t["refresh_token"]}, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(refresh, range(20)))
        c.eq([r.status_code for r in replies], [200] * 20, "twenty concurrent refreshes: all 200")
        c.eq(len({upstream(r) for r in replies}), 2, "spread over both instances")
        c.eq(sql(a.db, "SELECT counter FROM sessions WHERE id = ?", (sid,)), [(1,)], "exactly one rotation")
        c.eq(len({r.json()["refresh_token"] for r in replies}), 1, "everyone got the one new refresh token")
    finally:
        lb.stop()
        cleanup(servers)


def test_lockout_across(c):
    servers, lb = two_behind_nginx("--lockout-failures", "4", "--lockout-seconds", "300")
    try:
        a, _ = servers
        a.add_user("carol")
        seen = set()
        for i in range(4):
            r = requests.post(lb.url("/oauth/token"), data={"grant_type": "password", "username": "carol",
                                                            "password": "wrong %d" % i}, timeout=60)
            c.eq(r.status_code, 400, "failure %d" % (i + 1))
            seen.add(upstream(r))
        c.eq(len(seen), 2, "the failures went to both instances")
        for _ in range(2):
            r = requests.post(lb.url("/oauth/token"), data={"grant_type": "password", "username": "carol",
                                                            "password": PASSWORD}, timeout=60)
            c.eq(r.status_code, 429, "locked on %s, even with the right password" % upstream(r))
            c.check(int(r.headers.get("Retry-After", "0")) > 0, "Retry-After")
    finally:
        lb.stop()
        cleanup(servers)


def kids(s):
    return sorted(k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"])


def test_rotation_everywhere(c):
    servers = cluster_of(2, issuer="https://auth.wristband.test")
    try:
        a, b = servers
        a.add_user("dave")
        old = jwt_parts(a.login("dave").json()["access_token"])[0]["kid"]
        c.eq(kids(a), [old], "one key")
        rot = subprocess.run([BIN, "keys", "rotate", "--store", a.store], capture_output=True, text=True,
                             env=a.env, timeout=120)
        c.eq(rot.returncode, 0, "keys rotate: " + rot.stderr)
        new = rot.stdout.strip()
        c.eq(kids(a), sorted([old, new]), "instance A publishes the new key without a reload")
        c.eq(kids(b), sorted([old, new]), "instance B too")
        a.signal(signal.SIGHUP)
        for _ in range(600):  # until A has handled its SIGHUP (it logs the switch)
            if "SIGHUP: signing with key " + new in a.stderr():
                break
            subprocess.run(["sleep", "0.05"])
        ta = a.login("dave").json()["access_token"]
        tb = b.login("dave").json()["access_token"]
        c.eq(jwt_parts(ta)[0]["kid"], new, "A signs with the new key after SIGHUP")
        c.eq(jwt_parts(tb)[0]["kid"], old, "B still signs with the old one until its own SIGHUP")
        for s in (a, b):
            c.eq(s.get("/oauth/userinfo", ta).status_code, 200, "%s verifies A's new token" % s.base)
            c.eq(s.get("/oauth/userinfo", tb).status_code, 200, "%s verifies B's token" % s.base)
    finally:
        cleanup(servers)


def signing_kid(s):
    """The key s names when it has started (it logs it just after its ready line)."""
    for _ in range(1200):  # bounded: a guard against a hang
        m = re.search(r"started: signing with key (\S+)", s.stderr())
        if m:
            return m.group(1)
        subprocess.run(["sleep", "0.05"])
    return None


def until_waiting(c, cluster, db, n, what):
    for _ in range(1200):  # bounded: a guard against a hang, not a timing assertion
        if waiting_for_locks(cluster, db) == n:
            break
        subprocess.run(["sleep", "0.05"])
    c.eq(waiting_for_locks(cluster, db), n, what)


# The test's gate on new key rows: the n-th row inserted waits, inside its INSERT, for advisory
# lock 40 + n, which the test holds until it lets that server through.
KEY_GATE = """
CREATE SEQUENCE key_gate;
CREATE FUNCTION key_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock(40 + nextval('key_gate')); RETURN NEW; END $$;
CREATE TRIGGER key_gate BEFORE INSERT ON signing_keys FOR EACH ROW EXECUTE FUNCTION key_gate();
"""


def test_first_start_together(c):
    """Two instances started at once on a new database: each finds no key and makes one. The
    gate forces the order a real race may take: B makes its key after A made its own, but writes
    it after A has written, listed and activated A's; B then lists both. They must still sign
    with one key."""
    cluster = pg_cluster()
    a = Server()
    b = Server(share=a)
    gates = []
    threads = []
    try:
        rc = a.admin("store", "migrate")
        c.eq(rc.returncode, 0, "migrate: " + rc.stderr)
        db = a.db.name
        cluster.psql(db, KEY_GATE)
        gates = [Locker(cluster, db, "SELECT pg_advisory_xact_lock(%d)" % n) for n in (41, 42)]
        threads = [threading.Thread(target=s.start) for s in (a, b)]
        threads[0].start()
        until_waiting(c, cluster, db, 1, "A found no key, made one and waits to write it")
        threads[1].start()
        until_waiting(c, cluster, db, 2, "B found no key either, made one and waits")
        gates[0].release()
        threads[0].join(timeout=120)
        c.check(a.base is not None, "A started")
        gates[1].release()
        threads[1].join(timeout=120)
        c.check(b.base is not None, "B started")
        ka, kb = signing_kid(a), signing_kid(b)
        c.check(ka is not None, "A names its signing key: " + a.stderr())
        c.eq(kb, ka, "both sign with one key")
        rows = cluster.psql(db, "SELECT count(*) FROM signing_keys WHERE sign_until_s <> 0")
        c.eq(rows, [["1"]], "one key that signs is in the store")
        a.add_user("erin")
        ta, tb = a.login("erin").json()["access_token"], b.login("erin").json()["access_token"]
        c.eq(jwt_parts(ta)[0]["kid"], jwt_parts(tb)[0]["kid"], "the tokens of both carry one kid")
    finally:
        for g in gates:
            g.release()
        for t in threads:
            t.join(timeout=120)
        cleanup([a, b])


def test_concurrent_migrations(c):
    cluster = pg_cluster()
    name = cluster.new_database()
    try:
        url = cluster.url(name)
        procs = [subprocess.Popen([BIN, "store", "migrate", "--store", url], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        c.eq([rc for rc, _ in results], [0] * 6, "six processes migrating at once all succeed: %s"
             % [e for rc, e in results if rc != 0])
        c.check(all("schema version %d" % LATEST in e for _, e in results), "each reports the version")
        rows = cluster.psql(name, "SELECT version FROM wristband_migrations ORDER BY version")
        c.eq(rows, [[str(v)] for v in range(1, LATEST + 1)], "each migration applied once")
    finally:
        cluster.drop_database(name)


if __name__ == "__main__":
    main([test_login_refresh_logout_across, test_concurrent_refreshes, test_lockout_across, test_rotation_everywhere,
          test_first_start_together, test_concurrent_migrations])
