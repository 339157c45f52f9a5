#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/edges_test.py - what the other end-to-end scripts do not reach (issue 16): the
server on an IPv6 loopback address (its clients' addresses are IPv6 too), percent-escapes in the
path in either case and broken ones, and the refusals at start: a TLS certificate or key that is
not PEM or not there, a --listen host that does not resolve. A refused start exits non-zero with
one line that says why and leaves nothing listening."""
import os
import socket
import subprocess

import requests

from wbtest import BIN, FAST_HASH, Server, main


def test_ipv6(c):
    s = Server()
    try:
        s.start("[::1]:0")
        c.check(s.base.startswith("http://[::1]:"), "the address printed is IPv6: %s" % s.base)
        r = requests.get(s.url("/healthz"), timeout=30)
        c.eq(r.status_code, 200, "/healthz over IPv6")
        s.add_user("alice")
        r = s.login("alice")
        c.eq(r.status_code, 200, "a login over IPv6")
        sessions = s.get("/sessions", token=r.json()["access_token"])
        c.eq(sessions.status_code, 200, "sessions over IPv6")
        # The session remembers the client's IPv6 address.
        c.check("::1" in sessions.text, "the session's address is ::1: %s" % sessions.text[:300])
    finally:
        s.stop()
        s.cleanup()


def test_escapes(c):
    s = Server().start()
    try:
        plain = requests.get(s.url("/.well-known/jwks.json"), timeout=30)
        c.eq(plain.status_code, 200, "jwks")
        for path in ("/.well-known/jwks%2Ejson", "/.well-known/jwks%2ejson", "/%2Ewell-known/jwks.json"):
            r = requests.get(s.url(path), timeout=30)
            c.eq((r.status_code, r.text), (200, plain.text), "an escaped path %s is the same resource" % path)
        # Broken escapes are not decoded: no such resource.
        for path in ("/.well-known/jwks%zzjson", "/.well-known/jwks%2", "/.well-known/jwks%00json"):
            r = requests.get(s.url(path), timeout=30)
            c.check(r.status_code in (400, 404), "a broken escape %s: %d" % (path, r.status_code))
    finally:
        s.stop()
        s.cleanup()


def refused_start(c, s, extra, says):
    """Runs serve with extra arguments; it must exit non-zero saying `says`, never listening."""
    cmd = [BIN, "serve", "--listen", "127.0.0.1:0", "--store", s.store] + FAST_HASH + extra
    p = subprocess.run(cmd, capture_output=True, text=True, env=s.env, timeout=120)
    c.check(p.returncode != 0, "%s: exit %d" % (extra, p.returncode))
    c.check("listening" not in p.stdout, "%s: never listened: %s" % (extra, p.stdout))
    c.check(says in p.stderr, "%s: stderr says %r: %s" % (extra, says, p.stderr))


def test_refused_starts(c):
    s = Server()
    try:
        junk = os.path.join(s.tmp, "junk.pem")
        with open(junk, "w") as f:
            f.write("this is not a certificate\n")
        empty = os.path.join(s.tmp, "empty.pem")
        open(empty, "w").close()
        missing = os.path.join(s.tmp, "missing.pem")
        refused_start(c, s, ["--tls-cert", junk, "--tls-key", junk], "not a PEM file")
        refused_start(c, s, ["--tls-cert", empty, "--tls-key", empty], "not a PEM file")
        refused_start(c, s, ["--tls-cert", missing, "--tls-key", missing], "missing.pem")
        # A name that cannot resolve (RFC 6761 reserves .invalid).
        cmd = [BIN, "serve", "--listen", "wristband.invalid:0", "--store", s.store] + FAST_HASH
        p = subprocess.run(cmd, capture_output=True, text=True, env=s.env, timeout=120)
        c.check(p.returncode != 0 and "--listen" in p.stderr, "an unresolvable host: %d %s" %
                (p.returncode, p.stderr))
        # The port a server holds cannot be taken by a second one.
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        cmd = [BIN, "serve", "--listen", "127.0.0.1:%d" % port, "--store", s.store] + FAST_HASH
        p = subprocess.run(cmd, capture_output=True, text=True, env=s.env, timeout=120)
        holder.close()
        c.check(p.returncode != 0 and "--listen" in p.stderr, "a port in use: %d %s" % (p.returncode, p.stderr))
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_ipv6, test_escapes, test_refused_starts])
