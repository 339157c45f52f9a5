#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/signals_test.py - shutdown: SIGTERM and SIGINT let a request that is in
flight finish (answered 200), then the server exits 0 and accepts no new connection. The request
is provably in flight when the signal is sent: it asked `Expect: 100-continue` and the server
has answered `100 Continue`, which it only does after taking the request in.

Under load (issue 10): SIGTERM while clients hammer the server on keep-alive connections (logins,
refreshes, userinfo): every answer that arrives is whole and a success, the request held in
flight still completes, a new connection is refused while the server drains, and it exits 0."""
import signal
import socket
import threading

import requests

from wbtest import PASSWORD, Server, main


def half_sent_login(s):
    """Opens a login whose body is still to come; returns (socket, body) once the server said
    100 Continue."""
    host, port = s.base.split("//")[1].split(":")
    body = ("grant_type=password&username=alice&password=" + PASSWORD.replace(" ", "+")).encode()
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
    interim = b""
    while b"\r\n\r\n" not in interim:
        chunk = sock.recv(4096)
        if not chunk:
            break
        interim += chunk
    return sock, body, interim


def read_all(sock):
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return out
        out += chunk


def test_in_flight_finishes(c):
    for sig in (signal.SIGTERM, signal.SIGINT):
        s = Server().start()
        try:
            s.add_user("alice")
            sock, body, interim = half_sent_login(s)
            c.check(interim.startswith(b"HTTP/1.1 100 Continue"), "the server took the request in: %r" % interim)
            s.signal(sig)
            for _ in range(6000):  # the server logs before it starts draining: send the body then
                if "finishing requests in flight" in s.stderr():
                    break
                threading.Event().wait(0.01)
            c.check("finishing requests in flight" in s.stderr(), "%s: the server is draining" % sig)
            sock.sendall(body)
            reply = read_all(sock)
            sock.close()
            c.check(reply.startswith(b"HTTP/1.1 200 OK"), "%s: the in-flight request finished: %r" % (sig, reply[:40]))
            c.check(b'"access_token"' in reply, "%s: with its tokens" % sig)
            c.eq(s.proc.wait(timeout=120), 0, "%s: exit 0" % sig)
            host, port = s.base.split("//")[1].split(":")
            try:
                socket.create_connection((host, int(port)), timeout=5).close()
                c.check(False, "%s: still accepting after exit" % sig)
            except OSError:
                c.check(True, "no longer listening")
            s.proc.stdout.close()
            s.proc = None
        finally:
            s.cleanup()


def test_sigterm_under_load(c):
    s = Server("--token-rate", "1000000").start()
    host, port = s.base.split("//")[1].split(":")
    stop = threading.Event()
    lock = threading.Lock()
    counts = {"ok": 0, "bad": [], "after_drain": 0}

    def client():
        http = requests.Session()  # keep-alive
        try:
            tokens = http.post(s.url("/oauth/token"), timeout=60,
                               data={"grant_type": "password", "username": "alice", "password": PASSWORD}).json()
            for i in range(100000):  # bounded; ends when the server is gone
                if i % 3 == 0:
                    r = http.post(s.url("/oauth/token"), timeout=60,
                                  data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
                    if r.status_code == 200:
                        tokens = r.json()
                else:
                    r = http.get(s.url("/oauth/userinfo"), timeout=60,
                                 headers={"Authorization": "Bearer " + tokens["access_token"]})
                with lock:
                    if r.status_code == 200 and r.content.startswith(b"{") and r.content.endswith(b"}"):
                        counts["ok"] += 1
                        counts["after_drain"] += stop.is_set()
                    else:
                        counts["bad"].append((r.status_code, r.text[:80]))
        except (requests.RequestException, ValueError):
            return  # connection refused or closed: the server stopped taking requests

    try:
        s.add_user("alice")
        threads = [threading.Thread(target=client) for _ in range(6)]
        for t in threads:
            t.start()
        while True:  # load first: a count of answers, not a time
            with lock:
                if counts["ok"] >= 300 or len(counts["bad"]) > 0:
                    break
            threading.Event().wait(0.01)
        sock, body, interim = half_sent_login(s)
        c.check(interim.startswith(b"HTTP/1.1 100 Continue"), "a login is in flight: %r" % interim[:30])
        s.signal(signal.SIGTERM)
        for _ in range(6000):
            if "finishing requests in flight" in s.stderr():
                break
            threading.Event().wait(0.01)
        stop.set()
        try:  # the held login keeps the server draining: the listener must refuse by now
            socket.create_connection((host, int(port)), timeout=5).close()
            refused = False
        except OSError:
            refused = True
        c.check(refused, "a new connection is refused while the server drains")
        sock.sendall(body)
        reply = read_all(sock)
        sock.close()
        c.check(reply.startswith(b"HTTP/1.1 200 OK") and b'"access_token"' in reply,
                "the login in flight at SIGTERM completed: %r" % reply[:40])
        for t in threads:
            t.join(timeout=120)
        c.eq(s.proc.wait(timeout=120), 0, "exit 0 after SIGTERM under load")
        s.proc.stdout.close()
        s.proc = None
        c.eq(counts["bad"], [], "every answer that arrived was whole and a success (%d)" % counts["ok"])
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_in_flight_finishes, test_sigterm_under_load])
