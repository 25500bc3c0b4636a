"""A minimal HTTPS member for tests: answers every request with 200 and its id, over TLS with the
certificate it is given. Run as a process: tls_member.py <cert> <key> <id> <port>."""
import http.server
import socketserver
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = f"tls member {self.server.ident}\n".encode()
        self.send_response(200)
        self.send_header("X-Member", self.server.ident)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET
    do_OPTIONS = do_GET

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    cert, key, ident, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    srv = Server(("127.0.0.1", port), Handler)
    srv.ident = ident
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
