"""The shared response cache through real httpd servers, a real member and two real memcached
servers: miss/hit/revalidate/304 paths, Vary, a 5 MB object in chunks, stale-if-error, coalesced
misses, two httpd servers sharing the pool, purge by URL and by tag, private and Set-Cookie
responses, memcached dying and coming back, and bad configuration."""
import hashlib
import os
import threading
import time
import unittest

import memcached_wire
from harness import (Httpd, Memcached, expect_config_errors, fleet_status, free_port, request,
                     start_script, stop_process)

HERE = os.path.dirname(os.path.abspath(__file__))
mc = []
member = None
a = b = None
MEMBER_PORT = 0
SITE = {"Host": "shop.example"}
# Every child's memory tier polls the purge epoch every 50 ms.
PURGE_REACH = 0.1


def start_member(port):
    return start_script("cache_member.py", what="cache member", port=port)[1]


def count(path):
    return int(request(MEMBER_PORT, f"/__count?path={path}")[2])


def server_conf(quick=False):
    return "\n".join([
        f"FleetCacheQuickHandler {'on' if quick else 'off'}",
        "<Location /c/gz/>\n  AddOutputFilterByType DEFLATE text/plain\n</Location>",
        "<Location /c/locked/>\n  Require expr %{HTTP:X-Key} == 'secret'\n</Location>",
        f"FleetCacheServers {mc[0].address} {mc[1].address}",
        "FleetCacheTimeout 200ms",
        "FleetCacheRetry 1s",
        "<Location /c/>",
        "  FleetCache on",
        "  FleetCachePurge on",
        "  FleetCacheLockWait 3s",
        "</Location>",
        f"ProxyPass /c/ http://127.0.0.1:{MEMBER_PORT}/c/",
        "<Location /guarded/>",
        "  FleetCache on",
        "  FleetCachePurge on",
        "  <Limit PURGE>\n    Require all denied\n  </Limit>",
        "</Location>",
        f"ProxyPass /guarded/ http://127.0.0.1:{MEMBER_PORT}/guarded/",
        f"ProxyPass /dead/ http://127.0.0.1:{DEAD_PORT}/dead/",
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        "<Location /c/capped/>\n  FleetCacheMaxObjectSize 1M\n</Location>",
        "<Location /dead/>\n  FleetCache on\n</Location>",
    ])


def setUpModule():
    global member, a, b, MEMBER_PORT, DEAD_PORT, dead
    mc.extend([Memcached(), Memcached()])
    MEMBER_PORT = free_port()
    member = start_member(MEMBER_PORT)
    DEAD_PORT = free_port()
    dead = start_member(DEAD_PORT)
    mods = Httpd.BASE_MODULES + ["deflate", "filter"]
    a = Httpd(server_conf(), modules=mods, log_level="warn fleet:info").start()
    b = Httpd(server_conf(quick=True), modules=mods, log_level="warn fleet:info").start()


def tearDownModule():
    for h in (a, b):
        if h:
            h.cleanup()
    for p in (member, dead):
        if p:
            stop_process(p)
    for m in mc:
        m.stop()


def get(h, path, headers=None, method="GET"):
    return request(h.port, path, headers=headers, method=method)


