#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/tls_test.py - HTTPS natively (--tls-cert/--tls-key, libmicrohttpd with
GnuTLS) with a self-signed certificate made by openssl for this test: curl --cacert logs in and
calls userinfo, the certificate is checked (no --cacert: refused), HSTS is sent, and with TLS a
non-loopback address needs no --insecure-http."""
import json
import os
import subprocess

from wbtest import PASSWORD, Server, main


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "60"] + list(args), capture_output=True, text=True)


def test_https(c):
    s = Server()
    try:
        cert, key = make_cert(s.tmp)
        s.args += ["--tls-cert", cert, "--tls-key", key]
        s.start()
        c.check(s.base.startswith("https://127.0.0.1:"), "the ready line says https: " + s.base)
        s.add_user("alice")
        r = curl("--cacert", cert, "-d", "grant_type=password", "-d", "username=alice", "-d",
                 "password=" + PASSWORD, s.url("/oauth/token"))
        c.eq(r.returncode, 0, "curl --cacert login: " + r.stderr)
        token = json.loads(r.stdout)["access_token"] if r.returncode == 0 else ""
        r = curl("--cacert", cert, "-i", "-H", "Authorization: Bearer " + token, s.url("/oauth/userinfo"))
        c.check(r.stdout.startswith("HTTP/1.1 200"), "userinfo over HTTPS")
        c.check("Strict-Transport-Security: max-age=31536000" in r.stdout, "HSTS")
        c.check('"preferred_username":"alice"' in r.stdout, "userinfo body")
        r = curl(s.url("/healthz"))
        c.check(r.returncode != 0, "without --cacert the self-signed certificate is refused")
        plain = curl(s.url("/healthz").replace("https://", "http://"))
        c.check(plain.returncode != 0 or "200" not in plain.stdout, "no plain HTTP on the TLS port")
        c.eq(s.stop(), 0, "stop")
        s.start(listen="0.0.0.0:0")  # TLS may listen beyond loopback without --insecure-http
        c.check(s.base.startswith("https://0.0.0.0:"), "TLS on 0.0.0.0")
        r = curl("--cacert", cert, s.url("/healthz").replace("0.0.0.0", "127.0.0.1"))
        c.eq(r.stdout, '{"status":"ok"}', "serves")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_https])
