#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/remote/attack14server.py DIR -- PROGRAM ARGS... - a scripted issuer on loopback for the
hostile-issuer tests of the remote key set and the revocation follower (tests/remote/attack14_test.c):
two plain HTTP servers on two ports, then PROGRAM run with A14_DIR, A14_HTTP and A14_HTTP2 in
its environment; exits with PROGRAM's status.

Every answer is what the program wrote in DIR/script.json, read at each request:
  {"/path": {"status": 200, "headers": [["Name", "value"], ...], "body": "text"}, ...}
("body_b64" instead of "body": bytes that are no text; "delay_s": wait that long, at most 30 s,
before answering; a path not named: 404). Each request is appended to DIR/log as "PATH INM" where INM is the
If-None-Match header sent, or "-" without one, so a test can tell a conditional request from a
plain one.
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import time

DIR = sys.argv[1]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        with lock:
            with open(os.path.join(DIR, "log"), "a") as f:
                f.write("%s %s\n" % (path, self.headers.get("If-None-Match", "-")))
            try:
                with open(os.path.join(DIR, "script.json")) as f:
                    script = json.load(f)
            except FileNotFoundError:
                script = {}
        step = script.get(path)
        if step is None:
            step = {"status": 404, "body": "not found"}
        time.sleep(min(float(step.get("delay_s", 0)), 30))
        body = base64.b64decode(step["body_b64"]) if "body_b64" in step else step.get("body", "").encode()
        self.send_response(step.get("status", 200))
        for k, v in step.get("headers", []):
            self.send_header(k, v)
        if step.get("status", 200) != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if step.get("status", 200) != 304:
            self.wfile.write(body)


def serve():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % srv.server_address[1]


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: attack14server.py DIR -- PROGRAM ARGS...")
    os.makedirs(DIR, exist_ok=True)
    for name in ("log", "script.json"):  # a fresh run
        if os.path.exists(os.path.join(DIR, name)):
            os.unlink(os.path.join(DIR, name))
    env = dict(os.environ, A14_DIR=DIR, A14_HTTP=serve(), A14_HTTP2=serve())
    sys.exit(subprocess.run(sys.argv[3:], env=env).returncode)


main()
