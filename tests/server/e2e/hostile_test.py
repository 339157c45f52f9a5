#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/hostile_test.py - what a security review of `wristband serve` found, each as
the request that showed it: HTTP framing a front proxy could read differently (request
smuggling: a header name with whitespace, two Content-Length, Content-Length with
Transfer-Encoding, a transfer coding other than chunked), paths holding an encoded NUL, a
session list too long for one reply, user names that differ only in case, password guesses
sent at once past the lockout, custom claims that would speak for the server, and a forward-auth
role given twice in two cases. Raw sockets where requests would normalise the bytes."""
import socket
import threading

import requests

from wbtest import PASSWORD, Server, jwt_parts, main, sql

SESSIONS_SHOWN = 100  # GET /sessions lists this many, newest first

# The request a desynchronised server would read as a second one: it must never be answered.
SMUGGLED = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
FORM = b"grant_type=password&username=alice&password=x"
POST = b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"


def exchange(s, data, wait=20):
    """Sends data on a fresh connection and reads until the server closes it (or wait seconds
    pass: a server still waiting for a body). Returns (responses, timed_out)."""
    host, port = s.base.split("//")[1].split(":")
    out, timed_out = b"", False
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            timed_out = True
        except ConnectionResetError:
            pass
    return [b"HTTP/1.1 " + r for r in out.split(b"HTTP/1.1 ")[1:]], timed_out


def refused(c, s, data, what):
    """The request gets one 400 with a JSON body, and nothing after it is read as a request."""
    responses, timed_out = exchange(s, data)
    c.check(not timed_out, what + ": answered at once, not left waiting for a body")
    c.eq(len(responses), 1, what + ": one response, the smuggled request unanswered")
    first = responses[0] if responses else b""
    c.check(first.startswith(b"HTTP/1.1 400 "), what + ": 400: %r" % first[:40])
    c.check(b"Content-Type: application/json" in first and b'"error":"invalid_request"' in first,
            what + ": a JSON error: %r" % first[-120:])


def test_framing(c):
    s = Server().start()
    try:
        s.add_user("alice")
        n = len(FORM)
        refused(c, s, POST + b"Content-Length : %d\r\nConnection: keep-alive\r\n\r\n" % n + FORM + SMUGGLED,
                "whitespace before the colon of Content-Length")
        refused(c, s, POST + b"Transfer-Encoding\t: chunked\r\nContent-Length: 3\r\n\r\nabc" + SMUGGLED,
                "a tab before the colon of Transfer-Encoding")
        refused(c, s, POST + b"Content-Length: %d\r\nContent-Length: 5\r\n\r\n" % n + FORM + SMUGGLED,
                "two different Content-Length")
        refused(c, s, POST + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (n, n) + FORM + SMUGGLED,
                "Content-Length twice")
        chunked = b"%x\r\n" % n + FORM + b"\r\n0\r\n\r\n"
        refused(c, s, POST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + SMUGGLED,
                "Content-Length with Transfer-Encoding")
        refused(c, s, POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked + SMUGGLED,
                "a transfer coding before chunked")
        refused(c, s, POST + b"Transfer-Encoding: identity\r\n\r\n" + FORM, "Transfer-Encoding: identity")
        refused(c, s, POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + SMUGGLED,
                "Transfer-Encoding twice")
        # What stays accepted: one chunked body, one Content-Length, on a kept-alive connection.
        responses, _ = exchange(s, POST + b"Transfer-Encoding: Chunked\r\n\r\n" + chunked + SMUGGLED)
        c.eq([r.split(b"\r\n")[0] for r in responses], [b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 200 OK"],
             "a chunked body, then the next request")
        c.check(b"invalid_grant" in responses[0] if responses else False, "the chunked body was read")
        responses, _ = exchange(s, POST + b"Content-Length: %d\r\n\r\n" % n + FORM + SMUGGLED)
        c.eq(len(responses), 2, "Content-Length, then the next request")
        c.eq(s.get("/healthz").status_code, 200, "still serving")
    finally:
        s.cleanup()


def test_nul_in_path(c):
    s = Server().start()
    try:
        for path in ["/metrics%00", "/metrics%00.css", "/healthz%00/x", "/auth/check%00"]:
            responses, _ = exchange(s, b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
            first = responses[0] if responses else b""
            c.check(first.startswith(b"HTTP/1.1 404 "), "%s is not %s: %r" % (path, path.split("%")[0], first[:40]))
            c.check(b'"error":"not_found"' in first, path + ": a JSON 404")
        c.eq(s.get("/metrics?x=%00").status_code, 200, "a NUL in the query is not the path's")
    finally:
        s.cleanup()


def test_many_sessions(c):
    """A user with more sessions than one reply holds (each with a user agent of control
    characters, six bytes each once escaped) still gets the newest, as valid JSON."""
    s = Server().start()
    try:
        s.add_user("alice")
        with requests.Session() as http:
            for _ in range(SESSIONS_SHOWN + 100):
                r = http.post(s.url("/oauth/token"), data={"grant_type": "password", "username": "alice",
                                                           "password": PASSWORD},
                              headers={"User-Agent": "\x01" * 300}, timeout=60)
        token = r.json()["access_token"]
        r = s.get("/sessions", token)
        c.eq((r.status_code, r.headers.get("Content-Type")), (200, "application/json"), "GET /sessions")
        listed = r.json().get("sessions", []) if r.status_code == 200 else []
        c.eq(len(listed), SESSIONS_SHOWN, "the newest sessions")
        c.check(listed and listed[0]["current"], "newest first: the caller's")
        c.eq(s.post("/oauth/logout", token, data={"scope": "others"}).status_code, 204, "the others end")
        c.eq(len(s.get("/sessions", token).json()["sessions"]), 1, "one left")
    finally:
        s.cleanup()


def test_names_differing_in_case(c):
    """Self-registration cannot make "Alice" beside "alice" (a name that shows as the other in
    preferred_username, X-Auth-User and every log), nor can the admin by mistake."""
    s = Server("--allow-signup").start()
    try:
        s.add_user("alice")
        for name in ["Alice", "ALICE"]:
            r = s.post("/users", data={"username": name, "password": PASSWORD})
            c.eq((r.status_code, r.json().get("error")), (409, "conflict"), "signup as " + name)
        c.check(s.admin("user", "add", "aLiCe", stdin=PASSWORD + "\n").returncode != 0, "user add aLiCe")
        c.eq(sql(s.db, "SELECT name FROM users"), [("alice",)], "only alice")
        c.eq(s.login("alice").status_code, 200, "alice logs in")
        c.eq(s.login("Alice").status_code, 400, "names stay exact at login")
        c.eq(s.post("/users", data={"username": "bob", "password": PASSWORD}).status_code, 201, "other names")
    finally:
        s.cleanup()


def test_lockout_under_concurrency(c):
    """Guesses sent at once are each checked against the lock before any failure is recorded:
    every worker thread got a guess verified, not five in all. A hash that takes some time makes
    the guesses overlap; exactly five may be verified whatever the timing."""
    s = Server("--threads", "16", "--argon2-ops", "2", "--argon2-memory-kib", "4096", fast_hash=False).start()
    try:
        s.add_user("alice")
        guesses = 48
        start = threading.Barrier(guesses)
        codes = []

        def guess(i):
            start.wait()
            r = requests.post(s.url("/oauth/token"), timeout=120,
                              data={"grant_type": "password", "username": "alice", "password": "guess %d" % i})
            codes.append(r.status_code)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        c.eq((codes.count(400), codes.count(429)), (5, guesses - 5), "five guesses verified, the rest locked out")
        c.eq(s.metric('wristband_logins_total{result="failed"}'), 5.0, "five failed logins")
        c.eq(s.login("alice").status_code, 429, "locked")
    finally:
        s.cleanup()


def test_claims_only_the_server_knows(c):
    """Custom claims cannot say how the user logged in (acr, amr, auth_time: a resource server's
    step-up check would believe every token came from a second factor), bind the token to a key
    (cnf) or make it a delegation (act, may_act), nor name another party (azp, nonce)."""
    s = Server().start()
    try:
        s.add_user("alice")
        for key, value in [("acr", '"urn:mfa"'), ("amr", '["otp","pwd"]'), ("auth_time", "1700000000"),
                           ("cnf", '{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}'),
                           ("act", '{"sub":"admin"}'), ("may_act", '{"sub":"admin"}'), ("azp", '"console"'),
                           ("nonce", '"n"')]:
            p = s.admin("user", "set-claim", "alice", key, value)
            c.eq(p.returncode, 2, "set-claim %s is refused (%s)" % (key, p.stderr.strip()))
        c.eq(s.admin("user", "set-claim", "alice", "groups", '["blue"]').returncode, 0, "a claim of the user's own")
        claims = jwt_parts(s.login("alice").json()["access_token"])[1]
        c.eq(sorted(k for k in claims if k in ("acr", "amr", "auth_time", "cnf", "act", "may_act", "azp", "nonce")),
             [], "none of them in a token")
        c.eq(claims.get("groups"), ["blue"], "the custom claim is")
    finally:
        s.cleanup()


def test_role_twice_in_any_case(c):
    """/auth/check refuses role given twice; libmicrohttpd finds query names in any case, so a
    second ROLE must count too, or ?ROLE=dev before a proxy's &role=admin checks only dev."""
    s = Server().start()
    try:
        s.add_user("bob", roles=["dev"])
        token = s.login("bob").json()["access_token"]
        for query in ["role=dev&ROLE=admin", "ROLE=dev&role=admin", "Role=dev&rOLE=admin"]:
            c.eq(s.get("/auth/check?" + query, token).status_code, 400, query)
        c.eq(s.get("/auth/check?ROLE=dev", token).status_code, 200, "one role, in any case")
        c.eq(s.get("/auth/check?Role=admin", token).status_code, 403, "a role bob lacks, in any case")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_framing, test_nul_in_path, test_many_sessions, test_names_differing_in_case,
          test_lockout_under_concurrency, test_claims_only_the_server_knows, test_role_twice_in_any_case])
