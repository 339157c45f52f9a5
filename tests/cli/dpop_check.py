#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/cli/dpop_check.py - an independent DPoP proof checker (python3-jwcrypto, RFC 9449 4.3
written out), for proofs made by `wristband dpop`. Usage: dpop_check.py PROOF METHOD URL NOW
[TOKEN [NONCE]]. Prints the key's RFC 7638 thumbprint and exits 0 when every check passes; else
prints the failed check and exits 1."""
import base64
import hashlib
import json
import sys

from jwcrypto import jwk, jws


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def fail(why):
    print("refused: " + why)
    sys.exit(1)


def main():
    proof, method, url, now = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    token = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    nonce = sys.argv[6] if len(sys.argv) > 6 else None
    parts = proof.split(".")
    if len(parts) != 3:
        fail("not a compact JWS")
    header = json.loads(b64d(parts[0]))
    claims = json.loads(b64d(parts[1]))
    if header.get("typ") != "dpop+jwt":
        fail("typ")
    if header.get("alg") not in ("ES256", "ES384", "ES512", "EdDSA", "RS256", "PS256"):
        fail("alg %r" % header.get("alg"))
    key = jwk.JWK(**header["jwk"])
    if key.has_private or any(m in header["jwk"] for m in ("d", "p", "q", "dp", "dq", "qi", "k")):
        fail("private key in the header")
    s = jws.JWS()
    s.deserialize(proof)
    try:
        s.verify(key, alg=header["alg"])
    except Exception as e:  # jwcrypto's InvalidJWSSignature and friends
        fail("signature: %s" % e)
    if not isinstance(claims.get("jti"), str) or len(claims["jti"]) < 16:
        fail("jti")
    if claims.get("htm") != method:
        fail("htm %r" % claims.get("htm"))
    if claims.get("htu") != url:
        fail("htu %r" % claims.get("htu"))
    if not isinstance(claims.get("iat"), int) or abs(claims["iat"] - now) > 60:
        fail("iat %r" % claims.get("iat"))
    want_ath = base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=").decode() if token else None
    if claims.get("ath") != want_ath:
        fail("ath %r, want %r" % (claims.get("ath"), want_ath))
    if claims.get("nonce") != nonce:
        fail("nonce %r" % claims.get("nonce"))
    print(key.thumbprint())


if __name__ == "__main__":
    main()
