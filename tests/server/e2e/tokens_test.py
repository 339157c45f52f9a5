#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/tokens_test.py - login, use, refresh and rotation against the real server:
reuse detection revokes the family, the 10 s grace (the test clock moves instead of sleeping),
twenty concurrent refreshes of one token (all 200, one refresh token, exactly one rotation), the
token response's form and headers, cookie mode and its anti-CSRF header, and the metrics."""
import threading

import requests

from wbtest import PASSWORD, Server, jwt_parts, main, sql

SECURITY_HEADERS = ["X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy"]


def test_login_use_refresh(c):
    s = Server(clock=True).start()
    try:
        s.add_user("alice", roles=["admin", "dev"])
        r = s.login("alice")
        c.eq(r.status_code, 200, "login")
        body = r.json()
        c.eq(sorted(body), ["access_token", "expires_in", "refresh_token", "scope", "token_type"], "token fields")
        c.eq((body["token_type"], body["expires_in"], body["scope"]), ("Bearer", 900, "openid"), "token values")
        c.check(len(body["refresh_token"]) >= 43, "refresh token of at least 43 characters")
        c.eq(r.headers.get("Cache-Control"), "no-store", "token response not cached")
        c.eq(r.headers.get("Pragma"), "no-cache", "Pragma no-cache")
        for h in SECURITY_HEADERS:
            c.check(h in r.headers, "security header " + h)
        header, claims = jwt_parts(body["access_token"])
        c.eq(header["typ"], "at+jwt", "RFC 9068 typ")
        c.eq(header["alg"], "ES256", "ES256 by default")
        c.check(header.get("kid"), "kid in the header")
        for name in ["iss", "sub", "aud", "iat", "exp", "jti", "sid", "scope", "roles"]:
            c.check(name in claims, "claim " + name)
        c.eq(claims["roles"], ["admin", "dev"], "roles claim")
        c.eq(claims["exp"] - claims["iat"], 900, "15 minutes")
        c.eq(claims["iss"], s.base, "issuer defaults to the listen URL")
        # Use it.
        u = s.get("/oauth/userinfo", body["access_token"])
        c.eq(u.status_code, 200, "userinfo")
        c.eq(u.json()["preferred_username"], "alice", "userinfo name")
        c.eq(u.json()["sub"], claims["sub"], "userinfo sub")
        # Refresh: a new pair, the old refresh token rotated away.
        r2 = s.refresh(body["refresh_token"])
        c.eq(r2.status_code, 200, "refresh")
        c.check(r2.json()["refresh_token"] != body["refresh_token"], "rotated")
        c.eq(jwt_parts(r2.json()["access_token"])[1]["sid"], claims["sid"], "same session")
        r3 = s.refresh(r2.json()["refresh_token"])
        c.eq(r3.status_code, 200, "second refresh")
        # The first token is now two rotations old: reuse; the whole family is revoked.
        reuse = s.refresh(body["refresh_token"])
        c.eq(reuse.status_code, 400, "reuse refused")
        c.eq(reuse.json()["error"], "invalid_grant", "reuse is invalid_grant")
        c.eq(s.refresh(r3.json()["refresh_token"]).status_code, 400, "the family is gone")
        c.eq(s.get("/oauth/userinfo", r3.json()["access_token"]).status_code, 401, "its access tokens too")
        c.eq(s.metric("wristband_refresh_reuse_detected_total"), 1.0, "reuse metric")
        c.eq(s.metric("wristband_refresh_total"), 2.0, "refresh metric")
        c.eq(s.metric('wristband_logins_total{result="ok"}'), 1.0, "login metric")
        c.eq(s.stop(), 0, "clean exit")
    finally:
        s.cleanup()


def test_grace(c):
    s = Server(clock=True).start()
    try:
        s.add_user("alice")
        t0 = s.login("alice").json()
        t1 = s.refresh(t0["refresh_token"]).json()
        s.set_clock(9)
        again = s.refresh(t0["refresh_token"])
        c.eq(again.status_code, 200, "previous token within the grace window")
        c.eq(again.json()["refresh_token"], t1["refresh_token"], "gets the current refresh token again")
        c.check(again.json()["access_token"] != t1["access_token"], "and a new access token")
        c.eq(s.get("/oauth/userinfo", again.json()["access_token"]).status_code, 200, "which works")
        # The older token is not the immediately previous one after another rotation.
        t2 = s.refresh(t1["refresh_token"]).json()
        c.eq(s.refresh(t0["refresh_token"]).status_code, 400, "two back is reuse even within 10 s")
        c.eq(s.refresh(t2["refresh_token"]).status_code, 400, "and revoked the family")
        # Past the window the previous token is reuse.
        t0 = s.login("alice").json()
        t1 = s.refresh(t0["refresh_token"]).json()
        s.set_clock(9 + 11)
        late = s.refresh(t0["refresh_token"])
        c.eq(late.status_code, 400, "previous token after 10 s")
        c.eq(s.refresh(t1["refresh_token"]).status_code, 400, "revoked the family")
    finally:
        s.cleanup()


