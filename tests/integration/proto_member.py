"""A member for the non-HTTP schemes of mod_proxy (scgi, fcgi, uwsgi, ajp) that echoes what reached
it, so a test can check which request headers an application behind httpd sees.
Every request gets 200, Content-Type text/plain, X-Member: <scheme>, X-Body-Bytes: <request body
size> and a body of NAME=value lines, in the order received, duplicates kept:
  scgi, fcgi, uwsgi: every CGI variable exactly as received (HTTP_X_FORWARDED_PROTO=https, ...).
  ajp: each request header as HTTP_<NAME upper-cased, '-' as '_'>=value and, because that folds
       X-A and X_A together, as RAW_<name as sent>=value too; each attribute as ATTR_<name>=value
       (ATTR_AJP_REMOTE_PORT, ATTR_query_string, ...); the packet's own fields as REQUEST_METHOD,
       SERVER_PROTOCOL, REQUEST_URI, REMOTE_ADDR, REMOTE_HOST, SERVER_NAME, SERVER_PORT, HTTPS.
Run: proto_member.py <scgi|fcgi|uwsgi|ajp> <port>  (listens on 127.0.0.1)."""
import socketserver
import struct
import sys

IO_TIMEOUT = 300  # seconds; only a peer that stalls mid-message or idles this long is dropped


def read_exact(rfile, n):
    data = rfile.read(n) if n else b""
    if len(data) != n:
        raise EOFError(f"wanted {n} bytes, got {len(data)}")
    return data


def echo_body(pairs):
    """NAME=value lines; CR and LF inside a value are escaped so one pair stays one line."""
    out = []
    for name, value in pairs:
        value = value.replace(b"\r", b"\\r").replace(b"\n", b"\\n")
        out.append(name + b"=" + value + b"\n")
    return b"".join(out)


def content_length(pairs):
    for name, value in pairs:
        if name == b"CONTENT_LENGTH":
            try:
                return max(0, int(value or b"0"))
            except ValueError:
                return 0
    return 0


