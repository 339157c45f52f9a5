# SPDX-License-Identifier: MIT
"""bench/server_wrk.py - wrk (Debian's 4.1) for the server benchmark: the Lua scripts of the rows
and the parsing of wrk's report.

Scripts, written into the run's work directory:
  one request, repeated      method, path, headers and body fixed (keep-alive);
  each request a new token   the next line of a file per request, substituted into a header or a
                             form body; a line is never sent twice: at the end of the file the
                             run stops (so it never measures cache hits on reused tokens);
  pool maker                 logins whose 200 bodies are appended to a file (the token pools,
                             made before any timing).
"""
import re
import subprocess

FIXED = """
wrk.method = {method}
wrk.body = {body}
{headers}
"""

# One Lua state per wrk thread: with -t1 there is one, which reads the file once. When the lines
# run out the thread stops (wrk 4.1's thread:stop()): the run ends early, wrk's rate is over the
# time it really ran, and no line is ever sent twice.
FROM_FILE = """
local lines, i = {{}}, 0
for line in io.lines({path}) do lines[#lines + 1] = line end
request = function()
  i = i + 1
  if i > #lines then
    wrk.thread:stop()
    return wrk.format("GET", "/")
  end
  local v = lines[i]
  {make}
end
"""

POOL = """
wrk.method = "POST"
wrk.body = {body}
{headers}
local out
init = function(args) out = io.open(args[1], "a") end
response = function(status, headers, body)
  if status == 200 then out:write(body, "\\n"); out:flush() end
end
"""


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' if s is not None else "nil"


def lua_headers(headers):
    return "\n".join("wrk.headers[%s] = %s" % (lua_str(k), lua_str(v)) for k, v in headers.items())


def fixed_script(method="GET", headers=None, body=None):
    return FIXED.format(method=lua_str(method), body=lua_str(body), headers=lua_headers(headers or {}))


def bearer_from_file(path, url_path):
    make = 'return wrk.format("GET", %s, {["Authorization"] = "Bearer " .. v})' % lua_str(url_path)
    return FROM_FILE.format(path=lua_str(path), make=make)


def form_from_file(path, url_path, prefix, headers=None):
    hs = dict(headers or {})
    hs["Content-Type"] = "application/x-www-form-urlencoded"
    tbl = "{" + ", ".join("[%s] = %s" % (lua_str(k), lua_str(v)) for k, v in hs.items()) + "}"
    make = 'return wrk.format("POST", %s, %s, %s .. v)' % (lua_str(url_path), tbl, lua_str(prefix))
    return FROM_FILE.format(path=lua_str(path), make=make)


def pool_script(body, headers):
    return POOL.format(body=lua_str(body), headers=lua_headers(headers))


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}[m.group(2)]


def parse(out):
    """wrk --latency's report: requests, req/s, p50/p99 (ms) and the error counts."""
    r = {"requests": 0, "rps": None, "p50": None, "p99": None, "errors": 0, "non2xx": 0, "elapsed_s": None}
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    if m:
        r["requests"] = int(m.group(1))
        r["elapsed_s"] = to_ms(m.group(2) + m.group(3)) / 1000
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+(\S+)" % pct, out, re.M)
        if m:
            r[key] = to_ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"] = sum(int(g) for g in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    return r


def run(pin, url, script_path, seconds, connections, threads=1, args=()):
    cmd = pin + ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--latency", "--timeout", "10s",
                 "-s", script_path, url]
    if args:
        cmd += ["--"] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    r = parse(p.stdout)
    r["raw"] = p.stdout + p.stderr
    return r
