"""The shared cache's RFC 9111 / 9110 / 5861 / 9213 behaviour and its newer primitives, through a
real httpd, a real memcached and a real member: the Age received from upstream, strict HTTP dates,
freshening with 304, invalidation by any unsafe method, a member that closes while a stale entry
is held, targeted cache control, hit-for-miss, byte ranges served from only the chunks they need,
and soft purge."""
import os
import threading
import time
import unittest

from harness import (Httpd, Memcached, fleet_status, request, start_script, stop_process)
import memcached_wire

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = {"Host": "shop.example"}
mc = member = httpd = None
MEMBER_PORT = 0


def setUpModule():
    global mc, member, httpd, MEMBER_PORT
    mc = Memcached()
    MEMBER_PORT, member = start_script("cache_member.py", what="cache member")
    httpd = Httpd("\n".join([
        f"FleetCacheServers {mc.address}",
        "<Location /r/>\n  FleetCache on\n  FleetCachePurge on\n  FleetCacheLockWait 3s\n</Location>",
        f"ProxyPass /r/ http://127.0.0.1:{MEMBER_PORT}/r/",
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        "ProxyPass /fleet-status !",
    ]), log_level="warn fleet:info").start()


def tearDownModule():
    if httpd:
        httpd.cleanup()
    if member:
        stop_process(member)
    if mc:
        mc.stop()


def get(path, headers=None, method="GET", body=None):
    return request(httpd.port, path, headers=dict(SITE, **(headers or {})), method=method, body=body)


def count(path):
    return int(request(MEMBER_PORT, f"/__count?path={path}")[2])


def is_hit(h):
    return h.get("cache-status", "").startswith("fleet; hit")


class Age(unittest.TestCase):
    def test_an_age_at_the_lifetime_is_stale_at_once(self):
        for name, age in (("full", "60"), ("list", "old%2C%200"), ("huge", "99999999999")):
            with self.subTest(age=age):
                path = f"/r/age-{name}?cc=max-age%3D60&h=Age%3A{age}"
                get(path)
                _, h, _ = get(path)
                self.assertFalse(is_hit(h), h)
                self.assertEqual(count(f"/r/age-{name}"), 2)

    def test_the_age_sent_grows_from_the_received_one(self):
        path = "/r/age-30?cc=max-age%3D60&h=Age%3A30"
        get(path)
        _, h, _ = get(path)
        self.assertTrue(is_hit(h), h)
        self.assertGreaterEqual(int(h["age"]), 30)
        self.assertRegex(h["cache-status"], r"ttl=(30|29|28)\b")  # 60 - 30 received - what passed


class Dates(unittest.TestCase):
    def test_an_expires_not_in_one_of_the_three_forms_is_already_expired(self):
        def q(v):
            return v.replace(" ", "%20").replace(",", "%2C")
        # Through mod_proxy_http, httpd itself rewrites the dates it can read ("UTC", a missing
        # comma) into IMF-fixdate before any cache sees them (ap_proxy_date_canon); these are
        # the forms it passes on as they came. The unit tests cover every form.
        good = "Fri, 01 Jan 2100 01:00:00 GMT"
        bad = {
            "onedigit": "h=Expires:" + q("Fri, 01 Jan 2100 1:00:00 GMT"),
            "twospaces": "h=Expires:" + q("Fri,  01 Jan 2100 01:00:00 GMT"),
            "twolines": "h=Expires:" + q(good) + "&h=Expires:" + q(good),
        }
        for name, query in bad.items():
            with self.subTest(expires=name):
                path = f"/r/exp-{name}?{query}"
                get(path)
                _, h, _ = get(path)
                self.assertFalse(is_hit(h), (name, h))
                self.assertEqual(count(f"/r/exp-{name}"), 2)
        path = "/r/exp-good?h=Expires:" + q(good)
        get(path)
        self.assertTrue(is_hit(get(path)[1]))


