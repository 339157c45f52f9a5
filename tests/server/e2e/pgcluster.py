#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/pgcluster.py - a throwaway PostgreSQL cluster for the tests of the PostgreSQL
store, from Debian's postgresql package: initdb in a temporary directory, one free loopback port,
trust authentication for the role `wristband`, no system database touched.

As a wrapper (how CTest runs the PostgreSQL entries):
    pgcluster.py -- COMMAND ARGS...
starts a cluster, runs COMMAND with WRISTBAND_TEST_PG_* set (Cluster.from_env() finds it again),
then stops it and removes its directory whatever happened; exits with COMMAND's status, or 77
(skipped) when PostgreSQL is not installed. Tests run it with fsync off (nothing here survives a
power cut anyway); WRISTBAND_PG_FSYNC=1 turns it on (bench/server_pg.sh). PostgreSQL refuses to run as root: as root (CI) the
cluster runs as the unprivileged user `nobody` through runuser (in a mount namespace with its own
/dev/null where the machine's is root-only). A watchdog process outlives a
killed wrapper (CTest's timeout) just long enough to stop the cluster and remove the directory,
so nothing leaks even then.
"""
import glob
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import uuid

ROLE = "wristband"
SKIP = 77


def pg_bindir():
    """The newest /usr/lib/postgresql/N/bin holding initdb, or None."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            try:
                found.append((int(d.split("/")[-2]), d))
            except ValueError:
                pass
    return max(found)[1] if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bindir, tmp, port, user, fsync=False):
        self.bindir, self.tmp, self.port, self.user, self.fsync = bindir, tmp, port, user, fsync
        self.data = os.path.join(tmp, "data")
        self.log = os.path.join(tmp, "postgres.log")
        self.watchdog = None

    # ---- running its programs ----

    def _cmd(self, prog, *args):
        cmd = [os.path.join(self.bindir, prog)] + list(args)
        if not self.user:
            return cmd
        cmd = ["runuser", "-u", self.user, "--"] + cmd
        if os.stat("/dev/null").st_mode & 0o006 == 0o006:
            return cmd
        # Some sandboxes make /dev/null root-only, and PostgreSQL's programs redirect to it: give
        # them a usable one in a mount namespace of their own (the machine's stays as it is).
        null = os.path.join(self.tmp, "null")
        if not os.path.exists(null):
            os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.chmod(null, 0o666)
        return ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /dev/null && exec "$@"', null] + cmd

    def run(self, prog, *args, check=True, timeout=120):
        p = subprocess.run(self._cmd(prog, *args), cwd=self.tmp, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError("%s %s: %s%s" % (prog, " ".join(args), p.stdout, p.stderr))
        return p

    # ---- life ----

    @classmethod
    def create(cls, fsync=False):
        bindir = pg_bindir()
        if bindir is None:
            return None
        user = "nobody" if os.geteuid() == 0 else None
        tmp = tempfile.mkdtemp(prefix="wbpg")
        if user:
            shutil.chown(tmp, user)
        c = cls(bindir, tmp, free_port(), user, fsync)
        c._start_watchdog()
        c.run("initdb", "-D", c.data, "-A", "trust", "-U", ROLE, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        with open(os.path.join(c.data, "postgresql.conf"), "a") as f:
            f.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"
                    "max_connections = 200\nfsync = %s\nfull_page_writes = %s\nshared_buffers = 32MB\n"
                    "log_min_messages = warning\n" % (c.tmp, "on" if fsync else "off", "on" if fsync else "off"))
        for attempt in range(3):  # another process may take the free port first: pick another
            with open(os.path.join(c.data, "postgresql.conf"), "a") as f:
                f.write("port = %d\n" % c.port)  # the last one wins
            try:
                c.start()
                return c
            except RuntimeError:
                if attempt == 2:
                    c.destroy()
                    raise
                c.port = free_port()
        return c

    def _start_watchdog(self):
        """A detached shell that, once this process is gone, stops the cluster and removes tmp."""
        stop = shlex.join(self._cmd("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"))
        script = ("while kill -0 %d 2>/dev/null; do sleep 1; done; %s >/dev/null 2>&1; rm -rf '%s'"
                  % (os.getpid(), stop, self.tmp))
        self.watchdog = subprocess.Popen(["sh", "-c", script], start_new_session=True, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def destroy(self):
        self.stop("immediate")
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- the environment of the wrapped command ----

    def env(self):
        return {"WRISTBAND_TEST_PG": self.url(""), "WRISTBAND_TEST_PG_BIN": self.bindir,
                "WRISTBAND_TEST_PG_TMP": self.tmp, "WRISTBAND_TEST_PG_PORT": str(self.port),
                "WRISTBAND_TEST_PG_USER": self.user or ""}

    @classmethod
    def from_env(cls):
        """The cluster of the wrapper this process runs under, or None."""
        if not os.environ.get("WRISTBAND_TEST_PG"):
            return None
        return cls(os.environ["WRISTBAND_TEST_PG_BIN"], os.environ["WRISTBAND_TEST_PG_TMP"],
                   int(os.environ["WRISTBAND_TEST_PG_PORT"]), os.environ.get("WRISTBAND_TEST_PG_USER") or None)

    # ---- databases ----

    def url(self, db):
        return "postgres://%s@127.0.0.1:%d/%s" % (ROLE, self.port, db)

    def psql(self, db, sql, *variables, header=False):
        """Runs sql on database db; returns the rows as lists of strings (unit/record separators),
        the column names first when header."""
        args = ["-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, "-d", db, "-v", "ON_ERROR_STOP=1",
                "-A", "-P", "footer=off", "-F", "\x1f", "-R", "\x1e"] + ([] if header else ["-t"])
        for i, v in enumerate(variables):
            args += ["-v", "p%d=%s" % (i + 1, v)]
        p = subprocess.run([os.path.join(self.bindir, "psql")] + args, input=sql, capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr)
        out = p.stdout.rstrip("\n")
        return [row.split("\x1f") for row in out.split("\x1e")] if out else []

    def new_database(self):
        name = "wb_" + uuid.uuid4().hex[:16]
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return name

    def drop_database(self, name):
        self.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def main(argv):
    if "--" not in argv:
        print("usage: pgcluster.py -- COMMAND ARGS...", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1:]
    c = Cluster.create(fsync=os.environ.get("WRISTBAND_PG_FSYNC") == "1")  # the benchmark wants real commits
    if c is None:
        print("PostgreSQL is not installed (scripts/install-deps.sh): skipped")
        return SKIP
    child = None

    def forward(sig, _frame):
        if child is not None:
            child.send_signal(sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        child = subprocess.Popen(cmd, env=dict(os.environ, **c.env()))
        return child.wait()
    finally:
        c.destroy()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
