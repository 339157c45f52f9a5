#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/dpop_node_test.py - DPoP interop with node (issue 15): proofs made by the npm
`dpop` package (panva/dpop, WebCrypto: an implementation independent of wristband's) log in to the
server and call userinfo, sessions and logout; proofs made by `wristband dpop` are checked by node
`jose` with RFC 9449 4.3 written out (node_dpop/peer.mjs), and one it must refuse is refused.
The packages are installed with `npm ci` into the build tree the first time (from
tests/server/e2e/node_dpop/package-lock.json); without node, npm or the registry the test says so
and exits 77 (skipped)."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from wbtest import BIN, PASSWORD, Server, jwt_parts, main

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "node_dpop")


def node_peer():
    """The node_dpop work directory, installed once (a lock: the SQLite and PostgreSQL runs may
    start together); None when it cannot be."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("skipped: node or npm is not installed")
        return None
    work = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(BIN))), "node-dpop")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for f in ("package.json", "package-lock.json", "peer.mjs"):
            shutil.copyfile(os.path.join(SRC, f), os.path.join(work, f))
        if not os.path.exists(os.path.join(work, "node_modules", "dpop", "package.json")):
            p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work,
                               capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                print("skipped: npm ci failed: " + p.stderr.strip()[:300])
                return None
    return work


WORK = None


def node(req):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(req, f)
    try:
        out = subprocess.run(["node", os.path.join(WORK, "peer.mjs"), f.name], capture_output=True, text=True,
                             timeout=120)
    finally:
        os.unlink(f.name)
    return json.loads(out.stdout or '{"error": %s}' % json.dumps(out.stderr))


def test_dpop_package_proofs(c):
    s = Server().start()
    try:
        s.add_user("alice")
        for alg in ("ES256", "PS256"):
            k = node({"op": "keygen", "alg": alg})
            c.check("jkt" in k, "%s: the dpop package makes a key: %r" % (alg, k.get("error")))

            def proof(htm, path, token=None):
                r = node(dict(k, op="proof", alg=alg, htm=htm, htu=s.url(path), **({"token": token} if token else {})))
                return r.get("proof", "")
            r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice", "password": PASSWORD},
                       headers={"DPoP": proof("POST", "/oauth/token")})
            c.eq(r.status_code, 200, "%s: login with a dpop-package proof" % alg)
            t = r.json()
            at = t["access_token"]
            c.eq((t["token_type"], jwt_parts(at)[1]["cnf"]["jkt"]), ("DPoP", k["jkt"]), "%s: bound to its key" % alg)
            for method, path in (("GET", "/oauth/userinfo"), ("GET", "/sessions")):
                r = s.get(path, headers={"Authorization": "DPoP " + at, "DPoP": proof(method, path, at)})
                c.eq(r.status_code, 200, "%s: %s with a dpop-package proof" % (alg, path))
            r = s.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
                       headers={"DPoP": proof("POST", "/oauth/token")})
            c.eq((r.status_code, r.json().get("token_type")), (200, "DPoP"), "%s: refresh with its key" % alg)
            at2 = r.json()["access_token"]
            r = s.post("/oauth/logout", headers={"Authorization": "DPoP " + at2,
                                                 "DPoP": proof("POST", "/oauth/logout", at2)})
            c.eq(r.status_code, 204, "%s: logout with a dpop-package proof" % alg)
    finally:
        s.cleanup()


def test_jose_checks_wristband_proofs(c):
    tmp = tempfile.mkdtemp(prefix="wbdpopnode")
    try:
        url = "https://api.example/orders"
        for alg in ("ES256", "EdDSA", "PS256"):
            key = os.path.join(tmp, alg + ".jwk")
            subprocess.run([BIN, "keygen", alg, "-o", key], check=True)
            jkt = subprocess.run([BIN, "thumbprint", key], check=True, capture_output=True, text=True).stdout.strip()
            token = subprocess.run([BIN, "sign", "--key", key, "--alg", alg, "--sub", "alice"], check=True,
                                   capture_output=True, text=True).stdout.strip()
            p = subprocess.run([BIN, "dpop", "--key", key, "--method", "POST", "--url", url + "?q=1", "--token",
                                token, "--nonce", "n-1"], check=True, capture_output=True, text=True).stdout.strip()
            r = node({"op": "check", "proof": p, "htm": "POST", "htu": url, "now": int(time.time()), "token": token,
                      "nonce": "n-1", "jkt": jkt})
            c.eq(r, {"jkt": jkt}, "%s: jose accepts wristband's proof" % alg)
            r = node({"op": "check", "proof": p, "htm": "POST", "htu": url, "now": int(time.time()), "token": "x.y.z",
                      "nonce": "n-1", "jkt": jkt})
            c.check("ath" in r.get("error", ""), "%s: and refuses it for another token: %r" % (alg, r))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    WORK = node_peer()
    if WORK is None:
        sys.exit(77)
    main([test_dpop_package_proofs, test_jose_checks_wristband_proofs])
