"""A TCP server that answers whatever it is sent with fixed bytes, for members that break the
protocol (invalid UTF-8 in the status line, an endless body)."""
import socketserver
import threading


class RawServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Answers every connection with `answer` bytes, then (stream=True) sends body bytes until the
    peer closes; counts what it sent."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer, stream=False):
        self.answer, self.stream, self.sent, self.connections = answer, stream, 0, 0
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                with outer.lock:
                    outer.connections += 1
                self.request.settimeout(5)
                try:
                    self.request.recv(4096)
                    self.request.sendall(outer.answer)
                    chunk = b"x" * 16384
                    while outer.stream:
                        self.request.sendall(chunk)
                        with outer.lock:
                            outer.sent += len(chunk)
                except OSError:
                    pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.stream = False
        self.shutdown()
        self.server_close()
