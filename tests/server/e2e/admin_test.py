#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/admin_test.py - the admin commands on the same database as a running server
(user add with the password on stdin, list, disable ending sessions, enable, set-password,
set-claim, set-roles, client add printing the secret alone), their usage errors and exit codes,
and `wristband serve` configuration: --help lists every setting with its default, bad settings
exit 2, flags > environment > config file."""
import os
import re
import select
import subprocess

from wbtest import BIN, PASSWORD, Server, jwt_parts, main


def test_users(c):
    s = Server().start()
    try:
        p = s.admin("user", "add", "alice", "--role", "admin", "--role", "dev", stdin=PASSWORD + "\n")
        c.eq((p.returncode, p.stdout), (0, ""), "user add: password from stdin, nothing on stdout")
        c.check("alice" in p.stderr, "user add reports on stderr")
        s.add_user("bob")
        lines = s.admin("user", "list").stdout.splitlines()
        c.eq(len(lines), 2, "user list: one line per user")
        fields = lines[0].split("\t")
        c.eq((fields[0], fields[2], fields[3]), ("alice", "admin,dev", "active"), "user list fields")
        c.check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", fields[4]), "created in UTC: " + fields[4])
        t = s.login("alice").json()
        c.eq(fields[1], jwt_parts(t["access_token"])[1]["sub"], "the listed sub is the token's")
        # disable ends every session at once.
        c.eq(s.admin("user", "disable", "alice").returncode, 0, "disable")
        c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 401, "its access token stops working")
        c.eq(s.refresh(t["refresh_token"]).status_code, 400, "its refresh token too")
        c.eq(s.login("alice").status_code, 400, "no login while disabled")
        c.check("disabled" in s.admin("user", "list").stdout.splitlines()[0], "listed as disabled")
        c.eq(s.admin("user", "enable", "alice").returncode, 0, "enable")
        t = s.login("alice").json()
        c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 200, "logs in again")
        # set-password ends the sessions; the old password stops working.
        c.eq(s.admin("user", "set-password", "alice", stdin="a brand new password\n").returncode, 0, "set-password")
        c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 401, "sessions end with a new password")
        c.eq(s.login("alice").status_code, 400, "old password refused")
        t = s.login("alice", "a brand new password").json()
        c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 200, "new password works")
        # set-claim and set-roles show in new tokens and at once in userinfo.
        c.eq(s.admin("user", "set-claim", "alice", "team", '{"name":"blue"}').returncode, 0, "set-claim")
        c.eq(s.admin("user", "set-roles", "alice", "--role", "ops").returncode, 0, "set-roles")
        info = s.get("/oauth/userinfo", t["access_token"]).json()
        c.eq((info.get("team"), info.get("roles")), ({"name": "blue"}, ["ops"]), "userinfo reads the store")
        claims = jwt_parts(s.login("alice", "a brand new password").json()["access_token"])[1]
        c.eq((claims.get("team"), claims.get("roles")), ({"name": "blue"}, ["ops"]), "claims in the token")
        p = s.admin("user", "set-claim", "alice", "sub", '"root"')
        c.eq(p.returncode, 2, "a reserved claim is refused")
        c.check(p.stderr.startswith("wristband: invalid_request: ") and p.stdout == "", "one-line error")
        c.eq(s.admin("user", "set-claim", "alice", "x", "{bad").returncode, 2, "bad JSON")
        c.eq(s.admin("user", "set-claim", "nobody", "x", "1").returncode, 1, "no such user: exit 1")
        c.eq(s.admin("user", "add", "alice", stdin=PASSWORD + "\n").returncode, 1, "user exists: exit 1")
        c.eq(s.admin("user", "add", "carol", stdin="short\n").returncode, 2, "short password: exit 2")
        c.eq(s.admin("user", "add", "carol", stdin="").returncode, 2, "no password: exit 2")
        c.eq(s.admin("user", "add", "carol", stdin="x" * 1100 + "\n").returncode, 2, "password too long: exit 2")
        c.eq(s.admin("user", "add", "carol", stdin="windows password\r\n").returncode, 0, "CRLF line")
        c.eq(s.login("carol", "windows password").status_code, 200, "the CR is not part of the password")
        c.eq(s.admin("user", "set-password", "nobody", stdin=PASSWORD + "\n").returncode, 1, "set-password: no user")
        c.eq(s.admin("user", "enable", "nobody").returncode, 1, "enable: no user")
        c.eq(s.admin("user").returncode, 2, "no subcommand")
        c.eq(s.admin("user", "add", "bad name", stdin=PASSWORD + "\n").returncode, 2, "bad name: exit 2")
        c.eq(s.admin("user", "frobnicate", "x").returncode, 2, "unknown subcommand")
        c.eq(s.admin("user", "disable").returncode, 2, "missing argument")
        c.eq(s.admin("user", "list", "--role", "x").returncode, 2, "--role out of place")
        help_ = subprocess.run([BIN, "user", "--help"], capture_output=True, text=True)
        c.check(help_.returncode == 0 and "set-claim" in help_.stdout, "user --help")
    finally:
        s.cleanup()


def on_terminal(s, args, answers):
    """Runs an admin command with a terminal as stdin; for each (prompt, line) of answers waits
    for the prompt on stderr, then types the line. The exit status and all of stderr."""
    master, slave = os.openpty()
    p = subprocess.Popen([s.binary] + args + ["--store", s.store], stdin=slave, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=s.env)
    os.close(slave)
    err = b""
    for prompt, line in answers:
        while prompt.encode() not in err:
            ready, _, _ = select.select([p.stderr], [], [], 60)
            chunk = os.read(p.stderr.fileno(), 4096) if ready else b""
            if not chunk:
                break
            err += chunk
        err = err.replace(prompt.encode(), b"<" + prompt.strip().encode() + b">", 1)
        os.write(master, (line + "\n").encode())
    err += p.stderr.read()
    p.wait(timeout=120)
    echoed = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        echoed += chunk
    os.close(master)
    return p.returncode, err.decode(errors="replace"), echoed.decode(errors="replace")


def test_password_prompt(c):
    s = Server().start()
    try:
        rc, err, echoed = on_terminal(s, ["user", "add", "tty"], [("New password: ", "typed password"),
                                                                  ("Again: ", "typed password")])
        c.eq(rc, 0, "user add on a terminal: " + err)
        c.check("<New password:>" in err and "<Again:>" in err, "prompts twice: %r" % err)
        c.check("typed password" not in err + echoed, "the password is not echoed: %r" % echoed)
        c.eq(s.login("tty", "typed password").status_code, 200, "the typed password works")
        rc, err, _ = on_terminal(s, ["user", "add", "tty2"], [("New password: ", "one password"),
                                                              ("Again: ", "another password")])
        c.eq(rc, 2, "different passwords: exit 2")
        c.check("differ" in err, "says they differ: %r" % err)
    finally:
        s.cleanup()


def test_clients(c):
    s = Server().start()
    try:
        s.add_user("alice")
        p = s.admin("client", "add", "api")
        c.eq(p.returncode, 0, "client add")
        c.check(re.fullmatch(r"[A-Za-z0-9_-]{43}\n", p.stdout), "the secret alone on stdout: %r" % p.stdout)
        secret = p.stdout.strip()
        t = s.login("alice").json()
        c.eq(s.introspect(t["access_token"], "api", secret).json().get("active"), True, "the secret works")
        c.eq(s.admin("client", "add", "api").returncode, 1, "client exists")
        c.eq(s.admin("client", "add").returncode, 2, "client add needs a name")
        c.eq(s.admin("client", "remove", "api").returncode, 2, "unknown client subcommand")
        c.eq(s.admin("keys", "rotate", "--alg", "HS256").returncode, 2, "HMAC keys are refused")
        c.eq(s.admin("keys", "frob").returncode, 2, "unknown keys subcommand")
        c.eq(s.admin("keys", "list", "--alg", "ES256").returncode, 2, "--alg belongs to rotate")
        c.eq(s.admin("keys", "list", "extra").returncode, 2, "keys list takes no argument")
        rot = s.admin("keys", "rotate", "--alg", "EdDSA")
        again = s.admin("keys", "rotate")
        c.eq(again.returncode, 0, "keys rotate without --alg")
        listed = {row.split("\t")[0]: row.split("\t")[1] for row in s.admin("keys", "list").stdout.splitlines()}
        c.eq(listed.get(again.stdout.strip()), "EdDSA", "takes the newest key's algorithm")
        c.check(rot.returncode == 0, "rotate EdDSA")
        for cmd in (["client", "--help"], ["keys", "--help"]):
            h = subprocess.run([BIN] + cmd, capture_output=True, text=True)
            c.check(h.returncode == 0 and cmd[0] in h.stdout, " ".join(cmd))
        for cmd in (["user", "list"], ["client", "add", "x"], ["keys", "list"]):
            p = subprocess.run([BIN] + cmd + ["--store", "mysql://db"], capture_output=True, text=True)
            c.eq(p.returncode, 2, " ".join(cmd) + " on an unknown store: exit 2")
        c.eq(s.admin("client", "add", "api", "--store", s.store).returncode, 2, "--store twice")
    finally:
        s.cleanup()


SETTINGS = ["--config", "--listen", "--store", "--issuer", "--audience", "--access-ttl", "--refresh-idle-ttl",
            "--refresh-max-ttl", "--refresh-grace", "--allow-signup", "--signing-alg", "--kek-file", "--tls-cert",
            "--tls-key", "--insecure-http", "--lockout-failures", "--lockout-seconds", "--token-rate", "--threads",
            "--max-connections", "--connection-timeout", "--argon2-ops", "--argon2-memory-kib"]


def test_serve_config(c):
    h = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True)
    c.eq(h.returncode, 0, "serve --help")
    for flag in SETTINGS:
        c.check(flag in h.stdout, "--help lists " + flag)
    c.check("default: sqlite:./data/wristband.db" in h.stdout and "default: 15m" in h.stdout, "defaults shown")
    c.check("WRISTBAND_ACCESS_TTL" in h.stdout, "environment variables shown")
    man = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "wristband-serve.1")).read()
    for flag in sorted(set(re.findall(r"--[a-z][a-z0-9-]*", h.stdout))):
        c.check(flag.replace("-", "\\-") in man, "docs/wristband-serve.1 documents " + flag)
    for cmd in ["user add", "user list", "user disable", "user set\\-password", "user set\\-claim", "client add",
                "keys list", "keys rotate"]:
        c.check(cmd in man, "docs/wristband-serve.1 documents " + cmd)
    for args, what in [(["--access-ttl", "15"], "a duration without unit"), (["--access-ttl", "0s"], "out of range"),
                       (["--frobnicate"], "unknown option"), (["--listen", "nowhere"], "bad listen"),
                       (["--signing-alg", "none"], "alg none"), (["--tls-cert", "/nonexistent"], "cert without key"),
                       (["--store", "mysql://x"], "unknown store")]:
        tmp = Server()
        try:
            p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--store", tmp.store] + args,
                               capture_output=True, text=True, timeout=60, cwd=tmp.tmp)
            c.eq(p.returncode, 2, what + ": exit 2 (%s)" % p.stderr.strip())
            c.check(p.stderr.startswith("wristband: ") and p.stdout == "", what + ": one-line error")
        finally:
            tmp.cleanup()
    # Precedence: flags > environment > config file.
    s = Server()
    try:
        conf = os.path.join(s.tmp, "wristband.conf")
        with open(conf, "w") as f:
            f.write("# a comment\nissuer = https://from-file.test\naccess-ttl = 5m   # trailing comment\n")
        s.args += ["--config", conf]
        s.start()
        disc = s.get("/.well-known/openid-configuration").json()
        c.eq(disc["issuer"], "https://from-file.test", "config file")
        c.eq(disc["token_endpoint"], "https://from-file.test/oauth/token", "URLs from the issuer, not the Host")
        s.add_user("alice")
        c.eq(s.login("alice").json()["expires_in"], 300, "access-ttl from the file")
        c.eq(s.stop(), 0, "stop")
        s.env["WRISTBAND_ISSUER"] = "https://from-env.test"
        s.start()
        c.eq(s.get("/.well-known/openid-configuration").json()["issuer"], "https://from-env.test", "env wins")
        c.eq(s.stop(), 0, "stop")
        s.args += ["--issuer", "https://from-flag.test", "--audience", "api"]
        s.start()
        c.eq(s.get("/.well-known/openid-configuration").json()["issuer"], "https://from-flag.test", "flag wins")
        c.eq(jwt_parts(s.login("alice").json()["access_token"])[1]["aud"], "api", "--audience")
        with open(conf, "a") as f:
            f.write("frobnicate = 1\n")
        bad = subprocess.run([BIN, "serve", "--config", conf], capture_output=True, text=True, timeout=60)
        c.eq(bad.returncode, 2, "unknown setting in the file")
        c.check(":4:" in bad.stderr, "names the line: " + bad.stderr)
    finally:
        s.cleanup()


def test_plain_http_loopback_only(c):
    s = Server()
    try:
        p = subprocess.run([BIN, "serve", "--listen", "0.0.0.0:0", "--store", s.store], capture_output=True,
                           text=True, timeout=60)
        c.eq(p.returncode, 2, "plain HTTP on 0.0.0.0 refused")
        c.check("--insecure-http" in p.stderr, "the message names the way out: " + p.stderr)
        s.args += ["--insecure-http"]
        s.start(listen="0.0.0.0:0")
        c.check(s.base.startswith("http://0.0.0.0:"), "ready line shows the host as given: " + s.base)
        s.base = s.base.replace("0.0.0.0", "127.0.0.1")
        c.eq(s.get("/healthz").status_code, 200, "serves with --insecure-http")
        c.eq(s.stop(), 0, "stop")
        s.start(listen="localhost:0")
        c.check(s.base.startswith("http://localhost:"), "a host name as given: " + s.base)
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_users, test_password_prompt, test_clients, test_serve_config, test_plain_http_loopback_only])
