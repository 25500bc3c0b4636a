"""A member for cache tests, driven by the query string of each request:
  /any/path?cc=<Cache-Control>&etag=<tag>&lm=<seconds ago>&vary=<names>&size=<bytes>
           &cookie=1&status=<n>&tag=<surrogate keys>&delay=<ms>
           &h=<Name:Value> (repeatable: one header line each, in order)
           &hn=<Name> (a header whose value is this path's request count: v1, v2, ...)
           &cc2=<Cache-Control> (instead of cc from the path's second request on)
  POST, PUT, DELETE, FROB answer X-Post-Status (else status=, else 200).
           &closeafter=<n> (from the n+1-th request of this path on, close without answering)
           &reflect=<request header> (its value goes into the body, as pages that echo a host do)
It answers 304 to a matching If-None-Match / If-Modified-Since, echoes the request's
Accept-Encoding and X-Variant in X-Seen-*, and counts the requests it answered per path:
/__count?path=/x returns that count, /__reset clears the counts, /__down?on=1 makes every
answer a 503. Run: cache_member.py <port>."""
import email.utils
import http.server
import socketserver
import sys
import threading
import time
import urllib.parse

counts = {}
lock = threading.Lock()
state = {"down": False}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        pairs = urllib.parse.parse_qsl(u.query)
        q = dict(pairs)
        lines = [tuple(v.split(":", 1)) for k, v in pairs if k == "h" and ":" in v]
        if u.path == "/__count":
            with lock:
                n = counts.get(q.get("path", ""), 0)
            return self.reply(200, [], str(n).encode())
        if u.path == "/__reset":
            with lock:
                counts.clear()
            return self.reply(200, [], b"ok")
        if u.path == "/__down":
            state["down"] = q.get("on") == "1"
            return self.reply(200, [], b"ok")
        with lock:
            counts[u.path] = counts.get(u.path, 0) + 1
            n = counts[u.path]
        if "delay" in q:
            time.sleep(int(q["delay"]) / 1000)
        if "closeafter" in q and n > int(q["closeafter"]):
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if state["down"]:
            return self.reply(503, [("Cache-Control", "no-store")], b"down\n")
        headers = [("Content-Type", "text/plain"), ("X-Served", str(n)),
                   ("Date", email.utils.formatdate(usegmt=True))]
        if "cc2" in q and n > 1:
            headers.append(("Cache-Control", q["cc2"]))
        elif "cc" in q:
            headers.append(("Cache-Control", q["cc"]))
        if "etag" in q:
            headers.append(("ETag", f'"{q["etag"]}"'))
        if "lm" in q:
            headers.append(("Last-Modified", email.utils.formatdate(time.time() - int(q["lm"]), usegmt=True)))
        if "vary" in q:
            headers.append(("Vary", q["vary"]))
        if "tag" in q:
            headers.append(("Surrogate-Key", q["tag"]))
        if q.get("cookie") == "1":
            headers.append(("Set-Cookie", f"session=secret-{n}"))
        headers.extend(lines)
        if "hn" in q:
            headers.append((q["hn"], f"v{n}"))
        headers.append(("X-Seen-Encoding", self.headers.get("Accept-Encoding", "-")))
        headers.append(("X-Seen-Variant", self.headers.get("X-Variant", "-")))
        inm = self.headers.get("If-None-Match")
        if "etag" in q and inm and f'"{q["etag"]}"' in inm:
            return self.reply(304, [h for h in headers if h[0] != "Content-Type"])
        status = int(q.get("status", "200"))
        size = int(q.get("size", "0"))
        if size:
            unit = b"0123456789abcdef"
            body = (unit * (size // 16 + 1))[:size]
        else:
            body = f"{u.path} #{n} enc={self.headers.get('Accept-Encoding', '-')} var={self.headers.get('X-Variant', '-')}\n".encode()
        if "reflect" in q:
            body += f"{q['reflect']}={self.headers.get(q['reflect'], '-')}\n".encode()
        self.reply(status, headers, body)

    do_HEAD = do_GET

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        headers = []
        if "location" in q:
            headers.append(("Location", q["location"]))
        self.reply(int(self.headers.get("X-Post-Status", q.get("status", "200"))), headers, b"posted\n")

    do_PUT = do_DELETE = do_FROB = do_POST


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
