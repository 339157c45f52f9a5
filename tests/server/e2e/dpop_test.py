#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/dpop_test.py - DPoP (RFC 9449) against the real server. The proofs are made
by python3-jwcrypto (an implementation independent of wristband's), so every accepted request is
also an interop check. The attacks, each its own story, are all refused and change nothing: a
replayed proof, a proof for another method or URL, stale and future iat, the ath of another
token, a proof by another key than cnf.jkt, HS256 and "none" proofs, a private key in the
header, a bound token sent as Bearer, a stolen token without its key, a refresh with another
key. Then the endpoints that take a token, discovery and the challenges, and server nonces."""
import base64
import hashlib
import http.client
import json
import os
import subprocess
import tempfile
import time
import urllib.parse

from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

from wbtest import BIN, PASSWORD, Server, jwt_parts, main, sql


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def ath(token):
    return b64(hashlib.sha256(token.encode()).digest())


def new_key(kty="EC", **kw):
    return jwk.JWK.generate(kty=kty, **(kw or {"crv": "P-256"}))


def proof(key, method, url, token=None, nonce=None, iat=None, alg="ES256", header=None, claims=None):
    """A DPoP proof made with jwcrypto; header/claims override or add members."""
    c = {"jti": b64(os.urandom(16)), "htm": method, "htu": url, "iat": int(time.time()) if iat is None else iat}
    if token is not None:
        c["ath"] = ath(token)
    if nonce is not None:
        c["nonce"] = nonce
    c.update(claims or {})
    h = {"typ": "dpop+jwt", "alg": alg}
    h.update(header or {})
    if "jwk" not in h:
        h["jwk"] = json.loads(key.export_public())
    s = jws.JWS(json_encode(c))
    s.add_signature(key, alg=alg, protected=json_encode(h))
    return s.serialize(compact=True)


def unsigned(header, claims):
    """A token with alg none (no library makes one)."""
    return b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode()) + "."


class Client:
    """A DPoP client of one server: its key, its tokens."""

    def __init__(self, s, key=None):
        self.s, self.key = s, key or new_key()

    def login(self, user="alice", **kw):
        return self.s.post("/oauth/token", data={"grant_type": "password", "username": user, "password": PASSWORD},
                           headers={"DPoP": proof(self.key, "POST", self.s.url("/oauth/token"), **kw)})

    def call(self, method, path, token, key=None, **kw):
        p = proof(key or self.key, method, self.s.url(path), token=token)
        h = {"Authorization": "DPoP " + token, "DPoP": p}
        h.update(kw.pop("headers", {}))
        return self.s.get(path, headers=h, **kw) if method == "GET" else self.s.post(path, headers=h, **kw)


def counter(s, token):
    sid = jwt_parts(token)[1]["sid"]
    return sql(s.db, "SELECT counter FROM sessions WHERE id = ?", (sid,))[0][0]


def error(r):
    try:
        return r.status_code, r.json().get("error")
    except ValueError:
        return r.status_code, None


def started():
    s = Server().start()
    s.add_user("alice")
    return s


# ---- the flow ----------------------------------------------------------------------------------

def test_login_and_call(c):
    s = started()
    try:
        cl = Client(s)
        r = cl.login()
        c.eq(r.status_code, 200, "login with a jwcrypto proof")
        t = r.json()
        c.eq(t["token_type"], "DPoP", "token_type")
        c.eq(jwt_parts(t["access_token"])[1].get("cnf"), {"jkt": cl.key.thumbprint()}, "cnf.jkt is the key's")
        u = cl.call("GET", "/oauth/userinfo", t["access_token"])
        c.eq(u.status_code, 200, "userinfo with the token and a proof")
        c.eq(u.json().get("preferred_username"), "alice", "userinfo's user")
        sid = jwt_parts(t["access_token"])[1]["sid"]
        c.eq(sql(s.db, "SELECT dpop_jkt FROM sessions WHERE id = ?", (sid,))[0][0], cl.key.thumbprint(),
             "the session is bound")
        # Refresh with a proof by the same key: bound again.
        r = s.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
                   headers={"DPoP": proof(cl.key, "POST", s.url("/oauth/token"))})
        c.eq(r.status_code, 200, "refresh with the key")
        c.eq((r.json()["token_type"], jwt_parts(r.json()["access_token"])[1].get("cnf")),
             ("DPoP", {"jkt": cl.key.thumbprint()}), "the refreshed token is bound")
        # Other key types the server lists.
        for k, alg in ((new_key("OKP", crv="Ed25519"), "EdDSA"), (new_key("RSA", size=2048), "PS256")):
            r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice",
                                             "password": "correct horse battery"},
                       headers={"DPoP": proof(k, "POST", s.url("/oauth/token"), alg=alg)})
            c.eq(r.status_code, 200, "login with an %s proof" % alg)
            at = r.json()["access_token"]
            u = s.get("/oauth/userinfo", headers={"Authorization": "DPoP " + at,
                                                   "DPoP": proof(k, "GET", s.url("/oauth/userinfo"), token=at,
                                                                 alg=alg)})
            c.eq(u.status_code, 200, "userinfo with an %s proof" % alg)
        # Without DPoP, nothing changes: a bearer token.
        b = s.login("alice").json()
        c.eq((b["token_type"], "cnf" in jwt_parts(b["access_token"])[1]), ("Bearer", False), "plain login")
        c.eq(s.get("/oauth/userinfo", b["access_token"]).status_code, 200, "bearer still works")
    finally:
        s.cleanup()


def test_endpoints(c):
    s = started()
    try:
        cl = Client(s)
        at = cl.login().json()["access_token"]
        c.eq(cl.call("GET", "/sessions", at).status_code, 200, "GET /sessions")
        c.eq(cl.call("GET", "/auth/check", at).status_code, 200, "/auth/check")
        # /auth/check for a proxy: the proof names the original request.
        orig = "https://app.example/orders?id=3"
        r = s.get("/auth/check", headers={"Authorization": "DPoP " + at, "X-Original-Method": "DELETE",
                                          "X-Original-URL": orig,
                                          "DPoP": proof(cl.key, "DELETE", "https://app.example/orders", token=at)})
        c.eq(r.status_code, 200, "/auth/check with the original request's proof")
        c.eq(r.headers.get("X-Auth-User"), "alice", "/auth/check's user")
        r = s.get("/auth/check", headers={"Authorization": "DPoP " + at, "X-Original-Method": "DELETE",
                                          "X-Original-URL": orig,
                                          "DPoP": proof(cl.key, "GET", s.url("/auth/check"), token=at)})
        c.eq(error(r), (401, "invalid_dpop_proof"), "/auth/check: a proof for the check itself, not the request")
        # Introspection (RFC 9449 6.2): token_type DPoP and cnf.jkt; an admin may ask with a DPoP token.
        secret = s.admin("client", "add", "api").stdout.strip()
        r = s.introspect(at, "api", secret).json()
        c.eq((r.get("active"), r.get("token_type"), r.get("cnf")), (True, "DPoP", {"jkt": cl.key.thumbprint()}),
             "introspection of a bound token")
        s.add_user("root", roles=["admin"])
        root = cl.login("root").json()["access_token"]
        r = s.post("/oauth/introspect", data={"token": at},
                   headers={"Authorization": "DPoP " + root,
                            "DPoP": proof(cl.key, "POST", s.url("/oauth/introspect"), token=root)})
        c.eq((r.status_code, r.json().get("token_type")), (200, "DPoP"), "an admin introspects with a DPoP token")
        r = cl.call("POST", "/oauth/logout", at)
        c.eq(r.status_code, 204, "logout with DPoP")
        c.eq(cl.call("GET", "/oauth/userinfo", at).status_code, 401, "logged out")
    finally:
        s.cleanup()


def test_discovery_and_challenge(c):
    s = started()
    try:
        d = s.get("/.well-known/openid-configuration").json()
        algs = d.get("dpop_signing_alg_values_supported", [])
        c.check("ES256" in algs and "EdDSA" in algs and "PS256" in algs, "discovery lists DPoP algs: %r" % algs)
        c.check(not any(a.startswith("HS") or a == "none" for a in algs), "no symmetric alg or none: %r" % algs)
        r = s.get("/oauth/userinfo")
        chal = r.headers.get("WWW-Authenticate", "")
        c.check(r.status_code == 401 and "Bearer" in chal and 'DPoP algs="' in chal and "ES256" in chal,
                "401 without a token challenges Bearer and DPoP: %r" % chal)
    finally:
        s.cleanup()


def test_curl_with_the_cli(c):
    """The README's tour: a real HTTP client (curl) with proofs from `wristband dpop`."""
    s = started()
    tmp = tempfile.mkdtemp(prefix="wbdpop")
    try:
        key = os.path.join(tmp, "client.jwk")
        subprocess.run([BIN, "keygen", "ES256", "-o", key], check=True)

        def cli_proof(method, url, token=None):
            args = [BIN, "dpop", "--key", key, "--method", method, "--url", url] + (["--token", token] if token else [])
            return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()

        def curl(*args):
            p = subprocess.run(["curl", "-s", "-w", "\n%{http_code}"] + list(args), capture_output=True, text=True,
                               timeout=60)
            body, _, code = p.stdout.rpartition("\n")
            return int(code), body

        code, body = curl("-d", "grant_type=password", "-d", "username=alice", "-d", "password=" + PASSWORD,
                          "-H", "DPoP: " + cli_proof("POST", s.url("/oauth/token")), s.url("/oauth/token"))
        c.eq(code, 200, "curl login with a wristband proof")
        t = json.loads(body)
        thumb = subprocess.run([BIN, "thumbprint", key], check=True, capture_output=True, text=True).stdout.strip()
        c.eq((t["token_type"], jwt_parts(t["access_token"])[1]["cnf"]["jkt"]), ("DPoP", thumb), "bound to the CLI's key")
        at = t["access_token"]
        code, body = curl("-H", "Authorization: DPoP " + at,
                          "-H", "DPoP: " + cli_proof("GET", s.url("/oauth/userinfo"), at), s.url("/oauth/userinfo"))
        c.eq(code, 200, "curl userinfo with a wristband proof")
        c.eq(json.loads(body).get("preferred_username"), "alice", "curl userinfo's user")
        code, body = curl("-H", "Authorization: Bearer " + at, s.url("/oauth/userinfo"))
        c.eq(code, 401, "curl: the same token as Bearer")
    finally:
        subprocess.run(["rm", "-rf", tmp])
        s.cleanup()


# ---- the attacks (each refused, nothing changes) ------------------------------------------------

def test_replay(c):
    s = started()
    try:
        cl = Client(s)
        p = proof(cl.key, "POST", s.url("/oauth/token"))
        form = {"grant_type": "password", "username": "alice", "password": "correct horse battery"}
        r1 = s.post("/oauth/token", data=form, headers={"DPoP": p})
        r2 = s.post("/oauth/token", data=form, headers={"DPoP": p})
        c.eq(r1.status_code, 200, "first use of a proof")
        c.eq(error(r2), (400, "invalid_dpop_proof"), "token endpoint: the same proof again")
        at = r1.json()["access_token"]
        q = proof(cl.key, "GET", s.url("/oauth/userinfo"), token=at)
        h = {"Authorization": "DPoP " + at, "DPoP": q}
        c.eq(s.get("/oauth/userinfo", headers=h).status_code, 200, "first call")
        r = s.get("/oauth/userinfo", headers=h)
        c.eq(error(r), (401, "invalid_dpop_proof"), "resource: the same proof again")
        c.check("replayed" in r.json().get("error_description", ""), "says replayed: %r" % r.text)
        c.check('DPoP algs="' in r.headers.get("WWW-Authenticate", "") and
                'error="invalid_dpop_proof"' in r.headers.get("WWW-Authenticate", ""), "DPoP challenge")
        # Two DPoP headers are refused (RFC 9449 4.3).
        host = s.base.split("//", 1)[1]
        conn = http.client.HTTPConnection(host, timeout=60)
        conn.putrequest("POST", "/oauth/token")
        body = urllib.parse.urlencode(form).encode()
        for _ in range(2):
            conn.putheader("DPoP", proof(cl.key, "POST", s.url("/oauth/token")))
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        c.eq((resp.status, json.loads(resp.read()).get("error")), (400, "invalid_dpop_proof"), "two DPoP headers")
        conn.close()
    finally:
        s.cleanup()


def test_wrong_method_or_url(c):
    s = started()
    try:
        cl = Client(s)
        at = cl.login().json()["access_token"]
        for m, url, what in (("POST", s.url("/oauth/userinfo"), "another method"),
                             ("GET", s.url("/sessions"), "another path"),
                             ("GET", "https://evil.example/oauth/userinfo", "another host")):
            r = s.get("/oauth/userinfo", headers={"Authorization": "DPoP " + at,
                                                   "DPoP": proof(cl.key, m, url, token=at)})
            c.eq(error(r), (401, "invalid_dpop_proof"), "a proof for " + what)
            c.check("request_mismatch" in r.text, "says request_mismatch: %r" % r.text)
        r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice",
                                         "password": "correct horse battery"},
                   headers={"DPoP": proof(cl.key, "GET", s.url("/oauth/token"))})
        c.eq(error(r), (400, "invalid_dpop_proof"), "token endpoint: a GET proof for a POST")
    finally:
        s.cleanup()


