#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/load_test.py - many connections and slow clients (issue 10). Loopback only,
bounded in count and time, nothing timed:

- 2,000 concurrent keep-alive connections, each having made a request: /healthz still answers
  from a new connection, the server's memory stays under its per-connection bound, every
  connection still works afterwards and nothing crashes.
- 500 slow clients trickling a request one byte a second: a normal client logs in while they are
  connected; and when they take every connection slot (--max-connections 500, one thread), the
  header timeout cuts them off, so a normal client still gets in, and every slow one is closed
  without an answer.
- Two worker threads share the connections: of two keep-alive connections opened one after the
  other, one answers /healthz while the other's login (a costly Argon2id hash) is still being
  computed, both ways round. (libmicrohttpd's own thread pool let the first worker awake accept
  the whole burst, and the other idled.) Checked by the order of the answers, not by time.
"""
import resource
import select
import socket
import threading
import time

import requests

from wbtest import PASSWORD, Server, main

CONNECTIONS = 2000
SLOW = 500
CONN_MEMORY = 32 * 1024  # server/http.c: each connection's memory pool (bounds its headers)
SLACK = 48 * 1024 * 1024  # the server's own allocations beside the pools: threads, SQLite caches
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: load\r\n\r\n"
SLOW_REQUEST = b"POST /oauth/token HTTP/1.1\r\nHost: load\r\nX-Padding: " + b"a" * 100000


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        raise RuntimeError("the hard open-files limit %d is under %d" % (hard, need))
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def host_port(s):
    host, port = s.base.split("//")[1].split(":")
    return host, int(port)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_response(sock):
    """One whole HTTP response (Content-Length framed) from a keep-alive socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_many_connections(c):
    raise_fd_limit(CONNECTIONS * 2 + 512)  # the server inherits it and raises its own to fit
    # No idle timeout: on a loaded machine, opening the 2,000 took longer than the default 30 s.
    s = Server("--connection-timeout", "1h").start()
    socks = []
    try:
        addr = host_port(s)
        base_rss = rss_kib(s.proc.pid)
        for _ in range(CONNECTIONS):
            sock = socket.create_connection(addr, timeout=60)
            socks.append(sock)
            sock.sendall(HEALTHZ)
        ok = sum(1 for sock in socks if read_response(sock).startswith(b"HTTP/1.1 200"))
        c.eq(ok, CONNECTIONS, "every one of the %d connections was answered" % CONNECTIONS)
        r = requests.get(s.url("/healthz"), timeout=60)
        c.eq(r.status_code, 200, "/healthz from a new connection with %d open" % CONNECTIONS)
        grown = (rss_kib(s.proc.pid) - base_rss) * 1024
        c.check(grown < CONNECTIONS * CONN_MEMORY + SLACK,
                "memory bounded: grew %d KiB for %d connections (bound %d KiB)" %
                (grown // 1024, CONNECTIONS, (CONNECTIONS * CONN_MEMORY + SLACK) // 1024))
        for sock in socks:  # all still alive: a second request on each
            sock.sendall(HEALTHZ)
        ok = sum(1 for sock in socks if read_response(sock).startswith(b"HTTP/1.1 200"))
        c.eq(ok, CONNECTIONS, "every connection still answers a second request")
        c.check(s.proc.poll() is None, "the server is still running")
    finally:
        for sock in socks:
            sock.close()
        s.cleanup()


class SlowClients:
    """n connections each sending SLOW_REQUEST one byte a second (never finishing), from one
    thread, until closed by the server or stopped."""

    def __init__(self, addr, n):
        self.socks = []
        for _ in range(n):
            try:
                self.socks.append(socket.create_connection(addr, timeout=60))
            except OSError:
                self.socks.append(None)  # refused at once counts as closed
        self.closed = [sock is None for sock in self.socks]
        self.answered = 0  # bytes the server sent back: it must send none
        self.sent = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _poll(self, i, sock):
        sock.setblocking(False)
        try:
            data = sock.recv(4096)
            if data:
                self.answered += len(data)
            else:
                self.closed[i] = True
        except BlockingIOError:
            pass
        except OSError:
            self.closed[i] = True
        sock.setblocking(True)

    def _run(self):
        while not self.stop.is_set() and self.sent < len(SLOW_REQUEST):
            for i, sock in enumerate(self.socks):
                if self.closed[i]:
                    continue
                try:
                    sock.send(SLOW_REQUEST[self.sent:self.sent + 1])
                except OSError:
                    self.closed[i] = True
                    continue
                self._poll(i, sock)
            self.sent += 1
            self.stop.wait(1.0)

    def open_count(self):
        return self.closed.count(False)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=60)
        for sock in self.socks:
            if sock is not None:
                sock.close()


def login_eventually(s, seconds):
    """Logs in, retrying refused or reset connections, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            r = s.login("alice")
            if r.status_code == 200:
                return r
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return None


def test_slow_clients_beside_a_login(c):
    s = Server("--header-timeout", "1h", "--connection-timeout", "1h").start()
    slow = None
    try:
        s.add_user("alice")
        slow = SlowClients(host_port(s), SLOW)
        while slow.sent < 3:  # every slow client has sent a few bytes
            time.sleep(0.1)
        r = s.login("alice")
        c.eq(r.status_code, 200, "a normal login while %d slow clients trickle" % SLOW)
        c.eq(slow.open_count(), SLOW, "the slow clients are all still connected (nothing cut them yet)")
    finally:
        if slow:
            slow.close()
        s.cleanup()


def test_slow_clients_holding_every_slot(c):
    s = Server("--threads", "1", "--max-connections", str(SLOW), "--header-timeout", "3s",
               "--connection-timeout", "1h").start()
    slow = None
    try:
        s.add_user("alice")
        slow = SlowClients(host_port(s), SLOW)
        r = login_eventually(s, 120)
        c.check(r is not None, "a normal login got in past %d slow clients holding every slot" % SLOW)
        deadline = time.monotonic() + 120
        while slow.open_count() > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        c.eq(slow.open_count(), 0, "every slow client was cut off by the header timeout")
        c.eq(slow.answered, 0, "and none was answered")
        c.check(slow.sent < len(SLOW_REQUEST), "they were cut off before sending everything")
        c.eq(requests.get(s.url("/healthz"), timeout=60).status_code, 200, "/healthz afterwards")
    finally:
        if slow:
            slow.close()
        s.cleanup()


HEAVY_HASH = {"WRISTBAND_ARGON2_OPS": "4", "WRISTBAND_ARGON2_MEMORY_KIB": "65536"}  # a login: ~0.5 s


def test_two_workers_share_connections(c):
    """Connection a's login keeps its worker busy while b and c connect: with libmicrohttpd's own
    accept, the other worker, the only one awake, took both; handed out in turn, b and c go to
    different workers, so c answers /healthz while b's login is being computed, and the other
    way round."""
    s = Server("--threads", "2", fast_hash=False, env=HEAVY_HASH).start()
    socks = []
    try:
        s.add_user("alice")
        form = b"grant_type=password&username=alice&password=" + PASSWORD.replace(" ", "+").encode()
        login = (b"POST /oauth/token HTTP/1.1\r\nHost: load\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(form)) + form
        a = socket.create_connection(host_port(s), timeout=120)
        socks.append(a)
        a.sendall(HEALTHZ)
        c.check(read_response(a).startswith(b"HTTP/1.1 200"), "/healthz on connection a")
        a.sendall(login)
        b = socket.create_connection(host_port(s), timeout=120)
        d = socket.create_connection(host_port(s), timeout=120)
        socks += [b, d]
        c.check(read_response(a).startswith(b"HTTP/1.1 200"), "a's login")
        for busy, free in ((b, d), (d, b)):
            busy.sendall(login)
            free.sendall(HEALTHZ)
            c.check(read_response(free).startswith(b"HTTP/1.1 200"), "/healthz beside a login")
            waiting, _, _ = select.select([busy], [], [], 0)
            c.check(not waiting, "/healthz was answered while the other connection's login was still being "
                    "computed (by the other worker)")
            c.check(read_response(busy).startswith(b"HTTP/1.1 200"), "and the login then succeeded")
    finally:
        for sock in socks:
            sock.close()
        s.cleanup()


if __name__ == "__main__":
    main([test_many_connections, test_slow_clients_beside_a_login, test_slow_clients_holding_every_slot,
          test_two_workers_share_connections])
