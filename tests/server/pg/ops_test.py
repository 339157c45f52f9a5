#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/pg/ops_test.py - what operating wristband on PostgreSQL runs into, beyond the
outages of outage_test.py: a password in the --store URL never reaches a message or a log line
(libpq's own messages quote the URL when they cannot parse it; a password may hold '?', a
parameter name may be percent-encoded); `store copy` reads its source and never writes it (a
SQLite file that is not a wristband store, a path that does not exist, a PostgreSQL database
without wristband's tables: refused, left as they were); a schema change under running servers
(a newer wristband's migration changing a column's type) does not leave their prepared
statements failing with 503 while /healthz says 200; a row of signing_keys locked by another
transaction (a slow database) holds up the key heartbeat only, not the JWKS, discovery, logins
and verification of every request. Runs under pgcluster.py (tests/server/CMakeLists.txt)."""
import os
import subprocess

import requests

import wbtest
from pgmulti import Locker
from wbtest import BIN, Server, jwt_parts, main, pg_cluster, sql

SECRET = "S3cr3tPw"


def run(*args, env=None):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=120, env=env)


def test_url_password_never_shown(c):
    cluster = pg_cluster()
    s = Server()
    try:
        host = "127.0.0.1:%d" % cluster.port
        db = s.db.name
        broken = ["postgres://wristband:%s%%zz@%s/%s" % (SECRET, host, db),  # a bad escape in the password
                  "postgres://wristband@%s/%s?password=%s%%zz" % (host, db, SECRET),
                  "postgres://wristband:%s@[::1:%d/%s" % (SECRET, cluster.port, db)]  # no closing bracket
        for url in broken:
            for cmd in (["store", "migrate", "--store", url], ["serve", "--listen", "127.0.0.1:0", "--store", url]):
                p = run(*cmd, env=s.env)
                c.check(p.returncode != 0, "%s refuses %s" % (cmd[0], url))
                c.check(SECRET not in p.stderr + p.stdout, "%s %s: the password is not shown: %s"
                        % (cmd[0], url, p.stderr.strip()))
                c.check("URL" in p.stderr or "url" in p.stderr, "and the message says the URL is at fault: "
                        + p.stderr.strip())
        # Not a store URL at all (a mistyped scheme): the message quoting it hides the password.
        for url in ("postgress://wristband:%s@%s/%s" % (SECRET, host, db),
                    "POSTGRES://wristband:%s@%s/%s" % (SECRET, host, db),
                    "pg://wristband@%s/%s?password=%s" % (host, db, SECRET)):
            for cmd in (["store", "migrate", "--store", url], ["serve", "--listen", "127.0.0.1:0", "--store", url],
                        ["store", "copy", "--from", url, "--to", "sqlite:" + os.path.join(s.tmp, "c.db")]):
                p = run(*cmd, env=s.env)
                c.check(p.returncode != 0, "%s refuses %s" % (cmd[0], url))
                c.check(SECRET not in p.stderr + p.stdout, "%s %s: the password is not shown: %s"
                        % (cmd[0], url, p.stderr.strip()))
                c.check("not a store URL" in p.stderr, "and the message says what is wrong: " + p.stderr.strip())
        # Accepted by libpq (trust authentication ignores the password; sslpassword, the client
        # key's, goes unused without SSL): the server's log line that names the store must not show it either.
        for url in ("postgres://wristband:%s?x@%s/%s" % (SECRET, host, db),
                    "postgres://wristband@%s/%s?pass%%77ord=%s" % (host, db, SECRET),
                    "postgres://wristband@%s/%s?sslpassword=%s" % (host, db, SECRET)):
            s.store = url
            s.start()
            c.eq(s.stop(), 0, "serve on " + url)
            log = s.stderr()
            c.check("no users yet" in log, "the line naming the store was printed")
            c.check(SECRET not in log, "the password is not in the log: " + log)
    finally:
        s.cleanup()


def test_copy_never_writes_its_source(c):
    cluster = pg_cluster()
    target = Server()
    empty = cluster.new_database()
    try:
        kek = target.env["WRISTBAND_KEK_FILE"]
        foreign = os.path.join(target.tmp, "notes.db")
        import sqlite3
        con = sqlite3.connect(foreign)
        con.execute("CREATE TABLE notes(x)")
        con.execute("INSERT INTO notes VALUES ('mine')")
        con.commit()
        con.close()
        with open(foreign, "rb") as f:
            before = f.read()
        p = run("store", "copy", "--from", "sqlite:" + foreign, "--from-kek-file", kek, "--to", target.store,
                env=target.env)
        c.eq(p.returncode, 1, "a SQLite file that is not a wristband store is refused: " + p.stderr)
        c.check("not a wristband store" in p.stderr, "and the message says so: " + p.stderr)
        with open(foreign, "rb") as f:
            c.check(f.read() == before, "the file is left exactly as it was")
        missing = os.path.join(target.tmp, "typo", "wristband.db")
        p = run("store", "copy", "--from", "sqlite:" + missing, "--from-kek-file", kek, "--to", target.store,
                env=target.env)
        c.eq(p.returncode, 1, "a source that does not exist is refused: " + p.stderr)
        c.check(not os.path.exists(os.path.dirname(missing)), "and nothing is created in its place")
        # ... nor next to a SQLite target (its key-encryption key is made only for a real copy).
        empty_dir = os.path.join(target.tmp, "empty")
        os.makedirs(empty_dir, mode=0o700)
        p = run("store", "copy", "--from", "sqlite:" + missing, "--from-kek-file", kek, "--to",
                "sqlite:" + os.path.join(empty_dir, "wristband.db"), env=dict(target.env, WRISTBAND_KEK_FILE=""))
        c.eq(p.returncode, 1, "refused with a SQLite target: " + p.stderr)
        c.eq(os.listdir(empty_dir), [], "and the target's directory is left empty")
        out = os.path.join(target.tmp, "out", "wristband.db")
        os.makedirs(os.path.dirname(out), mode=0o700)
        p = run("store", "copy", "--from", cluster.url(empty), "--to", "sqlite:" + out,
                env=dict(target.env, WRISTBAND_KEK_FILE=""))
        c.eq(p.returncode, 1, "a PostgreSQL database without wristband's tables is refused: " + p.stderr)
        c.check("not a wristband store" in p.stderr, "and the message says so: " + p.stderr)
        c.eq(cluster.psql(empty, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), [["0"]],
             "no table was created in it")
        tables = target.db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'users'")
        c.check(tables == [(0,)] or sql(target.db, "SELECT count(*) FROM users") == [(0,)], "nothing reached the target")
    finally:
        cluster.drop_database(empty)
        target.cleanup()


def test_plans_follow_schema_changes(c):
    s = Server().start()
    try:
        s.add_user("alice")
        t = s.login("alice").json()

        def userinfo_codes(n):
            # A new connection each time: the requests spread over the worker threads, each with
            # its own database connection and prepared statements.
            return [requests.get(s.url("/oauth/userinfo"), headers={"Authorization": "Bearer " + t["access_token"],
                                                                     "Connection": "close"},
                                 timeout=60).status_code for _ in range(n)]

        c.eq(set(userinfo_codes(40)), {200}, "userinfo on every thread")
        # What a newer wristband's migration may do while this one runs: change a column's type.
        sql(s.db, "ALTER TABLE users ALTER COLUMN roles TYPE varchar(4000)")
        codes = userinfo_codes(40)
        c.eq(sorted(set(codes)), [200], "userinfo after the column changed type: %s" % codes)
        c.eq(s.login("alice").status_code, 200, "logins too")
    finally:
        s.cleanup()


def heartbeat_waiting(cluster, db):
    rows = cluster.psql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = :'p1' "
                        "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE signing_keys%'", db)
    return rows == [["1"]]


def test_locked_key_row_stalls_nothing_else(c):
    cluster = pg_cluster()
    s = Server(clock=True).start()
    locker = None
    try:
        s.add_user("alice")
        t = s.login("alice").json()
        locker = Locker(cluster, s.db.name, "SELECT kid FROM signing_keys FOR UPDATE")
        s.set_clock(40)  # past the key heartbeat period: the next upkeep tick extends the key
        for _ in range(1200):  # until the heartbeat waits for the lock (bounded: a tick is a second)
            if heartbeat_waiting(cluster, s.db.name):
                break
            subprocess.run(["sleep", "0.05"])
        c.check(heartbeat_waiting(cluster, s.db.name), "the key heartbeat waits for the locked row")
        # Meanwhile, what needs no signing-key row answers (30 s: a guard against a hang).
        def get(path, token=None):
            headers = {"Authorization": "Bearer " + token} if token else {}
            return requests.get(s.url(path), headers=headers, timeout=30)

        c.eq(get("/.well-known/jwks.json").status_code, 200, "JWKS while the row is locked")
        c.eq(get("/.well-known/openid-configuration").status_code, 200, "discovery too")
        c.eq(get("/oauth/userinfo", t["access_token"]).status_code, 200, "userinfo (verification)")
        r = requests.post(s.url("/oauth/token"), data={"grant_type": "password", "username": "alice",
                                                      "password": wbtest.PASSWORD}, timeout=30)
        c.eq(r.status_code, 200, "a login (signing)")
        c.check(heartbeat_waiting(cluster, s.db.name), "all that while the heartbeat still waited")
    finally:
        if locker is not None:
            locker.release()
        s.cleanup()


def test_signing_key_gone_from_store(c):
    """The key a server signs with disappears from the store (a database restored from a backup
    taken before it existed, an operator removing a compromised key): the server must not go on
    signing tokens that no JWKS publishes, its own included."""
    s = Server(clock=True).start()
    try:
        s.add_user("alice")
        old = jwt_parts(s.login("alice").json()["access_token"])[0]["kid"]
        sql(s.db, "DELETE FROM signing_keys")
        sql(s.db, "UPDATE meta SET value = value + 1 WHERE name = 'keys_version'")
        s.set_clock(40)  # past the key heartbeat period
        for _ in range(300):  # bounded: a guard against a hang (the upkeep ticks once a second)
            t = s.login("alice").json()["access_token"]
            kid = jwt_parts(t)[0]["kid"]
            if kid != old:
                break
            subprocess.run(["sleep", "0.2"])
        c.check(kid != old, "the server signs with another key once it notices")
        c.eq(s.get("/oauth/userinfo", t).status_code, 200, "a token it signs verifies")
        kids = [k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"]]
        c.check(kid in kids, "its key is published: %s" % kids)
        c.eq(sql(s.db, "SELECT count(*) FROM signing_keys WHERE kid = ?", (kid,)), [(1,)], "and the store holds")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_url_password_never_shown, test_copy_never_writes_its_source, test_plans_follow_schema_changes,
          test_locked_key_row_stalls_nothing_else, test_signing_key_gone_from_store])
