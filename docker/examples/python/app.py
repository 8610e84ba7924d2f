"""A tiny web service on port 80 that answers with what the kernel says about it.

GET / returns this process's own /proc/self/status, so anyone can check the identity and
capabilities hardinit gave it (Uid, Gid, Groups, Cap*, NoNewPrivs, Seccomp).

At start it tries to open its own source for writing (appending nothing) and logs what the
kernel answered: under hardinit's --fs-ro / the answer is EACCES, although the file belongs to
the user the service runs as.
"""
import errno
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class StatusHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        with open("/proc/self/status", "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def try_to_write_own_code():
    path = os.path.abspath(__file__)
    try:
        with open(path, "ab"):
            pass
    except OSError as e:
        return f"{path}: write refused: {errno.errorcode.get(e.errno, e.errno)} ({e.strerror})"
    return f"{path}: WRITABLE: this service could change its own code"


if __name__ == "__main__":
    print("own code:", try_to_write_own_code(), flush=True)
    HTTPServer(("", 80), StatusHandler).serve_forever()
