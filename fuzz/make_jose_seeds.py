#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fuzz/make_jose_seeds.py - seed corpora of the JOSE fuzz targets (run with /usr/bin/python3).

Usage: make_jose_seeds.py VECTORS_DIR   (writes fuzz/corpus/{jwe_compact,jose_json,jwk_encrypted})

Seeds are (1) every compact JWE, JSON JWE and JSON JWS of the vector files, for the parsers, and
(2) JWEs made with python3-jwcrypto to the keys and password of fuzz/jose_keys.h, for every key
management algorithm the fuzz decrypters hold a key for and every enc, in each serialization, with
and without zip, and JWS JSON signed with fuzz.h's HS256 key: mutations of those reach the key
recovery, the content decryption and the inflation. Files are named by their SHA-1, as libFuzzer
names what it keeps.
"""
import base64
import glob
import hashlib
import json
import os
import re
import sys

from jwcrypto import jwa, jwe, jwk, jws

HERE = os.path.dirname(os.path.abspath(__file__))
ENCS = ["A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM"]


def c_literals(path):
    """The #define NAME "..." "..." string literals of a C header, concatenated and unescaped."""
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r'#define (\w+)[\s\\]*((?:"(?:[^"\\]|\\.)*"[\s\\]*)+)', text):
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
        out[m.group(1)] = "".join(parts).encode().decode("unicode_escape")
    return out


def save(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def from_vectors(vdir):
    """Every JWE / JSON object in the vector files."""
    for path in glob.glob(os.path.join(vdir, "**", "*.json"), recursive=True):
        try:
            doc = json.load(open(path, encoding="utf-8"))
        except ValueError:
            continue
        walk(doc)


def walk(node):
    if isinstance(node, dict):
        if "ciphertext" in node:
            save("jose_json", json.dumps(node))
        elif "signatures" in node or ("signature" in node and "payload" in node):
            save("jose_json", json.dumps(node))
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
    elif isinstance(node, str) and node.count(".") == 4 and node.startswith("ey") and " " not in node:
        save("jwe_compact", node)
        if node.startswith("eyJhbGciOiJQQkVTMi"):  # PBES2: the encrypted-JWK parser's input
            save("jwk_encrypted", node)


def pbes2_wrap_1000(self, key, bitsize, cek, headers):
    """jwcrypto's PBES2 wrap with p2c 1000 (it hard-codes 8192): the fuzz decrypters' cap."""
    p2s = os.urandom(16)
    kek = self._get_key(headers["alg"], key, p2s, 1000)
    ret = self.aeskwmap[self.keysize]().wrap(kek, bitsize, cek, headers)
    ret["header"] = {"p2s": base64.urlsafe_b64encode(p2s).rstrip(b"=").decode(), "p2c": 1000}
    return ret


def made(keys, password, hs256):
    """JWEs to the fuzz keys, every alg they serve x every enc, compact and JSON, zip or not."""
    sizes = {"A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64, "A128GCM": 16, "A192GCM": 24, "A256GCM": 32}
    pw = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(password.encode()).rstrip(b"=").decode())
    for enc in ENCS:
        jobs = [("A128KW", keys["oct16"]), ("A128GCMKW", keys["oct16"]), ("RSA1_5", keys["rsa"]),
                ("RSA-OAEP", keys["rsa"]), ("RSA-OAEP-256", keys["rsa"]), ("PBES2-HS256+A128KW", pw)]
        for alg in ("ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW"):
            jobs += [(alg, keys["p256"]), (alg, keys["x25519"])]
        if sizes[enc] == 32:
            jobs.append(("dir", keys["oct32"]))
        for i, (alg, key) in enumerate(jobs):
            hdr = {"alg": alg, "enc": enc, "kid": key.get("kid", "pw")}
            if i % 3 == 0:
                hdr["zip"] = "DEF"
            e = jwe.JWE(b'{"sub":"fuzz","n":[1,2,3],"x":"' + b"a" * (i * 7) + b'"}', protected=json.dumps(hdr))
            e.allowed_algs = [alg, enc]
            pub = key if key["kty"] == "oct" else jwk.JWK.from_json(key.export_public())
            e.add_recipient(pub)
            save("jwe_compact", e.serialize(compact=True))
            save("jose_json", e.serialize())
    # an encrypted private JWK (RFC 7517 C form) of each asymmetric fuzz key
    for name in ("p256", "x25519", "rsa"):
        e = jwe.JWE(keys[name].export_private().encode(),
                    protected=json.dumps({"alg": "PBES2-HS256+A128KW", "enc": "A128CBC-HS256", "cty": "jwk+json"}))
        e.allowed_algs = ["PBES2-HS256+A128KW", "A128CBC-HS256"]
        e.add_recipient(pw)
        save("jwk_encrypted", e.serialize(compact=True))
    # JWS JSON with the HS256 key: general with two signatures, flattened, unencoded payload
    s = jws.JWS(b'{"iss":"fuzz"}')
    s.add_signature(hs256, "HS256", protected=json.dumps({"alg": "HS256"}), header=json.dumps({"kid": "a"}))
    s.add_signature(hs256, "HS256", protected=json.dumps({"alg": "HS256", "typ": "JWT"}))
    save("jose_json", s.serialize())
    f = jws.JWS(b'{"iss":"fuzz"}')
    f.add_signature(hs256, "HS256", protected=json.dumps({"alg": "HS256"}))
    save("jose_json", f.serialize())


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    lits = c_literals(os.path.join(HERE, "jose_keys.h"))
    lits.update(c_literals(os.path.join(HERE, "fuzz.h")))
    for cls in (jwa._Pbes2Hs256A128Kw, jwa._Pbes2Hs384A192Kw, jwa._Pbes2Hs512A256Kw):
        cls.wrap = pbes2_wrap_1000
    keys = {n: jwk.JWK.from_json(lits[f"FUZZ_JWE_{n.upper()}"]) for n in ("oct16", "oct32", "p256", "x25519", "rsa")}
    from_vectors(sys.argv[1])
    made(keys, lits["FUZZ_JWE_PASSWORD"], jwk.JWK.from_json(lits["FUZZ_HS256_JWK"]))
    for t in ("jwe_compact", "jose_json", "jwk_encrypted"):
        print(t, len(os.listdir(os.path.join(HERE, "corpus", t))), "seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
