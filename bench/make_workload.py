#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/make_workload.py - builds the one workload every benchmark program uses.

Generates ONE key set per run with the openssl CLI (HS256 32-byte secret, RSA 2048, P-256,
Ed25519) as PEM, converts it to JWK (python3-jwcrypto), and signs the reference tokens with
python3-cryptography directly (an implementation independent of every benchmarked library):

  <dir>/keys/ALG.key            HS256 raw secret (32 bytes)
  <dir>/keys/ALG.{priv,pub}.pem PKCS#8 private / SPKI public (RS256, ES256, EdDSA)
  <dir>/keys/ALG.{priv,pub}.jwk JWK (HS256: both are the oct key)
  <dir>/tokens/ALG.jwt          the token everyone verifies in the timed loop
  <dir>/tokens/ALG.badaud.jwt   correctly signed, aud "other"        -> must be rejected
  <dir>/tokens/ALG.expired.jwt  correctly signed, exp an hour ago    -> must be rejected
  <dir>/claims.txt              "iat exp jti" of the workload claims (for signing)

Usage: make_workload.py DIR
"""
import base64
import json
import os
import secrets
import subprocess
import sys
import time

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwcrypto import jwk

ALGS = ["HS256", "RS256", "ES256", "EdDSA"]
GENPKEY = {
    "RS256": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "ES256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "EdDSA": ["-algorithm", "ED25519"],
}
ISS = "https://auth.example.com"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def claims(iat: int, exp: int, jti: str, aud: str = "api") -> bytes:
    # Member order as written in issue 4; compact separators.
    c = {"sub": "user123", "name": "Alice", "role": "admin", "iss": ISS, "aud": aud,
         "iat": iat, "exp": exp, "jti": jti}
    return json.dumps(c, separators=(",", ":")).encode()


def sign(alg: str, key, signing_input: bytes) -> bytes:
    if alg == "HS256":
        h = hmac.HMAC(key, hashes.SHA256())
        h.update(signing_input)
        return h.finalize()
    if alg == "RS256":
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key.sign(signing_input)


def token(alg: str, key, payload: bytes) -> str:
    header = json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode()
    si = (b64u(header) + "." + b64u(payload)).encode()
    return si.decode() + "." + b64u(sign(alg, key, si))


def write(path: str, data) -> None:
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def main() -> None:
    out = sys.argv[1]
    kdir, tdir = os.path.join(out, "keys"), os.path.join(out, "tokens")
    os.makedirs(kdir, exist_ok=True)
    os.makedirs(tdir, exist_ok=True)
    now = int(time.time())
    jti = secrets.token_hex(8)  # 16 hex digits
    write(os.path.join(out, "claims.txt"), f"{now} {now + 3600} {jti}\n")

    for alg in ALGS:
        if alg == "HS256":
            secret = subprocess.run(["openssl", "rand", "32"], check=True, capture_output=True).stdout
            write(os.path.join(kdir, "HS256.key"), secret)
            j = json.dumps({"kty": "oct", "k": b64u(secret)})
            write(os.path.join(kdir, "HS256.priv.jwk"), j)
            write(os.path.join(kdir, "HS256.pub.jwk"), j)
            key = secret
        else:
            priv = os.path.join(kdir, f"{alg}.priv.pem")
            pub = os.path.join(kdir, f"{alg}.pub.pem")
            subprocess.run(["openssl", "genpkey", *GENPKEY[alg], "-out", priv], check=True,
                           capture_output=True)
            subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub], check=True,
                           capture_output=True)
            pem = open(priv, "rb").read()
            k = jwk.JWK.from_pem(pem)
            write(os.path.join(kdir, f"{alg}.priv.jwk"), k.export(private_key=True))
            write(os.path.join(kdir, f"{alg}.pub.jwk"), k.export(private_key=False))
            key = serialization.load_pem_private_key(pem, password=None)
        write(os.path.join(tdir, f"{alg}.jwt"), token(alg, key, claims(now, now + 3600, jti)))
        write(os.path.join(tdir, f"{alg}.badaud.jwt"),
              token(alg, key, claims(now, now + 3600, jti, aud="other")))
        write(os.path.join(tdir, f"{alg}.expired.jwt"),
              token(alg, key, claims(now - 7200, now - 3600, jti)))


if __name__ == "__main__":
    main()
