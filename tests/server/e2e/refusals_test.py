#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/refusals_test.py - every endpoint's refusals that the other scripts do not
send (issue 16): malformed parameters at the token, revocation, introspection, feed, session,
sign-up and forward-auth endpoints, cookie mode spelled every way, a refresh cookie that is dead
or comes with a DPoP proof, a DPoP-bound forward-auth request whose original URL is too long;
raw HTTP that requests (urllib3) would normalise: a method no route has, percent-escapes in
lower case, a Content-Length of ten digits; and the open-files limit a server starts under. Each
refusal is a clear error that changes nothing."""
import os
import resource
import socket
import sqlite3
import subprocess
import threading
import time

import requests

from dpop_test import Client, error, proof
from wbtest import PASSWORD, STORE, Server, jwt_parts, main, sql

CSRF = {"X-Wristband-CSRF": "1"}
REFRESH_COOKIE = "__Host-wristband-refresh"
ACCESS_COOKIE = "__Host-wristband-access"


def raw(s, data):
    """data on a fresh connection (Connection: close); the response's status line and body."""
    host, port = s.base.split("//")[1].rsplit(":", 1)
    out = b""
    with socket.create_connection((host.strip("[]"), int(port)), timeout=30) as sock:
        sock.sendall(data)
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    head, _, body = out.partition(b"\r\n\r\n")
    return head, body