def test_iat_window(c):
    s = started()
    try:
        cl = Client(s)
        now = int(time.time())
        for iat, word in ((now - 3600, "expired"), (now + 3600, "iat_in_future")):
            r = cl.login(iat=iat)
            c.eq(error(r), (400, "invalid_dpop_proof"), "iat %+d" % (iat - now))
            c.check(word in r.text, "says %s: %r" % (word, r.text))
        c.eq(sql(s.db, "SELECT COUNT(*) FROM sessions")[0][0], 0, "no session was made")
    finally:
        s.cleanup()


def test_ath_mismatch(c):
    s = started()
    try:
        cl = Client(s)
        at = cl.login().json()["access_token"]
        other = cl.login().json()["access_token"]
        r = s.get("/oauth/userinfo", headers={"Authorization": "DPoP " + at,
                                               "DPoP": proof(cl.key, "GET", s.url("/oauth/userinfo"), token=other)})
        c.eq(error(r), (401, "invalid_dpop_proof"), "ath of another token")
        c.check("token_mismatch" in r.text, "says token_mismatch: %r" % r.text)
        r = s.get("/oauth/userinfo", headers={"Authorization": "DPoP " + at,
                                               "DPoP": proof(cl.key, "GET", s.url("/oauth/userinfo"))})
        c.eq(error(r), (401, "invalid_dpop_proof"), "no ath at all")
    finally:
        s.cleanup()


