#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/jwe_report.py - the tables of the JWE rows: the lines bench/jwe.sh collected
(impl<TAB>pair<TAB>op<TAB>ops_per_sec, possibly several rounds: the median is taken) become ops/s
per implementation, wristband's fraction of the raw-OpenSSL limit, and wristband against the
fastest peer. Usage: jwe_report.py RAW.tsv OUT.tsv
"""
import statistics
import sys

PAIRS = ["dir+A256GCM", "A256KW+A256GCM", "ECDH-ES+A256KW-P256", "ECDH-ES+A256KW-X25519", "RSA-OAEP-256+A256GCM"]
IMPLS = ["wristband", "openssl-raw", "cjose", "rhonabwy", "jwcrypto", "node-jose"]
OPS = ["decrypt", "encrypt"]
PEERS = ["cjose", "rhonabwy", "jwcrypto", "node-jose"]


def fmt(v):
    return "n/a" if v is None else f"{v:,.0f}"


def main():
    runs = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4 and parts[3].replace(".", "").isdigit():
            runs.setdefault(tuple(parts[:3]), []).append(float(parts[3]))
    med = {k: statistics.median(v) for k, v in runs.items()}
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        for (impl, pair, op), v in sorted(med.items()):
            f.write(f"{impl}\t{pair}\t{op}\t{v:.0f}\n")
    cols = [(p, o) for p in PAIRS for o in OPS]
    print("### JWE throughput (ops/s, one core)\n")
    print("| | " + " | ".join(f"{p} {o}" for p, o in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for impl in IMPLS:
        print(f"| {impl} | " + " | ".join(fmt(med.get((impl, p, o))) for p, o in cols) + " |")
    print("\n### wristband as a fraction of the raw-OpenSSL limit (x1.00 = the limit)\n")
    print("| | " + " | ".join(f"{p} {o}" for p, o in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    cells = []
    for p, o in cols:
        w, r = med.get(("wristband", p, o)), med.get(("openssl-raw", p, o))
        cells.append(f"x{w / r:.2f}" if w and r else "n/a")
    print("| wristband / raw | " + " | ".join(cells) + " |")
    print("\n### wristband against the fastest peer (cjose, rhonabwy, jwcrypto, node jose)\n")
    print("| | " + " | ".join(f"{p} {o}" for p, o in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    cells = []
    for p, o in cols:
        best = max((med.get((peer, p, o)) or 0) for peer in PEERS)
        w = med.get(("wristband", p, o))
        cells.append(f"x{w / best:.1f}" if w and best else "n/a")
    print("| wristband / fastest peer | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
