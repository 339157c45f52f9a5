#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/jwe_peer_py.py - python3-jwcrypto (Debian, /usr/bin/python3) on the JWE workload of
bench/jwe_workload.py: decrypt the reference token of each pair, encrypt the benchmark claims.

Keys are JWK objects built once. decrypt: jwe.JWE().deserialize(token, key) with the pair's algs
allowed; encrypt: jwe.JWE(claims, protected) + add_recipient + serialize(compact=True). Checks
outside the timed loop: the reference token decrypts to the claims, the own token decrypts, a
changed tag is refused. Same measurement as bench/peer_py.py (warm-up, BENCH_REPS repetitions of
BENCH_SECONDS, median). Prints jwcrypto<TAB>pair<TAB>op<TAB>ops_per_sec (or n/a / FAIL).

Usage: jwe_peer_py.py --work DIR
"""
import json
import os
import sys

from jwcrypto import jwe, jwk

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_py import measure  # noqa: E402  the one timing loop of the Python rows

PAIRS = {"dir+A256GCM": "dir", "A256KW+A256GCM": "A256KW", "ECDH-ES+A256KW-P256": "ECDH-ES+A256KW",
         "ECDH-ES+A256KW-X25519": "ECDH-ES+A256KW", "RSA-OAEP-256+A256GCM": "RSA-OAEP-256"}


def main():
    work = sys.argv[sys.argv.index("--work") + 1]
    claims = open(os.path.join(work, "claims.json"), "rb").read()
    for pair, alg in PAIRS.items():
        key = jwk.JWK.from_json(open(os.path.join(work, "keys", pair + ".jwk")).read())
        pub = jwk.JWK.from_json(open(os.path.join(work, "keys", pair + ".pub.jwk")).read())
        token = open(os.path.join(work, "tokens", pair + ".jwe")).read().strip()
        algs = [alg, "A256GCM"]

        def decrypt(tok=token):
            e = jwe.JWE()
            e.allowed_algs = algs
            e.deserialize(tok, key)
            return e.payload

        def encrypt():
            e = jwe.JWE(claims, json.dumps({"alg": alg, "enc": "A256GCM", "kid": pair}))
            e.allowed_algs = algs
            e.add_recipient(pub)
            return e.serialize(compact=True)

        try:
            flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
            ok = decrypt() == claims and decrypt(encrypt()) == claims
            try:
                decrypt(flipped)
                ok = False
            except Exception:  # refused, as it must be
                pass
        except Exception as exc:
            print(f"jwcrypto: {pair}: {exc!r}", file=sys.stderr)
            ok = False
        for op, fn in (("decrypt", decrypt), ("encrypt", encrypt)):
            print(f"jwcrypto\t{pair}\t{op}\t{measure(fn):.0f}" if ok else f"jwcrypto\t{pair}\t{op}\tFAIL", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
