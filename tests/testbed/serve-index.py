"""Serves the test bed's package index on 127.0.0.1 like a real index: files with Cache-Control, so that pip
caches downloads (as it does from PyPI) and the build-time cache volume can be measured.

usage: serve-index.py DIRECTORY PORT
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Cache-Control", "public, max-age=600" if "/files/" in self.path else "max-age=0")
        super().end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    directory, port = sys.argv[1], int(sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=directory))
    server.serve_forever()
