#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/cli/httpdir.py - a plain HTTP server on loopback for tests/cli/remote.sh: serves the files
# of DIR (the query string ignored, a missing file is 404), writes the port it got to PORTFILE
# once it listens, and runs until killed. Usage: httpdir.py DIR PORTFILE
import http.server
import os
import sys
import functools


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


root, portfile = sys.argv[1], sys.argv[2]
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
