#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/jwe_workload.py - the workload of the JWE rows (bench/jwe.sh): one key per pair and the
reference tokens every implementation decrypts, made by python3-jwcrypto (independent of every
benchmarked library).

  <dir>/claims.json          the benchmark claims (the plaintext): the JWS rows' claims
  <dir>/keys/PAIR.jwk        the private key (oct for dir and A256KW)
  <dir>/keys/PAIR.pub.jwk    its public half (the oct key again for dir and A256KW)
  <dir>/tokens/PAIR.jwe      a compact JWE of claims.json to that key

PAIR is dir+A256GCM, A256KW+A256GCM, ECDH-ES+A256KW-P256, ECDH-ES+A256KW-X25519,
RSA-OAEP-256+A256GCM. Usage: jwe_workload.py DIR
"""
import json
import os
import sys
import time

from jwcrypto import jwe, jwk

PAIRS = {
    "dir+A256GCM": ("dir", "A256GCM", dict(kty="oct", size=256)),
    "A256KW+A256GCM": ("A256KW", "A256GCM", dict(kty="oct", size=256)),
    "ECDH-ES+A256KW-P256": ("ECDH-ES+A256KW", "A256GCM", dict(kty="EC", crv="P-256")),
    "ECDH-ES+A256KW-X25519": ("ECDH-ES+A256KW", "A256GCM", dict(kty="OKP", crv="X25519")),
    "RSA-OAEP-256+A256GCM": ("RSA-OAEP-256", "A256GCM", dict(kty="RSA", size=2048)),
}


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "keys"), exist_ok=True)
    os.makedirs(os.path.join(out, "tokens"), exist_ok=True)
    now = int(time.time())
    claims = {"iss": "https://auth.example.com", "sub": "user-1234", "aud": "api", "iat": now,
              "exp": now + 3600, "jti": "d7f3a2c1b0e94f58", "scope": "read write", "roles": ["admin", "dev"]}
    text = json.dumps(claims, separators=(",", ":")).encode()
    with open(os.path.join(out, "claims.json"), "wb") as f:
        f.write(text)
    for pair, (alg, enc, gen) in PAIRS.items():
        key = jwk.JWK.generate(kid=pair, **gen)
        pub = key if key["kty"] == "oct" else jwk.JWK.from_json(key.export_public())
        with open(os.path.join(out, "keys", pair + ".jwk"), "w") as f:
            f.write(key.export(private_key=True) if key["kty"] != "oct" else key.export())
        with open(os.path.join(out, "keys", pair + ".pub.jwk"), "w") as f:
            f.write(pub.export(private_key=False) if key["kty"] != "oct" else key.export())
        e = jwe.JWE(text, protected=json.dumps({"alg": alg, "enc": enc, "kid": pair}))
        e.allowed_algs = [alg, enc]
        e.add_recipient(pub)
        with open(os.path.join(out, "tokens", pair + ".jwe"), "w") as f:
            f.write(e.serialize(compact=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