def test_key_mismatch_and_stolen_token(c):
    s = started()
    try:
        cl = Client(s)
        at = cl.login().json()["access_token"]
        thief = new_key()
        r = cl.call("GET", "/oauth/userinfo", at, key=thief)
        c.eq(error(r), (401, "invalid_dpop_proof"), "a proof by the thief's key")
        c.check("key_mismatch" in r.text, "says key_mismatch: %r" % r.text)
        r = s.get("/oauth/userinfo", headers={"Authorization": "DPoP " + at})
        c.eq(error(r), (401, "invalid_dpop_proof"), "the stolen token without a proof")
        r = s.post("/oauth/logout", headers={"Authorization": "DPoP " + at,
                                             "DPoP": proof(thief, "POST", s.url("/oauth/logout"), token=at)})
        c.eq(r.status_code, 401, "the thief cannot log the session out")
        c.eq(cl.call("GET", "/oauth/userinfo", at).status_code, 200, "the owner still can use it")
    finally:
        s.cleanup()


def test_bearer_downgrade(c):
    s = started()
    try:
        cl = Client(s)
        t = cl.login().json()
        at = t["access_token"]
        for path, method in (("/oauth/userinfo", "GET"), ("/sessions", "GET"), ("/auth/check", "GET"),
                             ("/oauth/logout", "POST")):
            r = s.get(path, at) if method == "GET" else s.post(path, at)
            c.eq(error(r)[0], 401, "%s refuses the bound token as Bearer" % path)
            c.check('DPoP algs="' in r.headers.get("WWW-Authenticate", ""), "%s challenges DPoP" % path)
        # With a proof beside it, Bearer is still refused: the scheme says what the token is.
        r = s.get("/oauth/userinfo", headers={"Authorization": "Bearer " + at,
                                               "DPoP": proof(cl.key, "GET", s.url("/oauth/userinfo"), token=at)})
        c.eq(error(r), (401, "invalid_token"), "Bearer with a proof beside it")
        r = s.get("/oauth/userinfo", headers={"Cookie": "__Host-wristband-access=" + at})
        c.eq(error(r), (401, "invalid_token"), "the bound token in the access cookie")
        # And the reverse: an unbound token sent as DPoP.
        b = s.login("alice").json()["access_token"]
        r = cl.call("GET", "/oauth/userinfo", b)
        c.eq(error(r), (401, "invalid_token"), "an unbound token as DPoP")
        c.eq(cl.call("GET", "/oauth/userinfo", at).status_code, 200, "the session is still alive")
    finally:
        s.cleanup()


