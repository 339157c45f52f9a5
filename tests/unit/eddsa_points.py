#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/unit/eddsa_points.py - an independent check of the EdDSA public key check (issue 7,
defect 5): lib/jwk_eddsa.c and the table of tests/unit/small_order_key_test.c against the
curve equations, computed here from scratch with Python integers.

1. The small-order points of Ed25519 (-x^2 + y^2 = 1 + d x^2 y^2, d = -121665/121666) and of
   Ed448 (x^2 + y^2 = 1 + d x^2 y^2, d = -39081) are found from the equations (y of the
   order-8 points solves d y^4 + 2 y^2 - 1 = 0), and their orders are checked by adding points.
2. Every encoding a lax decoder maps to one of them (the canonical one, y + p while it fits,
   and the sign bit flipped when x = 0) must be in the C test's table, and every table entry
   must be one of those (or, for Ed448, one with a stray bit in the last byte); the table's
   "forges every payload" flag must be set exactly for the identity.
3. Through the library itself (ctypes on libwristband.so, wb_key_from_jwk): every one of those
   encodings is refused with bad_key, and for random y values the library accepts exactly the
   canonical encodings of points on the curve.

Usage: eddsa_points.py PATH/TO/small_order_key_test.c PATH/TO/libwristband.so
"""
import base64
import ctypes
import os
import random
import re
import sys

WB_OK, WB_ERR_BAD_KEY = 0, 12


class Curve:
    def __init__(self, name, p, d, a, nbytes, ybits):
        self.name, self.p, self.d, self.a, self.nbytes, self.ybits = name, p, d % p, a, nbytes, ybits

    def on(self, x, y):
        p = self.p
        return (self.a * x * x + y * y - 1 - self.d * x * x * y * y) % p == 0

    def add(self, P, Q):
        (x1, y1), (x2, y2), p = P, Q, self.p
        t = self.d * x1 * x2 * y1 * y2 % p
        x3 = (x1 * y2 + y1 * x2) * pow(1 + t, p - 2, p) % p
        y3 = (y1 * y2 - self.a * x1 * x2) * pow(1 - t, p - 2, p) % p
        return (x3, y3)

    def order(self, P):
        R = P
        for k in range(1, 9):
            if R == (0, 1):
                return k
            R = self.add(R, P)
        return None

    def sqrt(self, v):
        """A square root of v mod p, or None (Tonelli-Shanks, good for both primes)."""
        p, v = self.p, v % self.p
        if v == 0:
            return 0
        if pow(v, (p - 1) // 2, p) != 1:
            return None
        q, s = p - 1, 0
        while q % 2 == 0:
            q, s = q // 2, s + 1
        z = 2
        while pow(z, (p - 1) // 2, p) != p - 1:
            z += 1
        m, c, t, r = s, pow(z, q, p), pow(v, q, p), pow(v, (q + 1) // 2, p)
        while t != 1:
            i, t2 = 0, t
            while t2 != 1:
                t2, i = t2 * t2 % p, i + 1
            b = pow(c, 1 << (m - i - 1), p)
            m, c, t, r = i, b * b % p, t * b * b % p, r * b % p
        return r

    def x_of(self, y):
        """Some x with (x, y) on the curve, or None."""
        p = self.p
        u, v = (y * y - 1) % p, (self.d * y * y - self.a) % p
        return self.sqrt(u * pow(v, p - 2, p))

    def encode(self, y, sign):
        if self.nbytes == 32:
            return (y | sign << 255).to_bytes(32, "little")
        return y.to_bytes(56, "little") + bytes([0x80 if sign else 0])

    def small_points(self):
        p, pts = self.p, set()
        ys = {0, 1, p - 1}
        # y of the points of order 8 (Ed25519): [2]P = (+-sqrt(a^-1 ...), 0) gives d y^4 + 2 y^2 - 1 = 0
        r = self.sqrt(1 + self.d)
        if self.a == -1 and r is not None:
            for s in (r, p - r):
                y = self.sqrt((s - 1) * pow(self.d, p - 2, p))
                if y is not None:
                    ys |= {y, p - y}
        for y in ys:
            x = self.x_of(y)
            if x is None:
                continue
            for xx in {x, (p - x) % p}:
                if self.on(xx, y) and self.order((xx, y)) is not None:
                    pts.add((xx, y))
        return pts

    def lax_encodings(self, P):
        """Every encoding a decoder that reduces y mod p and ignores x = 0's sign maps to P."""
        x, y = P
        out = {self.encode(y, x & 1)}
        if y + self.p < 1 << self.ybits:
            out.add(self.encode(y + self.p, x & 1))
        if x == 0:
            out |= {self.encode(e_y, 1) for e_y in (y, y + self.p) if e_y < 1 << self.ybits}
        return out


