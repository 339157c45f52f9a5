#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/pyjwt_test.py - an independent client verifies the server's access tokens:
PyJWT's PyJWKClient fetches /.well-known/jwks.json, picks the key by kid and checks signature,
issuer, audience and expiry, for each signing algorithm the server offers (ES256 by default,
EdDSA, RS256). A token tampered with, or checked against another audience, is refused."""
import jwt

from wbtest import Server, main

ISSUER = "https://auth.wristband.test"


def verify_with_pyjwt(c, alg):
    args = ["--issuer", ISSUER, "--audience", "orders-api"]
    if alg != "ES256":
        args += ["--signing-alg", alg]
    s = Server(*args).start()
    try:
        s.add_user("alice", roles=["admin"])
        token = s.login("alice").json()["access_token"]
        client = jwt.PyJWKClient(s.url("/.well-known/jwks.json"))
        key = client.get_signing_key_from_jwt(token)
        c.eq(jwt.get_unverified_header(token)["alg"], alg, alg + ": the token's alg")
        claims = jwt.decode(token, key.key, algorithms=[alg], audience="orders-api", issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "jti"]})
        c.eq(claims["preferred_username"], "alice", alg + ": PyJWT verified the claims")
        c.eq(claims["roles"], ["admin"], alg + ": roles")
        c.eq(jwt.get_unverified_header(token)["typ"], "at+jwt", alg + ": typ")
        try:
            jwt.decode(token, key.key, algorithms=[alg], audience="another-api", issuer=ISSUER)
            c.check(False, alg + ": another audience accepted")
        except jwt.InvalidAudienceError:
            c.check(True, "audience checked")
        head, body, sig = token.split(".")
        forged = head + "." + body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + sig
        try:
            jwt.decode(forged, key.key, algorithms=[alg], audience="orders-api", issuer=ISSUER)
            c.check(False, alg + ": a tampered token verified")
        except jwt.InvalidTokenError:
            c.check(True, "tampering detected")
    finally:
        s.cleanup()


def test_es256(c):
    verify_with_pyjwt(c, "ES256")


def test_eddsa(c):
    verify_with_pyjwt(c, "EdDSA")


def test_rs256(c):
    verify_with_pyjwt(c, "RS256")


if __name__ == "__main__":
    main([test_es256, test_eddsa, test_rs256])
