#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/startup_test.py - what `wristband serve` refuses at start and what a SIGHUP
that cannot be honoured does (issue 16): each malformed --listen (no host, no port, a port of six
digits, of letters, past 65535, a host past 255 bytes) exits 2 with one line naming --listen and
never listens, so does an --issuer or --audience longer than the 511 bytes a token carries; a TLS file over 1 MiB is not taken as PEM, one that only looks like PEM stops the start
when the TLS library refuses it; a SIGHUP while the store's private keys are
damaged keeps the current key, says so, and the server goes on signing."""
import os
import signal
import subprocess
import time

from wbtest import BIN, FAST_HASH, PASSWORD, STORE, Server, jwt_parts, main, sql


def refused(c, s, extra, says, rc=None):
    cmd = [BIN, "serve", "--store", s.store] + FAST_HASH + extra
    p = subprocess.run(cmd, capture_output=True, text=True, env=s.env, timeout=120)
    c.check(p.returncode != 0 if rc is None else p.returncode == rc, "%s: exit %d" % (extra[:2], p.returncode))
    c.check("listening" not in p.stdout, "%s: never listened" % extra[:2])
    c.check(says in p.stderr, "%s: says %r: %s" % (extra[:2], says, p.stderr[-300:]))


def test_listen_refusals(c):
    s = Server()
    try:
        for listen in (":8080", "127.0.0.1:", "127.0.0.1:123456", "127.0.0.1:8o8o", "127.0.0.1:70000",
                       "h" * 300 + ":8080", "127.0.0.1"):
            # (the message names --listen; a very long value may cut the rest of the line)
            refused(c, s, ["--listen", listen], "--listen " + listen[:40], rc=2)
        big = os.path.join(s.tmp, "big.pem")
        with open(big, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n")
            f.write(("A" * 63 + "\n") * (1100 * 1024 // 64))
        refused(c, s, ["--listen", "127.0.0.1:0", "--tls-cert", big, "--tls-key", big], "not a PEM file")
        refused(c, s, ["--listen", "127.0.0.1:0", "--tls-cert", big], "go together")
        # PEM in form only: read, then refused by the TLS library when the workers start
        junk = os.path.join(s.tmp, "junk.pem")
        with open(junk, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
        refused(c, s, ["--listen", "127.0.0.1:0", "--tls-cert", junk, "--tls-key", junk],
                "cannot start the HTTP server")
        refused(c, s, ["--listen", "[::1:0"], "--listen [::1:0")
        # an issuer or audience the tokens could not carry whole (it was cut at 511 bytes)
        refused(c, s, ["--listen", "127.0.0.1:0", "--issuer", "https://" + "a" * 600 + "/"], "at most 511 bytes", rc=2)
        refused(c, s, ["--listen", "127.0.0.1:0", "--audience", "api-" + "a" * 600], "at most 511 bytes", rc=2)
    finally:
        s.cleanup()


def wait_for(s, text):
    """Waits (bounded) until the server's log holds text; True when it does."""
    for _ in range(600):
        if text in s.stderr():
            return True
        time.sleep(0.05)
    return False


def test_sighup_without_a_key(c):
    s = Server().start()
    try:
        s.add_user("alice")
        kid = jwt_parts(s.login("alice").json()["access_token"])[0]["kid"]
        # Damage: every sealed private key of the store replaced by a byte that opens under no KEK.
        sql(s.db, "UPDATE signing_keys SET private_enc = %s" % ("'\\x00'::bytea" if STORE == "postgres" else "X'00'"))
        s.signal(signal.SIGHUP)
        c.check(wait_for(s, "(keeping the current key)"), "the failed reload is logged: %s" % s.stderr()[-400:])
        r = s.login("alice", password=PASSWORD)
        c.eq(r.status_code, 200, "logins go on")
        c.eq(jwt_parts(r.json()["access_token"])[0]["kid"], kid, "signed with the key kept")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_listen_refusals, test_sighup_without_a_key])
