#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/report.py - turns the lines the benchmark programs printed (impl<TAB>alg<TAB>op<TAB>value)
into bench/out/results.tsv and the markdown tables on stdout:

  1. ops/s: rows = implementations, columns = alg x verify/sign;
  2. each row as a fraction of the raw-OpenSSL limit (ops/s of the row / ops/s of openssl-raw,
     so x1.00 is the limit and x0.50 means twice the limit's cost);
  3. wristband against the fastest peer of each column (cached rows excluded).

A (impl, alg, op) printed several times (BENCH_ROUNDS > 1: the whole suite run several times, so
that drift on a shared machine hits every row alike) is reported as the median of its rounds; a
word in any round wins over figures. A value is ops/s, or a word: n/a (the peer lacks the alg), FAIL (a correctness check failed, no
figure is shown), pending (wristband cannot be built yet). Missing cells show as "-".

Usage: report.py RAW_LINES RESULTS_TSV
"""
import statistics
import sys

ROWS = ["wristband", "wristband-cached", "openssl-raw", "libjwt", "cjose", "rhonabwy", "pyjwt", "jwcrypto", "node-jose",
        "fast-jwt", "fast-jwt-cached", "jsonwebtoken"]
THREADS_ROW = "wristband-2threads"
ALGS = ["HS256", "RS256", "ES256", "EdDSA"]
OPS = ["verify", "sign"]
COLS = [(a, o) for a in ALGS for o in OPS]
NOT_PEERS = {"wristband", "wristband-cached", "openssl-raw", "fast-jwt-cached", THREADS_ROW}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt_ops(v):
    n = num(v)
    return f"{n:,.0f}" if n is not None else (v or "-")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def main():
    raw_path, tsv_path = sys.argv[1], sys.argv[2]
    rounds = {}
    with open(raw_path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4:
                rounds.setdefault(tuple(parts[:3]), []).append(parts[3])
    res = {}
    for key, vals in rounds.items():
        words = [v for v in vals if num(v) is None]
        res[key] = words[0] if words else f"{statistics.median(num(v) for v in vals):.0f}"
    order = list(rounds)
    with open(tsv_path, "w") as f:
        f.write("implementation\talgorithm\toperation\tops_per_sec\n")
        for k in order:
            f.write("\t".join(k) + "\t" + res[k] + "\n")

    header = ["implementation"] + [f"{a} {o}" for a, o in COLS]
    rows = [[r] + [fmt_ops(res.get((r, a, o))) for a, o in COLS] for r in ROWS]
    if any(k[0] == THREADS_ROW for k in res):
        cells = [THREADS_ROW]
        for a, o in COLS:
            many, one = res.get((THREADS_ROW, a, o)), num(res.get((THREADS_ROW, a, "verify-1thread")))
            if o == "verify" and num(many) and one:
                cells.append(f"{fmt_ops(many)} (x{num(many) / one:.2f} of 1 thread)")
            else:
                cells.append(fmt_ops(many) if o == "verify" else "-")
        rows.append(cells)
    print("### Throughput (ops/s, median of the repetitions, one core)\n")
    print(table(header, rows))

    print("\n### Fraction of the raw-OpenSSL limit (row ops/s / openssl-raw ops/s; x1.00 = the limit)\n")
    rrows = []
    for r in ROWS:
        cells = [r]
        for a, o in COLS:
            v, lim = num(res.get((r, a, o))), num(res.get(("openssl-raw", a, o)))
            cells.append(f"x{v / lim:.3f}" if v is not None and lim else (res.get((r, a, o)) or "-"))
        rrows.append(cells)
    print(table(header, rrows))

    print("\n### wristband against the fastest peer (cached rows and the limit excluded)\n")
    cells, best = ["wristband / fastest peer"], ["fastest peer"]
    for a, o in COLS:
        peers = [(num(res.get((r, a, o))), r) for r in ROWS if r not in NOT_PEERS]
        peers = [p for p in peers if p[0] is not None]
        w = num(res.get(("wristband", a, o)))
        if peers:
            top = max(peers)
            best.append(f"{top[1]} ({top[0]:,.0f})")
            cells.append(f"x{w / top[0]:.2f}" if w is not None else (res.get(("wristband", a, o)) or "-"))
        else:
            best.append("-")
            cells.append("-")
    print(table(header, [best, cells]))

    print("\n### Verification-result cache: a hit on the repeated token (wristband-cached / fast-jwt-cached)\n")
    cells = ["wristband-cached / fast-jwt-cached"]
    for a in ALGS:
        w, f = num(res.get(("wristband-cached", a, "verify"))), num(res.get(("fast-jwt-cached", a, "verify")))
        cells.append(f"x{w / f:.2f}" if w is not None and f else "-")
    print(table([""] + [f"{a} verify" for a in ALGS], [cells]))


if __name__ == "__main__":
    main()
