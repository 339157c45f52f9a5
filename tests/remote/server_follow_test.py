#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/remote/server_follow_test.py - verifiers that keep up, against the real `wristband
serve` (SQLite, or PostgreSQL under pgcluster.py): a long-running verifier (follow_tool, the
library's remote key set found by discovery plus its revocation follower) and the CLI's
`verify --issuer-url ... --revocations ...`.

- GET /oauth/revocations: client authentication, bad cursors refused, what it lists, and the
  long poll (held while nothing is new, answered on the change).
- Key rotation (`keys rotate` + SIGHUP): the running verifier accepts the new kid at once, with
  one extra fetch.
- A local logout, a global logout, a session ended by refresh-token reuse, a revoked access
  token and a disabled user: the following verifier rejects the tokens with `revoked` within
  its poll interval (measured and printed, not slept for); other tokens stay good.
- The issuer down: the verifier goes on with its keys and its revocation state.
- The CLI: a revoked token exits 1 with the reason word revoked; a feed that does not answer is
  exit 2.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests

from wbtest import Server, jwt_parts, main

TOOL = os.environ.get("WRISTBAND_FOLLOW_BIN", "")
INTERVAL = 1  # the follower's poll interval in the test (the default is 5 s)


class Follower:
    """follow_tool on the server s: verify(token) -> (status, key fetches, feed polls)."""

    def __init__(self, s, client, secret):
        self.p = subprocess.Popen([TOOL, s.base, s.url("/oauth/revocations"), client, secret, str(INTERVAL)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def verify(self, token):
        self.p.stdin.write("verify %s\n" % token)
        self.p.stdin.flush()
        st, keys, feed = self.p.stdout.readline().split()
        return st, int(keys), int(feed)

    def until_revoked(self, token, deadline_s=30):
        """Seconds until token is rejected as revoked (None when it never was within deadline_s)."""
        start = time.monotonic()
        while time.monotonic() - start < deadline_s:
            if self.verify(token)[0] == "revoked":
                return time.monotonic() - start
            time.sleep(0.05)
        return None

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=30)


def setup(s):
    s.add_user("alice")
    s.add_user("bob")
    p = s.admin("client", "add", "gate")
    return p.stdout.strip()


def feed(s, since=None, auth=None):
    params = {} if since is None else {"since": since}
    return requests.get(s.url("/oauth/revocations"), params=params, auth=auth, timeout=60)


def test_feed_endpoint(c):
    s = Server().start()
    try:
        secret = setup(s)
        c.eq(feed(s).status_code, 401, "no client: 401")
        c.eq(feed(s, auth=("gate", "wrong")).status_code, 401, "wrong secret: 401")
        for bad in ("x", "-1", "1" * 30, ""):
            c.eq(feed(s, bad, ("gate", secret)).status_code, 400, "since=%r refused" % bad)
        r = feed(s, auth=("gate", secret))
        c.eq(r.status_code, 200, "feed")
        body = r.json()
        c.check(body["cursor"].isdigit() and not body["more"] and not body["reset"], "cursor, more, reset")
        c.eq([k for k in ("sessions", "jtis", "users") if k in body], [], "nothing revoked yet")
        a = s.login("alice").json()
        sid = jwt_parts(a["access_token"])[1]["sid"]
        c.eq(s.post("/oauth/logout", a["access_token"]).status_code, 204, "logout")
        body = feed(s, body["cursor"], ("gate", secret)).json()
        c.eq([e["sid"] for e in body.get("sessions", [])], [sid], "the ended session is listed")
        until = body["sessions"][0]["until"]
        c.check(until >= jwt_parts(a["access_token"])[1]["exp"], "until covers the session's tokens")
        # a long poll: held while nothing is new, answered as soon as something is
        def entries(body):
            return sorted(json.dumps(e, sort_keys=True) for k in ("sessions", "jtis", "users") for e in body.get(k, []))
        first = feed(s, "0", ("gate", secret)).json()
        cur = first["cursor"]
        r = requests.get(s.url("/oauth/revocations"), params={"since": cur, "wait": "1"}, auth=("gate", secret),
                         timeout=60)
        c.check(set(entries(r.json())) <= set(entries(first)), "an idle long poll: nothing new")
        cur = r.json()["cursor"]
        held = {}

        def poll():
            t0 = time.monotonic()
            held["r"] = requests.get(s.url("/oauth/revocations"), params={"since": cur, "wait": "60"},
                                     auth=("gate", secret), timeout=120)
            held["s"] = time.monotonic() - t0
        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.5)  # let it be held (a poll that was not held yet still sees the logout)
        e = s.login("alice").json()
        c.eq(s.post("/oauth/logout", e["access_token"]).status_code, 204, "logout during the long poll")
        th.join()
        esid = jwt_parts(e["access_token"])[1]["sid"]
        c.check(esid in [x["sid"] for x in held["r"].json().get("sessions", [])], "the long poll brings it")
        c.check(held["s"] < 30, "answered on the change, not at the end of wait=60 (%.2f s)" % held["s"])
        print("long poll answered %.2f s after it was made" % held["s"])
        b = s.login("bob").json()
        r = s.post("/oauth/revoke", data={"token": b["access_token"]})
        c.eq(r.status_code, 200, "revoke an access token")
        jti = jwt_parts(b["access_token"])[1]["jti"]
        body = feed(s, "0", ("gate", secret)).json()
        jtis = {e["jti"]: e["until"] for e in body.get("jtis", [])}  # alice's logout denylisted hers too
        c.eq(jtis.get(jti), jwt_parts(b["access_token"])[1]["exp"], "the revoked jti, from the start, until its exp")
    finally:
        s.cleanup()


def test_follow(c):
    if not TOOL:
        raise SystemExit("set WRISTBAND_FOLLOW_BIN")
    s = Server().start()
    f = None
    try:
        secret = setup(s)
        a = s.login("alice").json()
        f = Follower(s, "gate", secret)
        st, keys0, _ = f.verify(a["access_token"])
        c.eq(st, "ok", "a fresh token verifies")
        # rotation: the new kid is fetched once, by the first token that names it
        rot = s.admin("keys", "rotate", "--alg", "EdDSA")
        c.eq(rot.returncode, 0, "keys rotate: " + rot.stderr)
        old_kid = jwt_parts(a["access_token"])[0]["kid"]
        s.signal(signal.SIGHUP)
        new = None
        for _ in range(200):  # SIGHUP is handled within the server's one-second tick
            t = s.login("bob").json()
            if jwt_parts(t["access_token"])[0]["kid"] != old_kid:
                new = t
                break
            time.sleep(0.05)
        c.check(new is not None, "the server signs with the new key")
        st, keys1, _ = f.verify(new["access_token"])
        c.eq(st, "ok", "the new kid verifies without a restart")
        c.eq(keys1 - keys0, 1, "with one extra fetch")
        c.eq(f.verify(new["access_token"])[1], keys1, "and no more after")
        c.eq(f.verify(a["access_token"])[0], "ok", "the old key's tokens still verify")

        # logout local: within the poll interval
        took = f.until_revoked(a["access_token"]) if s.post("/oauth/logout", a["access_token"]).status_code == 204 else None
        c.check(took is not None, "logout local reaches the verifier")
        print("logout local seen after %.2f s (interval %d s)" % (took or -1, INTERVAL))
        c.eq(f.verify(new["access_token"])[0], "ok", "bob's token unaffected")
        # global logout ends every session of the user
        b1, b2 = s.login("bob").json(), s.login("bob").json()
        c.eq(s.post("/oauth/logout", b1["access_token"], data={"scope": "global"}).status_code, 204, "global")
        took = f.until_revoked(b2["access_token"])
        c.check(took is not None, "global logout reaches the verifier")
        print("global logout seen after %.2f s" % (took or -1))
        c.eq(f.verify(b1["access_token"])[0], "revoked", "the logging-out session too")
        later = s.login("bob").json()
        c.eq(f.verify(later["access_token"])[0], "ok", "a login after the global logout is good")
        # refresh-token reuse detection ends the session
        r0 = s.login("alice").json()
        r1 = s.refresh(r0["refresh_token"]).json()
        r2 = s.refresh(r1["refresh_token"]).json()
        c.eq(s.refresh(r0["refresh_token"]).status_code, 400, "reuse detected")
        c.check(f.until_revoked(r2["access_token"]) is not None, "reuse detection reaches the verifier")
        # a revoked access token (its jti)
        j = s.login("alice").json()
        c.eq(s.post("/oauth/revoke", data={"token": j["access_token"]}).status_code, 200, "revoke")
        c.check(f.until_revoked(j["access_token"]) is not None, "a revoked jti reaches the verifier")
        # a disabled user
        d = s.login("alice").json()
        c.eq(f.verify(d["access_token"])[0], "ok", "alice's new token")
        c.eq(s.admin("user", "disable", "alice").returncode, 0, "disable alice")
        c.check(f.until_revoked(d["access_token"]) is not None, "a disabled user reaches the verifier")
        c.eq(f.verify(later["access_token"])[0], "ok", "bob unaffected")
        # the issuer goes down: the verifier goes on with its keys and its revocation state
        c.eq(s.stop(), 0, "the server stops")
        c.eq(f.verify(later["access_token"])[0], "ok", "issuer down: still verifying from the cache")
        c.eq(f.verify(d["access_token"])[0], "revoked", "and still rejecting what was revoked")
    finally:
        if f is not None:
            c.eq(f.close(), 0, "follow_tool exits cleanly")
        s.cleanup()


def test_cli(c):
    s = Server().start()
    tmp = tempfile.mkdtemp(prefix="wbfollow")
    try:
        secret = setup(s)
        path = os.path.join(tmp, "secret")
        with open(path, "w") as f:
            f.write(secret + "\n")

        def verify(token, *extra):
            return subprocess.run([s.binary, "verify", "--issuer-url", s.base, "--allow-http", "--any-aud",
                                   "--revocations", s.url("/oauth/revocations"), "--client", "gate:" + path]
                                  + list(extra) + [token], capture_output=True, text=True, timeout=60)

        a = s.login("alice").json()
        p = verify(a["access_token"])
        c.eq(p.returncode, 0, "CLI verifies: " + p.stderr)
        c.eq(s.post("/oauth/logout", a["access_token"]).status_code, 204, "logout")
        p = verify(a["access_token"])
        c.eq(p.returncode, 1, "a revoked token exits 1")
        c.check("revoked" in p.stderr, "with the reason word revoked: " + p.stderr)
        p = subprocess.run([s.binary, "verify", "--issuer-url", s.base, "--any-aud", a["access_token"]],
                           capture_output=True, text=True, timeout=60)
        c.eq(p.returncode, 2, "http refused without --allow-http")
        b = s.login("bob").json()
        with open(path, "w") as f:
            f.write("wrong\n")
        p = verify(b["access_token"])
        c.eq(p.returncode, 2, "a feed that refuses the client: exit 2")
        c.check("revocation feed" in p.stderr, "named: " + p.stderr)
        p = subprocess.run([s.binary, "jwks", "--fetch", s.url("/.well-known/jwks.json"), "--allow-http"],
                           capture_output=True, text=True, timeout=60)
        c.eq(p.returncode, 0, "jwks --fetch")
        c.check(jwt_parts(b["access_token"])[0]["kid"] in p.stdout, "lists the signing key")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_feed_endpoint, test_follow, test_cli])
