#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/abuse_test.py - abuse and bad input against the real server: the username
lockout and the per-address budget (429 + Retry-After; the test clock moves past them), every
bad request of issue 8 (413 by Content-Length and chunked, 415, malformed form and JSON, a
repeated parameter, 404, 405 + Allow, grant errors, bearer errors with WWW-Authenticate), the
security headers on every kind of reply, nothing written by a refused request, self-registration
on and off, and the rehash of a password when the Argon2id parameters change."""
import socket

import requests

from wbtest import PASSWORD, Server, main, sql

SECURITY = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def json_error(c, r, status, code, what):
    c.eq(r.status_code, status, what + ": status")
    c.eq(r.headers.get("Content-Type"), "application/json", what + ": JSON error")
    try:
        body = r.json()
    except ValueError:
        body = {}
    c.eq(body.get("error"), code, what + ": error code")
    c.check(body.get("error_description"), what + ": a description")
    for k, v in SECURITY.items():
        c.eq(r.headers.get(k), v, what + ": " + k)


def test_lockout(c):
    s = Server("--lockout-failures", "5", clock=True).start()
    try:
        s.add_user("bob")
        for i in range(5):
            json_error(c, s.login("bob", "wrong password"), 400, "invalid_grant", "failure %d" % (i + 1))
        r = s.login("bob")
        json_error(c, r, 429, "slow_down", "locked, even with the right password")
        retry = r.headers.get("Retry-After", "")
        c.check(retry.isdigit() and 0 < int(retry) <= 300, "Retry-After in whole seconds: %r" % retry)
        c.eq(s.login("bob", "wrong again").status_code, 429, "still locked")
        c.eq(s.login("carol", "anything").status_code, 400, "other names are not locked")
        # Unknown user, wrong password and disabled user: the same answer.
        s.add_user("dave")
        s.admin("user", "disable", "dave")
        answers = {s.login(u, p).text for u, p in [("nobody", PASSWORD), ("carol", "bad pw"), ("dave", PASSWORD)]}
        c.eq(len(answers), 1, "one indistinguishable answer: %r" % answers)
        s.set_clock(301)
        c.eq(s.login("bob").status_code, 200, "the lock ends after 5 minutes")
        c.eq(s.metric('wristband_logins_total{result="failed"}'), 9.0, "failed logins counted (not the locked ones)")
    finally:
        s.cleanup()


def test_address_budget(c):
    s = Server("--token-rate", "5", clock=True).start()
    try:
        s.add_user("alice")
        codes = [s.login("user%d" % i, "wrong").status_code for i in range(5)]
        c.eq(codes, [400] * 5, "within the budget")
        r = s.login("alice")
        json_error(c, r, 429, "slow_down", "over the budget")
        c.check(r.headers.get("Retry-After", "").isdigit(), "Retry-After")
        c.eq(s.token(grant_type="refresh_token", refresh_token="x").status_code, 429, "every grant counts")
        s.set_clock(61)
        c.eq(s.login("alice").status_code, 200, "the next minute")
    finally:
        s.cleanup()


def raw_request(s, data):
    """Sends bytes on a fresh connection; the status line and the whole response."""
    host, port = s.base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(data)
        out = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and b"Content-Length: " in out:
                head, _, body = out.partition(b"\r\n\r\n")
                n = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(body) >= n:
                    break
    return out.split(b"\r\n")[0].decode(), out


def test_bad_requests(c):
    s = Server().start()
    try:
        s.add_user("alice")
        users_before = sql(s.db, "SELECT COUNT(*) FROM users")
        big = "grant_type=password&username=alice&password=" + "x" * 17000
        json_error(c, s.post("/oauth/token", data=big,
                             headers={"Content-Type": "application/x-www-form-urlencoded"}), 413,
                   "invalid_request", "body over 16 KiB")
        chunks = (b"a" * 4096 for _ in range(8))
        json_error(c, s.post("/oauth/token", data=chunks,
                             headers={"Content-Type": "application/x-www-form-urlencoded"}), 413,
                   "invalid_request", "chunked body over 16 KiB")
        status, _ = raw_request(s, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
                                   b"Content-Type: application/json\r\nConnection: close\r\n\r\n")
        c.eq(status, "HTTP/1.1 413 Content Too Large", "413 before any body is sent")
        json_error(c, s.post("/oauth/token", data="grant_type=password", headers={"Content-Type": "text/plain"}),
                   415, "invalid_request", "text/plain")
        json_error(c, s.post("/oauth/token", data="<xml/>", headers={"Content-Type": "application/xml"}), 415,
                   "invalid_request", "XML")
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        json_error(c, s.post("/oauth/token", data="grant_type=password&username=%zz", headers=form_type), 400,
                   "invalid_request", "bad percent escape")
        json_error(c, s.post("/oauth/token", data="grant_type=password&username=a%00b", headers=form_type), 400,
                   "invalid_request", "NUL in a form value")
        json_error(c, s.post("/oauth/token", data="grant_type=password"), 415, "invalid_request",
                   "a body without Content-Type")
        form = "grant_type=password&username=alice&password=x&username=bob"
        json_error(c, s.post("/oauth/token", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   400, "invalid_request", "repeated parameter")
        for body, what in [('{"grant_type":', "truncated JSON"), ('["password"]', "JSON array"),
                           ('{"grant_type":"password","grant_type":"password"}', "duplicate JSON member"),
                           ('{"grant_type":"password","username":{"a":1}}', "JSON object value"),
                           ('{"grant_type":"password","username":null}', "JSON null")]:
            json_error(c, s.post("/oauth/token", data=body, headers={"Content-Type": "application/json"}), 400,
                       "invalid_request", what)
        json_error(c, s.token(), 400, "invalid_request", "no grant_type")
        json_error(c, s.token(grant_type="client_credentials"), 400, "unsupported_grant_type", "unknown grant")
        json_error(c, s.token(grant_type="password", username="alice"), 400, "invalid_request", "no password")
        json_error(c, s.token(grant_type="refresh_token"), 400, "invalid_request", "no refresh_token")
        json_error(c, s.refresh("not-a-refresh-token"), 400, "invalid_grant", "bad refresh token")
        json_error(c, s.login("alice", scope='a"b'), 400, "invalid_scope", "bad scope")
        json_error(c, s.login("a" * 300), 400, "invalid_request", "username too long")
        json_error(c, s.login("alice", client_id="x" * 200), 400, "invalid_request", "client_id too long")
        json_error(c, s.get("/nope"), 404, "not_found", "unknown path")
        json_error(c, s.get("/oauth"), 404, "not_found", "a prefix of a path")
        r = requests.put(s.url("/oauth/token"), timeout=60)
        json_error(c, r, 405, "method_not_allowed", "PUT /oauth/token")
        c.eq(r.headers.get("Allow"), "POST", "Allow")
        r = s.post("/oauth/userinfo")
        json_error(c, r, 405, "method_not_allowed", "POST /oauth/userinfo")
        c.eq(r.headers.get("Allow"), "GET, HEAD", "Allow for a GET endpoint")
        r = requests.get(s.url("/sessions/abc"), timeout=60)
        c.eq((r.status_code, r.headers.get("Allow")), (405, "DELETE"), "GET /sessions/{sid}")
        c.eq(sql(s.db, "SELECT COUNT(*) FROM users"), users_before, "nothing written")
        c.eq(sql(s.db, "SELECT COUNT(*) FROM sessions"), [(0,)], "no session made")
        c.eq(s.get("/healthz").status_code, 200, "still serving")
    finally:
        s.cleanup()


def test_bearer_errors(c):
    s = Server().start()
    try:
        s.add_user("alice")
        t = s.login("alice").json()
        r = s.get("/oauth/userinfo")
        c.eq(r.status_code, 401, "no token")
        # Two challenges (RFC 9449 7.1): Bearer without an error code (RFC 6750 3.1), and DPoP.
        c.check(r.headers.get("WWW-Authenticate", "").startswith('Bearer realm="wristband", DPoP algs="'),
                "RFC 6750 3.1: no error code: %r" % r.headers.get("WWW-Authenticate"))
        for token, what in [("garbage", "not a JWT"), (t["access_token"][:-4] + "AAAA", "bad signature"),
                            (t["access_token"] + "x", "trailing byte")]:
            r = s.get("/oauth/userinfo", token)
            json_error(c, r, 401, "invalid_token", what)
            c.check(r.headers.get("WWW-Authenticate", "").startswith('Bearer realm="wristband", error="invalid_token"'),
                    what + ": WWW-Authenticate")
        r = s.get("/oauth/userinfo", headers={"Authorization": "Bearer a b"})
        c.eq(r.status_code, 401, "malformed Authorization")
        r = s.get("/oauth/userinfo", headers={"Authorization": "Basic YTpi"})
        c.eq(r.status_code, 401, "another scheme")
        r = s.get("/auth/check?role=admin&role=dev", t["access_token"])
        c.eq(r.status_code, 400, "role given twice")
        # Security headers on every kind of reply.
        for r in [s.get("/healthz"), s.get("/.well-known/jwks.json"), s.get("/metrics"), s.get("/nope"),
                  s.get("/oauth/userinfo", t["access_token"]), s.get("/auth/check", t["access_token"])]:
            for k, v in SECURITY.items():
                c.eq(r.headers.get(k), v, "%s on %s" % (k, r.url))
            c.check("Content-Security-Policy" in r.headers, "CSP on " + r.url)
        c.eq(s.get("/.well-known/jwks.json").headers.get("Cache-Control"), "public, max-age=60", "JWKS cacheable")
        c.eq(s.get("/oauth/userinfo", t["access_token"]).headers.get("Cache-Control"), "no-store", "userinfo not")
    finally:
        s.cleanup()


def test_signup(c):
    off = Server().start()
    try:
        json_error(c, off.post("/users", data={"username": "eve", "password": PASSWORD}), 403, "access_denied",
                   "signup off by default")
        c.eq(sql(off.db, "SELECT COUNT(*) FROM users"), [(0,)], "no user made")
    finally:
        off.cleanup()
    on = Server("--allow-signup").start()
    try:
        r = on.post("/users", json={"username": "eve", "password": PASSWORD})
        c.eq(r.status_code, 201, "signup")
        c.eq(r.json().get("username"), "eve", "signup answer")
        c.eq(on.login("eve").status_code, 200, "the new user logs in")
        json_error(c, on.post("/users", data={"username": "eve", "password": PASSWORD}), 409, "conflict", "taken")
        json_error(c, on.post("/users", data={"username": "x y", "password": PASSWORD}), 400, "invalid_request",
                   "bad name")
        json_error(c, on.post("/users", data={"username": "fred", "password": "short"}), 400, "invalid_request",
                   "short password")
        c.eq(on.get("/oauth/userinfo", on.login("eve").json()["access_token"]).json()["roles"], [], "no roles")
    finally:
        on.cleanup()


def test_rehash(c):
    s = Server(fast_hash=False).start()  # the OWASP defaults: m=19 MiB, t=2
    try:
        s.add_user("alice")
        (h1,), = sql(s.db, "SELECT password_hash FROM users")
        c.check(h1.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "OWASP parameters: " + h1)
        c.eq(s.login("alice").status_code, 200, "login")
        (same,), = sql(s.db, "SELECT password_hash FROM users")
        c.eq(same, h1, "no rehash while the parameters hold")
        c.eq(s.stop(), 0, "stop")
        s.args += ["--argon2-ops", "3", "--argon2-memory-kib", "8192"]
        s.start()
        c.eq(s.login("alice").status_code, 200, "login under new parameters")
        (h2,), = sql(s.db, "SELECT password_hash FROM users")
        c.check(h2.startswith("$argon2id$v=19$m=8192,t=3,p=1$"), "rehashed on login: " + h2)
        c.eq(s.login("alice").status_code, 200, "the new hash verifies")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_lockout, test_address_budget, test_bad_requests, test_bearer_errors, test_signup, test_rehash])
