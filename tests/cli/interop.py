#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/cli/interop.py - the CLI against two independent implementations, for every algorithm.

  interop.py PATH_TO_WRISTBAND

1. python3-jwcrypto and PyJWT each sign a token; `wristband verify` must accept it with the key
   given as a JWK, as PEM (asymmetric keys; a shared secret has no PEM) and inside a JWKS.
2. `wristband keygen` + `wristband sign` make a token; PyJWT and jwcrypto must both verify it with
   the output of `wristband pubkey` (for HMAC, whose secret has no public half, the keygen JWK).
PyJWT 2.6 handles ES256K and Ed448 only through PyJWK with an explicit algorithm, which is how
every PyJWT key is built here; jwcrypto covers every algorithm as well.
Prints "FAIL: ..." per failure and "N passed, N failed"; exit status 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import jwt
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws, jwt as jjwt

W = sys.argv[1]
NOW = int(time.time())
CASES = [  # (name, alg, jwcrypto generate() arguments, wristband keygen arguments)
    ("HS256", "HS256", {"kty": "oct", "size": 256}, ["HS256"]),
    ("HS384", "HS384", {"kty": "oct", "size": 384}, ["HS384"]),
    ("HS512", "HS512", {"kty": "oct", "size": 512}, ["HS512"]),
    ("RS256", "RS256", {"kty": "RSA", "size": 2048}, ["RS256"]),
    ("RS384", "RS384", {"kty": "RSA", "size": 2048}, ["RS384"]),
    ("RS512", "RS512", {"kty": "RSA", "size": 3072}, ["RS512", "--bits", "3072"]),
    ("PS256", "PS256", {"kty": "RSA", "size": 2048}, ["PS256"]),
    ("PS384", "PS384", {"kty": "RSA", "size": 2048}, ["PS384"]),
    ("PS512", "PS512", {"kty": "RSA", "size": 2048}, ["PS512"]),
    ("ES256", "ES256", {"kty": "EC", "crv": "P-256"}, ["ES256"]),
    ("ES384", "ES384", {"kty": "EC", "crv": "P-384"}, ["ES384"]),
    ("ES512", "ES512", {"kty": "EC", "crv": "P-521"}, ["ES512"]),
    ("ES256K", "ES256K", {"kty": "EC", "crv": "secp256k1"}, ["ES256K"]),
    ("EdDSA-Ed25519", "EdDSA", {"kty": "OKP", "crv": "Ed25519"}, ["EdDSA", "--crv", "Ed25519"]),
    ("EdDSA-Ed448", "EdDSA", {"kty": "OKP", "crv": "Ed448"}, ["EdDSA", "--crv", "Ed448"]),
]
passed = failed = 0
_tmpdir = tempfile.TemporaryDirectory()
tmp = _tmpdir.name


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {detail}", file=sys.stderr)


def wb(*args, stdin=None):
    return subprocess.run([W, *args], input=stdin, capture_output=True, text=True)


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def claims():
    return {"iss": "interop", "sub": "alice", "iat": NOW, "exp": NOW + 600}


def they_sign(name, alg, key):
    """Tokens for key from jwcrypto and from PyJWT."""
    t = jjwt.JWT(header={"alg": alg, "kid": key.get("kid")}, claims=claims())
    t.make_signed_token(key)
    tokens = {"jwcrypto": t.serialize()}
    pk = jwt.PyJWK(key.export(as_dict=True), algorithm=alg)
    tokens["PyJWT"] = jwt.encode(claims(), pk.key, algorithm=alg, headers={"kid": key.get("kid")})
    return tokens


def key_files(name, key):
    """The verification key as JWK, PEM (asymmetric only) and JWKS files."""
    files = {}
    if key["kty"] == "oct":
        files["JWK"] = write(name + ".jwk", key.export())
        files["JWKS"] = write(name + ".jwks", json.dumps({"keys": [key.export(as_dict=True)]}))
        return files
    files["JWK"] = write(name + ".jwk", key.export_public())
    files["PEM"] = write(name + ".pem", key.export_to_pem().decode())
    files["JWKS"] = write(name + ".jwks", json.dumps({"keys": [key.export_public(as_dict=True)]}))
    return files


def we_verify(name, alg, gen):
    key = jwk.JWK.generate(**gen, kid=name + "-kid", alg=alg)
    for lib, token in they_sign(name, alg, key).items():
        for form, path in key_files(name, key).items():
            r = wb("verify", "--key", path, "--alg", alg, "--iss", "interop", token)
            ok = r.returncode == 0 and json.loads(r.stdout or "null") == claims()
            check(f"{name}: {lib} token, key as {form}", ok, r.stderr.strip())
        r = wb("verify", "--jwks", key_files(name, key)["JWKS"], "-", stdin=token + "\n")
        check(f"{name}: {lib} token on stdin with --jwks", r.returncode == 0, r.stderr.strip())


def they_verify(name, alg, keygen):
    r = wb("keygen", *keygen)
    check(f"{name}: keygen", r.returncode == 0, r.stderr.strip())
    priv = write(name + ".wb.jwk", r.stdout)
    token = wb("sign", "--key", priv, "--iss", "interop").stdout.strip()
    pub = wb("pubkey", priv)
    if alg.startswith("HS"):
        check(f"{name}: pubkey refuses a shared secret", pub.returncode == 2)
        vk = r.stdout
    else:
        check(f"{name}: pubkey", pub.returncode == 0, pub.stderr.strip())
        vk = pub.stdout
    try:
        pk = jwt.PyJWK(json.loads(vk), algorithm=alg)
        got = jwt.decode(token, pk.key, algorithms=[alg], issuer="interop")
        check(f"{name}: PyJWT verifies wristband's token", got["iss"] == "interop")
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        check(f"{name}: PyJWT verifies wristband's token", False, repr(e))
    try:
        k = jwk.JWK.from_json(vk)
        t = jjwt.JWT(jwt=token, key=k, algs=[alg])
        check(f"{name}: jwcrypto verifies wristband's token", json.loads(t.claims)["iss"] == "interop")
        check(f"{name}: kid header is the JWK's", json.loads(t.header)["kid"] == k.get("kid"))
        check(f"{name}: thumbprint equals jwcrypto's", wb("thumbprint", priv).stdout.strip() == k.thumbprint())
    except Exception as e:  # noqa: BLE001
        check(f"{name}: jwcrypto verifies wristband's token", False, repr(e))


for name, alg, gen, keygen in CASES:
    we_verify(name, alg, gen)
    they_verify(name, alg, keygen)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