ED25519 = Curve("Ed25519", 2**255 - 19, -121665 * pow(121666, 2**255 - 21, 2**255 - 19), -1, 32, 255)
ED448 = Curve("Ed448", 2**448 - 2**224 - 1, -39081, 1, 57, 448)

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def c_table(path):
    src = open(path).read()
    body = src[src.index("BEGIN small-order encodings"):src.index("END small-order encodings")]
    # {WB_CRV_..., "hex" (maybe split into adjacent literals), forges_all, "what"}
    rows = re.findall(r'\{WB_CRV_(ED25519|ED448),((?:\s*"[0-9a-f]+")+),\s*([01]),', body)
    return [(ED25519 if c == "ED25519" else ED448, bytes.fromhex("".join(re.findall(r'[0-9a-f]+', h))), f == "1")
            for c, h, f in rows]


def import_status(lib, curve, enc):
    x = base64.urlsafe_b64encode(enc).rstrip(b"=").decode()
    jwk = ('{"kty":"OKP","crv":"%s","x":"%s"}' % (curve.name, x)).encode()
    key = ctypes.c_void_p()
    st = lib.wb_key_from_jwk(ctypes.byref(key), jwk, len(jwk), None)
    lib.wb_key_free(key)
    return st


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    table = c_table(sys.argv[1])
    check(len(table) == 25, "the C table has 25 rows, read %d" % len(table))
    lib = ctypes.CDLL(os.path.abspath(sys.argv[2]))  # a path, not a name the loader searches
    lib.wb_key_from_jwk.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_size_t,
                                    ctypes.c_void_p]
    lib.wb_key_free.argtypes = [ctypes.c_void_p]
    for curve, n_points in ((ED25519, 8), (ED448, 4)):
        pts = curve.small_points()
        check(len(pts) == n_points, "%s has %d small-order points, found %d" % (curve.name, n_points, len(pts)))
        encs = {}
        for P in pts:
            for e in curve.lax_encodings(P):
                encs[e] = P
        rows = {enc: forges for c, enc, forges in table if c is curve}
        for e, P in encs.items():
            check(e in rows, "%s: encoding %s of a point of order %d is not in the C table"
                  % (curve.name, e.hex(), curve.order(P)))
            check(rows.get(e) == (P == (0, 1)), "%s: %s forges_all flag" % (curve.name, e.hex()))
            check(import_status(lib, curve, e) == WB_ERR_BAD_KEY, "%s: %s imports" % (curve.name, e.hex()))
        for e, forges in rows.items():
            stray = curve is ED448 and e[56] & 0x7F and curve.encode(int.from_bytes(e[:56], "little"),
                                                                     e[56] >> 7) in encs
            check(e in encs or stray, "%s: table entry %s is not a small-order encoding" % (curve.name, e.hex()))
            check(import_status(lib, curve, e) == WB_ERR_BAD_KEY, "%s: %s imports" % (curve.name, e.hex()))
        rng = random.Random(7)
        on = 0
        for _ in range(150):
            y = rng.randrange(2, curve.p - 1)
            x = curve.x_of(y)
            sign = rng.randrange(2)
            want = WB_OK if x is not None else WB_ERR_BAD_KEY
            on += x is not None
            check(import_status(lib, curve, curve.encode(y, sign)) == want,
                  "%s: random y %x (on the curve: %s)" % (curve.name, y, x is not None))
        check(20 < on < 130, "%s: about half of the random y are on the curve (%d)" % (curve.name, on))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
