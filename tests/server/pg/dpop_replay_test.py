#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/pg/dpop_replay_test.py - DPoP (issue 15) on two `wristband serve` instances on one
PostgreSQL database with one issuer: a proof used on one instance is refused by the other (the
jti replay cache is the database's), at the token endpoint and at userinfo; the same proof sent
to both at once is accepted by exactly one; a DPoP-bound session made on one refreshes on the
other only with its key. Runs under pgcluster.py with WRISTBAND_TEST_STORE=postgres."""
import concurrent.futures
import os
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from dpop_test import new_key, proof  # noqa: E402  (the jwcrypto proofs of the e2e test)
from pgcluster import free_port  # noqa: E402
from pgmulti import cleanup, cluster_of  # noqa: E402
from wbtest import PASSWORD, main  # noqa: E402

FORM = {"grant_type": "password", "username": "alice", "password": PASSWORD}


def test_replay_across_instances(c):
    issuer = "http://127.0.0.1:%d" % free_port()  # one issuer: the proofs name its URLs
    a, b = cluster_of(2, issuer=issuer)
    try:
        a.add_user("alice")
        key = new_key()
        p = proof(key, "POST", issuer + "/oauth/token")
        r1 = requests.post(a.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60)
        r2 = requests.post(b.url("/oauth/token"), data=FORM, headers={"DPoP": p}, timeout=60)
        c.eq(r1.status_code, 200, "login on A")
        c.eq((r2.status_code, r2.json().get("error")), (400, "invalid_dpop_proof"), "the proof again on B")
        c.check("replayed" in r2.text, "B says replayed: %r" % r2.text)
        t = r1.json()
        at = t["access_token"]
        q = proof(key, "GET", issuer + "/oauth/userinfo", token=at)
        h = {"Authorization": "DPoP " + at, "DPoP": q}
        c.eq(requests.get(b.url("/oauth/userinfo"), headers=h, timeout=60).status_code, 200, "userinfo on B")
        r = requests.get(a.url("/oauth/userinfo"), headers=h, timeout=60)
        c.eq((r.status_code, r.json().get("error")), (401, "invalid_dpop_proof"), "the same proof on A")
        # One proof to both at once, many times: exactly one wins each time.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for i in range(5):
                q = proof(key, "GET", issuer + "/oauth/userinfo", token=at)
                h = {"Authorization": "DPoP " + at, "DPoP": q}
                codes = list(pool.map(lambda s: requests.get(s.url("/oauth/userinfo"), headers=h, timeout=60).status_code,
                                      [a, b, a, b, a, b, a, b]))
                c.eq(sorted(codes), [200] + [401] * 7, "round %d: one of eight concurrent uses succeeds" % i)
        # The bound session refreshes on B with its key only.
        form = {"grant_type": "refresh_token", "refresh_token": t["refresh_token"]}
        r = requests.post(b.url("/oauth/token"), data=form,
                          headers={"DPoP": proof(new_key(), "POST", issuer + "/oauth/token")}, timeout=60)
        c.eq((r.status_code, r.json().get("error")), (400, "invalid_grant"), "refresh on B with another key")
        r = requests.post(b.url("/oauth/token"), data=form,
                          headers={"DPoP": proof(key, "POST", issuer + "/oauth/token")}, timeout=60)
        c.eq((r.status_code, r.json().get("token_type")), (200, "DPoP"), "refresh on B with the key")
    finally:
        cleanup([a, b])


if __name__ == "__main__":
    main([test_replay_across_instances])
