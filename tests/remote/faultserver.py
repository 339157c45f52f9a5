#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/remote/faultserver.py DIR -- PROGRAM ARGS... - the fault-injecting issuer of the remote
key set and revocation feed tests: a real HTTP server and a real HTTPS server (a self-signed
certificate made by openssl for the run) on loopback, then PROGRAM run with their addresses in
its environment; exits with PROGRAM's status.

The program steers the server through files in DIR, read at every request:
  jwks.json   the key set served at /jwks (ETag: a hash of it; If-None-Match answered with 304)
  feed.json   the revocation feed page served at /feed (any since=)
  mode        how /jwks and /feed answer: ok, 500, slow (headers, then a trickle past any timeout),
              huge (10 MiB, Content-Length given), huge_chunked (10 MiB, no length), badjson,
              redirect_http (https -> the http server), redirect_host (another host name),
              redirect_same (same origin, to /jwks2), notjson (HTML)
  maxage      Cache-Control max-age sent with /jwks (absent: none)
/feed wants HTTP Basic credentials gate:gate-secret (401 without them),
and reads DIR/log: one line per request, "PATH CODE" (the query dropped for /jwks, kept for /feed).
/.well-known/openid-configuration names the issuer in DIR/issuer (default: the server's own URL).
"""
import base64
import hashlib
import http.server
import os
import ssl
import subprocess
import sys
import threading
import time

DIR = sys.argv[1]
HUGE = 10 * 1024 * 1024
lock = threading.Lock()


def read(name, default=None):
    try:
        with open(os.path.join(DIR, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log(self, code):
        path = self.path if self.path.startswith("/feed") else self.path.split("?")[0]
        with lock, open(os.path.join(DIR, "log"), "a") as f:
            f.write("%s %d\n" % (path, code))

    def send(self, code, body=b"", headers=()):
        self.log(code)
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def fault(self, mode):
        """Answers per mode; False when the mode is ok."""
        other = self.server.other_url
        if mode == "500":
            self.send(500, b"internal error")
        elif mode == "slow":
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(200):  # 20 s at most: far past every timeout of the tests
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif mode == "huge":
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            try:
                self.wfile.write(b'{"keys":[' + b" " * (HUGE - 11) + b"]}")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif mode == "huge_chunked":
            self.log(200)
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                chunk = b" " * 65536
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif mode == "badjson":
            self.send(200, b'{"keys":[{"kty":"EC",', [("Content-Type", "application/json")])
        elif mode == "notjson":
            self.send(200, b"<html>maintenance</html>", [("Content-Type", "text/html")])
        elif mode == "redirect_http":
            self.send(302, b"", [("Location", other + self.path)])
        elif mode == "redirect_host":
            host = "localhost" if "127.0.0.1" in self.server.own_url else "127.0.0.1"
            url = self.server.own_url.replace("127.0.0.1", host) if host == "localhost" else self.server.own_url
            self.send(302, b"", [("Location", url + self.path)])
        elif mode == "redirect_same" and not self.path.startswith("/jwks2"):
            self.send(301, b"", [("Location", "/jwks2")])
        else:
            return False
        return True

    def do_GET(self):
        mode = (read("mode", b"ok") or b"ok").decode().strip()
        path = self.path.split("?")[0]
        if path == "/.well-known/openid-configuration":
            issuer = (read("issuer") or self.server.own_url.encode()).decode().strip()
            body = ('{"issuer":"%s","jwks_uri":"%s/jwks"}' % (issuer, self.server.own_url)).encode()
            self.send(200, body, [("Content-Type", "application/json")])
        elif path in ("/jwks", "/jwks2"):
            if self.fault(mode):
                return
            body = read("jwks.json", b'{"keys":[]}')
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            headers = [("ETag", etag), ("Content-Type", "application/jwk-set+json")]
            maxage = read("maxage")
            if maxage is not None:
                headers.append(("Cache-Control", "max-age=" + maxage.decode().strip()))
            if self.headers.get("If-None-Match") == etag:
                self.send(304, b"", headers)
            else:
                self.send(200, body, headers)
        elif path == "/feed":
            if self.headers.get("Authorization") != "Basic " + base64.b64encode(b"gate:gate-secret").decode():
                self.send(401, b"client authentication needed", [("WWW-Authenticate", 'Basic realm="feed"')])
            elif self.fault(mode):
                return
            self.send(200, read("feed.json", b'{"cursor":"0"}'), [("Content-Type", "application/json")])
        else:
            self.send(404, b"not found")


def serve(tls, cert, key):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.own_url = "%s://127.0.0.1:%d" % ("https" if tls else "http", srv.server_address[1])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: faultserver.py DIR -- PROGRAM ARGS...")
    os.makedirs(DIR, exist_ok=True)
    for name in ("log", "mode", "jwks.json", "feed.json", "issuer", "maxage"):  # a fresh run
        if os.path.exists(os.path.join(DIR, name)):
            os.unlink(os.path.join(DIR, name))
    cert, key = os.path.join(DIR, "cert.pem"), os.path.join(DIR, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    plain, secure = serve(False, cert, key), serve(True, cert, key)
    plain.other_url, secure.other_url = secure.own_url, plain.own_url
    env = dict(os.environ, WB_FAULT_DIR=DIR, WB_FAULT_HTTP=plain.own_url, WB_FAULT_HTTPS=secure.own_url,
               WB_FAULT_CA=cert)
    sys.exit(subprocess.run(sys.argv[3:], env=env).returncode)


main()
