# SPDX-License-Identifier: MIT
"""tests/server/e2e/wbtest.py - what the end-to-end tests of `wristband serve` share.

Each test script starts the real server process (the `wristband` binary, or `wristband-testclock`
whose clock the test can move) on a free loopback port (--listen 127.0.0.1:0, the port read from
the ready line) with a database in a temporary directory, talks HTTP to it with requests, and
ends with the summary line "N passed, N failed". Run with /usr/bin/python3 (Debian's python3-*
packages belong to it). Paths come from the environment: WRISTBAND_BIN, WRISTBAND_TESTCLOCK_BIN.
"""
import base64
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import traceback

import requests

BIN = os.environ.get("WRISTBAND_BIN", "")
TESTCLOCK_BIN = os.environ.get("WRISTBAND_TESTCLOCK_BIN", "")
PASSWORD = "correct horse battery"
READY_PREFIX = "wristband: listening on "
START_TIMEOUT = 60
# Cheap Argon2id for the many logins of a test run; the defaults are tested on their own.
FAST_HASH = ["--argon2-ops", "1", "--argon2-memory-kib", "64"]


class Checks:
    """Counts checks; a failed one prints its message and the test goes on."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, msg):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + msg, file=sys.stderr)
        return cond

    def eq(self, got, want, msg):
        return self.check(got == want, "%s: got %r, want %r" % (msg, got, want))

    def run(self, tests):
        for t in tests:
            try:
                t(self)
            except Exception:  # a crash in one story is one failure, the others still run
                self.failed += 1
                print("FAIL: %s raised:\n%s" % (t.__name__, traceback.format_exc()), file=sys.stderr)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


class Server:
    """One `wristband serve` process on a temporary database."""

    def __init__(self, *args, clock=False, tmp=None, env=None, fast_hash=True):
        self.binary = TESTCLOCK_BIN if clock else BIN
        if not self.binary or not os.access(self.binary, os.X_OK):
            raise SystemExit("set WRISTBAND_BIN and WRISTBAND_TESTCLOCK_BIN")
        self._own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="wbe2e")
        self.store = "sqlite:%s/data/wristband.db" % self.tmp
        self.db = "%s/data/wristband.db" % self.tmp
        self.clock_file = os.path.join(self.tmp, "clock")
        self.args = list(args) + (FAST_HASH if fast_hash else [])
        self.env = dict(os.environ)
        self.env["WRISTBAND_TEST_CLOCK_FILE"] = self.clock_file
        self.env.update(env or {})
        self.proc = None
        self.base = None
        self.log = os.path.join(self.tmp, "server.log")

    def start(self, listen="127.0.0.1:0"):
        cmd = [self.binary, "serve", "--listen", listen, "--store", self.store] + self.args
        self._stderr = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr, env=self.env)
        line = self._read_line(START_TIMEOUT)
        if not line.startswith(READY_PREFIX):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("server did not start: %r\n%s" % (line, self.stderr()))
        self.base = line[len(READY_PREFIX):].strip()
        return self

    def _read_line(self, timeout):
        out = b""
        while not out.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            if not ready:
                return out.decode(errors="replace")
            c = os.read(self.proc.stdout.fileno(), 1)
            if not c:
                break
            out += c
        return out.decode(errors="replace")

    def stderr(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def url(self, path):
        return self.base + path

    def stop(self, sig=signal.SIGTERM):
        """Signals the server and returns its exit status."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=120)
        self.proc.stdout.close()
        self._stderr.close()
        self.proc = None
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def cleanup(self):
        """Stops the server with SIGTERM (if running) and removes the directory. A server that does
        not exit 0, or whose log holds a sanitizer report, fails the story that used it."""
        problem = None
        if self.proc is not None:
            rc = self.stop()
            if rc != 0:
                problem = "the server exited with %s on SIGTERM" % rc
        log = self.stderr() if os.path.exists(self.log) else ""
        if "AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            problem = "sanitizer report"
        if problem is not None:
            raise RuntimeError("%s; server log:\n%s" % (problem, log[-4000:]))
        if self._own_tmp:
            subprocess.run(["rm", "-rf", self.tmp])

    def set_clock(self, seconds):
        """Moves the clock of a clock=True server (and its admin commands) seconds ahead."""
        with open(self.clock_file, "w") as f:
            f.write("%d\n" % seconds)

    def admin(self, *args, stdin=None):
        """Runs `wristband ARGS --store STORE`; returns the CompletedProcess (text)."""
        return subprocess.run([self.binary] + list(args) + ["--store", self.store], input=stdin,
                              capture_output=True, text=True, env=self.env, timeout=120)

    def add_user(self, name, password=PASSWORD, roles=()):
        args = ["user", "add", name]
        for r in roles:
            args += ["--role", r]
        p = self.admin(*args, stdin=password + "\n")
        if p.returncode != 0:
            raise RuntimeError("user add %s: %s" % (name, p.stderr))

    # ---- HTTP helpers ----

    def token(self, **form):
        return requests.post(self.url("/oauth/token"), data=form, timeout=60)

    def login(self, user, password=PASSWORD, **extra):
        return self.token(grant_type="password", username=user, password=password, **extra)

    def refresh(self, rt, **extra):
        return self.token(grant_type="refresh_token", refresh_token=rt, **extra)

    def get(self, path, token=None, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = "Bearer " + token
        return requests.get(self.url(path), headers=headers, timeout=60, **kw)

    def post(self, path, token=None, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = "Bearer " + token
        return requests.post(self.url(path), headers=headers, timeout=60, **kw)

    def introspect(self, token, client, secret):
        return requests.post(self.url("/oauth/introspect"), data={"token": token}, auth=(client, secret), timeout=60)

    def metric(self, name):
        text = requests.get(self.url("/metrics"), timeout=60).text
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


def jwt_parts(token):
    """The (header, claims) of a compact JWS, without verifying (for assertions only)."""
    def dec(s):
        return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    h, p, _ = token.split(".")
    return dec(h), dec(p)


def sql(db, query, args=()):
    """One query on the server's database (Python's sqlite3): the rows."""
    import sqlite3
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def main(tests):
    sys.exit(Checks().run(tests))
