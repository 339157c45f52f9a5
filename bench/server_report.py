# SPDX-License-Identifier: MIT
"""bench/server_report.py - the server benchmark's output (bench/server_bench.py): server.tsv,
one line per (server, row): server, row, ops_per_sec (a number, FAIL or n/a), p50_ms, p99_ms,
peak_rss_kib, note; and server.md, the table for the README, with each goal of issue 10 judged
from figures of the same run (ratios, never figures of different runs)."""
import datetime
import os
import subprocess

MIB = 1024
PAGE_CACHE_KIB = 2000  # SQLite's default cache_size (-2000: 2000 KiB) per connection


def num(v):
    return v if isinstance(v, (int, float)) else None


def fmt(v, nd=0):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return "{:,.{}f}".format(v, nd)


def goal(b, key):
    """(reference text, ratio or value text, met: True/False/None) for a wristband row."""
    wb = b.value("wristband", key)
    v = num(wb.value) if wb else None
    nginx = b.value("nginx", "static")
    ng = num(nginx.value) if nginx else None
    es = float(b.extra["es256_raw"]) if b.extra.get("es256_raw", "").replace(".", "").isdigit() else None
    ar = float(b.extra["argon2_raw"]) if b.extra.get("argon2_raw", "").replace(".", "").isdigit() else None

    def ratio(ref, want, name):
        if v is None or ref is None:
            return name, "-", None
        return "%s %s" % (name, fmt(ref)), "x%.2f" % (v / ref), v / ref >= want

    if key == "static":
        return "-", "-", None
    if key == "jwks":
        return ratio(ng, 0.6, "nginx")
    if key in ("userinfo1", "authcheck1"):
        return ratio(ng, 0.5, "nginx")
    if key == "userinfo_fresh":
        return ratio(es, 0.9, "ES256 verify")
    if key == "login":
        return ratio(ar, 0.9, "Argon2id verify")
    if key == "introspect":
        return "-", fmt(v), None if v is None else v >= 10000
    if key == "refresh":
        return "-", fmt(v), None if v is None else v >= 2000
    return "-", "-", None


def cpu_cell(r):
    if r is None or not r.cpu_us:
        return "-"
    return "%s (%d%%)" % (fmt(r.cpu_us, 1), round(100 * r.sys_share)) if r.sys_share is not None else fmt(r.cpu_us, 1)


def mark(met):
    return {True: "met", False: "**not met**", None: "-"}[met]


def report(b, rows):
    tsv = os.path.join(b.out, "server.tsv")
    with open(tsv, "w") as f:
        f.write("server\trow\tops_per_sec\tp50_ms\tp99_ms\tpeak_rss_kib\tcpu_us_per_req\tkernel_share\tcores_busy\tnote\n")
        for r in b.rows:
            f.write("\t".join([r.server, r.key, fmt(r.value, 1).replace(",", "") if num(r.value) else str(r.value),
                               "" if r.p50 is None else "%.3f" % r.p50, "" if r.p99 is None else "%.3f" % r.p99,
                               "" if r.rss is None else str(r.rss),
                               "" if r.cpu_us is None else "%.1f" % r.cpu_us,
                               "" if r.sys_share is None else "%.2f" % r.sys_share,
                               "" if r.busy is None else "%.2f" % r.busy, r.why]) + "\n")
        for k, v in sorted(b.extra.items()):
            f.write("extra\t%s\t%s\t\t\t\t\t\t\t\n" % (k, v))

    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].split(" [")[0]
    lines = ["%s, %d cores (%s), %s; server pinned to one core, wrk (1 thread, %s connections, keep-alive, "
             "%s s per row) to the other; load average (1, 5, 15 min) %s at the start, %s at the end." %
             (datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ"), os.cpu_count(), cpu, wrk_v,
              os.environ.get("BENCH_SERVER_CONNECTIONS", "16"), os.environ.get("BENCH_SERVER_SECONDS", "5"),
              b.extra.get("loadavg_start", "?"), b.extra.get("loadavg_end", "?")), ""]
    lines.append("| row | wristband req/s | p50 ms | p99 ms | peak RSS MiB | server CPU us/req (kernel) | cores busy | "
                 "against | ratio | goal | glewlwyd req/s (CPU us/req) | wristband / glewlwyd (goal >= 5x) |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, label, goal_text in rows:
        server = "nginx" if key == "static" else "wristband"
        r = b.value(server, key)
        g = b.value("glewlwyd", key)
        ref, ratio, met = goal(b, key)
        peer = "-"
        if g is not None and num(g.value) and r is not None and num(r.value):
            x = r.value / g.value
            peer = "x%.1f (%s)" % (x, mark(x >= 5))
        elif g is not None:
            peer = "n/a" if g.value == "n/a" else "-"
        cells = [label + (" [nginx]" if key == "static" else ""),
                 fmt(r.value) if r else "-", fmt(r.p50, 2) if r else "-", fmt(r.p99, 2) if r else "-",
                 fmt(r.rss / MIB, 1) if r and r.rss else "-", cpu_cell(r), fmt(r.busy, 2) if r and r.busy else "-",
                 ref, ratio, "%s: %s" % (goal_text, mark(met)) if key != "static" else "the limit",
                 "%s (%s)" % (fmt(g.value), fmt(g.cpu_us, 0)) if g is not None and num(g.value) else
                 (g.value if g is not None else "-"), peer]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    fails = [r for r in b.rows if r.value == "FAIL" or (r.value == "n/a" and r.why)]
    for r in fails:
        lines.append("- %s %s: %s (%s)" % (r.server, r.key, r.value, r.why))
    rss = b.extra.get("rss_100k_kib")
    if rss:
        conns = 2  # the worker thread's connection and the main thread's (upkeep)
        beyond = rss - conns * PAGE_CACHE_KIB
        lines.append("- RSS with %s live sessions in the database: peak %.1f MiB over every row above, %.1f MiB "
                     "beyond SQLite's page cache (%d connections x %d KiB): goal under 64 MiB: %s." %
                     (fmt(b.extra.get("live_sessions")), rss / MIB, beyond / MIB, conns, PAGE_CACHE_KIB,
                      mark(beyond < 64 * MIB)))
    for key in ("userinfo_fresh", "login", "jwks"):
        one, two = b.value("wristband", key), b.value("wristband-2t", key)
        if one and two and num(one.value) and num(two.value):
            x = two.value / one.value
            verify_bound = key != "jwks"
            lines.append("- 2 server threads on 2 cores, %s: %s req/s, x%.2f of 1 thread on 1 core%s; the server's CPU "
                         "per request %s us (1 thread: %s us), %s cores busy." %
                         (key, fmt(two.value), x, (" (goal >= 1.8x: %s)" % mark(x >= 1.8)) if verify_bound else "",
                          fmt(two.cpu_us, 1), fmt(one.cpu_us, 1), fmt(two.busy, 2)))
    if b.extra.get("glewlwyd_hash"):
        lines.append("- glewlwyd's stored password hash (its database back-end's default): `%s`" %
                     b.extra["glewlwyd_hash"])
    text = "\n".join(lines) + "\n"
    with open(os.path.join(b.out, "server.md"), "w") as f:
        f.write(text)
    print(text)