def test_bad_proofs(c):
    s = started()
    try:
        cl = Client(s)
        url = s.url("/oauth/token")
        now = int(time.time())
        hs = jwk.JWK.generate(kty="oct", size=256)
        priv = json.loads(cl.key.export_private())
        claims = {"jti": b64(os.urandom(16)), "htm": "POST", "htu": url, "iat": now}
        cases = [
            ("HS256", proof(hs, "POST", url, alg="HS256", header={"jwk": json.loads(hs.export())}),
             "alg_not_allowed"),
            ("none", unsigned({"typ": "dpop+jwt", "alg": "none", "jwk": json.loads(cl.key.export_public())}, claims),
             "alg_not_allowed"),
            ("a private key in the header", proof(cl.key, "POST", url, header={"jwk": priv}), "bad_key"),
            ("typ JWT", proof(cl.key, "POST", url, header={"typ": "JWT"}), "claim_mismatch"),
            ("no jwk", proof(cl.key, "POST", url, header={"jwk": None}), ""),
            ("not a JWT", "hello", "malformed"),
        ]
        for what, p, word in cases:
            if what == "no jwk":
                h = json.loads(base64.urlsafe_b64decode(p.split(".")[0] + "=="))
                h.pop("jwk")
                s2 = jws.JWS(json_encode(claims))
                s2.add_signature(cl.key, alg="ES256", protected=json_encode(h))
                p = s2.serialize(compact=True)
            r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice",
                                             "password": "correct horse battery"}, headers={"DPoP": p})
            c.eq(error(r), (400, "invalid_dpop_proof"), what)
            c.check(word in r.text, "%s: says %s: %r" % (what, word, r.text))
        # A proof signed by one key with another key's jwk in the header.
        other = new_key()
        p = proof(cl.key, "POST", url, header={"jwk": json.loads(other.export_public())})
        r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice",
                                         "password": "correct horse battery"}, headers={"DPoP": p})
        c.eq(error(r), (400, "invalid_dpop_proof"), "signature by another key than the header's")
        c.eq(sql(s.db, "SELECT COUNT(*) FROM sessions")[0][0], 0, "no session was made")
    finally:
        s.cleanup()


