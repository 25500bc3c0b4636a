"""Health checks with hcreuse through a real httpd: a kept HTTPS connection carries check after
check (one TCP accept, one full TLS handshake on the member), a member that closes after each answer
gets resumed TLS sessions instead of full handshakes, plain HTTP keeps its connection too, and
without hcreuse every check is a new connection with a full handshake, as before. The members are
small Python servers in this process (no mod_ssl) that count what they accept."""
import os
import socket
import ssl
import threading
import time
import unittest

from certs import Pki
from harness import Httpd, balancer_section, fleet_status

httpd = None
pki = None
members = {}


class CountingMember:
    """Answers every request with 200 over HTTP/1.1 (TLS when given a context), keeping the
    connection unless `close_each`; counts accepted connections, requests, and handshakes that
    resumed a session."""

    def __init__(self, tls_context=None, close_each=False):
        self.ctx = tls_context
        self.close_each = close_each
        self.lock = threading.Lock()
        self.accepted = self.requests = self.resumed = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            if self.ctx is not None:
                conn = self.ctx.wrap_socket(conn, server_side=True)
                with self.lock:
                    self.resumed += 1 if conn.session_reused else 0
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                data = data.split(b"\r\n\r\n", 1)[1]
                with self.lock:
                    self.requests += 1
                extra = b"Connection: close\r\n" if self.close_each else b""
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n" + extra + b"\r\nok\n")
                if self.close_each:
                    if self.ctx is not None:
                        conn.unwrap()
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    def counts(self):
        with self.lock:
            return {"accepted": self.accepted, "requests": self.requests, "resumed": self.resumed}

    def close(self):
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


def setUpModule():
    global httpd, pki
    pki = Pki()
    cert, key = pki.issue("member", "127.0.0.1", san="IP:127.0.0.1,DNS:localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    members["tls_keep"] = CountingMember(ctx)
    members["tls_close"] = CountingMember(ctx, close_each=True)
    members["tls_noreuse"] = CountingMember(ctx)
    members["plain_keep"] = CountingMember()
    common = f"hcmethod=GET11 hcuri=/health hcinterval=200ms hcca={pki.ca_cert}"
    lines = [
        f"  BalancerMember https://127.0.0.1:{members['tls_keep'].port} route=tk {common} "
        "hcreuse=on",
        f"  BalancerMember https://127.0.0.1:{members['tls_close'].port} route=tc {common} "
        "hcreuse=on",
        f"  BalancerMember https://127.0.0.1:{members['tls_noreuse'].port} route=tn {common}",
        f"  BalancerMember http://127.0.0.1:{members['plain_keep'].port} route=pk {common} "
        "hcreuse=on",
    ]
    conf = [balancer_section("reuse", "byrequests", lines),
            "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
            "ProxyPass /fleet-status !"]
    httpd = Httpd("\n".join(conf), processes=1, log_level="warn fleet:info").start()
    # Every member checked at least 8 times (5 a second).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(m.counts()["requests"] >= 8 for m in members.values()):
            break
        time.sleep(0.1)


def tearDownModule():
    if httpd:
        httpd.cleanup()
    for m in members.values():
        m.close()


def health(port):
    for b in fleet_status(httpd)["balancers"]:
        for m in b["members"]:
            if m["name"].endswith(f":{port}"):
                return m["health"]
    raise AssertionError(f"no member on port {port}")


class HealthCheckReuse(unittest.TestCase):
    def assertChecked(self, name):
        c = members[name].counts()
        self.assertGreaterEqual(c["requests"], 8, (name, c))
        h = health(members[name].port)
        self.assertFalse(h["failing"], h)
        self.assertTrue(h["last_passed"], h)
        return c, h

    def test_a_kept_https_connection_carries_every_check(self):
        c, h = self.assertChecked("tls_keep")
        self.assertEqual(c["accepted"], 1, c)  # one connection, one full handshake
        self.assertIn(h["cert_days_left"], (29, 30))

    def test_a_new_https_connection_resumes_the_session(self):
        c, h = self.assertChecked("tls_close")
        self.assertGreaterEqual(c["accepted"], 8, c)
        self.assertEqual(c["resumed"], c["accepted"] - 1, c)  # only the first handshake in full
        self.assertIn(h["cert_days_left"], (29, 30))

    def test_plain_http_keeps_its_connection(self):
        c, _ = self.assertChecked("plain_keep")
        self.assertEqual(c["accepted"], 1, c)

    def test_without_hcreuse_every_check_connects_and_handshakes_in_full(self):
        c, _ = self.assertChecked("tls_noreuse")
        self.assertGreaterEqual(c["accepted"], c["requests"], c)
        self.assertEqual(c["resumed"], 0, c)


if __name__ == "__main__":
    unittest.main()
