#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/logout_test.py - ending things, and introspection after each: logout
local / others / global (and a login right after a global logout), RFC 7009 revocation of a
refresh and of an access token, GET /sessions and DELETE /sessions/{sid}, introspection with a
client secret or an admin token (RFC 7662), and who may introspect."""
import requests

from wbtest import Server, jwt_parts, main


def active(s, token, client, secret):
    r = s.introspect(token, client, secret)
    return r.json().get("active") if r.status_code == 200 else r.status_code


def setup(s):
    s.add_user("alice")
    s.add_user("root", roles=["admin"])
    p = s.admin("client", "add", "api")
    return p.stdout.strip()


def test_logout_scopes(c):
    s = Server().start()
    try:
        secret = setup(s)
        a, b, d = (s.login("alice").json() for _ in range(3))
        for t in (a, b, d):
            c.eq(active(s, t["access_token"], "api", secret), True, "fresh access token active")
        c.eq(active(s, a["refresh_token"], "api", secret), True, "fresh refresh token active")
        # others: a stays, b and d end.
        r = s.post("/oauth/logout", a["access_token"], data={"scope": "others"})
        c.eq(r.status_code, 204, "logout others")
        c.eq(active(s, a["access_token"], "api", secret), True, "own session kept")
        c.eq(active(s, b["access_token"], "api", secret), False, "other session's access token")
        c.eq(active(s, d["refresh_token"], "api", secret), False, "other session's refresh token")
        c.eq(s.refresh(b["refresh_token"]).status_code, 400, "other session cannot refresh")
        # local (the default): a ends.
        r = s.post("/oauth/logout", a["access_token"])
        c.eq(r.status_code, 204, "logout local by default")
        c.eq(r.content, b"", "204 has no body")
        c.eq(active(s, a["access_token"], "api", secret), False, "own access token after local logout")
        c.eq(active(s, a["refresh_token"], "api", secret), False, "own refresh token after local logout")
        c.eq(s.get("/oauth/userinfo", a["access_token"]).status_code, 401, "userinfo refuses it")
        # global, then a login in the same second works.
        e, f = s.login("alice").json(), s.login("alice").json()
        c.eq(s.post("/oauth/logout", e["access_token"], data={"scope": "global"}).status_code, 204, "global")
        c.eq(active(s, f["access_token"], "api", secret), False, "every session ends")
        g = s.login("alice").json()
        c.eq(s.get("/oauth/userinfo", g["access_token"]).status_code, 200, "a login right after works")
        c.eq(active(s, g["access_token"], "api", secret), True, "and introspects active")
        bad = s.post("/oauth/logout", g["access_token"], data={"scope": "everything"})
        c.eq((bad.status_code, bad.json()["error"]), (400, "invalid_request"), "unknown logout scope")
        c.eq(s.post("/oauth/logout").status_code, 401, "logout needs a token")
    finally:
        s.cleanup()


def test_revoke(c):
    s = Server().start()
    try:
        secret = setup(s)
        t = s.login("alice").json()
        r = s.post("/oauth/revoke", data={"token": t["access_token"], "token_type_hint": "access_token"})
        c.eq(r.status_code, 200, "revoke access token")
        c.eq(active(s, t["access_token"], "api", secret), False, "revoked access token inactive")
        c.eq(s.get("/auth/check", t["access_token"]).status_code, 401, "auth/check refuses it")
        c.eq(active(s, t["refresh_token"], "api", secret), True, "its session lives on")
        t2 = s.refresh(t["refresh_token"]).json()
        c.eq(s.post("/oauth/revoke", data={"token": t2["refresh_token"]}).status_code, 200, "revoke refresh token")
        c.eq(active(s, t2["refresh_token"], "api", secret), False, "revoked refresh token inactive")
        c.eq(active(s, t2["access_token"], "api", secret), False, "its session's access token too")
        c.eq(s.refresh(t2["refresh_token"]).status_code, 400, "cannot refresh")
        c.eq(s.metric("wristband_revocations_total"), 2.0, "revocations counted")
        for junk in ["garbage", "a.b.c", "A" * 76]:
            c.eq(s.post("/oauth/revoke", data={"token": junk}).status_code, 200, "junk token: 200")
        missing = s.post("/oauth/revoke", data={})
        c.eq((missing.status_code, missing.json()["error"]), (400, "invalid_request"), "missing token")
    finally:
        s.cleanup()


def test_sessions(c):
    s = Server().start()
    try:
        setup(s)
        a = s.login("alice").json()
        b = requests.post(s.url("/oauth/token"), headers={"User-Agent": "second-device"}, timeout=60,
                          data={"grant_type": "password", "username": "alice", "password": "correct horse battery"}).json()
        r = s.get("/sessions", a["access_token"])
        c.eq(r.status_code, 200, "GET /sessions")
        sessions = r.json()["sessions"]
        c.eq(len(sessions), 2, "two sessions")
        c.eq(sorted(sessions[0]), ["address", "created_at", "current", "last_used_at", "sid", "user_agent"], "fields")
        current = [x for x in sessions if x["current"]]
        c.eq(len(current), 1, "one is current")
        c.eq(current[0]["sid"], jwt_parts(a["access_token"])[1]["sid"], "the caller's")
        other = [x for x in sessions if not x["current"]][0]
        c.eq(other["user_agent"], "second-device", "user agent kept")
        c.eq(other["address"], "127.0.0.1", "address kept")
        # Another user's session is not found.
        root = s.login("root").json()
        rs = jwt_parts(root["access_token"])[1]["sid"]
        c.eq(requests.delete(s.url("/sessions/" + rs), headers={"Authorization": "Bearer " + a["access_token"]},
                             timeout=60).status_code, 404, "cannot end another user's session")
        d = requests.delete(s.url("/sessions/" + other["sid"]),
                            headers={"Authorization": "Bearer " + a["access_token"]}, timeout=60)
        c.eq(d.status_code, 204, "DELETE /sessions/{sid}")
        c.eq(s.refresh(b["refresh_token"]).status_code, 400, "that session ended")
        c.eq(len(s.get("/sessions", a["access_token"]).json()["sessions"]), 1, "one left")
        c.eq(requests.delete(s.url("/sessions/" + other["sid"]),
                             headers={"Authorization": "Bearer " + a["access_token"]}, timeout=60).status_code,
             404, "ending it twice")
        c.eq(s.get("/oauth/userinfo", root["access_token"]).status_code, 200, "root untouched")
    finally:
        s.cleanup()


def test_introspection_access(c):
    s = Server().start()
    try:
        secret = setup(s)
        t = s.login("alice").json()
        r = s.introspect(t["access_token"], "api", secret)
        c.eq(r.status_code, 200, "client introspects")
        c.eq(r.headers.get("Cache-Control"), "no-store", "introspection not cached")
        body = r.json()
        claims = jwt_parts(t["access_token"])[1]
        for k in ["sub", "scope", "exp", "iat", "jti", "sid", "iss"]:
            c.eq(body.get(k), claims[k], "introspection " + k)
        c.eq(body.get("username"), "alice", "username")
        c.eq(r.headers.get("Content-Type"), "application/json", "JSON")
        # Who may introspect.
        c.eq(s.introspect(t["access_token"], "api", "wrong").status_code, 401, "wrong secret")
        c.eq(s.introspect(t["access_token"], "nobody", secret).status_code, 401, "unknown client")
        no_auth = s.post("/oauth/introspect", data={"token": t["access_token"]})
        c.eq(no_auth.status_code, 401, "no authentication")
        c.check("Basic" in no_auth.headers.get("WWW-Authenticate", ""), "asks for Basic")
        c.eq(s.post("/oauth/introspect", t["access_token"], data={"token": t["access_token"]}).status_code, 403,
             "a user without the admin role")
        admin = s.login("root").json()
        r = s.post("/oauth/introspect", admin["access_token"], data={"token": t["access_token"]})
        c.eq((r.status_code, r.json().get("active")), (200, True), "an admin token introspects")
        c.eq(s.introspect("not-a-token", "api", secret).json(), {"active": False}, "junk is inactive")
        c.eq(s.introspect(t["refresh_token"], "api", secret).json().get("token_type"), "refresh_token",
             "refresh token type")
        c.eq(s.post("/oauth/introspect", data={}, auth=("api", secret)).status_code, 400, "token is required")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_logout_scopes, test_revoke, test_sessions, test_introspection_access])
