"""A tiny web service on port 80 that answers with what the kernel says about it.

GET / returns this process's own /proc/self/status, so anyone can check the identity and
capabilities hardinit gave it (Uid, Gid, Groups, Cap*, NoNewPrivs, Seccomp).
"""
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


if __name__ == "__main__":
    HTTPServer(("", 80), StatusHandler).serve_forever()
