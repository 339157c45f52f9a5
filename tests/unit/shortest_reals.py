#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/unit/shortest_reals.py LIBWRISTBAND - wb_builder_set_real writes every double in its
shortest round-trip form (jwt.h), checked against an independent oracle: Python's repr, which
gives the shortest digits that read back, and of those the nearest (David Gay's algorithm).

For every double tried, the builder's text must read back (float) as the same double, bit for
bit (-0.0 included), and have exactly repr's significant digits. The doubles: random bit
patterns, every power of two and its neighbours (where the interval of decimals that read back
is lopsided), doubles with few mantissa bits, and decimals of few digits. Through ctypes on the
shared library (a sanitized library cannot be loaded: label no-asan). Prints "N passed, N failed".
"""
import ctypes
import random
import re
import struct
import sys


class Err(ctypes.Structure):
    _fields_ = [('code', ctypes.c_int), ('message', ctypes.c_char * 160)]


def main(path):
    lib = ctypes.CDLL(path)
    P = ctypes.c_void_p
    lib.wb_builder_new.argtypes = [ctypes.POINTER(P), ctypes.POINTER(Err)]
    lib.wb_builder_set_real.argtypes = [P, ctypes.c_char_p, ctypes.c_double, ctypes.POINTER(Err)]
    lib.wb_builder_to_json.argtypes = [P, ctypes.POINTER(P), ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(Err)]
    lib.wb_builder_free.argtypes = [P]
    lib.wb_string_free.argtypes = [P]
    b = P()
    err = Err()
    if lib.wb_builder_new(ctypes.byref(b), ctypes.byref(err)) != 0:
        print('wb_builder_new failed')
        return 1

    def written(v):
        if lib.wb_builder_set_real(b, b'r', v, ctypes.byref(err)) != 0:
            return None
        out, n = P(), ctypes.c_size_t()
        if lib.wb_builder_to_json(b, ctypes.byref(out), ctypes.byref(n), ctypes.byref(err)) != 0:
            return None
        text = ctypes.string_at(out, n.value).decode()
        lib.wb_string_free(out)
        return text[5:-1]  # {"r":...}

    def digits(t):
        m = re.match(r'^-?(\d+)(?:\.(\d+))?(?:[eE][+-]?\d+)?$', t)
        return (m.group(1) + (m.group(2) or '')).strip('0') or '0' if m else None

    rng = random.Random(20240607)
    bits = [rng.getrandbits(64) for _ in range(60000)]
    for e in range(2047):  # every power of two, both signs, and two neighbours each side
        for d in (-2, -1, 0, 1, 2):
            x = (e << 52) + d
            if 0 <= x < (2047 << 52):
                bits += [x, x | (1 << 63)]
    bits += [rng.randrange(2047) << 52 | (rng.getrandbits(52) >> rng.randrange(53)) for _ in range(20000)]
    doubles = [struct.unpack('<d', struct.pack('<Q', x))[0] for x in bits]
    doubles += [rng.randrange(10 ** rng.randint(1, 8)) / 10 ** rng.randint(0, 12) for _ in range(20000)]
    passed = failed = 0
    for v in doubles:
        if v != v or v in (float('inf'), float('-inf')):
            continue
        t = written(v)
        ok = t is not None and re.match(r'^-?(0|[1-9]\d*)(\.\d+)?(e-?\d+)?$', t) is not None
        ok = ok and struct.pack('<d', float(t)) == struct.pack('<d', v) and digits(t) == digits(repr(v))
        if ok:
            passed += 1
        else:
            failed += 1
            if failed <= 10:
                print('set_real(%r) wrote %s: want the digits of %s' % (v, t, repr(v)))
    lib.wb_builder_free(b)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
