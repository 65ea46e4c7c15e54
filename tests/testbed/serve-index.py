"""Serves the test bed's package index on 127.0.0.1 like a real index: files with Cache-Control, so that pip
caches downloads (as it does from PyPI), and the same index under /private/ behind HTTP basic auth, for the tests
that check an index password never reaches a log, a layer, the image history or a layer key.

usage: serve-index.py DIRECTORY PORT PASSWORD_FILE   (user: imagetasks)
"""
import base64
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    expected = None

    def do_GET(self):
        if self.path.startswith("/private/"):
            if self.headers.get("Authorization") != self.expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="imagetasks-testbed"')
                self.end_headers()
                return
            self.path = self.path[len("/private"):]
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "public, max-age=600" if "/files/" in self.path else "max-age=0")
        super().end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    directory, port, password_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(password_file) as f:
        password = f.read().strip()
    Handler.expected = "Basic " + base64.b64encode(f"imagetasks:{password}".encode()).decode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=directory))
    server.serve_forever()
