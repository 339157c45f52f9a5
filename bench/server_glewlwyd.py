# SPDX-License-Identifier: MIT
"""bench/server_glewlwyd.py - the peer auth server of the server benchmark: glewlwyd (Debian
package 2.7), configured here from nothing, on SQLite, on loopback, for bench/server_bench.py.

Set-up, as the package's own test suite does it (test/glewlwyd-test.sql and the oidc tests):
  - a database from the package's init.sqlite3.sql (schema, the admin user, the database user
    and client back-ends, the openid scope), plus a scope `bench` and one OpenID Connect plugin
    instance `oidc` signing ES256 with the same kind of P-256 key wristband uses: password and
    refresh grants, rolling refresh tokens, introspection by the client the token was issued to;
  - a config file (port, external URL, module paths, the SQLite path; log level ERROR so that a
    log line per request does not count against it);
  - through the admin API (POST /api/auth/ as admin, then /api/user/ and /api/client/): the user
    alice (password hashed by glewlwyd's database back-end, its default) and a confidential
    client `bench` allowed password, refresh_token and client_credentials.
Endpoints: /api/oidc/token, /api/oidc/userinfo, /api/oidc/introspect, /api/oidc/jwks.
"""
import gzip
import json
import os
import sqlite3
import subprocess
import time

import requests

INIT_SQL = "/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz"
BINARY = "/usr/bin/glewlwyd"
CLIENT, CLIENT_SECRET = "bench", "bench client secret 0123456789"
ADMIN_PASSWORD = "password"  # the package's init script's admin password

CONFIG = """port={port}
bind_address="127.0.0.1"
external_url="http://127.0.0.1:{port}"
login_url="login.html"
api_prefix="api"
static_files_path="/usr/share/glewlwyd/webapp/"
allow_origin="*"
log_mode="console"
log_level="ERROR"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
user_middleware_module_path="/usr/lib/glewlwyd/user_middleware"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database =
{{
  type = "sqlite3"
  path = "{db}"
}};
"""


def available():
    """None when glewlwyd can run here, else why not."""
    for path in (BINARY, INIT_SQL, "/usr/lib/glewlwyd/plugin/libprotocol_oidc.so"):
        if not os.path.exists(path):
            return "%s is missing (apt-get install glewlwyd)" % path
    return None


def plugin_parameters(key_pem, pub_pem, access_ttl):
    return {
        "iss": "glewlwyd-bench", "jwt-type": "ecdsa", "jwt-key-size": "256", "key": key_pem, "cert": pub_pem,
        "access-token-duration": access_ttl, "refresh-token-duration": 1209600, "code-duration": 600,
        "refresh-token-rolling": True, "allow-non-oidc": True, "auth-type-password-enabled": True,
        "auth-type-refresh-enabled": True, "auth-type-client-enabled": True, "auth-type-code-enabled": True,
        "introspection-revocation-allowed": True, "introspection-revocation-allow-target-client": True,
        "scope": [{"name": "bench", "refresh-token-rolling": True}],
    }


class Glewlwyd:
    def __init__(self, workdir, port, key_pem, pub_pem, pin=None, access_ttl=86400):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.db = os.path.join(workdir, "glewlwyd.db")
        self.conf = os.path.join(workdir, "glewlwyd.conf")
        self.port = port
        self.base = "http://127.0.0.1:%d" % port
        self.pin = pin or []
        self.proc = None
        self.log = os.path.join(workdir, "glewlwyd.log")
        if os.path.exists(self.db):
            os.unlink(self.db)
        con = sqlite3.connect(self.db)
        with gzip.open(INIT_SQL, "rt") as f:
            con.executescript(f.read())
        con.execute("INSERT INTO g_scope (gs_name, gs_display_name, gs_description, gs_password_required, "
                    "gs_password_max_age) VALUES ('bench', 'bench', 'benchmark scope', 0, 0)")
        con.execute("INSERT INTO g_plugin_module_instance (gpmi_module, gpmi_name, gpmi_display_name, gpmi_parameters) "
                    "VALUES ('oidc', 'oidc', 'OpenID Connect', ?)",
                    (json.dumps(plugin_parameters(key_pem, pub_pem, access_ttl)),))
        con.commit()
        con.close()
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(port=port, db=self.db))

    def url(self, path):
        return self.base + "/api/oidc" + path

    def start(self):
        self._log = open(self.log, "ab")
        self.proc = subprocess.Popen(self.pin + [BINARY, "--config-file=" + self.conf], stdout=self._log,
                                     stderr=self._log)
        for _ in range(300):
            if self.proc.poll() is not None:
                raise RuntimeError("glewlwyd exited with %s:\n%s" % (self.proc.returncode, self.tail()))
            try:
                if requests.get(self.url("/jwks"), timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("glewlwyd did not answer on %s:\n%s" % (self.base, self.tail()))

    def tail(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-3000:]

    def provision(self, users):
        """Creates the users [(name, password)] and the client through the admin API."""
        admin = requests.Session()
        r = admin.post(self.base + "/api/auth/", json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=60)
        if r.status_code != 200:
            raise RuntimeError("glewlwyd admin login: %d %s" % (r.status_code, r.text))
        for name, password in users:
            r = admin.post(self.base + "/api/user/", timeout=60, json={
                "username": name, "name": name, "password": password, "scope": ["bench"], "enabled": True})
            if r.status_code != 200:
                raise RuntimeError("glewlwyd user add: %d %s" % (r.status_code, r.text))
        r = admin.post(self.base + "/api/client/", timeout=60, json={
            "client_id": CLIENT, "name": CLIENT, "confidential": True, "password": CLIENT_SECRET, "enabled": True,
            "authorization_type": ["password", "refresh_token", "client_credentials"], "scope": ["bench"],
            "token_endpoint_auth_method": ["client_secret_basic"], "redirect_uri": ["http://127.0.0.1/"]})
        if r.status_code != 200:
            raise RuntimeError("glewlwyd client add: %d %s" % (r.status_code, r.text))

    def login(self, session, name, password):
        return session.post(self.url("/token"), auth=(CLIENT, CLIENT_SECRET), timeout=60,
                            data={"grant_type": "password", "username": name, "password": password, "scope": "bench"})

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._log.close()
            self.proc = None
