#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/dpop_shared_test.py - the DPoP replay cache shared by several `wristband serve`
processes on one store (issue 15). On SQLite it is a table in the file beside the database
(PATH-dpop, server/store/replay_table.h); on PostgreSQL (the same script under pgcluster.py) an
UNLOGGED table. Two servers with one issuer: a proof used on one is refused by the other, at the
token endpoint and at userinfo; one proof sent to both at once is accepted exactly once; a server
restarted, and both restarted one after the other (the first to start alone renews the shared
lock), still refuse the proofs used before; the session bound on one refreshes on the other only
with a proof by its key. SQLite only: a proof whose two buckets are full of live proofs is refused
with 503 and the table's Retry-After, and nothing is made; a table file that is a symbolic link,
readable by others, of another size, of another program, or a directory stops the start with a
message naming it, and is left exactly as it was."""
import concurrent.futures
import hashlib
import os
import socket
import stat
import struct
import subprocess

import requests

from dpop_test import new_key, proof
from wbtest import BIN, FAST_HASH, PASSWORD, STORE, Server, main, sql

FORM = {"grant_type": "password", "username": "alice", "password": PASSWORD}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pair():
    port = free_port()
    issuer = "http://127.0.0.1:%d" % port
    a = Server("--issuer", issuer).start("127.0.0.1:%d" % port)
    b = Server("--issuer", issuer, share=a).start()
    return issuer, a, b


def userinfo(s, at, p):
    return requests.get(s.url("/oauth/userinfo"), headers={"Authorization": "DPoP " + at, "DPoP": p}, timeout=60)


def test_replay_across_processes(c):
    issuer, a, b = pair()
    try:
        a.add_user("alice")
        key = new_key()
        p = proof(key, "POST", issuer + "/oauth/token")
        r1 = requests.post(a.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60)
        r2 = requests.post(b.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60)
        c.eq(r1.status_code, 200, "login on A")
        c.eq((r2.status_code, r2.json().get("error")), (400, "invalid_dpop_proof"), "the login proof again on B")
        c.check("replayed" in r2.text, "B says replayed: %r" % r2.text)
        at = r1.json()["access_token"]
        used = [proof(key, "GET", issuer + "/oauth/userinfo", token=at) for _ in range(3)]
        c.eq(userinfo(b, at, used[0]).status_code, 200, "userinfo on B")
        c.eq(userinfo(a, at, used[0]).status_code, 401, "the same proof on A")
        c.eq(userinfo(a, at, used[1]).status_code, 200, "another proof on A")
        c.eq(userinfo(b, at, used[1]).status_code, 401, "that proof on B")
        # One proof to both at once, many times: exactly one use succeeds each time.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for i in range(5):
                q = proof(key, "GET", issuer + "/oauth/userinfo", token=at)
                codes = list(pool.map(lambda s: userinfo(s, at, q).status_code, [a, b] * 4))
                c.eq(sorted(codes), [200] + [401] * 7, "round %d: one of eight concurrent uses succeeds" % i)
        # B restarted while A runs: it finds the proofs used before.
        b.stop()
        b.start()
        c.eq(userinfo(b, at, used[1]).status_code, 401, "B restarted: a proof used on A")
        c.eq(userinfo(b, at, used[2]).status_code, 200, "B restarted: a new proof")
        # Both stopped, then started again one after the other (the first is alone and renews
        # the shared lock): the proofs used before are still refused, by both.
        a.stop()
        b.stop()
        b.start()
        a.start("127.0.0.1:%s" % issuer.rsplit(":", 1)[1])
        for s, name in ((a, "A"), (b, "B")):
            for i, q in enumerate(used):
                c.eq(userinfo(s, at, q).status_code, 401, "both restarted: proof %d on %s" % (i, name))
        c.eq(userinfo(a, at, proof(key, "GET", issuer + "/oauth/userinfo", token=at)).status_code, 200,
             "both restarted: a new proof")
        if STORE == "sqlite":
            mode = stat.S_IMODE(os.stat(a.db + "-dpop").st_mode)
            c.eq(oct(mode), oct(0o600), "the table file is private")
        # The session bound on A refreshes on B with its key only.
        form = {"grant_type": "refresh_token", "refresh_token": r1.json()["refresh_token"]}
        r = requests.post(b.url("/oauth/token"), data=form,
                          headers={"DPoP": proof(new_key(), "POST", issuer + "/oauth/token")}, timeout=60)
        c.eq((r.status_code, r.json().get("error")), (400, "invalid_grant"), "refresh on B with another key")
        r = requests.post(b.url("/oauth/token"), data=form,
                          headers={"DPoP": proof(key, "POST", issuer + "/oauth/token")}, timeout=60)
        c.eq((r.status_code, r.json().get("token_type")), (200, "DPoP"), "refresh on B with the key")
    finally:
        b.cleanup()
        a.cleanup()


def fill_buckets_of(path, key, jti):
    """Fills both buckets the proof id SHA-256(thumbprint || jti) may use with live entries,
    writing the running server's table file (server/store/replay_table.c's layout: salt at 24,
    slots of a 12-byte tag and a little-endian stale time from 4096, 16 to a bucket)."""
    with open(path, "r+b") as f:
        f.seek(24)
        salt = f.read(32)
        pid = hashlib.sha256(key.thumbprint().encode() + jti.encode()).digest()
        h = hashlib.sha256(salt + pid).digest()
        for b in {struct.unpack(">I", h[0:4])[0] % 65536, struct.unpack(">I", h[4:8])[0] % 65536}:
            f.seek(4096 + b * 16 * 16)
            f.write(b"".join(os.urandom(12) + struct.pack("<I", 0xFFFFFFF0) for _ in range(16)))


def test_full_table(c):
    if STORE != "sqlite":
        return
    s = Server().start()
    try:
        s.add_user("alice")
        key = new_key()
        jti = "full-table-" + os.urandom(6).hex()
        fill_buckets_of(s.db + "-dpop", key, jti)
        p = proof(key, "POST", s.url("/oauth/token"), claims={"jti": jti})
        r = requests.post(s.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60)
        c.eq(r.status_code, 503, "a proof whose buckets are full of live proofs is refused")
        c.eq(r.headers.get("Retry-After"), "5", "with the table's Retry-After")
        c.check("table full" in s.stderr(), "the log says the table is full: %s" % s.stderr()[-300:])
        c.eq(len(sql(s.db, "SELECT * FROM sessions")), 0, "and no session was made")
        p = proof(key, "POST", s.url("/oauth/token"))
        c.eq(requests.post(s.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60).status_code, 200,
             "a proof with another jti goes elsewhere")
    finally:
        s.cleanup()


def refused_start(c, s, what, path, before):
    p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--store", s.store] + FAST_HASH,
                       capture_output=True, text=True, env=s.env, timeout=120)
    c.check(p.returncode != 0 and "listening" not in p.stdout, "%s: the server did not start" % what)
    c.check(path in p.stderr and "DPoP replay table" in p.stderr, "%s: says so: %r" % (what, p.stderr[-300:]))
    c.eq(snapshot(path), before, "%s: the file is as it was" % what)


def snapshot(path):
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISDIR(st.st_mode):
        return ("dir", stat.S_IMODE(st.st_mode))
    with open(path, "rb") as f:
        data = f.read()
    return ("file", stat.S_IMODE(st.st_mode), len(data), hash(data))


def test_hostile_table_file(c):
    if STORE != "sqlite":
        return
    s = Server().start()
    s.stop()  # the database exists, with its table file
    path = s.db + "-dpop"
    good = open(path, "rb").read()
    size = len(good)
    victim = os.path.join(s.tmp, "victim")
    with open(victim, "wb") as f:
        f.write(b"not yours\n")
    try:
        cases = [("a symbolic link", lambda: os.symlink(victim, path)),
                 ("readable by others", lambda: (open(path, "wb").write(good), os.chmod(path, 0o644))),
                 ("another size", lambda: (open(path, "wb").write(good[:4096]), os.chmod(path, 0o600))),
                 ("another program's", lambda: (open(path, "wb").write(b"\x7fELF" + good[4:]), os.chmod(path, 0o600))),
                 ("a directory", lambda: os.mkdir(path, 0o700))]
        for what, make in cases:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            elif os.path.lexists(path):
                os.unlink(path)
            make()
            refused_start(c, s, what, path, snapshot(path))
        c.eq(open(victim, "rb").read(), b"not yours\n", "the link's target is untouched")
        os.rmdir(path)
        with open(path, "wb") as f:  # a table cut short at creation (all zeros) is made anew
            f.write(bytes(size))
        os.chmod(path, 0o600)
        s.start()
        s.add_user("alice")
        key = new_key()
        p = proof(key, "POST", s.url("/oauth/token"))
        c.eq(requests.post(s.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60).status_code, 200,
             "a blank table file is initialised")
        r = requests.post(s.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60)
        c.eq(r.status_code, 400, "and records proofs")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_replay_across_processes, test_full_table, test_hostile_table_file])