class Freshening(unittest.TestCase):
    def test_a_304_updates_the_stored_fields_and_this_response(self):
        path = "/r/fresh?cc=max-age%3D1&etag=v1&hn=X-Version"
        _, h1, body1 = get(path)
        self.assertEqual(h1["x-version"], "v1")
        time.sleep(1.2)
        s, h2, body2 = get(path)  # revalidated: the member's 304 carries X-Version: v2
        self.assertEqual(s, 200)
        self.assertIn("fwd-status=304", h2["cache-status"])
        self.assertEqual(h2["x-version"], "v2")
        self.assertEqual(body2, body1)
        _, h3, _ = get(path)
        self.assertTrue(is_hit(h3))
        self.assertEqual(h3["x-version"], "v2")


class Invalidation(unittest.TestCase):
    def test_any_unsafe_method_invalidates_on_success_only(self):
        for method in ("POST", "PUT", "DELETE", "FROB"):
            with self.subTest(method=method):
                path = f"/r/inv-{method}?cc=max-age%3D60"
                get(path)
                self.assertTrue(is_hit(get(path)[1]))
                s, _, _ = get(path, method=method, body="x", headers={"Content-Type": "text/plain"})
                self.assertEqual(s, 200)
                self.assertFalse(is_hit(get(path)[1]))
        path = "/r/inv-err?cc=max-age%3D60"
        get(path)
        s, _, _ = get(path, method="POST", body="x", headers={"Content-Type": "text/plain", "X-Post-Status": "500"})
        self.assertEqual(s, 500)
        self.assertTrue(is_hit(get(path)[1]))  # a failed POST changed nothing


class MemberCloses(unittest.TestCase):
    def test_a_stale_entry_that_must_revalidate_gives_a_clean_502(self):
        path = "/r/close-mr?cc=max-age%3D1%2C%20must-revalidate&etag=c1&closeafter=1"
        get(path)
        time.sleep(1.2)
        s, h, body = get(path)
        self.assertIn(s, (502, 504))  # a whole response, not a dropped connection

    def test_a_stale_entry_with_stale_if_error_is_served(self):
        path = "/r/close-sie?cc=max-age%3D1%2C%20stale-if-error%3D60&etag=c2&closeafter=1"
        _, _, first = get(path)
        time.sleep(1.2)
        s, h, body = get(path)
        self.assertEqual(s, 200)
        self.assertEqual(body, first)
        self.assertIn("stale-if-error", h["cache-status"])


class Targeted(unittest.TestCase):
    def test_fleet_cache_control_decides_and_never_leaves(self):
        path = "/r/targeted?cc=no-store&h=Fleet-Cache-Control%3Amax-age%3D30&h=CDN-Cache-Control%3Ano-store"
        _, h1, _ = get(path)
        self.assertNotIn("fleet-cache-control", h1)
        self.assertEqual(h1["cache-control"], "no-store")  # for the browser
        _, h2, _ = get(path)
        self.assertTrue(is_hit(h2), h2)
        self.assertNotIn("fleet-cache-control", h2)
        self.assertEqual(count("/r/targeted"), 1)

    def test_cdn_cache_control_before_cache_control(self):
        path = "/r/cdn?cc=no-store&h=CDN-Cache-Control%3Amax-age%3D30"
        get(path)
        _, h, _ = get(path)
        self.assertTrue(is_hit(h), h)
        self.assertEqual(h["cdn-cache-control"], "max-age=30")


