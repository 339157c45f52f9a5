# SPDX-License-Identifier: MIT
"""tests/server/pg/pgmulti.py - what the PostgreSQL-only stories share: several `wristband serve`
processes on one database (one issuer, the balancer's URL, as a deployment has), and a real nginx
from Debian balancing them round-robin. nginx adds X-Upstream (the backend that answered) to
every reply, so a story can tell which server did what.
"""
import os
import shutil
import subprocess
import threading

import requests

from wbtest import Server

NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  upstream wristband {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://wristband;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream off;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""


def nginx_binary():
    for path in ("/usr/sbin/nginx", shutil.which("nginx") or ""):
        if path and os.access(path, os.X_OK):
            return path
    raise SystemExit("nginx is not installed (scripts/install-deps.sh)")


class Balancer:
    """nginx on port, round-robin over the backends (base URLs)."""

    def __init__(self, tmp, port, backends):
        self.tmp = os.path.join(tmp, "nginx")
        os.makedirs(self.tmp, exist_ok=True)
        self.base = "http://127.0.0.1:%d" % port
        conf = os.path.join(self.tmp, "nginx.conf")
        servers = "\n".join("    server %s;" % b.split("://", 1)[1] for b in backends)
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(user="user root;" if os.geteuid() == 0 else "", tmp=self.tmp, port=port,
                                      servers=servers))
        self.proc = subprocess.Popen([nginx_binary(), "-p", self.tmp, "-c", conf, "-e",
                                      os.path.join(self.tmp, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):  # until nginx listens
            try:
                requests.get(self.base + "/healthz", timeout=5)
                return
            except requests.ConnectionError:
                if self.proc.poll() is not None:
                    break
                threading.Event().wait(0.02)
        self.stop()
        raise RuntimeError("nginx did not start: %s" % open(os.path.join(self.tmp, "error.log")).read())

    def url(self, path):
        return self.base + path

    def stop(self):
        """Stops nginx (again: a no-op)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=60)


class Locker:
    """A psql session that runs statement in a transaction (taking its locks) and holds them until
    release()."""

    def __init__(self, cluster, db, statement):
        self.p = subprocess.Popen([os.path.join(cluster.bindir, "psql"), "-X", "-q", "-h", "127.0.0.1", "-p",
                                   str(cluster.port), "-U", "wristband", "-d", db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.p.stdin.write("BEGIN;\n%s;\n\\echo locked\n" % statement)
        self.p.stdin.flush()
        for line in self.p.stdout:
            if line.strip() == "locked":
                break

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("COMMIT;\n")
            self.p.stdin.close()
            self.p.wait(timeout=60)
            self.p.stdout.close()


def waiting_for_locks(cluster, db):
    """How many sessions on db wait for a lock (a row, a table or an advisory lock)."""
    rows = cluster.psql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = :'p1' "
                        "AND wait_event_type = 'Lock'", db)
    return int(rows[0][0])


def cluster_of(n, *args, issuer=None):
    """n servers on one new database, all with --issuer issuer; started. The first owns the database."""
    first = Server(*(list(args) + (["--issuer", issuer] if issuer else []))).start()
    servers = [first]
    try:
        for _ in range(n - 1):
            servers.append(Server(*(list(args) + (["--issuer", issuer] if issuer else [])), share=first).start())
    except Exception:
        cleanup(servers)
        raise
    return servers


def cleanup(servers):
    """Stops every server (the database's owner last); raises the first problem after all stopped."""
    problem = None
    for s in reversed(servers):
        try:
            s.cleanup()
        except Exception as e:  # keep stopping the others
            problem = problem or e
    if problem is not None:
        raise problem
