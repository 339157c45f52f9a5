#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/coverage/markers.py - every coverage exclusion is named and documented.

usage: markers.py ROOT

lcov leaves out of the figures what its markers exclude (LCOV_EXCL_LINE, LCOV_EXCL_BR_LINE,
LCOV_EXCL_START/STOP, LCOV_EXCL_BR_START/STOP). In wristband each marker must name an entry of the
"Exclusions" list of docs/coverage.md, as `LCOV_EXCL_LINE: cov-some-reason`; START and STOP pair up
with the same name in the same file. Checks every .c and .h file under ROOT (outside build trees):
an unnamed or unknown marker, any other LCOV_EXCL_ word, an unpaired START or STOP, and a
documented entry that no marker uses all fail. Prints the markers found; exits 1 on any problem.
"""
import os
import re
import sys

KINDS = {"LINE", "BR_LINE", "START", "STOP", "BR_START", "BR_STOP"}
ANY = re.compile(r"LCOV_EXCL_[A-Z_]*")
NAMED = re.compile(r"LCOV_EXCL_([A-Z_]+): (cov-[a-z0-9]+(?:-[a-z0-9]+)*)\b")
ENTRY = re.compile(r"^[-*] `(cov-[a-z0-9]+(?:-[a-z0-9]+)*)`")


def documented(doc):
    """The cov-* names listed under the '## Exclusions' heading of docs/coverage.md."""
    names, inside = {}, False
    with open(doc, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("## "):
                inside = line.strip() == "## Exclusions"
                continue
            m = ENTRY.match(line)
            if inside and m:
                names[m.group(1)] = n
    return names


def sources(root):
    """The .c and .h files of the tree, without build trees, the vectors folder and node_modules."""
    for dirpath, dirnames, filenames in os.walk(root):
        top = os.path.relpath(dirpath, root) == "."
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "node_modules")
                             and not (top and (d.startswith("build") or d == "vectors")))
        for name in sorted(filenames):
            if name.endswith((".c", ".h")):
                yield os.path.join(dirpath, name)


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = argv[1]
    doc = os.path.join(root, "docs", "coverage.md")
    try:
        names = documented(doc)
    except OSError as e:
        print(f"coverage markers: {e}", file=sys.stderr)
        return 1
    problems, used, found = [], set(), 0
    for path in sources(root):
        rel = os.path.relpath(path, root)
        open_block = {}  # "" or "BR_" -> (name, line)
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if "LCOV_EXCL_" not in line:
                    continue
                named = {m.start(): m for m in NAMED.finditer(line)}
                for m in ANY.finditer(line):
                    where = f"{rel}:{n}"
                    nm = named.get(m.start())
                    if nm is None or nm.group(1) not in KINDS:
                        problems.append(f"{where}: {m.group(0)} must be written '<KIND>: cov-<name>' with KIND one of "
                                        f"{', '.join(sorted(KINDS))} and the name listed in docs/coverage.md")
                        continue
                    kind, name = nm.group(1), nm.group(2)
                    found += 1
                    used.add(name)
                    print(f"  {where}: LCOV_EXCL_{kind}: {name}")
                    if name not in names:
                        problems.append(f"{where}: {name} is not listed under '## Exclusions' in docs/coverage.md")
                    family = "BR_" if kind.startswith("BR_") else ""
                    if kind.endswith("START"):
                        if family in open_block:
                            problems.append(f"{where}: LCOV_EXCL_{kind} inside the block opened at line "
                                            f"{open_block[family][1]}")
                        open_block[family] = (name, n)
                    elif kind.endswith("STOP"):
                        start = open_block.pop(family, None)
                        if start is None:
                            problems.append(f"{where}: LCOV_EXCL_{kind} without a START")
                        elif start[0] != name:
                            problems.append(f"{where}: LCOV_EXCL_{kind}: {name} closes the block "
                                            f"{start[0]} opened at line {start[1]}")
        for family, (name, n) in open_block.items():
            problems.append(f"{rel}:{n}: LCOV_EXCL_{family}START: {name} is never stopped")
    for name, n in sorted(names.items()):
        if name not in used:
            problems.append(f"docs/coverage.md:{n}: {name} is listed but no marker names it")
    for p in problems:
        print(f"FAIL: {p}")
    print(f"coverage markers: {found} marker(s), {len(names)} documented exclusion(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
