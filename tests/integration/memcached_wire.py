"""Reading and changing what mod_fleet stored in a real memcached, for the cache tests: the
storage key of a cache key (shared/cache/keys.cpp), text-protocol commands sent to every server
(the tests do not re-implement ketama to find the one holding a key), and the body id of a stored
entry (shared/cache/entry.cpp's layout)."""
import hashlib
import socket
import struct

_ENDINGS = (b"END\r\n", b"DELETED\r\n", b"NOT_FOUND\r\n", b"STORED\r\n", b"NOT_STORED\r\n")


def storage_key(text, prefix="fl2:"):
    """The memcached key of a cache key ("http://shop.example:80/x"), or of a tag with
    prefix "fl2:tag:"."""
    return prefix + hashlib.sha256(text.encode()).hexdigest()[:40]


def command(ports, line):
    """One command to each memcached on `ports`; each server's whole answer, in order."""
    answers = []
    for port in ports:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(line.encode() + b"\r\n")
            data = b""
            while not data.endswith(_ENDINGS):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            answers.append(data)
    return answers


def get(ports, key):
    """The value of `key` on whichever server holds it, else None."""
    for data in command(ports, f"get {key}"):
        if data.startswith(b"VALUE"):
            header, rest = data.split(b"\r\n", 1)
            return rest[:int(header.split()[3])]
    return None


def delete(ports, key):
    """True when a server held `key` and deleted it."""
    return any(d.startswith(b"DELETED") for d in command(ports, f"delete {key}"))


def entry_body_id(entry, full_key):
    """The body id of a stored entry; its chunks are storage_key(full_key):<id hex>:<n>."""
    assert entry[:4] == b"FLC2"
    pos = 5

    def u32():
        nonlocal pos
        v = struct.unpack_from("<I", entry, pos)[0]
        pos += 4
        return v

    def string():
        nonlocal pos
        n = u32()
        v = entry[pos:pos + n]
        pos += n
        return v

    assert string() == full_key.encode()
    pos += 4 + 8 + 8 + 8 + 8  # status, request and response times, Age received, stale since
    for _ in range(u32()):
        string(), string()
    for _ in range(u32()):
        string()
    for _ in range(u32()):
        string()
        pos += 8
    pos += 8  # body size
    return struct.unpack_from("<Q", entry, pos)[0]


def chunk_key(full_key, body_id, n):
    return storage_key(full_key) + ":" + body_id.to_bytes(8, "little").hex() + f":{n}"