def test_concurrent_refresh(c):
    s = Server().start()
    try:
        s.add_user("alice")
        t0 = s.login("alice").json()
        results = [None] * 20
        barrier = threading.Barrier(20)

        def one(i):
            session = requests.Session()
            barrier.wait()
            r = session.post(s.url("/oauth/token"),
                             data={"grant_type": "refresh_token", "refresh_token": t0["refresh_token"]}, timeout=60)
            results[i] = (r.status_code, r.json().get("refresh_token"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        c.eq([r[0] for r in results], [200] * 20, "twenty concurrent refreshes all 200")
        c.eq(len({r[1] for r in results}), 1, "all got the same refresh token")
        sid = jwt_parts(t0["access_token"])[1]["sid"]
        c.eq(sql(s.db, "SELECT counter FROM sessions WHERE id = ?", (sid,)), [(1,)], "exactly one rotation")
        c.eq(s.refresh(results[0][1]).status_code, 200, "the shared token is the current one")
    finally:
        s.cleanup()


def test_cookie_mode(c):
    s = Server().start()
    try:
        s.add_user("alice")
        r = requests.post(s.url("/oauth/token"), headers={"X-Wristband-CSRF": "1"}, timeout=60,
                          data={"grant_type": "password", "username": "alice", "password": PASSWORD, "cookie": "1"})
        c.eq(r.status_code, 200, "cookie login (with the anti-CSRF header: tests/server/e2e/web_test.py)")
        c.check("refresh_token" not in r.json(), "no refresh token in the body")
        raw = r.raw.headers.getlist("Set-Cookie")
        c.eq(len(raw), 2, "refresh and access cookies")
        refresh_cookie = [h for h in raw if h.startswith("__Host-wristband-refresh=")]
        c.check(refresh_cookie, "the __Host- refresh cookie")
        for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict", "Max-Age="]:
            c.check(all(attr in h for h in raw), "cookie attribute " + attr)
        rt = refresh_cookie[0].split(";")[0].split("=", 1)[1]
        at = [h for h in raw if h.startswith("__Host-wristband-access=")][0].split(";")[0].split("=", 1)[1]
        cookies = {"__Host-wristband-refresh": rt, "__Host-wristband-access": at}
        url = s.url("/oauth/token")
        # Cookie-authenticated POSTs need the anti-CSRF header.
        no_csrf = requests.post(url, data={"grant_type": "refresh_token"}, cookies=cookies, timeout=60)
        c.eq(no_csrf.status_code, 403, "cookie refresh without X-Wristband-CSRF")
        ok = requests.post(url, data={"grant_type": "refresh_token"}, cookies=cookies,
                           headers={"X-Wristband-CSRF": "1"}, timeout=60)
        c.eq(ok.status_code, 200, "cookie refresh with the header")
        new_rt = [h for h in ok.raw.headers.getlist("Set-Cookie") if h.startswith("__Host-wristband-refresh=")]
        c.check(new_rt and rt not in new_rt[0], "the rotated refresh token comes back as a cookie")
        c.eq(requests.get(s.url("/auth/check"), cookies=cookies, timeout=60).status_code, 200,
             "auth/check reads the access cookie")
        lo = requests.post(s.url("/oauth/logout"), cookies=cookies, timeout=60)
        c.eq(lo.status_code, 403, "cookie logout without the header")
        lo = requests.post(s.url("/oauth/logout"), cookies=cookies, headers={"X-Wristband-CSRF": "1"}, timeout=60)
        c.eq(lo.status_code, 204, "cookie logout")
        c.check(any("Max-Age=0" in h for h in lo.raw.headers.getlist("Set-Cookie")), "logout clears the cookies")
        # A refresh cookie the server refuses (its session ended) is cleared with the refusal, so a
        # browser stops sending a dead token; a refused refresh_token parameter sets no cookie.
        dead = {"__Host-wristband-refresh": new_rt[0].split(";")[0].split("=", 1)[1],
                "__Host-wristband-access": at}
        r = requests.post(url, data={"grant_type": "refresh_token"}, cookies=dead,
                          headers={"X-Wristband-CSRF": "1"}, timeout=60)
        c.eq((r.status_code, r.json().get("error")), (400, "invalid_grant"), "refresh with a dead cookie")
        cleared = r.raw.headers.getlist("Set-Cookie")
        for name in dead:
            c.check(any(h.startswith(name + "=;") and "Max-Age=0" in h for h in cleared),
                    "a refused refresh cookie clears " + name)
        r = requests.post(url, data={"grant_type": "refresh_token", "refresh_token": dead["__Host-wristband-refresh"]},
                          timeout=60)
        c.eq(r.status_code, 400, "refresh with a dead refresh_token parameter")
        c.eq(r.raw.headers.getlist("Set-Cookie"), [], "a refused parameter sets no cookie")
    finally:
        s.cleanup()


def test_json_body(c):
    s = Server().start()
    try:
        s.add_user("alice")
        r = requests.post(s.url("/oauth/token"), json={"grant_type": "password", "username": "alice",
                                                      "password": PASSWORD, "scope": "openid email"}, timeout=60)
        c.eq(r.status_code, 200, "JSON login")
        c.eq(r.json()["scope"], "openid email", "scope granted")
        narrower = s.refresh(r.json()["refresh_token"], scope="email")
        c.eq((narrower.status_code, narrower.json().get("scope")), (200, "email"), "narrower scope on refresh")
        wider = s.refresh(narrower.json()["refresh_token"], scope="admin")
        c.eq((wider.status_code, wider.json().get("error")), (400, "invalid_scope"), "wider scope refused")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_login_use_refresh, test_grace, test_concurrent_refresh, test_cookie_mode, test_json_body])
