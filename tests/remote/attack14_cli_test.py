#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/remote/attack14_cli_test.py - `wristband verify --issuer-url` against a scripted issuer
(run by tests/remote/attack14server.py, the CLI named by WRISTBAND_BIN).

OpenID Connect Core 3.1.3.7: the iss of a token verified with an issuer's keys must be that
issuer. Keys are often shared by several issuers (the tenants of one provider publish one JWKS),
so `verify --issuer-url X` without --iss must still refuse a token of another iss signed by one
of X's keys; --iss given says which one is expected.
"""
import json
import os
import subprocess
import sys

DIR, BASE, BIN = os.environ["A14_DIR"], os.environ["A14_HTTP"], os.environ["WRISTBAND_BIN"]
failed = 0


def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    global failed
    print(("ok   " if cond else "FAIL ") + what)
    failed += 0 if cond else 1


key_path = os.path.join(DIR, "key.jwk")
rc, key, err = run("keygen", "ES256", "--kid", "shared", "-o", key_path)
check(rc == 0, "keygen: " + err)
rc, pub, err = run("pubkey", key_path)
check(rc == 0, "pubkey: " + err)
script = {
    "/.well-known/openid-configuration": {
        "status": 200, "headers": [["Content-Type", "application/json"]],
        "body": json.dumps({"issuer": BASE, "jwks_uri": BASE + "/jwks"})},
    "/jwks": {"status": 200, "headers": [["Content-Type", "application/json"]],
              "body": json.dumps({"keys": [json.loads(pub)]})},
}
with open(os.path.join(DIR, "script.json.tmp"), "w") as f:
    json.dump(script, f)
os.rename(os.path.join(DIR, "script.json.tmp"), os.path.join(DIR, "script.json"))

tokens = {}
for name, iss in (("own", BASE), ("other", "https://another-tenant.example"), ("none", None)):
    args = ["sign", "--key", key_path, "--exp", "10m"] + (["--iss", iss] if iss else [])
    rc, out, err = run(*args)
    check(rc == 0, "sign %s: %s" % (name, err))
    tokens[name] = out.strip()

verify = ["verify", "--issuer-url", BASE, "--allow-http", "--any-aud"]
rc, out, err = run(*verify, tokens["own"])
check(rc == 0, "a token of the issuer verifies: %s" % err)
rc, out, err = run(*verify, tokens["other"])
check(rc == 1, "a token of another iss signed with a shared key is refused (rc %d): %s" % (rc, err.strip()))
rc, out, err = run(*verify, tokens["none"])
check(rc == 1, "a token without iss is refused (rc %d): %s" % (rc, err.strip()))
rc, out, err = run(*verify, "--iss", "https://another-tenant.example", tokens["other"])
check(rc == 0, "--iss names the issuer expected: %s" % err)

# The discovery document may spell the issuer with a trailing slash --issuer-url left out, or
# without the one it wrote (discovery takes both): the issuer's tokens carry the document's
# spelling and verify; another iss is still refused.
def serve_issuer(issuer):
    script["/.well-known/openid-configuration"]["body"] = json.dumps({"issuer": issuer, "jwks_uri": BASE + "/jwks"})
    with open(os.path.join(DIR, "script.json.tmp"), "w") as f:
        json.dump(script, f)
    os.rename(os.path.join(DIR, "script.json.tmp"), os.path.join(DIR, "script.json"))


serve_issuer(BASE + "/")
rc, slashed, err = run("sign", "--key", key_path, "--exp", "10m", "--iss", BASE + "/")
check(rc == 0, "sign slashed: %s" % err)
rc, out, err = run(*verify, slashed.strip())
check(rc == 0, "the document's issuer has a trailing slash: its token verifies: %s" % err.strip())
rc, out, err = run(*verify, tokens["other"])
check(rc == 1, "... and another iss is still refused (rc %d)" % rc)
serve_issuer(BASE)
slash_url = ["verify", "--issuer-url", BASE + "/", "--allow-http", "--any-aud"]
rc, out, err = run(*slash_url, tokens["own"])
check(rc == 0, "--issuer-url with a trailing slash the document lacks: its token verifies: %s" % err.strip())
rc, out, err = run(*slash_url, tokens["other"])
check(rc == 1, "... and another iss is still refused (rc %d)" % rc)
sys.exit(1 if failed else 0)