def cgi_response(scheme, body, body_bytes, status_line):
    head = (f"{status_line}\r\nContent-Type: text/plain\r\nX-Member: {scheme}\r\n"
            f"X-Body-Bytes: {body_bytes}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class Handler(socketserver.BaseRequestHandler):
    """Reads whole messages, answers, and on any malformed input just drops the connection."""

    def handle(self):
        self.request.settimeout(IO_TIMEOUT)
        self.rfile = self.request.makefile("rb")
        try:
            self.serve()
        except (EOFError, OSError, ValueError, IndexError, struct.error):
            pass
        finally:
            self.rfile.close()

    def send(self, data):
        self.request.sendall(data)


class ScgiHandler(Handler):
    """SCGI: netstring of NUL-separated name/value pairs, CONTENT_LENGTH bytes of body; the
    answer is a CGI response and the connection closes."""

    def serve(self):
        digits = b""
        while True:
            c = read_exact(self.rfile, 1)
            if c == b":":
                break
            if not c.isdigit() or len(digits) > 9:
                raise ValueError("bad netstring length")
            digits += c
        block = read_exact(self.rfile, int(digits or b"0"))
        if read_exact(self.rfile, 1) != b",":
            raise ValueError("netstring without ','")
        fields = block.split(b"\0")
        if fields and fields[-1] == b"":
            fields.pop()
        pairs = list(zip(fields[0::2], fields[1::2]))
        body = read_exact(self.rfile, content_length(pairs))
        self.send(cgi_response("scgi", echo_body(pairs), len(body), "Status: 200 OK"))


FCGI_BEGIN, FCGI_ABORT, FCGI_END, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 2, 3, 4, 5, 6
FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE = 9, 10, 11
FCGI_KEEP_CONN, FCGI_RESPONDER = 1, 1
FCGI_REQUEST_COMPLETE, FCGI_UNKNOWN_ROLE = 0, 3


def fcgi_record(rtype, request_id, content=b""):
    pad = -len(content) % 8
    return struct.pack(">BBHHBx", 1, rtype, request_id, len(content), pad) + content + b"\0" * pad


def fcgi_length(data, pos):
    if data[pos] < 0x80:
        return data[pos], pos + 1
    return struct.unpack_from(">I", data, pos)[0] & 0x7FFFFFFF, pos + 4


def fcgi_pairs(data):
    """Name-value pairs with 1-byte (< 128) or 4-byte (high bit set) lengths."""
    pairs, pos = [], 0
    while pos < len(data):
        nlen, pos = fcgi_length(data, pos)
        vlen, pos = fcgi_length(data, pos)
        if pos + nlen + vlen > len(data):
            raise ValueError("name-value pair past the end of FCGI_PARAMS")
        pairs.append((data[pos:pos + nlen], data[pos + nlen:pos + nlen + vlen]))
        pos += nlen + vlen
    return pairs


def fcgi_encode_pairs(pairs):
    out = b""
    for name, value in pairs:
        for part in (name, value):
            out += bytes([len(part)]) if len(part) < 128 else struct.pack(">I", len(part) | 1 << 31)
        out += name + value
    return out


class FcgiHandler(Handler):
    """FastCGI responder: BEGIN_REQUEST, PARAMS stream, STDIN stream; answers STDOUT and
    END_REQUEST, then keeps the connection only if BEGIN_REQUEST asked for FCGI_KEEP_CONN."""

    def serve(self):
        requests = {}  # id -> {"keep", "params", "stdin"}
        while True:
            version, rtype, rid, clen, plen = struct.unpack(">BBHHBx", read_exact(self.rfile, 8))
            content = read_exact(self.rfile, clen)
            read_exact(self.rfile, plen)
            if version != 1:
                raise ValueError("FastCGI version %d" % version)
            if rid == 0:
                self.management(rtype, content)
                continue
            if rtype == FCGI_BEGIN:
                role, flags = struct.unpack_from(">HB", content)
                if role != FCGI_RESPONDER:
                    self.send(fcgi_record(FCGI_END, rid,
                                          struct.pack(">IB3x", 0, FCGI_UNKNOWN_ROLE)))
                    if not flags & FCGI_KEEP_CONN:
                        return
                    continue
                requests[rid] = {"keep": bool(flags & FCGI_KEEP_CONN), "params": b"", "stdin": 0}
                continue
            req = requests.get(rid)
            if req is None:
                continue  # a record for a request we do not know: ignored, as the spec says
            if rtype == FCGI_PARAMS:
                req["params"] += content
            elif rtype == FCGI_STDIN and content:
                req["stdin"] += len(content)
            elif rtype in (FCGI_STDIN, FCGI_ABORT):
                del requests[rid]
                if rtype == FCGI_STDIN:
                    self.answer(rid, req)
                else:
                    self.send(fcgi_record(FCGI_END, rid,
                                          struct.pack(">IB3x", 0, FCGI_REQUEST_COMPLETE)))
                if not req["keep"]:
                    return

    def answer(self, rid, req):
        body = echo_body(fcgi_pairs(req["params"]))
        out = cgi_response("fcgi", body, req["stdin"], "Status: 200 OK")
        records = [fcgi_record(FCGI_STDOUT, rid, out[i:i + 32768])
                   for i in range(0, len(out), 32768)]
        records.append(fcgi_record(FCGI_STDOUT, rid))
        records.append(fcgi_record(FCGI_END, rid, struct.pack(">IB3x", 0, FCGI_REQUEST_COMPLETE)))
        self.send(b"".join(records))

    def management(self, rtype, content):
        if rtype == FCGI_GET_VALUES:
            known = {b"FCGI_MAX_CONNS": b"100", b"FCGI_MAX_REQS": b"100", b"FCGI_MPXS_CONNS": b"0"}
            asked = [name for name, _ in fcgi_pairs(content) if name in known]
            self.send(fcgi_record(FCGI_GET_VALUES_RESULT, 0,
                                  fcgi_encode_pairs([(n, known[n]) for n in asked])))
        else:
            self.send(fcgi_record(FCGI_UNKNOWN_TYPE, 0, struct.pack(">B7x", rtype)))


class UwsgiHandler(Handler):
    """uwsgi: modifier1, 16-bit little-endian size, modifier2, then vars (16-bit LE lengths) and
    CONTENT_LENGTH bytes of body. mod_proxy_uwsgi wants a raw HTTP status line and headers and
    reads the body to EOF, so the connection closes after the answer."""

    def serve(self):
        _, size, _ = struct.unpack("<BHB", read_exact(self.rfile, 4))
        block, pos, pairs = read_exact(self.rfile, size), 0, []
        while pos < len(block):
            (klen,) = struct.unpack_from("<H", block, pos)
            key = block[pos + 2:pos + 2 + klen]
            pos += 2 + klen
            (vlen,) = struct.unpack_from("<H", block, pos)
            value = block[pos + 2:pos + 2 + vlen]
            pos += 2 + vlen
            if len(key) != klen or len(value) != vlen:
                raise ValueError("uwsgi var past the end of the block")
            pairs.append((key, value))
        body = read_exact(self.rfile, content_length(pairs))
        self.send(cgi_response("uwsgi", echo_body(pairs), len(body), "HTTP/1.1 200 OK"))


AJP_FORWARD_REQUEST, AJP_SHUTDOWN, AJP_CPING = 2, 7, 10
AJP_METHODS = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "PROPFIND", "PROPPATCH",
               "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "ACL", "REPORT", "VERSION-CONTROL",
               "CHECKIN", "CHECKOUT", "UNCHECKOUT", "SEARCH", "MKWORKSPACE", "UPDATE", "LABEL",
               "MERGE", "BASELINE-CONTROL", "MKACTIVITY"]
