#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/interop/interop_test.py - wristband against two independent JOSE implementations.

Run with /usr/bin/python3: Debian's python3-jwcrypto (1.1) and python3-jwt (PyJWT 2.6) are
installed for the system interpreter only. Usage: interop_test.py PATH/TO/wb_interop

For every JWS algorithm, with keys generated fresh by jwcrypto and written both as JWK and as
PEM (both import paths of wristband are used):
  jwcrypto signs -> wristband verifies        PyJWT signs -> wristband verifies
  wristband signs -> jwcrypto and PyJWT verify
and for every key type (oct, RSA, EC on every curve, OKP Ed25519/Ed448/X25519/X448) the
wristband thumbprint equals jwcrypto's, and wristband's public JWK has the same thumbprint.
Prints one line per check, per-algorithm results and "N passed, N failed"; exit 1 on any
failure, 77 when the Python packages are missing.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import jwt as pyjwt
    from jwcrypto import jwk, jws
except ImportError as exc:  # pragma: no cover - depends on the host
    print(f"interop suite skipped: {exc} (install python3-jwcrypto python3-jwt; use /usr/bin/python3)")
    sys.exit(77)

# alg -> jwcrypto generate() arguments
ALGS = {
    "HS256": dict(kty="oct", size=256),
    "HS384": dict(kty="oct", size=384),
    "HS512": dict(kty="oct", size=512),
    "RS256": dict(kty="RSA", size=2048),
    "RS384": dict(kty="RSA", size=2048),
    "RS512": dict(kty="RSA", size=2048),
    "PS256": dict(kty="RSA", size=2048),
    "PS384": dict(kty="RSA", size=2048),
    "PS512": dict(kty="RSA", size=2048),
    "ES256": dict(kty="EC", crv="P-256"),
    "ES384": dict(kty="EC", crv="P-384"),
    "ES512": dict(kty="EC", crv="P-521"),
    "ES256K": dict(kty="EC", crv="secp256k1"),
    "EdDSA(Ed25519)": dict(kty="OKP", crv="Ed25519"),
    "EdDSA(Ed448)": dict(kty="OKP", crv="Ed448"),
}

THUMBPRINT_KEYS = {
    "oct": dict(kty="oct", size=256),
    "RSA": dict(kty="RSA", size=2048),
    "EC P-256": dict(kty="EC", crv="P-256"),
    "EC P-384": dict(kty="EC", crv="P-384"),
    "EC P-521": dict(kty="EC", crv="P-521"),
    "EC secp256k1": dict(kty="EC", crv="secp256k1"),
    "OKP Ed25519": dict(kty="OKP", crv="Ed25519"),
    "OKP Ed448": dict(kty="OKP", crv="Ed448"),
    "OKP X25519": dict(kty="OKP", crv="X25519"),
    "OKP X448": dict(kty="OKP", crv="X448"),
}


class Run:
    """Counts and prints results; owns the temp dir and the wb_interop path."""

    def __init__(self, tool, tmp):
        self.tool, self.tmp = tool, tmp
        self.passed = self.failed = 0
        self.per_alg = {}

    def check(self, alg, what, ok, detail=""):
        mark = "ok  " if ok else "FAIL"
        print(f"  {mark} {alg}: {what}" + (f" -- {detail}" if detail and not ok else ""))
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        self.per_alg.setdefault(alg, []).append((what, ok))

    def wb(self, *args):
        """Runs wb_interop; returns (ok, stdout stripped, stderr stripped)."""
        proc = subprocess.run([self.tool, *args], capture_output=True, text=True)
        return proc.returncode == 0, proc.stdout.strip(), proc.stderr.strip()

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


def jws_alg(alg):
    """The JOSE alg name: EdDSA(Ed25519) -> EdDSA."""
    return alg.split("(")[0]


def fresh_claims(alg):
    now = int(time.time())
    return {"iss": "interop", "sub": f"user-{alg}", "iat": now, "exp": now + 300, "n": [1, {"k": True}]}


def key_files(run, name, key):
    """Writes the key as JWK (private and public) and, for asymmetric keys, PEM. Returns dicts."""
    safe = name.replace(" ", "_").replace("(", "_").replace(")", "")
    if key["kty"] == "oct":
        text = key.export()
        return {"JWK": run.write(f"{safe}.jwk", text)}, {"JWK": run.write(f"{safe}.pub.jwk", text)}
    priv = {
        "JWK": run.write(f"{safe}.jwk", key.export_private()),
        "PEM": run.write(f"{safe}.pem", key.export_to_pem(private_key=True, password=None).decode()),
    }
    pub = {
        "JWK": run.write(f"{safe}.pub.jwk", key.export_public()),
        "PEM": run.write(f"{safe}.pub.pem", key.export_to_pem().decode()),
    }
    return priv, pub


