#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/signals_test.py - shutdown: SIGTERM and SIGINT let a request that is in
flight finish (answered 200), then the server exits 0 and accepts no new connection. The request
is provably in flight when the signal is sent: it asked `Expect: 100-continue` and the server
has answered `100 Continue`, which it only does after taking the request in."""
import signal
import socket
import threading

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


if __name__ == "__main__":
    main([test_in_flight_finishes])
