#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/server_profile.py - where a request's time goes in `wristband serve`, for the rows of the
server benchmark (issue 10). perf's hardware counters are not available on this VM (`perf stat -e
instructions true` says <not supported>), so the profile is valgrind's callgrind on the real
server process (one worker thread) under a fixed number of requests sent one after another on a
keep-alive connection: instruction counts, exact and the same on any machine, divided by the
request count, split by library (self cost) and by our functions (inclusive cost). For refresh,
whose time is mostly spent waiting for the disk, strace -T times every fsync/fdatasync of the
same number of refreshes (without valgrind).

Every request's answer is checked (status 200) while profiling; a row with a failed answer says so.
Usage: server_profile.py OUTDIR (prints markdown; writes OUTDIR/profile.md and the callgrind files).
Environment: WRISTBAND_BIN; BENCH_PROFILE_ROWS, a regular expression, profiles only the rows it finds.
"""
import collections
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
WB = os.environ.get("WRISTBAND_BIN", os.path.join(os.path.dirname(HERE), "build/cli/wristband"))
PASSWORD = "correct horse battery staple"
ISSUER = "http://wristband.bench"
COMMON = ["--token-rate", "1000000", "--access-ttl", "1d", "--issuer", ISSUER, "--threads", "1"]
DPOP_ROW = "userinfo with DPoP, one token, a fresh proof per request"
CHEAP = ["--argon2-ops", "1", "--argon2-memory-kib", "8"]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Our code: functions of the server and the library (the rest is named by its library).
OURS = re.compile(r"^(on_|ep_|session_|tok_|sq_|keys_|reply_|jbuf_|params_|http_|wb_|metrics_|store_|track_|"
                  r"route_|send_|add_headers|verify_token|token_alive|access_check)")


def start(store, args, wrap=None, log=None):
    cmd = (wrap or []) + [WB, "serve", "--listen", "127.0.0.1:0", "--store", store] + COMMON + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    if not line.startswith("wristband: listening on "):
        p.kill()
        raise RuntimeError("server did not start: %r" % line)
    return p, urllib.parse.urlsplit(line.split()[-1]).port


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=600)
    p.stdout.close()


def admin(store, *args, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([WB] + list(args) + ["--store", store], input=stdin, capture_output=True, text=True, env=e)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


def requests_over(port, reqs):
    """Sends (method, path, headers, body) in turn on one keep-alive connection; the number that
    did not answer 200."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    bad = 0
    for method, path, headers, body in reqs:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        r.read()
        bad += r.status != 200
    c.close()
    return bad


def parse_callgrind(path):
    """Self cost (Ir) per (object, function) from a callgrind.out file."""
    names = {"ob": {}, "fn": {}}
    cost = collections.Counter()
    ob = fn = None
    skip_next = False

    def name(kind, text):
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("ob="):
                ob = name("ob", line[3:])
            elif line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith("cob="):
                name("ob", line[4:])
            elif line.startswith("cfn="):
                name("fn", line[4:])
            elif line.startswith("calls="):
                skip_next = True
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and fn is not None:
                    cost[(ob, fn)] += int(parts[1])
    return cost


def inclusive(path):
    """Inclusive Ir of our functions (callgrind_annotate --inclusive=yes)."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], capture_output=True,
                         text=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?\S*:(\S+)", line)
        if m:
            fn = m.group(2).split("'")[0]
            res.setdefault(fn, int(m.group(1).replace(",", "")))
    return res


def lib_of(ob):
    base = os.path.basename(ob or "?")
    for key, label in (("libcrypto", "OpenSSL libcrypto"), ("libsqlite3", "SQLite"),
                       ("libmicrohttpd", "libmicrohttpd"), ("libsodium", "libsodium (Argon2id)"),
                       ("libjansson", "jansson"), ("libc.so", "libc (malloc, string, syscalls)"),
                       ("ld-linux", "ld.so"), ("vgpreload", "valgrind")):
        if key in base:
            return label
    if base.startswith("wristband"):
        return "wristband (server + libwristband)"
    return base


def profile_row(name, store, reqs, outdir, extra_args=()):
    out = os.path.join(outdir, "callgrind.%s.out" % name)
    wrap = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "--dump-instr=no"]
    with open(os.path.join(outdir, "valgrind.%s.log" % name), "wb") as log:
        p, port = start(store, list(extra_args), wrap, log)
        try:
            base_reqs = [("GET", "/healthz", {}, None)] * 20  # start-up and first-call costs, then
            requests_over(port, base_reqs)                 # subtracted by the baseline run below
            bad = requests_over(port, reqs)
        finally:
            stop(p)
    return out, bad


def per_request(n, out, base_out):
    """Instructions per request of a row: its run less the baseline run, over n."""
    diff = collections.Counter(parse_callgrind(out))
    diff.subtract(parse_callgrind(base_out))
    return sum(c for c in diff.values()) / n


def raw_es256_instructions(outdir):
    """Instructions of one raw ES256 verification: the library benchmark's limit program
    (bench/openssl_raw.c: OpenSSL only, every context prepared once) verifying its reference
    token COUNT times under callgrind, less the same program verifying none, over COUNT."""
    work, binary, count = os.path.join(outdir, "raw-work"), os.path.join(outdir, "openssl_raw"), 200
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_workload.py"), work], check=True,
                   capture_output=True)
    ssl = subprocess.run(["pkg-config", "--cflags", "--libs", "openssl"], capture_output=True, text=True).stdout
    subprocess.run(["cc", "-std=c11", "-O2", "-D_POSIX_C_SOURCE=200809L", "-DOPENSSL_API_COMPAT=30000",
                    "-DOPENSSL_NO_DEPRECATED", os.path.join(HERE, "openssl_raw.c"), "-o", binary] + ssl.split() +
                   ["-lpthread"], check=True)
    total = []
    for n in (0, count):
        log = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary, "--work",
                              work, "--repeat-verify", "ES256", str(n)], capture_output=True, text=True).stderr
        total.append(int(re.search(r"Collected : (\d+)", log).group(1)))
    return (total[1] - total[0]) / count


def dpop_goal(outs, sizes, outdir):
    """The DPoP row's goal (issue 15) in instructions, exact and the same on any machine:
    userinfo with DPoP at most 1.1 x (userinfo + one raw ES256 verify)."""
    plain = per_request(sizes["userinfo, one token"], outs["userinfo, one token"][0], outs["baseline"][0])
    dpop = per_request(sizes[DPOP_ROW], outs[DPOP_ROW][0], outs["baseline"][0])
    raw = raw_es256_instructions(outdir)
    goal = 1.1 * (plain + raw)
    return ("#### The DPoP row's goal in instructions\n\nuserinfo %s + one raw ES256 verify %s (bench/openssl_raw.c) "
            "= %s; x 1.1 = %s. userinfo with DPoP: %s, %.3f of the goal: %s.\n" %
            tuple(["{:,.0f}".format(v) for v in (plain, raw, plain + raw, goal, dpop)] +
                  [dpop / goal, "met" if dpop <= goal else "NOT met"]))


def summarize(name, n, out, base_out, bad):
    cost = parse_callgrind(out)
    base = parse_callgrind(base_out)
    diff = collections.Counter(cost)
    diff.subtract(base)
    by_lib = collections.Counter()
    for (ob, fn), c in diff.items():
        by_lib[lib_of(ob)] += c
    total = sum(v for v in by_lib.values() if v > 0)
    lines = ["#### %s: %d requests%s, %s instructions per request" %
             (name, n, " (%d answers not 200!)" % bad if bad else "", "{:,.0f}".format(total / n)), "",
             "| where (self cost) | instructions / request | share |", "|---|---|---|"]
    for lib, c in by_lib.most_common():
        if c / total >= 0.005:
            lines.append("| %s | %s | %.1f%% |" % (lib, "{:,.0f}".format(c / n), 100 * c / total))
    inc, inc_base = inclusive(out), inclusive(base_out)
    ours = []
    for fn, c in inc.items():
        if OURS.match(fn) and not fn.startswith("on_request"):
            ours.append((c - inc_base.get(fn, 0), fn))
    ours.sort(reverse=True)
    lines += ["", "| function (inclusive) | instructions / request | share |", "|---|---|---|"]
    for c, fn in ours[:10]:
        if c > 0:
            lines.append("| %s | %s | %.1f%% |" % (fn, "{:,.0f}".format(c / n), 100 * c / total))
    top_self = sorted(((c, fn, lib_of(ob)) for (ob, fn), c in diff.items() if c > 0), reverse=True)[:8]
    lines += ["", "| hottest functions (self) | library | instructions / request |", "|---|---|---|"]
    for c, fn, lib in top_self:
        lines.append("| %s | %s | %s |" % (fn, lib, "{:,.0f}".format(c / n)))
    return "\n".join(lines) + "\n"


def fsync_profile(store, n, refresh_tokens, outdir):
    """strace -T of fsync/fdatasync over n refreshes (no valgrind; strace attaches to the running
    server and detaches before it stops): the disk's share of the time."""
    trace = os.path.join(outdir, "strace.refresh.txt")
    p, port = start(store, [])
    tracer = subprocess.Popen(["strace", "-f", "-T", "-e", "trace=fsync,fdatasync", "-o", trace, "-p", str(p.pid)],
                              stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):  # strace says "Process N attached" per thread once it is in
            line = tracer.stderr.readline()
            if "attached" in line or not line:
                break
        time.sleep(0.5)  # the other threads' attach lines
        reqs = [("POST", "/oauth/token", FORM, "grant_type=refresh_token&refresh_token=" + rt)
                for rt in refresh_tokens[:n]]
        t0 = time.monotonic()
        bad = requests_over(port, reqs)
        wall = time.monotonic() - t0
    finally:
        tracer.send_signal(signal.SIGINT)  # detaches
        tracer.wait(timeout=60)
        stop(p)
    durations = []
    with open(trace) as f:
        for line in f:
            m = re.search(r"f(?:data)?sync\(.*<([\d.]+)>", line)
            if m:
                durations.append(float(m.group(1)))
    total = sum(durations)
    return ("#### refresh, the disk: %d refreshes one after another%s: %d fsync/fdatasync calls (%.1f per "
            "refresh), %.3f ms each on average, %.0f%% of the wall time (%.2f ms per refresh under strace)\n" %
            (n, " (%d answers not 200!)" % bad if bad else "", len(durations), len(durations) / n,
             1000 * total / max(len(durations), 1), 100 * total / wall, 1000 * wall / n))


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        print("bench-server profile: valgrind is missing", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="wbprof")
    try:
        store = "sqlite:%s/wristband.db" % work
        admin(store, "user", "add", "alice", stdin=PASSWORD + "\n")
        admin(store, "user", "add", "pool", stdin=PASSWORD + "\n",
              env={"WRISTBAND_ARGON2_OPS": "1", "WRISTBAND_ARGON2_MEMORY_KIB": "8"})
        secret = admin(store, "client", "add", "bench")
        p, port = start(store, CHEAP)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            pool = []
            for _ in range(4200):
                c.request("POST", "/oauth/token", headers=FORM,
                          body="grant_type=password&username=pool&password=" + PASSWORD.replace(" ", "+"))
                r = c.getresponse()
                body = r.read()
                if r.status == 200:
                    pool.append(json.loads(body))
            c.close()
        finally:
            stop(p)
        from cryptography.hazmat.primitives.asymmetric import ec
        from server_dpop import proofs, proofs_token_endpoint  # one way of making proofs
        dpop_key = ec.generate_private_key(ec.SECP256R1())
        p, port = start(store, CHEAP)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("POST", "/oauth/token", headers=dict(FORM, DPoP=proofs_token_endpoint(
                dpop_key, ISSUER + "/oauth/token")), body="grant_type=password&username=pool&password=" +
                PASSWORD.replace(" ", "+"))
            bound = json.loads(c.getresponse().read())["access_token"]
            c.close()
        finally:
            stop(p)

        def with_dpop():  # made just before the row: each proof is good for 60 s
            return [("GET", "/oauth/userinfo", {"Authorization": "DPoP " + bound, "DPoP": proof}, None)
                    for proof in proofs(dpop_key, ISSUER + "/oauth/userinfo", bound, 1000)]
        access = [t["access_token"] for t in pool]
        refresh = [t["refresh_token"] for t in pool]
        import base64
        basic = "Basic " + base64.b64encode(("bench:" + secret).encode()).decode()
        bearer = {"Authorization": "Bearer " + access[0]}
        rows = [
            ("baseline", []),
            ("jwks", [("GET", "/.well-known/jwks.json", {}, None)] * 2000),
            ("userinfo, one token", [("GET", "/oauth/userinfo", bearer, None)] * 2000),
            (DPOP_ROW, with_dpop),
            ("userinfo, a fresh token per request", [("GET", "/oauth/userinfo", {"Authorization": "Bearer " + t}, None)
                                                     for t in access[1:1001]]),
            ("introspect", [("POST", "/oauth/introspect", dict(FORM, Authorization=basic), "token=" + access[0])] *
             2000),
            ("refresh", [("POST", "/oauth/token", FORM, "grant_type=refresh_token&refresh_token=" + rt)
                         for rt in refresh[:1000]]),
            ("login", [("POST", "/oauth/token", FORM, "grant_type=password&username=alice&password=" +
                        PASSWORD.replace(" ", "+"))] * 10),
        ]
        outs, sizes = {}, {}
        text = ["### Profiles (valgrind callgrind, one worker thread, requests one after another)\n"]
        only = os.environ.get("BENCH_PROFILE_ROWS")  # a regular expression: profile only these rows
        for name, reqs in rows:
            if only and name != "baseline" and not re.search(only, name):
                continue
            reqs = reqs() if callable(reqs) else reqs
            print("bench-server profile: %s (%d requests under callgrind)" % (name, len(reqs)), file=sys.stderr)
            key = re.sub(r"\W+", "_", name)
            outs[name] = profile_row(key, store, reqs, outdir)
            sizes[name] = len(reqs)
            if name != "baseline":
                text.append(summarize(name, len(reqs), outs[name][0], outs["baseline"][0], outs[name][1]))
                print(text[-1], flush=True)
        if "userinfo, one token" in outs and DPOP_ROW in outs:
            text.append(dpop_goal(outs, sizes, outdir))
            print(text[-1], flush=True)
        if not only or re.search(only, "refresh"):
            text.append(fsync_profile(store, 1000, refresh[1000:2000], outdir))
            print(text[-1])
        with open(os.path.join(outdir, "profile.md"), "w") as f:
            f.write("\n".join(text))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
