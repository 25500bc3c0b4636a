#!/usr/bin/env python3
"""Writes corpus/cache_entry/: memcached values in shared/cache/entry.cpp's layout (FLC2 entries,
FLB1 chunks), as mod_fleet and other writers leave them. Run again after a format change."""
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "cache_entry"


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack("<I", len(b)) + b


def entry(kind, key, status=200, times=(1796000000, 1796000001), age=0, stale=0, headers=(),
          vary=(), tags=(), body=b"", body_size=None, body_id=0, chunk_size=0, chunk_count=0):
    out = b"FLC2" + bytes([kind]) + s(key) + struct.pack("<I", status)
    out += struct.pack("<QQQQ", times[0] & 2**64 - 1, times[1] & 2**64 - 1, age, stale)
    out += struct.pack("<I", len(headers)) + b"".join(s(k) + s(v) for k, v in headers)
    out += struct.pack("<I", len(vary)) + b"".join(s(v) for v in vary)
    out += struct.pack("<I", len(tags)) + b"".join(s(t) + struct.pack("<Q", g) for t, g in tags)
    size = len(body) if body_size is None else body_size
    out += struct.pack("<QQII", size, body_id, chunk_size, chunk_count) + s(body)
    return out


KEY = "http://example.com:80/a?b"
SEEDS = {
    "response": entry(1, KEY, headers=[("Cache-Control", "max-age=60"),
                                       ("Date", "Mon, 30 Nov 2026 00:53:20 GMT"),
                                       ("ETag", '"v1"'), ("Content-Type", "text/plain")],
                      tags=[("product-7", 3)], body=b"hello"),
    "manifest": entry(2, KEY, status=0, vary=["accept-encoding", "accept-language"]),
    "hit_for_miss": entry(3, KEY, status=0),
    "chunked": entry(1, KEY + "\naccept-encoding:br,gzip", headers=[("Cache-Control",
                                                                      "public, s-maxage=600")],
                     body_size=1048577, body_id=0x1234, chunk_size=524288, chunk_count=3),
    "soft_purged": entry(1, KEY, stale=1796000001, age=12,
                         headers=[("Cache-Control", "max-age=5, stale-while-revalidate=30"),
                                  ("Last-Modified", "Sun, 29 Nov 2026 00:00:00 GMT")]),
    "far_times": entry(1, KEY, times=(-2**63, 2**63 - 1), age=2**63,
                       headers=[("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")]),
    "empty_key": entry(1, "", status=404, body=b""),
    "chunk": b"FLB1" + struct.pack("<QI", 0x1234, 2) + b"tail of the body",
}

OUT.mkdir(parents=True, exist_ok=True)
for name, data in SEEDS.items():
    (OUT / name).write_bytes(data)