class HitForMiss(unittest.TestCase):
    def test_an_uncacheable_hot_url_does_not_queue_on_the_lease(self):
        path = "/r/hfm?delay=400"  # no freshness information: never stored
        get(path)  # the first answer leaves the hit-for-miss marker
        before = fleet_status(httpd)["cache"]["hit_for_miss"]
        results = []

        def one():
            results.append(get(path))

        threads = [threading.Thread(target=one) for _ in range(8)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        self.assertEqual([r[0] for r in results], [200] * 8)
        # In parallel, not one after another behind the lease (8 x 0.4 s).
        self.assertLess(elapsed, 1.6, elapsed)
        self.assertTrue(all("hit-for-miss" in r[1]["cache-status"] for r in results), results[0][1])
        self.assertEqual(fleet_status(httpd)["cache"]["hit_for_miss"] - before, 8)

    def test_a_cacheable_answer_replaces_the_marker(self):
        path = "/r/hfm-then?cc2=max-age%3D60"  # uncacheable first, cacheable from then on
        _, h1, _ = get(path)
        self.assertIn("detail=stale-at-once", h1["cache-status"])
        _, h2, _ = get(path)
        self.assertIn("hit-for-miss", h2["cache-status"])
        self.assertIn("stored", h2["cache-status"])
        _, h3, _ = get(path)
        self.assertTrue(is_hit(h3), h3)
        self.assertEqual(count("/r/hfm-then"), 2)


class Ranges(unittest.TestCase):
    def test_a_range_of_a_chunked_object_reads_only_its_chunk(self):
        path = "/r/big?cc=max-age%3D60&size=2000000"
        _, _, whole = get(path)
        self.assertEqual(len(whole), 2000000)
        s, h, part = get(path, headers={"Range": "bytes=600000-600099"})
        self.assertEqual(s, 206)
        self.assertEqual(h["content-range"], "bytes 600000-600099/2000000")
        self.assertEqual(part, whole[600000:600100])
        self.assertTrue(is_hit(h))
        # Take chunk 0 away: the range (in chunk 1) is still served; the whole object is a miss.
        full = "http://shop.example:80" + path
        entry = memcached_wire.get([mc.port], memcached_wire.storage_key(full))
        chunk0 = memcached_wire.chunk_key(full, memcached_wire.entry_body_id(entry, full), 0)
        self.assertTrue(memcached_wire.delete([mc.port], chunk0))
        s, h, part = get(path, headers={"Range": "bytes=600000-600099"})
        self.assertEqual((s, part), (206, whole[600000:600100]))
        self.assertEqual(count("/r/big"), 1)
        s, h, again = get(path)
        self.assertEqual(again, whole)
        self.assertFalse(is_hit(h))
        self.assertEqual(count("/r/big"), 2)

    def test_a_range_on_a_miss_goes_to_the_member_and_later_ranges_come_from_the_cache(self):
        path = "/r/rangemiss?cc=max-age%3D60&size=5000"
        # This member ignores Range: its whole 200 is stored; the client gets it whole, or cut by
        # httpd's byterange filter when the member's answer arrived in one piece (both allowed
        # by RFC 9110 14.2).
        s1, h, first = get(path, headers={"Range": "bytes=10-19"})
        self.assertIn((s1, len(first)), ((200, 5000), (206, 10)))
        self.assertIn("stored", h["cache-status"])
        s, h, whole = get(path)
        self.assertEqual((s, len(whole)), (200, 5000))
        self.assertTrue(is_hit(h))
        self.assertEqual(first, whole if s1 == 200 else whole[10:20])
        s, h, part = get(path, headers={"Range": "bytes=10-19"})
        self.assertEqual((s, part), (206, whole[10:20]))
        self.assertTrue(is_hit(h))
        self.assertEqual(count("/r/rangemiss"), 1)

    def test_unsatisfiable_and_if_range(self):
        path = "/r/ranges?cc=max-age%3D60&size=100&etag=r1"
        get(path)
        s, h, _ = get(path, headers={"Range": "bytes=500-"})
        self.assertEqual(s, 416)
        self.assertEqual(h["content-range"], "bytes */100")
        s, _, body = get(path, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
        self.assertEqual((s, len(body)), (200, 100))
        s, _, body = get(path, headers={"Range": "bytes=0-9", "If-Range": '"r1"'})
        self.assertEqual((s, len(body)), (206, 10))


class SoftPurge(unittest.TestCase):
    def test_a_soft_purge_serves_stale_while_one_refresh_runs(self):
        path = "/r/soft?cc=max-age%3D60"
        _, _, first = get(path)
        self.assertTrue(is_hit(get(path)[1]))
        s, _, body = get(path, method="PURGE", headers={"Fleet-Soft-Purge": "1"})
        self.assertEqual(s, 200, body)
        self.assertIn(b"soft-purged", body)
        answers = [get(path) for _ in range(4)]
        self.assertEqual(answers[0][2], first)  # stale, at once
        self.assertIn("stale-while-revalidate", answers[0][1]["cache-status"])
        deadline = time.time() + 3
        while time.time() < deadline and count("/r/soft") < 2:
            time.sleep(0.05)
        time.sleep(0.2)
        self.assertEqual(count("/r/soft"), 2)  # one refresh, not a stampede
        _, h, body = get(path)
        self.assertTrue(is_hit(h))
        self.assertIn(b"#2", body)


if __name__ == "__main__":
    unittest.main()
