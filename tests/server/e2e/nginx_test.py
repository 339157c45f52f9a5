#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/nginx_test.py - forward auth with a real nginx from Debian: nginx's
auth_request asks /auth/check before passing a request to a small upstream, and hands the
upstream the X-Auth-* headers. nginx runs as the test user with its own prefix and config in a
temporary directory, on free loopback ports. No token: 401; a good token: the upstream answers
and sees the subject and roles; a revoked token: 401; a route needing ?role=admin: 403 without
it."""
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading

import requests

from wbtest import PASSWORD, Server, jwt_parts, main
from dpop_test import new_key, proof

NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
http {{
  access_log {tmp}/access.log;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location = /_auth {{
      internal;
      proxy_pass {auth}/auth/check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URL http://127.0.0.1:{port}$request_uri;
    }}
    location = /_auth_admin {{
      internal;
      proxy_pass {auth}/auth/check?role=admin;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URL http://127.0.0.1:{port}$request_uri;
    }}
    location /app/ {{
      auth_request /_auth;
      auth_request_set $auth_sub $upstream_http_x_auth_subject;
      auth_request_set $auth_roles $upstream_http_x_auth_roles;
      proxy_set_header X-Auth-Subject $auth_sub;
      proxy_set_header X-Auth-Roles $auth_roles;
      proxy_pass http://127.0.0.1:{upstream};
    }}
    location /admin/ {{
      auth_request /_auth_admin;
      proxy_pass http://127.0.0.1:{upstream};
    }}
  }}
}}
"""


class Upstream(http.server.BaseHTTPRequestHandler):
    """Answers with the X-Auth-* headers it received, as JSON."""

    def do_GET(self):
        body = json.dumps({"path": self.path, "subject": self.headers.get("X-Auth-Subject"),
                           "roles": self.headers.get("X-Auth-Roles")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary():
    for path in ("/usr/sbin/nginx", shutil.which("nginx") or ""):
        if path and os.access(path, os.X_OK):
            return path
    raise SystemExit("nginx is not installed (scripts/install-deps.sh)")


def dpop_through_nginx(c, s, base):
    """A DPoP-bound token through nginx: the proof names the URL the client called (nginx tells
    /auth/check with X-Original-Method and X-Original-URL), and a client cannot name another
    request for the proof by sending those headers itself (a proof captured at another site, for
    that site's URL, must not open this one)."""
    key = new_key()
    r = s.post("/oauth/token", data={"grant_type": "password", "username": "alice", "password": PASSWORD},
               headers={"DPoP": proof(key, "POST", s.url("/oauth/token"))})
    at = r.json()["access_token"]

    def call(url, headers=None, method="GET"):
        h = {"Authorization": "DPoP " + at, "DPoP": proof(key, method, url, token=at)}
        h.update(headers or {})
        return requests.request(method, base + "/app/orders", headers=h, data="x" if method == "POST" else None,
                                timeout=60).status_code

    c.eq(call(base + "/app/orders"), 200, "DPoP through nginx: a proof for the URL called")
    c.eq(call(base + "/app/orders", method="POST"), 501, "DPoP through nginx: POST (the upstream has no do_POST)")
    c.eq(call(s.url("/auth/check")), 401, "DPoP through nginx: a proof for /auth/check is not one for the app")
    other = "https://other.example/api/orders"
    c.eq(call(other, {"X-Original-Method": "GET", "X-Original-URL": other}), 401,
         "DPoP through nginx: a proof for another site with X-Original-URL set by the client")
    c.eq(call(base.replace("127.0.0.1", "other.example") + "/app/orders", {"Host": "other.example"}), 401,
         "DPoP through nginx: a proof for another host named by the client's Host header")


def test_forward_auth(c):
    s = Server().start()
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    ng_tmp = os.path.join(s.tmp, "nginx")
    os.makedirs(ng_tmp)
    port = free_port()
    conf = os.path.join(ng_tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(user="user root;" if os.geteuid() == 0 else "", tmp=ng_tmp, port=port,
                                  auth=s.base, upstream=upstream.server_address[1]))
    nginx = subprocess.Popen([nginx_binary(), "-p", ng_tmp, "-c", conf, "-e", os.path.join(ng_tmp, "error.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(500):  # until nginx listens
            try:
                requests.get(base + "/", timeout=5)
                break
            except requests.ConnectionError:
                threading.Event().wait(0.02)
        s.add_user("alice", roles=["dev"])
        s.add_user("root", roles=["admin", "dev"])
        alice = s.login("alice").json()["access_token"]
        root = s.login("root").json()["access_token"]
        c.eq(requests.get(base + "/app/x", timeout=60).status_code, 401, "no token: nginx answers 401")
        r = requests.get(base + "/app/orders", headers={"Authorization": "Bearer " + alice}, timeout=60)
        c.eq(r.status_code, 200, "a good token passes")
        c.eq(r.json()["subject"], jwt_parts(alice)[1]["sub"], "the upstream sees X-Auth-Subject")
        c.eq(r.json()["roles"], "dev", "and X-Auth-Roles")
        c.eq(requests.get(base + "/app/x", headers={"Authorization": "Bearer " + alice[:-3] + "abc"},
                          timeout=60).status_code, 401, "a forged token")
        c.eq(requests.get(base + "/admin/x", headers={"Authorization": "Bearer " + alice}, timeout=60).status_code,
             403, "role admin missing: 403")
        c.eq(requests.get(base + "/admin/x", headers={"Authorization": "Bearer " + root}, timeout=60).status_code,
             200, "role admin present")
        c.eq(requests.post(base + "/app/x", headers={"Authorization": "Bearer " + alice}, data="x",
                           timeout=60).status_code, 501, "POST reaches the upstream (which has no do_POST)")
        dpop_through_nginx(c, s, base)
        s.post("/oauth/revoke", data={"token": alice})
        c.eq(requests.get(base + "/app/x", headers={"Authorization": "Bearer " + alice}, timeout=60).status_code,
             401, "a revoked token is refused at once")
    finally:
        nginx.terminate()
        nginx.wait(timeout=60)
        upstream.shutdown()
        s.cleanup()


if __name__ == "__main__":
    main([test_forward_auth])
