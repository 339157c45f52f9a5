#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/peer_py.py - the Python peers on the workload: PyJWT (python3-jwt) and jwcrypto
(python3-jwcrypto), both from Debian, run by /usr/bin/python3.

Keys are loaded once (PyJWT gets prepared `cryptography` key objects, so it does not re-parse PEM
per call; jwcrypto gets JWK objects). verify: PyJWT jwt.decode(algorithms=[alg], issuer, audience;
exp is checked by default); jwcrypto jwt.JWT(jwt=..., key=..., algs=[alg], check_claims={iss, aud,
exp}). sign: a fresh claims dict, then jwt.encode / JWT(...).make_signed_token + serialize.
Same checks and measurement as the C programs (bench/common.h, bench/timing.h): the reference token
verifies, tampered / wrong-aud / expired tokens fail, the own token verifies; warm-up, BENCH_REPS
repetitions of BENCH_SECONDS, median. Prints impl<TAB>alg<TAB>op<TAB>ops_per_sec.

Usage: peer_py.py [--work DIR] [--algs HS256,...] [--impls pyjwt,jwcrypto]
"""
import argparse
import os
import statistics
import sys
import time

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk as jc_jwk
from jwcrypto import jwt as jc_jwt

ISS, AUD = "https://auth.example.com", "api"
ALGS = ["HS256", "RS256", "ES256", "EdDSA"]


def env_float(name, dflt):
    try:
        v = float(os.environ.get(name, dflt))
        return v if v > 0 else dflt
    except ValueError:
        return dflt


SECONDS, WARMUP = env_float("BENCH_SECONDS", 1.0), env_float("BENCH_WARMUP", 0.3)
REPS = min(99, max(3, int(env_float("BENCH_REPS", 3))))


def timed_loop(op, seconds):
    ops, batch, clock = 0, 1, time.perf_counter
    start = last = clock()
    while True:
        for _ in range(batch):
            op()
        ops += batch
        now = clock()
        if now - start >= seconds:
            return ops / (now - start)
        if now - last < 1e-3:
            batch *= 2
        last = now


def measure(op):
    timed_loop(op, WARMUP)
    return statistics.median(timed_loop(op, SECONDS) for _ in range(REPS))


def tamper(tok, seg):
    parts = tok.split(".")
    p = parts[seg]
    mid = len(p) // 2
    parts[seg] = p[:mid] + ("B" if p[mid] == "A" else "A") + p[mid + 1:]
    return ".".join(parts)


def read(path, binary=False):
    with open(path, "rb" if binary else "r") as f:
        return f.read() if binary else f.read().strip()


class Workload:
    def __init__(self, work, alg):
        self.work, self.alg = work, alg
        self.token = read(f"{work}/tokens/{alg}.jwt")
        iat, exp, self.jti = read(f"{work}/claims.txt").split()
        self.iat, self.exp = int(iat), int(exp)

    def claims(self):
        return {"sub": "user123", "name": "Alice", "role": "admin", "iss": ISS, "aud": AUD,
                "iat": self.iat, "exp": self.exp, "jti": self.jti}

    def file(self, name, binary=False):
        return read(f"{self.work}/{name.replace('ALG', self.alg)}", binary)


class PyJWT:
    name = "pyjwt"

    def __init__(self, w):
        self.w, self.alg = w, w.alg
        if w.alg == "HS256":
            self.priv = self.pub = w.file("keys/ALG.key", True)
        else:
            self.priv = serialization.load_pem_private_key(w.file("keys/ALG.priv.pem", True), None)
            self.pub = serialization.load_pem_public_key(w.file("keys/ALG.pub.pem", True))

    def verify(self, tok):
        pyjwt.decode(tok, self.pub, algorithms=[self.alg], issuer=ISS, audience=AUD,
                     options={"require": ["exp", "iss", "aud"]})

    def sign(self):
        return pyjwt.encode(self.w.claims(), self.priv, algorithm=self.alg, headers={"typ": "JWT"})


class JWCrypto:
    name = "jwcrypto"

    def __init__(self, w):
        self.w, self.alg = w, w.alg
        self.priv = jc_jwk.JWK.from_json(w.file("keys/ALG.priv.jwk"))
        self.pub = jc_jwk.JWK.from_json(w.file("keys/ALG.pub.jwk"))
        self.check = {"iss": ISS, "aud": AUD, "exp": None}

    def verify(self, tok):
        jc_jwt.JWT(jwt=tok, key=self.pub, algs=[self.alg], check_claims=self.check)

    def sign(self):
        t = jc_jwt.JWT(header={"alg": self.alg, "typ": "JWT"}, claims=self.w.claims())
        t.make_signed_token(self.priv)
        return t.serialize()


def accepts(impl, tok):
    try:
        impl.verify(tok)
        return True
    except Exception:  # every library has its own exception zoo; any exception is a rejection
        return False


def checks(impl, w):
    if not accepts(impl, w.token):
        return "reference token rejected"
    if accepts(impl, tamper(w.token, 2)):
        return "token with a flipped signature char accepted"
    if accepts(impl, tamper(w.token, 1)):
        return "token with a flipped payload char accepted"
    if accepts(impl, w.file("tokens/ALG.badaud.jwt")):
        return 'token with aud "other" accepted'
    if accepts(impl, w.file("tokens/ALG.expired.jwt")):
        return "expired token accepted"
    own = impl.sign()
    if not accepts(impl, own):
        return "own token rejected"
    if accepts(impl, tamper(own, 2)):
        return "own token with a flipped signature char accepted"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "bench/out/work"))
    ap.add_argument("--algs", default=",".join(ALGS))
    ap.add_argument("--impls", default="pyjwt,jwcrypto")
    a = ap.parse_args()
    classes = {"pyjwt": PyJWT, "jwcrypto": JWCrypto}
    for name in a.impls.split(","):
        for alg in a.algs.split(","):
            w = Workload(a.work, alg)
            try:
                impl = classes[name](w)
                why = checks(impl, w)
            except Exception as e:  # set-up or signing raised
                why = f"{type(e).__name__}: {e}"
            if why:
                print(f"{name} {alg}: FAIL: {why}", file=sys.stderr)
                print(f"{name}\t{alg}\tverify\tFAIL\n{name}\t{alg}\tsign\tFAIL", flush=True)
                continue
            tok = w.token
            print(f"{name}\t{alg}\tverify\t{measure(lambda: impl.verify(tok)):.0f}", flush=True)
            print(f"{name}\t{alg}\tsign\t{measure(impl.sign):.0f}", flush=True)


if __name__ == "__main__":
    main()
