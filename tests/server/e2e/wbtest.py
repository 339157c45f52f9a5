# SPDX-License-Identifier: MIT
"""tests/server/e2e/wbtest.py - what the end-to-end tests of `wristband serve` share.

Each test script starts the real server process (the `wristband` binary, or `wristband-testclock`
whose clock the test can move) on a free loopback port (--listen 127.0.0.1:0, the port read from
the ready line) with a database in a temporary directory, talks HTTP to it with requests, and
ends with the summary line "N passed, N failed". Run with /usr/bin/python3 (Debian's python3-*
packages belong to it). Paths come from the environment: WRISTBAND_BIN, WRISTBAND_TESTCLOCK_BIN.

The same scripts run against the PostgreSQL store when WRISTBAND_TEST_STORE=postgres, under
pgcluster.py (tests/server/CMakeLists.txt registers a second entry per script): each Server then
gets a new database in the wrapper's cluster and a KEK file at the path the SQLite store would
create (DIR/data/kek, given as WRISTBAND_KEK_FILE), and sql() runs on that database.
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

import pgcluster

BIN = os.environ.get("WRISTBAND_BIN", "")
TESTCLOCK_BIN = os.environ.get("WRISTBAND_TESTCLOCK_BIN", "")
PASSWORD = "correct horse battery"
READY_PREFIX = "wristband: listening on "
START_TIMEOUT = 60
# Cheap Argon2id for the many logins of a test run; the defaults are tested on their own.
FAST_HASH = ["--argon2-ops", "1", "--argon2-memory-kib", "64"]
STORE = os.environ.get("WRISTBAND_TEST_STORE", "sqlite")


def pg_cluster():
    """The cluster of the pgcluster.py wrapper (WRISTBAND_TEST_STORE=postgres)."""
    c = pgcluster.Cluster.from_env()
    if c is None:
        raise SystemExit("WRISTBAND_TEST_STORE=postgres: run under tests/server/e2e/pgcluster.py")
    return c


class PgDb:
    """A test database in the wrapper's cluster: what sql() gets as db in PostgreSQL runs."""

    def __init__(self, cluster, name):
        self.cluster, self.name = cluster, name

    def query(self, query, args=()):
        if query.strip().upper() == "PRAGMA INTEGRITY_CHECK":
            return self.integrity()
        parts = query.split("?")
        query = "".join(p + (":'p%d'" % (i + 1) if i < len(parts) - 1 else "") for i, p in enumerate(parts))
        rows = self.cluster.psql(self.name, query, *args, header=True)
        names = rows[0] if rows else []
        return [tuple(_pg_value(v, n) for v, n in zip(row, names)) for row in rows[1:]]

    def integrity(self):
        """PostgreSQL's counterpart of PRAGMA integrity_check: amcheck on every index (it raises
        on corruption), then [("ok",)]."""
        self.cluster.psql(self.name, "CREATE EXTENSION IF NOT EXISTS amcheck; "
                          "SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                          "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' "
                          "AND c.relnamespace = 'public'::regnamespace")
        return [("ok",)]

    def drop(self):
        self.cluster.drop_database(self.name)


KEK_CONTENT = os.urandom(64)  # what a PostgreSQL run's KEK files hold: one KEK per test script


def _make_kek(path):
    """A KEK file as an operator makes one: 64 random bytes, mode 0600."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, KEK_CONTENT)
    os.close(fd)


if STORE == "postgres" and "WRISTBAND_KEK_FILE" not in os.environ:
    # For the commands a test runs with the plain environment (no Server.env), as an operator of
    # a PostgreSQL store has WRISTBAND_KEK_FILE set (the same KEK as the servers' DIR/data/kek);
    # it lives and dies with the cluster's directory.
    _make_kek(os.path.join(pg_cluster().tmp, "kek-%d" % os.getpid()))
    os.environ["WRISTBAND_KEK_FILE"] = os.path.join(pg_cluster().tmp, "kek-%d" % os.getpid())


BLOB_COLUMNS = {"private_enc", "value_enc", "secret_hash"}  # BLOB in SQLite too; other bytea is TEXT there


def _pg_value(text, column):
    """psql's text of a value as sqlite3 would return it: integers as int, BLOBs as bytes, the
    bytea columns that hold text in SQLite (names, user agents...) as str."""
    if text.lstrip("-").isdigit():
        return int(text)
    if text.startswith("\\x"):
        raw = bytes.fromhex(text[2:])
        return raw if column in BLOB_COLUMNS else raw.decode("utf-8", "surrogateescape")
    return text


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

    def __init__(self, *args, clock=False, tmp=None, env=None, fast_hash=True, share=None):
        """share: another Server whose database (and KEK) this one uses: several servers on one
        PostgreSQL database. The one that made the database drops it."""
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
        self._own_db = share is None
        if share is not None:
            self.store, self.db = share.store, share.db
            self.env["WRISTBAND_KEK_FILE"] = share.env.get("WRISTBAND_KEK_FILE", "")
        elif STORE == "postgres":
            self._use_postgres()
        self.env.update(env or {})
        self.proc = None
        self.base = None
        self.log = os.path.join(self.tmp, "server.log")

    def _use_postgres(self):
        cluster = pg_cluster()
        self.db = PgDb(cluster, cluster.new_database())
        self.store = cluster.url(self.db.name)
        kek = os.path.join(self.tmp, "data", "kek")
        _make_kek(kek)
        self.env["WRISTBAND_KEK_FILE"] = kek

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
        if isinstance(self.db, PgDb) and self._own_db:
            self.db.drop()
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
    """One statement on the server's database (Python's sqlite3, or psql for a PgDb), committed: the
    rows it returned."""
    if isinstance(db, PgDb):
        return db.query(query, args)
    import sqlite3
    con = sqlite3.connect(db, timeout=30)
    try:
        rows = con.execute(query, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def main(tests):
    sys.exit(Checks().run(tests))
