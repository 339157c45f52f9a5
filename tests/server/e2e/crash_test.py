#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/crash_test.py - kill -9 in the middle of a storm of sign-ups, logins and
refreshes, then a restart on the same database (issue 10). What the clients were told must hold:

- every refresh token whose 200 reached its client is usable: the last token each client holds
  for a session refreshes (it is the current one, or the one before it when the answer to a
  refresh in flight at the kill was lost: the grace rule hands that client the current token);
- every session whose login was answered 200 and every user whose sign-up was answered 201 is
  in the database;
- PRAGMA integrity_check says ok (SQLite).

The kill lands after a fixed number of answers (a count, not a time); the clients keep sending
until the connection fails. Loopback only, bounded: at most STORM_MAX requests per client.
"""
import signal
import threading

import requests

from wbtest import PASSWORD, STORE, Server, jwt_parts, main, sql

CLIENTS = 6
KILL_AFTER = 400  # answers received before the kill
STORM_MAX = 5000  # requests per client at most (the storm ends at the kill long before)
# The grace window covers the restart whatever the machine's speed; the rate limit is not tested here.
ARGS = ["--allow-signup", "--refresh-grace", "300s", "--token-rate", "1000000"]


class Storm:
    def __init__(self, s):
        self.s = s
        self.lock = threading.Lock()
        self.answers = 0
        self.killed = threading.Event()
        self.users = []  # (name) answered 201
        self.sessions = {}  # sid -> (user, last refresh token received)
        self.bad = []  # answers that were neither success nor a failure we expect

    def answered(self):
        with self.lock:
            self.answers += 1
            if self.answers == KILL_AFTER:
                self.s.proc.send_signal(signal.SIGKILL)
                self.killed.set()

    def client(self, n):
        http = requests.Session()
        mine = []  # sids of this client
        try:
            for i in range(STORM_MAX):
                if i % 10 == 0:  # a new user, then a login of it
                    name = "u%d_%d" % (n, i)
                    r = http.post(self.s.url("/users"), data={"username": name, "password": PASSWORD}, timeout=60)
                    if r.status_code != 201:
                        self.bad.append(("signup", r.status_code, r.text))
                        continue
                    with self.lock:
                        self.users.append(name)
                    self.answered()
                    r = http.post(self.s.url("/oauth/token"), timeout=60,
                                  data={"grant_type": "password", "username": name, "password": PASSWORD})
                    if r.status_code != 200:
                        self.bad.append(("login", r.status_code, r.text))
                        continue
                    body = r.json()
                    sid = jwt_parts(body["access_token"])[1]["sid"]
                    with self.lock:
                        self.sessions[sid] = (name, body["refresh_token"])
                    mine.append(sid)
                    self.answered()
                    continue
                sid = mine[i % len(mine)]
                r = http.post(self.s.url("/oauth/token"), timeout=60,
                              data={"grant_type": "refresh_token", "refresh_token": self.sessions[sid][1]})
                if r.status_code != 200:
                    self.bad.append(("refresh", r.status_code, r.text))
                    continue
                with self.lock:
                    self.sessions[sid] = (self.sessions[sid][0], r.json()["refresh_token"])
                self.answered()
        except requests.RequestException:
            return  # the server is gone: this client's storm is over


def test_kill9_storm(c):
    s = Server(*ARGS).start()
    try:
        storm = Storm(s)
        threads = [threading.Thread(target=storm.client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        c.check(storm.killed.is_set(), "the server was killed during the storm (%d answers)" % storm.answers)
        c.eq(s.proc.wait(timeout=60), -signal.SIGKILL, "killed by SIGKILL")
        s.proc.stdout.close()
        s._stderr.close()
        s.proc = None
        c.eq(storm.bad, [], "before the kill every request succeeded")

        if STORE == "sqlite":  # (PostgreSQL: its own WAL; the story is the same from here on)
            c.eq(sql(s.db, "PRAGMA integrity_check"), [("ok",)], "integrity_check after kill -9")
        s.start()
        names = {row[0] for row in sql(s.db, "SELECT name FROM users")}
        lost = [u for u in storm.users if u not in names]
        c.eq(lost, [], "every user whose sign-up was answered is there (%d)" % len(storm.users))
        sids = {row[0] for row in sql(s.db, "SELECT id FROM sessions WHERE revoked_us IS NULL")}
        lost = [sid for sid in storm.sessions if sid not in sids]
        c.eq(lost, [], "every answered login's session is there and alive (%d)" % len(storm.sessions))
        unusable = []
        for sid, (user, rt) in storm.sessions.items():
            r = s.refresh(rt)
            if r.status_code != 200 or jwt_parts(r.json()["access_token"])[1]["sid"] != sid:
                unusable.append((user, r.status_code, r.text[:100]))
        c.eq(unusable, [], "the last refresh token of each of the %d sessions still refreshes" % len(storm.sessions))
        if STORE == "sqlite":
            c.eq(sql(s.db, "PRAGMA integrity_check"), [("ok",)], "integrity_check after the restart")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_kill9_storm])