AJP_HEADERS = ["accept", "accept-charset", "accept-encoding", "accept-language", "authorization",
               "connection", "content-type", "content-length", "cookie", "cookie2", "host",
               "pragma", "referer", "user-agent"]
AJP_ATTRS = {1: "context", 2: "servlet_path", 3: "remote_user", 4: "auth_type",
             5: "query_string", 6: "jvm_route", 7: "ssl_cert", 8: "ssl_cipher", 9: "ssl_session",
             12: "secret", 13: "stored_method"}
AJP_BODY_MAX = 8186  # what fits a default 8 KiB packet after the 4+2 byte headers


class AjpReader:
    """Cursor over one AJP packet's payload."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        self.pos += 1
        return self.data[self.pos - 1]

    def short(self):
        self.pos += 2
        return struct.unpack_from(">H", self.data, self.pos - 2)[0]

    def string(self):
        n = self.short()
        if n == 0xFFFF:
            return b""  # a null string
        if self.pos + n > len(self.data):
            raise ValueError("AJP string past the end of the packet")
        self.pos += n + 1  # strings end in a NUL not counted in the length
        return self.data[self.pos - n - 1:self.pos - 1]


def ajp_string(s):
    return struct.pack(">H", len(s)) + s + b"\0"


def ajp_packet(payload):
    return b"AB" + struct.pack(">H", len(payload)) + payload


class AjpHandler(Handler):
    """AJP13 container side: Forward Request (+ body packets, asking with GET_BODY_CHUNK),
    answered with SEND_HEADERS, SEND_BODY_CHUNK, END_RESPONSE reuse=1; CPing gets CPong."""

    def read_packet(self):
        magic, length = struct.unpack(">HH", read_exact(self.rfile, 4))
        if magic != 0x1234:
            raise ValueError("bad AJP magic %#x" % magic)
        return read_exact(self.rfile, length)

    def read_body_packet(self):
        """Length of one data packet's chunk; 0 for the empty packet ending a body."""
        payload = self.read_packet()
        if len(payload) < 2:
            return 0
        return min(struct.unpack_from(">H", payload)[0], len(payload) - 2)

    def serve(self):
        while True:
            payload = self.read_packet()
            if not payload:
                continue  # an empty body packet between requests
            if payload[0] == AJP_CPING:
                self.send(ajp_packet(b"\x09"))
            elif payload[0] == AJP_SHUTDOWN:
                return
            elif payload[0] == AJP_FORWARD_REQUEST:
                pairs, size, chunked = self.parse_forward(AjpReader(payload))
                body = self.read_body(size, chunked)
                self.answer(echo_body(pairs), body)
            # anything else (a stray body packet) is ignored

    def parse_forward(self, rd):
        rd.byte()
        code = rd.byte()
        method = AJP_METHODS[code - 1].encode() if 1 <= code <= len(AJP_METHODS) else b""
        fields = [(b"SERVER_PROTOCOL", rd.string()), (b"REQUEST_URI", rd.string()),
                  (b"REMOTE_ADDR", rd.string()), (b"REMOTE_HOST", rd.string()),
                  (b"SERVER_NAME", rd.string()), (b"SERVER_PORT", str(rd.short()).encode()),
                  (b"HTTPS", b"on" if rd.byte() else b"off")]
        pairs = [(b"REQUEST_METHOD", method)] + fields
        size, chunked = 0, False
        for _ in range(rd.short()):
            if rd.data[rd.pos] == 0xA0:
                idx = rd.short() & 0xFF
                if not 1 <= idx <= len(AJP_HEADERS):
                    raise ValueError("unknown AJP header code")
                name = AJP_HEADERS[idx - 1].encode()
            else:
                name = rd.string()
            value = rd.string()
            pairs.append((b"HTTP_" + name.upper().replace(b"-", b"_"), value))
            pairs.append((b"RAW_" + name, value))
            if name.lower() == b"content-length":
                size = int(value) if value.isdigit() else 0
            elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        while rd.pos < len(rd.data):
            code = rd.byte()
            if code == 0xFF:
                break
            if code == 10:
                name, value = rd.string(), rd.string()
            elif code == 11:
                name, value = b"ssl_key_size", str(rd.short()).encode()
            else:
                name, value = AJP_ATTRS.get(code, str(code)).encode(), rd.string()
                if code == 13 and pairs[0][1] == b"":
                    pairs[0] = (b"REQUEST_METHOD", value)
            pairs.append((b"ATTR_" + name, value))
        return pairs, size, chunked

    def read_body(self, size, chunked):
        """httpd sends the first packet of a Content-Length body unasked; the rest, and all of a
        chunked body, only after GET_BODY_CHUNK. An empty packet ends the body."""
        got = 0
        if size > 0 and not chunked:
            got = self.read_body_packet()
            if got == 0:
                return 0
        while chunked or got < size:
            self.send(ajp_packet(b"\x06" + struct.pack(">H", AJP_BODY_MAX)))
            n = self.read_body_packet()
            if n == 0:
                break
            got += n
        return got

    def answer(self, body, body_bytes):
        headers = [(b"\xa0\x01", b"text/plain"), (b"\xa0\x03", str(len(body)).encode()),
                   (ajp_string(b"X-Member"), b"ajp"),
                   (ajp_string(b"X-Body-Bytes"), str(body_bytes).encode())]
        head = b"\x04" + struct.pack(">H", 200) + ajp_string(b"OK")
        head += struct.pack(">H", len(headers))
        head += b"".join(name + ajp_string(value) for name, value in headers)
        out = [ajp_packet(head)]
        for i in range(0, len(body), AJP_BODY_MAX - 2):
            chunk = body[i:i + AJP_BODY_MAX - 2]
            out.append(ajp_packet(b"\x03" + struct.pack(">H", len(chunk)) + chunk + b"\0"))
        out.append(ajp_packet(b"\x05\x01"))
        self.send(b"".join(out))


HANDLERS = {"scgi": ScgiHandler, "fcgi": FcgiHandler, "uwsgi": UwsgiHandler, "ajp": AjpHandler}


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in HANDLERS or not sys.argv[2].isdigit():
        sys.exit("usage: proto_member.py <scgi|fcgi|uwsgi|ajp> <port>")
    Server(("127.0.0.1", int(sys.argv[2])), HANDLERS[sys.argv[1]]).serve_forever()