def pyjwt_key(key, private):
    """The key in the form PyJWT takes: raw secret bytes or PEM."""
    if key["kty"] == "oct":
        return jwk.base64url_decode(key["k"])
    return key.export_to_pem(private_key=private, password=None)


def same_claims(run, alg, what, ok, out, err, claims):
    if not ok:
        run.check(alg, what, False, err)
        return
    got = json.loads(out)
    run.check(alg, what, got == claims, f"claims differ: {got} != {claims}")


def they_sign_we_verify(run, alg, key, pub_files):
    claims = fresh_claims(alg)
    name = jws_alg(alg)
    token = jws.JWS(json.dumps(claims))
    token.allowed_algs = [name]
    token.add_signature(key, name, protected=json.dumps({"alg": name, "typ": "JWT"}))
    compact = token.serialize(compact=True)
    for form, path in pub_files.items():
        same_claims(run, alg, f"jwcrypto signs, wristband verifies ({form})", *run.wb("verify", path, compact),
                    claims)
    encoded = pyjwt.encode(claims, pyjwt_key(key, True), algorithm=name)
    for form, path in pub_files.items():
        same_claims(run, alg, f"PyJWT signs, wristband verifies ({form})", *run.wb("verify", path, encoded),
                    claims)


def we_sign_they_verify(run, alg, key, priv_files):
    claims = fresh_claims(alg)
    name = jws_alg(alg)
    for form, path in priv_files.items():
        ok, token, err = run.wb("sign", name, path, json.dumps(claims))
        if not ok:
            run.check(alg, f"wristband signs ({form})", False, err)
            continue
        try:
            t = jws.JWS()
            t.allowed_algs = [name]
            t.deserialize(token)
            t.verify(key)
            good = json.loads(t.payload) == claims
            run.check(alg, f"wristband signs ({form}), jwcrypto verifies", good, "payload differs")
        except Exception as exc:  # any exception is a failed verification
            run.check(alg, f"wristband signs ({form}), jwcrypto verifies", False, repr(exc))
        try:
            got = pyjwt.decode(token, pyjwt_key(key, False), algorithms=[name])
            run.check(alg, f"wristband signs ({form}), PyJWT verifies", got == claims, "claims differ")
        except Exception as exc:
            run.check(alg, f"wristband signs ({form}), PyJWT verifies", False, repr(exc))


def thumbprints(run, name, key):
    priv, _ = key_files(run, "tp-" + name, key)
    want = key.thumbprint()
    for form, path in priv.items():
        ok, got, err = run.wb("thumbprint", path)
        run.check(name, f"thumbprint ({form}) equals jwcrypto's", ok and got == want, err or f"{got} != {want}")
    if key["kty"] == "oct":
        return
    ok, pub, err = run.wb("pubkey", priv["JWK"])
    good = ok and jwk.JWK.from_json(pub).thumbprint() == want and "d" not in json.loads(pub)
    run.check(name, "wristband public JWK: jwcrypto reads it, same thumbprint, no private member", good,
              err or pub)


def main():
    if len(sys.argv) != 2:
        print("usage: interop_test.py PATH/TO/wb_interop")
        return 2
    with tempfile.TemporaryDirectory(prefix="wb-interop-") as tmp:
        run = Run(sys.argv[1], tmp)
        for alg, gen in ALGS.items():
            key = jwk.JWK.generate(**gen)
            priv, pub = key_files(run, alg, key)
            they_sign_we_verify(run, alg, key, pub)
            we_sign_they_verify(run, alg, key, priv)
        for name, gen in THUMBPRINT_KEYS.items():
            thumbprints(run, name, jwk.JWK.generate(**gen))
        print("per algorithm / key type:")
        for alg, results in run.per_alg.items():
            bad = [w for w, ok in results if not ok]
            print(f"  {alg}: {len(results) - len(bad)}/{len(results)} passed" + (f" (failed: {'; '.join(bad)})" if bad else ""))
        print("PyJWT 2.6 supports every algorithm tested here (HS*, RS*, PS*, ES256/384/512, ES256K, EdDSA).")
        print(f"{run.passed} passed, {run.failed} failed")
        return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