class Basics(unittest.TestCase):
    def test_miss_then_hit(self):
        s1, h1, b1 = get(a, "/c/basic?cc=max-age%3D60")
        self.assertEqual(s1, 200)
        self.assertIn("fwd=uri-miss; stored", h1["cache-status"])
        s2, h2, b2 = get(a, "/c/basic?cc=max-age%3D60")
        self.assertEqual((s2, b2), (200, b1))
        self.assertRegex(h2["cache-status"], r"^fleet; hit; ttl=\d+")
        self.assertIn("age", h2)
        self.assertEqual(count("/c/basic"), 1)

    def test_head_is_answered_from_a_stored_get(self):
        get(a, "/c/head?cc=max-age%3D60")
        s, h, body = get(a, "/c/head?cc=max-age%3D60", method="HEAD")
        self.assertEqual((s, body), (200, b""))
        self.assertIn("hit", h["cache-status"])
        self.assertEqual(count("/c/head"), 1)

    def test_client_conditional_gets_304_from_the_cache(self):
        get(a, "/c/cond?cc=max-age%3D60&etag=v7")
        s, h, _ = get(a, "/c/cond?cc=max-age%3D60&etag=v7", headers={"If-None-Match": '"v7"'})
        self.assertEqual(s, 304)
        self.assertEqual(h["etag"], '"v7"')
        self.assertEqual(count("/c/cond"), 1)

    def test_revalidation_with_304_refreshes(self):
        get(a, "/c/reval?cc=max-age%3D1&etag=v1")
        time.sleep(2.1)
        s, h, body = get(a, "/c/reval?cc=max-age%3D1&etag=v1")
        self.assertEqual(s, 200)
        self.assertIn("fwd=stale; fwd-status=304", h["cache-status"])
        self.assertIn(b"/c/reval #1", body)  # the stored body, revalidated
        self.assertEqual(count("/c/reval"), 2)
        s, h, _ = get(a, "/c/reval?cc=max-age%3D1&etag=v1")
        self.assertIn("hit", h["cache-status"])  # fresh again after the 304

    def test_request_no_cache_goes_to_the_member(self):
        get(a, "/c/nc?cc=max-age%3D60")
        s, h, _ = get(a, "/c/nc?cc=max-age%3D60", headers={"Cache-Control": "no-cache"})
        self.assertIn("fwd=request", h["cache-status"])
        self.assertEqual(count("/c/nc"), 2)
        s, _, _ = get(a, "/c/never-stored", headers={"Cache-Control": "only-if-cached"})
        self.assertEqual(s, 504)

    def test_vary_variants(self):
        path = "/c/vary?cc=max-age%3D60&vary=X-Variant"
        _, _, ba = get(a, path, headers={"X-Variant": "a"})
        _, _, bb = get(a, path, headers={"X-Variant": "b"})
        _, h, ba2 = get(a, path, headers={"X-Variant": "a"})
        _, h2, bb2 = get(a, path, headers={"X-Variant": "b"})
        self.assertEqual(ba, ba2)
        self.assertEqual(bb, bb2)
        self.assertNotEqual(ba, bb)
        self.assertIn(b"var=a", ba)
        self.assertIn("hit", h["cache-status"])
        self.assertIn("hit", h2["cache-status"])
        self.assertEqual(count("/c/vary"), 2)
        _, h3, _ = get(a, path, headers={"X-Variant": "c"})
        self.assertIn("fwd=vary-miss", h3["cache-status"])

    def test_large_object_in_chunks(self):
        path = "/c/big?cc=max-age%3D60&size=5242880"
        # Fleet servers share the site's Host (a load balancer in front); the key includes it.
        _, _, first = get(a, path, headers=SITE)
        s, h, second = get(b, path, headers=SITE)  # through the other server
        self.assertEqual(s, 200)
        self.assertIn("hit", h["cache-status"])
        self.assertEqual(len(second), 5242880)
        self.assertEqual(hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest())
        self.assertEqual(count("/c/big"), 1)

    def test_a_missing_chunk_is_a_miss_never_a_broken_response(self):
        path = "/c/chunky?cc=max-age%3D60&size=2000000"
        _, _, first = get(a, path, headers=SITE)
        full_key = "http://shop.example:80" + path
        ports = [m.port for m in mc]
        entry = memcached_wire.get(ports, memcached_wire.storage_key(full_key))
        self.assertIsNotNone(entry)
        chunk = memcached_wire.chunk_key(full_key, memcached_wire.entry_body_id(entry, full_key), 2)
        self.assertTrue(memcached_wire.delete(ports, chunk))
        s, h, body = get(b, path, headers=SITE)  # b has no copy in memory
        self.assertEqual(s, 200)
        self.assertEqual(body, first)  # whole, from the member
        self.assertIn("fwd=uri-miss", h["cache-status"])
        self.assertEqual(count("/c/chunky"), 2)

    def test_objects_above_the_limit_pass_through_unstored(self):
        path = "/c/capped/big?cc=max-age%3D60&size=1500000"
        s, _, body = get(a, path)
        self.assertEqual((s, len(body)), (200, 1500000))
        s, h, body = get(a, path)
        self.assertEqual((s, len(body)), (200, 1500000))
        self.assertNotIn("hit", h["cache-status"])
        self.assertEqual(count("/c/capped/big"), 2)

    def test_private_and_set_cookie_are_never_shared(self):
        get(a, "/c/priv?cc=private%2C%20max-age%3D60")
        s, h, _ = get(a, "/c/priv?cc=private%2C%20max-age%3D60")
        self.assertIn("detail=private", h["cache-status"])
        self.assertEqual(count("/c/priv"), 2)
        _, h1, _ = get(a, "/c/cookie?cc=max-age%3D60&cookie=1")
        _, h2, _ = get(a, "/c/cookie?cc=max-age%3D60&cookie=1")
        self.assertEqual(h1["set-cookie"], "session=secret-1")
        self.assertEqual(h2["set-cookie"], "session=secret-2")  # each client its own
        self.assertEqual(count("/c/cookie"), 2)
        _, h3, _ = get(a, "/c/auth?cc=max-age%3D60", headers={"Authorization": "Basic dTpw"})
        _, h4, _ = get(a, "/c/auth?cc=max-age%3D60")
        self.assertEqual(count("/c/auth"), 2)

    def test_two_servers_share_the_pool_and_purge_reaches_both(self):
        path = "/c/shared?cc=max-age%3D60"
        get(a, path, headers=SITE)
        _, h, _ = get(b, path, headers=SITE)
        self.assertIn("hit", h["cache-status"])
        s, _, body = get(b, path, method="PURGE", headers=SITE)
        self.assertEqual(s, 200, body)
        time.sleep(PURGE_REACH)
        _, h, _ = get(a, path, headers=SITE)
        self.assertIn("fwd=uri-miss", h["cache-status"])
        self.assertEqual(count("/c/shared"), 2)

    def test_purge_by_tag(self):
        for p in ("/c/tag1?cc=max-age%3D60&tag=product-9%20all", "/c/tag2?cc=max-age%3D60&tag=product-9"):
            get(a, p)
            self.assertIn("hit", get(a, p)[1]["cache-status"])
        get(a, "/c/tag3?cc=max-age%3D60&tag=other")
        s, _, _ = get(b, "/c/anything", method="PURGE", headers={"Surrogate-Key": "product-9"})
        self.assertEqual(s, 200)
        time.sleep(PURGE_REACH)
        self.assertIn("fwd=uri-miss", get(a, "/c/tag1?cc=max-age%3D60&tag=product-9%20all")[1]["cache-status"])
        self.assertIn("fwd=uri-miss", get(a, "/c/tag2?cc=max-age%3D60&tag=product-9")[1]["cache-status"])
        self.assertIn("hit", get(a, "/c/tag3?cc=max-age%3D60&tag=other")[1]["cache-status"])

    def test_purge_obeys_require(self):
        s, _, _ = get(a, "/guarded/x", method="PURGE")
        self.assertEqual(s, 403)

    def test_unsafe_methods_invalidate(self):
        path = "/c/inv?cc=max-age%3D60"
        get(a, path)
        self.assertIn("hit", get(a, path)[1]["cache-status"])
        s, _, _ = request(a.port, "/c/inv?cc=max-age%3D60", method="POST", body="x",
                          headers={"Content-Type": "text/plain"})
        self.assertEqual(s, 200)
        self.assertIn("fwd=uri-miss", get(a, path)[1]["cache-status"])
        # No child of this server answers with the old copy from its memory tier afterwards.
        for _ in range(6):
            self.assertNotIn(b"/c/inv #1 ", get(a, path)[2])

    def test_concurrent_misses_are_coalesced(self):
        path = "/c/slow?cc=max-age%3D60&delay=700"
        results = []

        def one():
            results.append(get(a if len(results) % 2 else b, path, headers=SITE))

        threads = [threading.Thread(target=one) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([r[0] for r in results], [200] * 20)
        self.assertEqual(count("/c/slow"), 1)
        bodies = {r[2] for r in results}
        self.assertEqual(len(bodies), 1)

    def test_stale_if_error(self):
        path = "/c/sie?cc=max-age%3D1%2C%20stale-if-error%3D60"
        get(a, path)
        time.sleep(1.2)
        request(MEMBER_PORT, "/__down?on=1")
        try:
            s, h, body = get(a, path)
        finally:
            request(MEMBER_PORT, "/__down?on=0")
        self.assertEqual(s, 200)
        self.assertIn("detail=stale-if-error", h["cache-status"])
        self.assertIn(b"/c/sie #1", body)

    def test_stale_if_error_when_the_member_is_gone(self):
        global dead
        path = "/dead/x?cc=max-age%3D1%2C%20stale-if-error%3D60"
        get(a, path)
        time.sleep(1.2)
        stop_process(dead)
        try:
            s, h, body = get(a, path)
            self.assertEqual(s, 200, h)
            self.assertIn("stale-if-error", h["cache-status"])
        finally:
            dead = start_member(DEAD_PORT)


class Counters(unittest.TestCase):
    def test_status_page_counts_what_happened(self):
        before = fleet_status(a)["cache"]
        path = "/c/counted?cc=max-age%3D60&size=1000"
        get(a, path)
        get(a, path)
        get(a, path)
        get(a, "/c/uncounted?cc=no-store")
        after = fleet_status(a)["cache"]
        self.assertEqual(after["hits"] - before["hits"], 2)
        self.assertEqual(after["misses"] - before["misses"], 2)
        self.assertEqual(after["stores"] - before["stores"], 1)
        self.assertEqual(after["uncacheable"] - before["uncacheable"], 1)
        self.assertEqual(after["bytes_stored"] - before["bytes_stored"], 1000)
        self.assertEqual(after["bytes_served"] - before["bytes_served"], 2000)
        self.assertEqual([s["name"] for s in after["servers"]], [m.address for m in mc])
        self.assertTrue(all(s["up"] for s in after["servers"]))
        self.assertGreater(sum(s["ops"] for s in after["servers"]), 0)


class Stale(unittest.TestCase):
    def test_stale_while_revalidate_refreshes_once_in_the_background(self):
        path = "/c/swr?cc=max-age%3D3%2C%20stale-while-revalidate%3D30"
        get(a, path)
        time.sleep(4.1)
        bodies = []
        for _ in range(5):
            s, h, body = get(a, path)
            self.assertEqual(s, 200)
            bodies.append(body)
        self.assertIn(b"/c/swr #1", bodies[0])  # the stale copy, at once
        deadline = time.time() + 3
        while time.time() < deadline and count("/c/swr") < 2:
            time.sleep(0.05)
        time.sleep(0.3)
        self.assertEqual(count("/c/swr"), 2)  # one refresh for five stale hits
        s, h, body = get(a, path)
        self.assertIn(b"/c/swr #2", body)
        self.assertRegex(h["cache-status"], r"hit; ttl=\d")


class QuickHandler(unittest.TestCase):
    def test_quick_handler_serves_only_public_hits_before_access_checks(self):
        ok = {"X-Key": "secret", "Host": "shop.example"}
        for p in ("/c/locked/pub?cc=public%2C%20max-age%3D60", "/c/locked/plain?cc=max-age%3D60"):
            self.assertEqual(get(a, p, headers=ok)[0], 200)
        site = {"Host": "shop.example"}
        # b answers the public one before Require runs (the documented trade-off) ...
        s, h, _ = get(b, "/c/locked/pub?cc=public%2C%20max-age%3D60", headers=site)
        self.assertEqual(s, 200)
        self.assertIn("hit", h["cache-status"])
        # ... and the other only after access checks, which refuse it.
        self.assertEqual(get(b, "/c/locked/plain?cc=max-age%3D60", headers=site)[0], 403)
        # Without the quick handler, access checks always come first.
        self.assertEqual(get(a, "/c/locked/pub?cc=public%2C%20max-age%3D60", headers=site)[0], 403)


class Deflate(unittest.TestCase):
    def test_compressed_and_plain_variants(self):
        path = "/c/gz/text?cc=max-age%3D60&size=4096"  # big enough that mod_deflate always compresses
        s1, h1, b1 = get(a, path, headers={"Accept-Encoding": "gzip"})
        s2, h2, b2 = get(a, path)
        self.assertEqual(h1.get("content-encoding"), "gzip", h1)
        self.assertNotIn("content-encoding", h2)
        s3, h3, b3 = get(a, path, headers={"Accept-Encoding": "gzip"})
        s4, h4, b4 = get(a, path)
        self.assertIn("hit", h3["cache-status"])
        self.assertIn("hit", h4["cache-status"])
        self.assertEqual((b3, b4), (b1, b2))
        self.assertEqual(h3.get("content-encoding"), "gzip")
        self.assertEqual(count("/c/gz/text"), 2)


class ZMemcachedFailure(unittest.TestCase):  # last: it restarts memcached
    def test_zz_memcached_down_is_a_miss_and_the_cache_resumes(self):
        path = "/c/mcdown?cc=max-age%3D60"
        for m in mc:
            m.stop()
        try:
            for _ in range(3):
                s, _, _ = get(a, path)
                self.assertEqual(s, 200)
            self.assertEqual(count("/c/mcdown"), 3)
            self.assertIn("FL00020:", a.error_log())
            self.assertFalse(all(s["up"] for s in fleet_status(a)["cache"]["servers"]))
        finally:
            for m in mc:
                m.start()
        time.sleep(1.2)  # FleetCacheRetry 1s
        get(a, path)
        get(a, path)
        deadline = time.time() + 5
        while time.time() < deadline and "hit" not in get(a, path)[1].get("cache-status", ""):
            time.sleep(0.3)
        self.assertIn("hit", get(a, path)[1]["cache-status"])
        self.assertIn("FL00021:", a.error_log())


class Configuration(unittest.TestCase):
    def test_bad_values_fail_configtest(self):
        cases = [
            (["FleetCacheServers 127.0.0.1:99999"], "FleetCacheServers: '127.0.0.1:99999' is not valid; accepted: host:port"),
            (["FleetCacheTimeout 0"], "FleetCacheTimeout: '0' is not valid"),
            (["FleetCacheRetry fast"], "FleetCacheRetry: 'fast' is not valid"),
            (["FleetCacheMaxObjectSize huge"], "FleetCacheMaxObjectSize: 'huge' is not valid; accepted: a size"),
            (["FleetCacheStaleIfError forever"], "FleetCacheStaleIfError"),
            (["FleetCache maybe"], "FleetCache"),
            (["<VirtualHost 127.0.0.1:1>\nFleetCacheServers 127.0.0.1:11211\n</VirtualHost>"], "FleetCacheServers"),
        ]
        expect_config_errors(self, cases)


if __name__ == "__main__":
    unittest.main()
