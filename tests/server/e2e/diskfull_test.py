#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/diskfull_test.py - a full disk, and a database locked by another process for
longer than the busy timeout (issue 10).

Disk full: the database lives on a size-limited tmpfs (mounted by the test: it needs root; without
it the story says why and is skipped), which the test then fills. Token requests answer 503 with
a JSON error and Retry-After; reads that need no write keep working (userinfo, auth/check, jwks,
healthz); when space returns the server recovers by itself; nothing is half-written (the refresh
token presented during the outage was not rotated, no session was made, integrity_check ok).
Requests with DPoP proofs on the full disk are answered too: the DPoP replay table beside the
database (16 MiB, PATH-dpop) had its blocks allocated at start, so recording a proof never faults
a page in on a full disk (a SIGBUS that would kill the server). The tmpfs holds the table.

Locked: another process holds the write lock (BEGIN IMMEDIATE) past --busy-timeout 1s: token
requests answer 503 with Retry-After, reads keep working; once it lets go, everything works again.
The lock is held until the test lets go (no sleep decides anything). SQLite only: the
PostgreSQL run of this script is skipped (its outages: tests/server/pg/outage_test.py).
"""
import os
import subprocess
import sys
import tempfile

import requests

from dpop_test import new_key, proof
from wbtest import PASSWORD, STORE, Server, main, sql

TMPFS_SIZE = "20m"  # the DPoP replay table (16 MiB) and the database


def unavailable(c, r, what):
    c.eq(r.status_code, 503, what + ": 503")
    c.check(r.headers.get("Retry-After", "").isdigit() and int(r.headers["Retry-After"]) > 0,
            what + ": Retry-After in seconds (%r)" % r.headers.get("Retry-After"))
    try:
        body = r.json()
    except ValueError:
        body = {}
    c.eq(body.get("error"), "temporarily_unavailable", what + ": JSON error")


def reads_work(c, s, access, what):
    c.eq(s.get("/oauth/userinfo", access).status_code, 200, what + ": userinfo")
    c.eq(s.get("/auth/check", access).status_code, 200, what + ": auth/check")
    c.eq(s.get("/.well-known/jwks.json").status_code, 200, what + ": jwks")
    c.eq(s.get("/healthz").status_code, 200, what + ": healthz")


def mount_tmpfs(path):
    if os.geteuid() != 0:
        return "not root"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE + ",mode=0700", "tmpfs", path],
                       capture_output=True, text=True)
    return None if p.returncode == 0 else "mount failed: " + p.stderr.strip()


def fill(path):
    """Writes path until the file system is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_disk_full(c):
    s = Server(tmp=tempfile.mkdtemp(prefix="wbe2e"))  # removed here, after the unmount
    data = os.path.join(s.tmp, "data")
    os.makedirs(data)
    why = mount_tmpfs(data)
    if why is not None:
        print("SKIP test_disk_full: cannot mount a tmpfs (%s)" % why, file=sys.stderr)
        subprocess.run(["rm", "-rf", s.tmp])
        return
    filler = os.path.join(data, "filler")
    try:
        s.start()
        s.add_user("alice")
        first = s.login("alice").json()
        access, refresh = first["access_token"], first["refresh_token"]
        key = new_key()
        r = requests.post(s.url("/oauth/token"), data={"grant_type": "password", "username": "alice",
                                                       "password": PASSWORD},
                          headers={"DPoP": proof(key, "POST", s.url("/oauth/token"))}, timeout=60)
        c.eq(r.status_code, 200, "a DPoP login")
        bound = r.json()["access_token"]
        fill(filler)

        unavailable(c, s.login("alice"), "login on a full disk")
        unavailable(c, s.refresh(refresh), "refresh on a full disk")
        reads_work(c, s, access, "full disk")
        for i in range(20):  # each proof lands in other pages of the table
            r = requests.get(s.url("/oauth/userinfo"), timeout=60, headers={
                "Authorization": "DPoP " + bound,
                "DPoP": proof(key, "GET", s.url("/oauth/userinfo"), token=bound)})
            if r.status_code != 200:
                break
        c.eq(r.status_code, 200, "userinfo with a DPoP proof on a full disk (proof %d)" % i)
        reads_work(c, s, access, "full disk, after DPoP proofs")
        c.check("temporarily_unavailable" not in s.get("/oauth/userinfo", access).text, "a read is not refused")

        os.unlink(filler)
        r = s.login("alice")
        c.eq(r.status_code, 200, "space is back: login works again without a restart")
        r = s.refresh(refresh)
        c.eq(r.status_code, 200, "the refresh token presented during the outage was not used up")
        c.eq(sql(s.db, "SELECT COUNT(*) FROM sessions"), [(3,)],
             "no session was made during the outage (two logins before it, one after)")
        c.eq(sql(s.db, "SELECT counter FROM sessions ORDER BY created_us LIMIT 1"), [(1,)],
             "the first session rotated once (after the outage)")
        c.eq(sql(s.db, "PRAGMA integrity_check"), [("ok",)], "integrity_check")
    finally:
        try:
            s.cleanup()
        finally:
            subprocess.run(["umount", "-l", data])
            subprocess.run(["rm", "-rf", s.tmp])


HOLDER = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE meta SET value = value WHERE name = 'keys_version'")
print("locked", flush=True)
sys.stdin.readline()
con.execute("ROLLBACK")
"""


def test_locked_past_busy_timeout(c):
    s = Server("--busy-timeout", "1s").start()
    try:
        s.add_user("alice")
        first = s.login("alice").json()
        access, refresh = first["access_token"], first["refresh_token"]
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, s.db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            c.eq(holder.stdout.readline().strip(), "locked", "another process holds the write lock")
            unavailable(c, s.login("alice"), "login while locked")
            unavailable(c, s.refresh(refresh), "refresh while locked")
            reads_work(c, s, access, "locked")
        finally:
            holder.stdin.write("\n")
            holder.stdin.close()
            holder.wait(timeout=60)
        c.eq(s.login("alice").status_code, 200, "login once the lock is gone")
        c.eq(s.refresh(refresh).status_code, 200, "the refresh token presented while locked still works")
        c.eq(sql(s.db, "SELECT COUNT(*) FROM sessions"), [(2,)], "no session was made while locked")
        c.check("database is locked" in s.stderr(), "the log says why")
    finally:
        s.cleanup()


if __name__ == "__main__":
    if STORE != "sqlite":  # PostgreSQL's outages are tests/server/pg/outage_test.py
        print("SKIP: a full disk and a locked file are SQLite's failure modes")
        sys.exit(77)
    main([test_disk_full, test_locked_past_busy_timeout])
