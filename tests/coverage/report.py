#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/coverage/report.py - the coverage summary and the floor check of `make coverage`.

usage: report.py INFO FLOORS ROOT

INFO is the merged lcov tracefile (lib/, cli/, server/ only), FLOORS tests/coverage/floors.txt,
ROOT the source tree. Prints, per top-level directory and then per file, the line and branch
coverage (percent, hit/found), each directory beside its floor and its target. Exits 1 when a
directory is below its floor or has code but no floor, 2 on unusable input, else 0.
"""
import os
import sys


def parse_info(path):
    """{file: (lines {line: count}, branches {(line, block, branch): taken})}, merging records."""
    files = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("SF:"):
                cur = files.setdefault(line[3:], ({}, {}))
            elif line == "end_of_record":
                cur = None
            elif cur is None:
                continue
            elif line.startswith("DA:"):
                num, count = line[3:].split(",")[:2]
                cur[0][int(num)] = cur[0].get(int(num), 0) + int(count)
            elif line.startswith("BRDA:"):
                num, block, branch, taken = line[5:].split(",")
                key = (int(num), block, branch)
                cur[1][key] = cur[1].get(key, 0) + (0 if taken == "-" else int(taken))
    return files


def parse_floors(path):
    """{dir: (lines_floor, branches_floor, lines_target, branches_target)}."""
    floors = {}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            words = raw.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 5:
                raise ValueError(f"{path}:{n}: want 'dir lines-floor branches-floor lines-target branches-target'")
            floors[words[0]] = tuple(float(w) for w in words[1:])
    return floors


def pct(hit, found):
    return 100.0 * hit / found if found else 100.0


def cell(hit, found):
    return f"{pct(hit, found):5.1f}% {hit:>5}/{found:<5}" if found else f"{'-':>6} {'0/0':>5}{'':6}"


def fmt(x):
    return f"{x:g}"


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    info, floors_path, root = argv[1], argv[2], os.path.realpath(argv[3])
    try:
        files = parse_info(info)
        floors = parse_floors(floors_path)
    except (OSError, ValueError) as e:
        print(f"coverage: {e}", file=sys.stderr)
        return 2

    dirs = {}
    for path, (lines, branches) in files.items():
        rel = os.path.relpath(os.path.realpath(path), root)
        top = rel.split(os.sep, 1)[0]
        lh = sum(1 for c in lines.values() if c > 0)
        bh = sum(1 for c in branches.values() if c > 0)
        dirs.setdefault(top, []).append((rel, lh, len(lines), bh, len(branches)))

    width = max([len(r[0]) for entries in dirs.values() for r in entries] + [20]) + 2
    print(f"{'':{width}}{'lines':<20}{'branches':<20}{'floor':<9}target")
    failures = []
    for top in sorted(set(dirs) | set(floors)):
        entries = sorted(dirs.get(top, []))
        floor = floors.get(top)
        limits = f"{fmt(floor[0])}/{fmt(floor[1]):<6}{fmt(floor[2])}/{fmt(floor[3]):<6}" if floor else f"{'-':<9}{'-':<9}"
        if not entries:
            print(f"{top + '/':{width}}{'(no code yet)':<40}{limits}".rstrip())
            continue
        lh = sum(e[1] for e in entries)
        lf = sum(e[2] for e in entries)
        bh = sum(e[3] for e in entries)
        bf = sum(e[4] for e in entries)
        if floor is None:
            verdict = "NO FLOOR"
            failures.append(f"{top}/ has code but no line in {floors_path}")
        else:
            low = []
            if pct(lh, lf) < floor[0]:
                low.append(f"lines {pct(lh, lf):.1f}% < floor {fmt(floor[0])}%")
            if pct(bh, bf) < floor[1]:
                low.append(f"branches {pct(bh, bf):.1f}% < floor {fmt(floor[1])}%")
            verdict = "BELOW FLOOR" if low else "ok"
            failures += [f"{top}/: {m}" for m in low]
        print(f"{top + '/':{width}}{cell(lh, lf)}  {cell(bh, bf)}  {limits}{verdict}")
        for rel, flh, flf, fbh, fbf in entries:
            print(f"  {rel:{width - 2}}{cell(flh, flf)}  {cell(fbh, fbf)}".rstrip())
    if failures:
        print(f"coverage: FAILED ({floors_path}):", file=sys.stderr)
        for m in failures:
            print(f"  {m}", file=sys.stderr)
        return 1
    print(f"coverage: every directory meets its floor ({floors_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