def get_raw(s, path, method=b"GET"):
    return raw(s, method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def sessions_in_db(s):
    return sql(s.db, "SELECT count(*) FROM sessions")[0][0]


def test_raw_http(c):
    s = Server().start()
    try:
        head, body = get_raw(s, b"/healthz", b"FROB")
        c.check(head.startswith(b"HTTP/1.1 405 "), "a method no route has: 405: %r" % head[:40])
        c.check(b"Allow: GET, HEAD" in head, "Allow names the path's methods: %r" % head)
        c.check(b'"error":"method_not_allowed"' in body, "a JSON error: %r" % body)
        plain = requests.get(s.url("/.well-known/jwks.json"), timeout=30).content
        # requests (urllib3) upper-cases escapes: the lower-case ones only reach the server raw.
        for path in (b"/.well-known/%6awks.json", b"/.well-known/%6Awks.json", b"/.well-known/jwks.js%6fn"):
            head, body = get_raw(s, path)
            c.check(head.startswith(b"HTTP/1.1 200 ") and body == plain, "%s is jwks.json: %r" % (path, head[:40]))
        for path in (b"/.well-known/jwks%2gjson", b"/.well-known/jwks%g2json", b"/.well-known/jwks%G2json"):
            head, _ = get_raw(s, path)
            c.check(head.startswith(b"HTTP/1.1 404 "), "a broken escape %s is not decoded: %r" % (path, head[:40]))
        head, body = raw(s, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000000\r\n\r\n")
        c.check(head.startswith(b"HTTP/1.1 413 "), "a ten-digit Content-Length: 413 before any body: %r" % head[:40])
        c.eq(sessions_in_db(s), 0, "nothing was stored")
    finally:
        s.cleanup()


def test_token_refusals(c):
    s = Server().start()
    try:
        s.add_user("alice")
        login = {"grant_type": "password", "username": "alice", "password": PASSWORD}
        for bad in ("a b", "caf\u00e9", "x" * 129, "tab\there"):
            r = s.token(client_id=bad, **login)
            c.eq(error(r), (400, "invalid_request"), "client_id %r" % bad)
        for yes in ("1", "TRUE", "Yes", "on"):
            r = s.token(cookie=yes, **login)
            c.eq(error(r), (403, "access_denied"), "cookie=%s is cookie mode: it needs the CSRF header" % yes)
        r = requests.post(s.url("/oauth/token"), data=dict(login, cookie="1"), headers={"X-Wristband-CSRF": ""},
                          timeout=30)
        c.eq(error(r), (403, "access_denied"), "an empty CSRF header is none")
        r = requests.get(s.url("/oauth/userinfo"), cookies={ACCESS_COOKIE: ""}, timeout=30)
        c.eq(r.status_code, 401, "an empty access cookie is no token")
        c.eq(sessions_in_db(s), 0, "no refused request made a session")
        for no in ("0", "off", "nope"):
            r = s.token(cookie=no, **login)
            c.check(r.status_code == 200 and "refresh_token" in r.json(), "cookie=%s is not cookie mode" % no)
        r = s.token(grant_type="refresh_token", refresh_token="")
        c.eq(error(r), (400, "invalid_request"), "an empty refresh_token")
        c.check("refresh_token is required" in r.json().get("error_description", ""), "says so: %s" % r.text)
        # A dead refresh cookie: the browser is told to drop both cookies.
        r = requests.post(s.url("/oauth/token"), data={"grant_type": "refresh_token"}, headers=CSRF,
                          cookies={REFRESH_COOKIE: "wr1.not-a-token"}, timeout=30)
        c.eq(error(r), (400, "invalid_grant"), "a dead refresh cookie")
        cleared = r.headers.get("Set-Cookie", "")
        c.check(REFRESH_COOKIE + "=;" in cleared and ACCESS_COOKIE + "=;" in cleared and "Max-Age=0" in cleared,
                "both cookies cleared: %r" % cleared)
        # A live refresh cookie with a DPoP proof: a cookie cannot carry a bound token.
        r = requests.post(s.url("/oauth/token"), data=dict(login, cookie="1"), headers=CSRF, timeout=30)
        c.eq(r.status_code, 200, "a cookie-mode login")
        rt = r.cookies.get(REFRESH_COOKIE)
        c.check(rt is not None, "the refresh cookie is set")
        before = sql(s.db, "SELECT counter FROM sessions ORDER BY created_us DESC LIMIT 1")
        cl = Client(s)
        r = requests.post(s.url("/oauth/token"), data={"grant_type": "refresh_token"},
                          headers=dict(CSRF, DPoP=proof(cl.key, "POST", s.url("/oauth/token"))),
                          cookies={REFRESH_COOKIE: rt}, timeout=30)
        c.eq(error(r), (400, "invalid_request"), "a refresh cookie with a DPoP proof")
        c.check("do not mix" in r.text, "says why: %s" % r.text)
        c.eq(sql(s.db, "SELECT counter FROM sessions ORDER BY created_us DESC LIMIT 1"), before,
             "the session did not rotate")
    finally:
        s.cleanup()


def test_revoke_and_introspect_refusals(c):
    s = Server("--allow-signup").start()
    try:
        s.add_user("alice")
        s.add_user("root", roles=["admin"])
        admin = s.login("root").json()["access_token"]
        alice = s.login("alice", client_id="my-app").json()
        c.eq(error(s.post("/oauth/revoke", data={"token": ""})), (400, "invalid_request"), "revoke: an empty token")
        r = s.post("/oauth/introspect", admin, data={"token": ""})
        c.eq(error(r), (400, "invalid_request"), "introspect: an empty token")
        r = s.post("/oauth/introspect", admin, data={"token": alice["refresh_token"]})
        c.eq(r.status_code, 200, "introspect a refresh token")
        got = r.json()
        c.eq((got.get("active"), got.get("token_type"), got.get("client_id"), got.get("username")),
             (True, "refresh_token", "my-app", "alice"), "an active refresh token with its client_id")
        r = s.post("/oauth/introspect", alice["access_token"], data={"token": alice["refresh_token"]})
        c.eq(error(r), (403, "insufficient_scope"), "introspect with a token that is not an admin's")
        c.eq(s.post("/oauth/revoke", data={"token": alice["refresh_token"]}).status_code, 200, "revoke it")
        r = s.post("/oauth/introspect", admin, data={"token": alice["refresh_token"]})
        c.eq(r.json(), {"active": False}, "a revoked refresh token is inactive, and nothing more is said")
        r = s.post("/oauth/introspect", admin, data={"token": "wr1." + "A" * 40})
        c.eq(r.json(), {"active": False}, "a forged refresh token is inactive")
        # The feed's parameters.
        for q in ("since=abc", "since=", "wait=61", "since=1&since=2", "wait=123", "since=1234567890123456789"):
            r = s.get("/oauth/revocations?" + q, admin)
            c.eq(error(r), (400, "invalid_request"), "feed ?%s" % q)
        r = s.get("/oauth/revocations?since=1&wait=0", admin)
        c.check(r.status_code == 200 and "cursor" in r.json(), "a good query: %s" % r.text[:100])
        # Sign-up needs both fields.
        for form in ({"username": "bob"}, {"password": PASSWORD}, {}):
            r = s.post("/users", data=form if form else {"x": "1"})
            c.eq(error(r), (400, "invalid_request"), "sign-up with %s" % sorted(form))
        c.eq(sql(s.db, "SELECT count(*) FROM users")[0][0], 2, "nobody was added")
        r = s.post("/users", json={"username": "bob", "password": PASSWORD})
        c.eq(r.status_code, 201, "a sign-up in JSON")
        c.eq(r.json().get("username"), "bob", "names the user")
    finally:
        s.cleanup()


def test_session_refusals(c):
    s = Server().start()
    try:
        s.add_user("alice")
        t = s.login("alice").json()
        sid = jwt_parts(t["access_token"])[1]["sid"]
        for bad in ("bad!chars", "a" * 200, "%C3%A9"):
            r = requests.delete(s.url("/sessions/" + bad), headers={"Authorization": "Bearer " + t["access_token"]},
                                timeout=30)
            c.eq(error(r), (404, "not_found"), "DELETE /sessions/%s" % bad[:20])
        r = requests.delete(s.url("/sessions/" + sid), timeout=30)
        c.eq(r.status_code, 401, "ending a session needs a token")
        c.eq(sql(s.db, "SELECT count(*) FROM sessions WHERE id = ? AND revoked_us IS NULL", (sid,)), [(1,)],
             "the session lives on")
        # /auth/check: role at most once, with a value.
        for q in ("role=a&role=b", "role=", "ROLE=a&role=a"):
            r = s.get("/auth/check?" + q, t["access_token"])
            c.eq(error(r), (400, "invalid_request"), "/auth/check?%s" % q)
        # A logout whose request carries the browser's cookies clears them, bearer or not.
        r = requests.post(s.url("/oauth/logout"), headers={"Authorization": "Bearer " + t["access_token"]},
                          cookies={REFRESH_COOKIE: "stale"}, timeout=30)
        c.eq(r.status_code, 204, "logout")
        t2 = s.login("alice").json()
        r2 = requests.post(s.url("/oauth/logout"), headers={"Authorization": "Bearer " + t2["access_token"]},
                           cookies={ACCESS_COOKIE: "stale"}, timeout=30)
        c.check(r2.status_code == 204 and REFRESH_COOKIE + "=;" in r2.headers.get("Set-Cookie", ""),
                "the access cookie alone is a browser's too: both cleared: %r" % r2.headers.get("Set-Cookie"))
        c.check(ACCESS_COOKIE + "=;" in r.headers.get("Set-Cookie", ""), "the cookies are cleared: %r" %
                r.headers.get("Set-Cookie"))
    finally:
        s.cleanup()


def test_forward_auth_url_too_long(c):
    s = Server().start()
    try:
        s.add_user("alice")
        cl = Client(s)
        t = cl.login().json()["access_token"]
        long_url = "https://app.test/" + "a" * 3000
        p = proof(cl.key, "GET", long_url, token=t)
        r = s.get("/auth/check", headers={"Authorization": "DPoP " + t, "DPoP": p, "X-Original-Method": "GET",
                                          "X-Original-URL": long_url})
        c.eq(error(r), (400, "invalid_request"), "an original URL past 2048 bytes")
        c.check("too long" in r.text, "says so: %s" % r.text)
        ok = cl.call("GET", "/auth/check", t)
        c.eq(ok.status_code, 200, "the same token with a proof for /auth/check itself")
        # introspection by a DPoP-bound token without the admin role: refused in the DPoP way
        r = cl.call("POST", "/oauth/introspect", t, data={"token": t})
        c.eq(error(r), (403, "insufficient_scope"), "introspection with a bound non-admin token")
        c.check(r.headers.get("WWW-Authenticate", "").startswith("DPoP "), "a DPoP challenge: %r" %
                r.headers.get("WWW-Authenticate"))
        r = s.post("/oauth/introspect", "not-a-token", data={"token": t})
        c.eq(error(r), (401, "invalid_token"), "introspection with a bearer token that is none")
    finally:
        s.cleanup()


def test_issuer_with_slashes(c):
    s = Server("--issuer", "https://auth.test//").start()
    try:
        d = s.get("/.well-known/openid-configuration").json()
        c.eq(d.get("issuer"), "https://auth.test//", "the issuer as configured")
        c.eq(d.get("token_endpoint"), "https://auth.test/oauth/token", "endpoints without the trailing slashes")
        s.add_user("alice")
        cl = Client(s)
        key = cl.key
        r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice", "password": PASSWORD},
                   headers={"DPoP": proof(key, "POST", "https://auth.test/oauth/token")})
        c.eq(r.status_code, 200, "a proof names the token endpoint without the issuer's slashes")
    finally:
        s.cleanup()


def test_feed_holds(c):
    """Two long polls on two workers: one worker may hold a request (half of them, rounded down),
    so exactly one poll waits and the other is answered at once; SIGTERM ends the held poll with
    an answer, and the server exits 0."""
    s = Server("--threads", "2").start()
    try:
        s.add_user("root", roles=["admin"])
        admin = s.login("root").json()["access_token"]
        cursor = s.get("/oauth/revocations", admin).json()["cursor"]
        url = s.url("/oauth/revocations?since=%s&wait=60" % cursor)
        results = [None, None]

        def poll(i):
            try:
                results[i] = requests.get(url, headers={"Authorization": "Bearer " + admin}, timeout=90).status_code
            except requests.RequestException as e:
                results[i] = repr(e)

        threads = [threading.Thread(target=poll, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        for _ in range(3000):  # bounded: until one of them is answered
            if any(r is not None for r in results):
                break
            time.sleep(0.01)
        time.sleep(0.2)
        c.eq(sorted(str(r) for r in results), ["200", "None"], "one poll answered at once, one held")
        c.eq(s.stop(), 0, "SIGTERM while a poll is held: exit 0")
        for th in threads:
            th.join(60)
        c.eq(results, [200, 200], "the held poll answered at the stop")
    finally:
        s.cleanup()


def test_feed_too_large(c):
    """A feed past the follower's 4 MiB is not cut silently: 503, and the server goes on."""
    s = Server().start()
    try:
        s.add_user("root", roles=["admin"])
        admin = s.login("root").json()["access_token"]
        now = int(time.time())
        if STORE == "postgres":
            sql(s.db, "INSERT INTO denylist(jti, exp_s, added_us) SELECT convert_to('jti-' || g, 'UTF8'), %d, %d "
                      "FROM generate_series(1, 130000) g" % (now + 600, now * 1000000))
        else:
            with sqlite3.connect(s.db, timeout=30) as con:  # commits
                con.executemany("INSERT INTO denylist(jti, exp_s, added_us) VALUES (?, ?, ?)",
                                (("jti-%d" % i, now + 600, now * 1000000) for i in range(130000)))
        r = s.get("/oauth/revocations", admin)
        c.eq(error(r), (503, "temporarily_unavailable"), "a feed over 4 MiB")
        c.check("larger than" in s.stderr(), "the log says why")
        c.eq(s.get("/healthz").status_code, 200, "the server goes on")
    finally:
        s.cleanup()


def test_nonce_windows(c):
    """--dpop-nonce: a nonce of the right length the server did not make is refused; the server's
    nonce is still good in the next minute, not two minutes on (the server's test clock moves)."""
    s = Server("--dpop-nonce", clock=True).start()
    try:
        s.add_user("alice")
        cl = Client(s)
        nonce = cl.login().headers.get("DPoP-Nonce")
        c.check(nonce is not None and len(nonce) == 22, "a nonce: %r" % nonce)
        c.eq(error(cl.login(nonce="A" * 22)), (400, "use_dpop_nonce"), "22 characters the server did not make")
        s.set_clock(60)
        r = cl.login(nonce=nonce, iat=int(time.time()) + 60)
        c.eq(r.status_code, 200, "the previous minute's nonce: %s" % r.text)
        s.set_clock(180)
        r = cl.login(nonce=nonce, iat=int(time.time()) + 180)
        c.eq(error(r), (400, "use_dpop_nonce"), "three minutes on")
        c.check(r.headers.get("DPoP-Nonce") not in (None, nonce), "a new nonce is given")
    finally:
        s.cleanup()


def test_feed_without_a_free_worker(c):
    """A single worker never holds a long poll (it would be the only one): the feed answers at once."""
    s = Server("--threads", "1").start()
    try:
        s.add_user("root", roles=["admin"])
        admin = s.login("root").json()["access_token"]
        cursor = s.get("/oauth/revocations", admin).json()["cursor"]
        # held, it would outlast this timeout
        r = requests.get(s.url("/oauth/revocations?since=%s&wait=60" % cursor),
                         headers={"Authorization": "Bearer " + admin}, timeout=30)
        c.eq(r.status_code, 200, "answered without waiting")
        c.eq(sorted(r.json()), ["cursor", "more", "reset"], "nothing new: %s" % r.text)
    finally:
        s.cleanup()


def limited(soft, hard):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return set_limit


def start_limited(c, soft, hard, *args):
    """A server started under an open-files limit: its warning (or "") and whether it answers."""
    s = Server(*args)
    cmd = [s.binary, "serve", "--listen", "127.0.0.1:0", "--store", s.store] + s.args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=s.env,
                         preexec_fn=limited(soft, hard))
    try:
        line = p.stdout.readline().decode()
        c.check(line.startswith("wristband: listening on "), "started under %d/%d: %r" % (soft, hard, line))
        base = line.split()[-1]
        c.eq(requests.get(base + "/healthz", timeout=30).status_code, 200, "answers under %d/%d" % (soft, hard))
    finally:
        p.terminate()
        _, err = p.communicate(timeout=60)
        c.eq(p.returncode, 0, "exits 0 on SIGTERM")
        s.cleanup()
    return err.decode()


def test_open_files_limit(c):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2400:
        c.check(True, "the hard limit is too low to raise the soft one here")
    else:
        err = start_limited(c, 256, 2400, "--max-connections", "1000", "--threads", "2")
        c.check("open-files limit" not in err, "a soft limit below the need is raised silently: %r" % err)
    err = start_limited(c, 400, 400, "--max-connections", "1000", "--threads", "2")
    c.check("open-files limit (400) holds 136 connections, not --max-connections 1000" in err,
            "a hard limit below the need: fewer connections, said: %r" % err)
    err = start_limited(c, 200, 200, "--max-connections", "1000", "--threads", "80")
    c.check("open-files limit (200) holds 64 connections" in err, "a very low limit: %r" % err)


if __name__ == "__main__":
    main([test_raw_http, test_token_refusals, test_revoke_and_introspect_refusals, test_session_refusals,
          test_forward_auth_url_too_long, test_issuer_with_slashes, test_open_files_limit,
          test_feed_without_a_free_worker, test_nonce_windows, test_feed_holds, test_feed_too_large])