def test_refresh_with_another_key(c):
    s = started()
    try:
        cl = Client(s)
        t = cl.login().json()
        rt = t["refresh_token"]
        before = counter(s, t["access_token"])
        form = {"grant_type": "refresh_token", "refresh_token": rt}
        r = s.post("/oauth/token", data=form)
        c.eq(error(r), (400, "invalid_grant"), "a bound refresh token without a proof")
        r = s.post("/oauth/token", data=form, headers={"DPoP": proof(new_key(), "POST", s.url("/oauth/token"))})
        c.eq(error(r), (400, "invalid_grant"), "a bound refresh token with another key's proof")
        c.eq(counter(s, t["access_token"]), before, "nothing rotated")
        r = s.post("/oauth/token", data=form, headers={"DPoP": proof(cl.key, "POST", s.url("/oauth/token"))})
        c.eq(r.status_code, 200, "the owner's refresh still works (its token is still the current one)")
        c.eq(counter(s, t["access_token"]), before + 1, "and rotates once")
        # An unbound session refreshed with a proof: a bound access token, the session stays unbound.
        b = s.login("alice").json()
        r = s.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": b["refresh_token"]},
                   headers={"DPoP": proof(cl.key, "POST", s.url("/oauth/token"))})
        c.eq((r.status_code, r.json().get("token_type")), (200, "DPoP"), "unbound session, refresh with a proof")
        r = s.refresh(r.json()["refresh_token"])
        c.eq((r.status_code, r.json().get("token_type")), (200, "Bearer"), "and then without one")
        # Cookie mode and DPoP exclude each other.
        r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice",
                                         "password": "correct horse battery", "cookie": "1"},
                   headers={"DPoP": proof(cl.key, "POST", s.url("/oauth/token")), "X-Wristband-CSRF": "1"})
        c.eq(error(r), (400, "invalid_request"), "cookie=1 with DPoP")
    finally:
        s.cleanup()


