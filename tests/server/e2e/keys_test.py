#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/keys_test.py - keys and durability against the real server: `keys rotate`
publishes the next key at once (no reload), SIGHUP makes it sign, tokens of the old key keep
verifying until they expire and the old key then leaves the JWKS (the test clock moves), keys
are sealed under the KEK; a restart keeps every session and key; kill -9 in the middle of a
load loses no committed session and leaves the database intact (PRAGMA integrity_check)."""
import os
import signal
import threading

import requests

from wbtest import Server, jwt_parts, main, sql


def kids(s):
    return [k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"]]


def keys_list(s):
    out = s.admin("keys", "list").stdout
    return [line.split("\t") for line in out.splitlines()]


def test_rotation(c):
    s = Server(clock=True).start()
    try:
        s.add_user("alice")
        old = s.login("alice").json()
        k1 = jwt_parts(old["access_token"])[0]["kid"]
        c.eq(kids(s), [k1], "one key at first")
        listing = keys_list(s)
        c.eq([(row[0], row[1], row[2]) for row in listing], [(k1, "ES256", "signing")], "keys list")
        rot = s.admin("keys", "rotate", "--alg", "EdDSA")
        c.eq(rot.returncode, 0, "keys rotate: " + rot.stderr)
        k2 = rot.stdout.strip()
        c.eq(sorted(kids(s)), sorted([k1, k2]), "the next key is published at once, no reload")
        c.eq(keys_list(s)[1][2], "next", "listed as next")
        mid = s.login("alice").json()
        c.eq(jwt_parts(mid["access_token"])[0]["kid"], k1, "still signing with the old key before SIGHUP")
        s.signal(signal.SIGHUP)
        new = None
        for _ in range(200):  # SIGHUP is handled within the server's one-second tick
            new = s.login("alice").json()
            if jwt_parts(new["access_token"])[0]["kid"] == k2:
                break
            threading.Event().wait(0.05)
        c.eq(jwt_parts(new["access_token"])[0]["kid"], k2, "signing with the new key after SIGHUP")
        c.eq(jwt_parts(new["access_token"])[0]["alg"], "EdDSA", "in its algorithm")
        c.eq(s.get("/oauth/userinfo", old["access_token"]).status_code, 200, "old-key tokens still verify")
        c.eq(s.get("/oauth/userinfo", new["access_token"]).status_code, 200, "new-key tokens verify")
        states = {row[0]: row[2] for row in keys_list(s)}
        c.eq((states[k1], states[k2]), ("retired", "signing"), "keys list after the switch")
        c.eq(sorted(kids(s)), sorted([k1, k2]), "the retired key stays published")
        disc = s.get("/.well-known/openid-configuration").json()
        c.eq(sorted(disc["id_token_signing_alg_values_supported"]), ["ES256", "EdDSA"], "discovery algorithms")
        # Past the lifetime of the last token k1 signed (15 min + margin) it leaves the JWKS.
        s.set_clock(16 * 60 + 61)
        refreshed = s.refresh(new["refresh_token"])
        c.eq(refreshed.status_code, 200, "sessions outlive the key switch")
        c.eq(kids(s), [k2], "the old key is gone once its tokens expired")
        c.eq(s.get("/oauth/userinfo", old["access_token"]).status_code, 401, "and its tokens expired")
        c.eq(s.get("/oauth/userinfo", refreshed.json()["access_token"]).status_code, 200, "new tokens fine")
        # Private keys are sealed: no private member in clear in the database.
        rows = sql(s.db, "SELECT public_jwk, private_enc FROM signing_keys")
        c.check(all('"d"' not in pub for pub, _ in rows), "public JWKs only in clear")
        c.check(all(b'"d"' not in bytes(priv) for _, priv in rows), "private keys sealed")
        kek = os.path.join(s.tmp, "data", "kek")
        c.eq(os.stat(kek).st_mode & 0o777, 0o600, "kek file mode 0600")
    finally:
        s.cleanup()


def test_restart_keeps_everything(c):
    s = Server("--issuer", "https://auth.wristband.test").start()  # port 0 moves: fix the issuer
    try:
        s.add_user("alice")
        t = s.login("alice").json()
        kid = jwt_parts(t["access_token"])[0]["kid"]
        c.eq(s.stop(), 0, "SIGTERM exits 0")
        s.start()
        c.eq(kids(s), [kid], "the same key after a restart")
        c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 200, "access token survives")
        r = s.refresh(t["refresh_token"])
        c.eq(r.status_code, 200, "refresh token survives")
        c.eq(jwt_parts(r.json()["access_token"])[0]["kid"], kid, "signed with the same key")
        # Another KEK cannot open the stored keys: a clear error, no start.
        c.eq(s.stop(), 0, "stop")
        other = os.path.join(s.tmp, "other-kek")
        with open(other, "w") as f:
            f.write("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n")
        os.chmod(other, 0o600)
        s.env["WRISTBAND_KEK_FILE"] = other
        try:
            s.start()
            c.check(False, "started with the wrong KEK")
        except RuntimeError as e:
            c.check("key-encryption key" in str(e), "the wrong KEK is named: %s" % e)
        del s.env["WRISTBAND_KEK_FILE"]
        s.proc = None
    finally:
        s.cleanup()


def test_kill9_under_load(c):
    # A budget high enough for the load and the check after it (the counters outlive the restart).
    s = Server("--refresh-grace", "120s", "--token-rate", "1000000").start()
    try:
        for i in range(4):
            s.add_user("user%d" % i)
        committed = {}  # session id -> the last refresh token a 200 answer carried
        lock = threading.Lock()
        stop = threading.Event()
        started = threading.Semaphore(0)

        def load(i):
            http = requests.Session()
            n = 0
            while not stop.is_set():
                try:
                    t = http.post(s.url("/oauth/token"), data={"grant_type": "password", "username": "user%d" % i,
                                                               "password": "correct horse battery"}, timeout=10)
                    if t.status_code != 200:
                        continue
                    body = t.json()
                    sid = jwt_parts(body["access_token"])[1]["sid"]
                    with lock:
                        committed[sid] = body["refresh_token"]
                    for _ in range(3):
                        r = http.post(s.url("/oauth/token"), data={"grant_type": "refresh_token",
                                                                   "refresh_token": body["refresh_token"]}, timeout=10)
                        if r.status_code != 200:
                            break
                        body = r.json()
                        with lock:
                            committed[sid] = body["refresh_token"]
                    n += 1
                    if n == 3:
                        started.release()
                except (requests.RequestException, ValueError):
                    return  # the server died under us: expected

        threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for _ in threads:
            started.acquire()  # every thread has committed sessions and is still running
        c.eq(s.kill9(), -signal.SIGKILL, "killed with -9 in the middle of the load")
        stop.set()
        for t in threads:
            t.join()
        c.check(len(committed) >= 12, "sessions made before the kill: %d" % len(committed))
        print("kill -9 after %d committed sessions" % len(committed))
        c.eq(sql(s.db, "PRAGMA integrity_check"), [("ok",)], "database intact after kill -9")
        s.start()
        lost = [sid for sid, rt in committed.items() if s.refresh(rt).status_code != 200]
        c.eq(lost, [], "no committed session lost")
        c.eq(sql(s.db, "PRAGMA integrity_check"), [("ok",)], "database intact after the restart")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_rotation, test_restart_keeps_everything, test_kill9_under_load])
