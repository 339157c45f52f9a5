#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/pg/copy_test.py - moving an installation from SQLite to PostgreSQL with
`wristband store copy`: a SQLite installation with users, sessions (live, rotated, logged out),
a revoked access token, an introspection client and rotated signing keys is copied into a new
PostgreSQL database under a KEK of its own; the server started on the copy serves every old
refresh token, verifies every old access token, still refuses what was revoked, and knows the
client. A copy into a store that is not empty, a wrong source KEK and a PostgreSQL store without
a KEK are refused with clear errors and change nothing. The way back, PostgreSQL into a new SQLite
file in a directory that does not exist yet, keeps the sessions too; an empty database is refused
as a source. Runs under pgcluster.py."""
import os
import signal
import subprocess

import requests

import wbtest
from wbtest import BIN, jwt_parts, main

# The newest schema version: one migration file each (server/store/migrations_pg).
LATEST = len([f for f in os.listdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                                "server", "store", "migrations_pg")) if f.endswith(".sql")])

ISSUER = "https://auth.wristband.test"


def sqlite_installation(c, tmp):
    """A SQLite server with a history; returns (server, tokens by story, client secret, kids)."""
    os.makedirs(tmp)
    wbtest.STORE = "sqlite"  # this one server is the SQLite source
    s = wbtest.Server("--issuer", ISSUER, tmp=tmp, env={"WRISTBAND_KEK_FILE": ""}).start()
    wbtest.STORE = "postgres"
    s.add_user("alice", roles=["admin"])
    s.add_user("bob")
    tokens = {"alice": s.login("alice").json(), "bob": s.login("bob").json()}
    r = s.refresh(tokens["alice"]["refresh_token"])  # a rotated session
    c.eq(r.status_code, 200, "source: refresh")
    tokens["alice-rotated"] = r.json()
    tokens["gone"] = s.login("bob").json()
    c.eq(s.post("/oauth/logout", tokens["gone"]["access_token"]).status_code, 204, "source: a logout")
    tokens["revoked"] = s.login("alice").json()
    s.post("/oauth/revoke", data={"token": tokens["revoked"]["access_token"]})  # denylisted (the logout too)
    client = s.admin("client", "add", "api")
    c.eq(client.returncode, 0, "source: client add")
    rot = s.admin("keys", "rotate", "--alg", "EdDSA")
    c.eq(rot.returncode, 0, "source: keys rotate")
    s.signal(signal.SIGHUP)
    for _ in range(600):
        if "SIGHUP: signing with key" in s.stderr():
            break
        subprocess.run(["sleep", "0.05"])
    tokens["new-key"] = s.login("bob").json()
    c.eq(jwt_parts(tokens["new-key"]["access_token"])[0]["kid"], rot.stdout.strip(), "source: signs with the new key")
    c.eq(s.stop(), 0, "source stopped before the copy")
    return s, tokens, client.stdout.strip()


def copy(src, dst, *extra, env=None):
    return subprocess.run([BIN, "store", "copy", "--from", src, "--to", dst] + list(extra), capture_output=True,
                          text=True, timeout=120, env=env)


def test_copy_sqlite_to_postgres(c):
    target = wbtest.Server("--issuer", ISSUER)  # a new PostgreSQL database and its own KEK file
    src, tokens, secret = sqlite_installation(c, os.path.join(target.tmp, "sqlite"))
    try:
        env = target.env
        p = copy(src.store, target.store, env=dict(env, WRISTBAND_KEK_FILE=""))
        c.eq(p.returncode, 2, "no KEK for the PostgreSQL target: usage error")
        c.check("WRISTBAND_KEK_FILE" in p.stderr, "names WRISTBAND_KEK_FILE: " + p.stderr)
        wrong = os.path.join(target.tmp, "wrong-kek")
        with open(wrong, "wb") as f:
            f.write(os.urandom(48))
        os.chmod(wrong, 0o600)
        p = copy(src.store, target.store, "--from-kek-file", wrong, env=env)
        c.eq(p.returncode, 1, "a wrong source KEK fails")
        c.check("key-encryption key" in p.stderr, "and says why: " + p.stderr)
        c.eq(target.db.query("SELECT count(*) FROM users"), [(0,)], "and copies nothing")
        p = copy(src.store, target.store, env=env)
        c.eq(p.returncode, 0, "store copy: " + p.stderr)
        c.check("copied 2 users, 5 sessions, 2 revoked access tokens, 1 clients, 1 secrets and 2 signing keys"
                in p.stderr, "counts: " + p.stderr)
        c.eq(copy(src.store, target.store, env=env).returncode, 1, "a second copy into the same store is refused")
        c.eq(target.db.query("SELECT count(*) FROM users"), [(2,)], "and changes nothing")
        rows = target.db.query("SELECT private_enc FROM signing_keys")
        c.check(all(b'"d"' not in r[0] for r in rows), "private keys sealed in PostgreSQL too")
        target.start()
        for story in ("alice", "bob", "alice-rotated", "new-key"):
            c.eq(target.get("/oauth/userinfo", tokens[story]["access_token"]).status_code, 200,
                 "old access token verifies: " + story)
        c.eq(target.get("/oauth/userinfo", tokens["revoked"]["access_token"]).status_code, 401,
             "the revoked access token stays revoked")
        c.eq(target.get("/oauth/userinfo", tokens["gone"]["access_token"]).status_code, 401,
             "the logged-out session stays ended")
        c.eq(target.refresh(tokens["gone"]["refresh_token"]).status_code, 400, "and its refresh token dead")
        for story in ("bob", "alice-rotated", "new-key", "revoked"):
            r = target.refresh(tokens[story]["refresh_token"])
            c.eq(r.status_code, 200, "old refresh token works: " + story)
        c.eq(target.refresh(tokens["alice"]["refresh_token"]).status_code, 400,
             "a rotated-away refresh token is still reuse")
        kids = sorted(k["kid"] for k in target.get("/.well-known/jwks.json").json()["keys"])
        c.eq(len(kids), 2, "both keys published")
        c.eq(jwt_parts(target.login("alice").json()["access_token"])[0]["kid"],
             jwt_parts(tokens["new-key"]["access_token"])[0]["kid"], "signs with the newest key")
        r = requests.post(target.url("/oauth/introspect"), data={"token": tokens["bob"]["access_token"]},
                          auth=("api", secret), timeout=60)
        c.eq((r.status_code, r.json().get("active")), (200, True), "the copied client introspects")
        m = subprocess.run([BIN, "store", "migrate", "--store", target.store], capture_output=True, text=True,
                           env=env, timeout=60)
        c.eq(m.returncode, 0, "store migrate on the copy")
        c.check("postgres store is at schema version %d" % LATEST in m.stderr, "prints the version: " + m.stderr)
        copy_back(c, target)
    finally:
        try:
            src.cleanup()
        finally:
            target.cleanup()


def copy_back(c, pg):
    """The way back, PostgreSQL to SQLite: the refresh token of a PostgreSQL session works on the
    SQLite copy. A database that holds no wristband store is refused as a source."""
    t = pg.login("bob").json()
    c.eq(pg.stop(), 0, "the PostgreSQL server stopped before the copy")
    back = os.path.join(pg.tmp, "back")
    env = dict(pg.env, WRISTBAND_KEK_FILE="")  # the SQLite target gets a KEK of its own, beside it
    empty = pg.db.cluster.new_database()
    try:
        p = copy(pg.db.cluster.url(empty), "sqlite:%s/wristband.db" % back, env=env)
        c.eq(p.returncode, 1, "an empty database is no source")
        c.check("not a wristband store" in p.stderr, "says so: " + p.stderr)
        c.check(not os.path.exists(back), "and makes nothing")
    finally:
        pg.db.cluster.drop_database(empty)
    p = copy(pg.store, "sqlite:%s/wristband.db" % back, "--from-kek-file", pg.env["WRISTBAND_KEK_FILE"], env=env)
    c.eq(p.returncode, 0, "store copy back to SQLite: " + p.stderr)
    c.check("copied 2 users," in p.stderr and "1 clients, 1 secrets and 2 signing keys into the sqlite store"
            in p.stderr, "counts: " + p.stderr)
    os.makedirs(os.path.join(pg.tmp, "back-server"))
    wbtest.STORE = "sqlite"
    s = wbtest.Server("--issuer", ISSUER, tmp=os.path.join(pg.tmp, "back-server"), env={"WRISTBAND_KEK_FILE": ""})
    wbtest.STORE = "postgres"
    s.store = "sqlite:%s/wristband.db" % back
    try:
        s.start()
        r = s.refresh(t["refresh_token"])
        c.eq(r.status_code, 200, "a PostgreSQL refresh token works on the SQLite copy: " + r.text)
        c.eq(s.get("/oauth/userinfo", r.json().get("access_token")).json().get("preferred_username"), "bob",
             "and its access token verifies")
    finally:
        s.cleanup()


def test_postgres_needs_a_kek(c):
    s = wbtest.Server(env={"WRISTBAND_KEK_FILE": ""})
    try:
        p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--store", s.store], capture_output=True,
                           text=True, timeout=60, env=s.env)
        c.eq(p.returncode, 2, "serve on PostgreSQL without a KEK: exit 2")
        c.check("WRISTBAND_KEK_FILE" in p.stderr and p.stdout == "", "one line naming it: " + p.stderr)
        short = os.path.join(s.tmp, "short-kek")
        with open(short, "wb") as f:
            f.write(os.urandom(31))
        os.chmod(short, 0o600)
        p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--store", s.store, "--kek-file", short],
                           capture_output=True, text=True, timeout=60, env=s.env)
        c.eq(p.returncode, 2, "a KEK file of 31 bytes: exit 2")
        c.check("too short" in p.stderr, "says so: " + p.stderr)
        p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--store", "postgres://nobody@127.0.0.1:1/none"], capture_output=True,
                           text=True, timeout=60, env=s.env)
        c.eq(p.returncode, 1, "an unreachable database: exit 1")
        c.check("database unavailable" in p.stderr, "says so: " + p.stderr)
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_copy_sqlite_to_postgres, test_postgres_needs_a_kek])