def test_nonces(c):
    s = Server("--dpop-nonce").start()
    try:
        s.add_user("alice")
        cl = Client(s)
        r = cl.login()
        c.eq(error(r), (400, "use_dpop_nonce"), "a proof without the server's nonce")
        nonce = r.headers.get("DPoP-Nonce")
        c.check(nonce is not None and len(nonce) == 22, "DPoP-Nonce given: %r" % nonce)
        c.eq(error(cl.login(nonce="made-up")), (400, "use_dpop_nonce"), "a nonce the server did not make")
        r = cl.login(nonce=nonce)
        c.eq(r.status_code, 200, "a proof with the nonce")
        at = r.json()["access_token"]
        r = cl.call("GET", "/oauth/userinfo", at)
        c.eq(error(r), (401, "use_dpop_nonce"), "resource: no nonce")
        c.check('error="use_dpop_nonce"' in r.headers.get("WWW-Authenticate", "") and
                r.headers.get("DPoP-Nonce") is not None, "resource: challenge and nonce")
        n2 = r.headers["DPoP-Nonce"]
        r = s.get("/oauth/userinfo", headers={"Authorization": "DPoP " + at,
                                               "DPoP": proof(cl.key, "GET", s.url("/oauth/userinfo"), token=at,
                                                             nonce=n2)})
        c.eq(r.status_code, 200, "resource: with the nonce")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_login_and_call, test_curl_with_the_cli, test_endpoints, test_discovery_and_challenge, test_replay, test_wrong_method_or_url,
          test_iat_window, test_ath_mismatch, test_key_mismatch_and_stolen_token, test_bearer_downgrade,
          test_bad_proofs, test_refresh_with_another_key, test_nonces])
