#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/dpop_challenge_test.py - the challenges a DPoP client reads (RFC 9449 7.1):
a request made with the DPoP scheme whose token is refused (forged, revoked) or lacks a role
gets its error in the DPoP challenge, not only in a Bearer one, and a Bearer client still gets
its error in the Bearer challenge. Proofs are made by python3-jwcrypto (tests/server/e2e/dpop_test.py)."""
from dpop_test import Client, error, proof, started

from wbtest import main


def challenges(r):
    return r.raw.headers.getlist("WWW-Authenticate")


def dpop_error(r, code):
    """True when a DPoP challenge of r carries error=code."""
    return any(h.startswith("DPoP ") and ('error="%s"' % code) in h for h in challenges(r))


def call(s, key, method, path, token):
    h = {"Authorization": "DPoP " + token, "DPoP": proof(key, method, s.url(path), token=token)}
    return s.get(path, headers=h) if method == "GET" else s.post(path, headers=h)


def test_refused_token(c):
    s = started()
    try:
        cl = Client(s)
        at = cl.login().json()["access_token"]
        forged = at[:-4] + ("AAAA" if not at.endswith("AAAA") else "BBBB")
        r = call(s, cl.key, "GET", "/oauth/userinfo", forged)
        c.eq(error(r), (401, "invalid_token"), "a forged token with the DPoP scheme")
        c.check(dpop_error(r, "invalid_token"), "the DPoP challenge says invalid_token: %r" % challenges(r))
        s.post("/oauth/revoke", data={"token": at})
        r = call(s, cl.key, "GET", "/oauth/userinfo", at)
        c.eq(error(r), (401, "invalid_token"), "a revoked token with the DPoP scheme")
        c.check(dpop_error(r, "invalid_token"), "the DPoP challenge says invalid_token: %r" % challenges(r))
        b = s.login("alice").json()["access_token"]
        r = s.get("/oauth/userinfo", b[:-4] + ("AAAA" if not b.endswith("AAAA") else "BBBB"))
        c.check(any(h.startswith("Bearer ") and 'error="invalid_token"' in h for h in challenges(r)),
                "a forged Bearer token: the Bearer challenge says invalid_token: %r" % challenges(r))
    finally:
        s.cleanup()


def test_missing_role(c):
    s = started()
    try:
        cl = Client(s)
        at = cl.login().json()["access_token"]
        r = call(s, cl.key, "GET", "/auth/check?role=admin", at)
        c.eq(error(r), (403, "insufficient_scope"), "/auth/check?role=admin with a DPoP token without the role")
        c.check(dpop_error(r, "insufficient_scope"), "the DPoP challenge says insufficient_scope: %r" % challenges(r))
        r = s.post("/oauth/introspect", data={"token": at},
                   headers={"Authorization": "DPoP " + at,
                            "DPoP": proof(cl.key, "POST", s.url("/oauth/introspect"), token=at)})
        c.eq(error(r), (403, "insufficient_scope"), "introspection with a DPoP token without admin")
        c.check(dpop_error(r, "insufficient_scope"), "the DPoP challenge says insufficient_scope: %r" % challenges(r))
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_refused_token, test_missing_role])
