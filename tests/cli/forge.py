#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/cli/forge.py - builds compact JWS test tokens byte for byte, for attack and limit tests.

  forge.py hmac SECRET ALG HEADER PAYLOAD   HMAC-sign; SECRET is a file: a JWK's "k" when it is an
                                            oct JWK, else the file's raw bytes ("-" = empty secret)
  forge.py key JWKFILE ALG HEADER PAYLOAD   sign with jwcrypto under an exact protected header
  forge.py raw HEADER PAYLOAD SIGB64        b64url(HEADER).b64url(PAYLOAD).SIGB64

HEADER and PAYLOAD are taken verbatim (duplicate members and all). Run with /usr/bin/python3,
which has Debian's python3-jwcrypto.
"""
import base64
import hashlib
import hmac
import json
import sys


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def secret_of(path):
    if path == "-":
        return b""
    data = open(path, "rb").read()
    try:
        j = json.loads(data)
        if isinstance(j, dict) and j.get("kty") == "oct":
            return base64.urlsafe_b64decode(j["k"] + "==")
    except ValueError:
        pass
    return data


def main(argv):
    cmd = argv[1]
    if cmd == "raw":
        print(b64(argv[2].encode()) + "." + b64(argv[3].encode()) + "." + argv[4])
        return
    alg, header, payload = argv[3], argv[4].encode(), argv[5].encode()
    signing_input = (b64(header) + "." + b64(payload)).encode()
    if cmd == "hmac":
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        sig = hmac.new(secret_of(argv[2]), signing_input, digest).digest()
        print(signing_input.decode() + "." + b64(sig))
        return
    from jwcrypto import jwk, jws
    key = jwk.JWK.from_json(open(argv[2]).read())
    s = jws.JWS(payload)
    s.add_signature(key, alg=None, protected=header.decode())
    print(s.serialize(compact=True))


main(sys.argv)
