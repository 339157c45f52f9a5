#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/misuse_test.py - values a client or an operator gets wrong, which the store
must take as data and answer with a clear error that changes nothing (on SQLite and, under
pgcluster.py, on PostgreSQL, where a text column refuses bytes that are not UTF-8): a session id
in DELETE /sessions/{sid} that is not UTF-8 or looks like SQL is a 404, never a 503 asking the
client to come back; a user agent past the limit on a refresh is truncated as at login (the
session listing stays within its reply); `keys rotate` under a key-encryption key other than
the store's is refused before it publishes a key no server could open (every server would then
refuse to restart)."""
import os
import subprocess

import requests

from wbtest import Server, main, sql


def test_session_id_not_utf8(c):
    s = Server().start()
    try:
        s.add_user("alice")
        t = s.login("alice").json()
        for sid in ("%FF", "%C3%28abc", "%ED%A0%80", "x%27%3B%20DROP%20TABLE%20sessions%3B--", "%E2%82"):
            r = requests.delete(s.url("/sessions/" + sid), headers={"Authorization": "Bearer " + t["access_token"]},
                                timeout=60)
            c.eq((r.status_code, r.json().get("error")), (404, "not_found"), "DELETE /sessions/%s: 404" % sid)
            c.check("Retry-After" not in r.headers, "no Retry-After for a bad id: %s" % sid)
        c.eq(s.get("/oauth/userinfo", t["access_token"]).status_code, 200, "the caller's session is untouched")
        c.eq(sql(s.db, "SELECT count(*) FROM sessions WHERE revoked_us IS NULL"), [(1,)], "and still live")
        c.check("error: store" not in s.stderr(), "nothing logged as a store failure")
    finally:
        s.cleanup()


def test_long_user_agent_on_refresh(c):
    s = Server("--token-rate", "10000").start()
    try:
        s.add_user("alice")
        access = None
        for _ in range(6):
            t = s.login("alice").json()
            r = requests.post(s.url("/oauth/token"), data={"grant_type": "refresh_token",
                                                          "refresh_token": t["refresh_token"]},
                              headers={"User-Agent": "\x01" * 50000}, timeout=60)
            c.eq(r.status_code, 200, "refresh with a 50 KB user agent")
            access = r.json()["access_token"]
        longest = sql(s.db, "SELECT max(length(user_agent)) FROM sessions")[0][0]
        c.check(longest <= 256, "the stored user agent is truncated as at login: %d bytes" % longest)
        r = s.get("/sessions", access)
        c.eq(r.status_code, 200, "the session listing still fits its reply")
        if r.status_code == 200:
            c.eq(len(r.json()["sessions"]), 6, "six sessions listed")
    finally:
        s.cleanup()


def test_keys_rotate_under_another_kek(c):
    s = Server().start()
    try:
        s.add_user("alice")
        before = sql(s.db, "SELECT kid FROM signing_keys")
        wrong = os.path.join(s.tmp, "another-kek")
        with open(wrong, "wb") as f:
            f.write(os.urandom(64))
        os.chmod(wrong, 0o600)
        p = subprocess.run([s.binary, "keys", "rotate", "--store", s.store], capture_output=True, text=True,
                           timeout=120, env=dict(s.env, WRISTBAND_KEK_FILE=wrong))
        c.eq(p.returncode, 1, "keys rotate under another KEK fails")
        c.check("key-encryption key" in p.stderr and p.stdout == "", "and says why: " + p.stderr)
        c.eq(sql(s.db, "SELECT kid FROM signing_keys"), before, "no key was added")
        c.eq(s.stop(), 0, "server stopped")
        s.start()
        c.eq(s.login("alice").status_code, 200, "the server restarts and signs")
        p = s.admin("keys", "rotate")
        c.eq(p.returncode, 0, "keys rotate under the store's own KEK still works: " + p.stderr)
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_session_id_not_utf8, test_long_user_agent_on_refresh, test_keys_rotate_under_another_kek])
