"""Attacks on mod_fleet through a real httpd, real mod_ssl, real memcached and real members of every
proxy scheme, each tried as an attacker would:
- a Vary (or Surrogate-Key) split over several header lines must not share one user's response
  with another, nor let a purge miss an entry;
- spoofed TLS and forwarding facts (in any spelling) must not reach fcgi, scgi, uwsgi, ajp, ws or
  http members, and mod_fleet's own facts must reach all of them;
- one client's request must not poison the cache for everyone (error statuses, method
  overrides, unkeyed X-Forwarded-Host);
- a POST loop must not empty the memory tiers; long or evicted Surrogate-Key counters must not
  fail a purge or revive purged entries;
- a member's invalid UTF-8 must not break the status JSON; an endless health-check body must not
  hold the checker."""
import json
import os
import ssl
import time
import http.client
import unittest

from certs import Pki
import memcached_wire
from raw_server import RawServer
from harness import (Httpd, Member, Memcached, free_port, request, start_script, stop_process)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = Httpd.BASE_MODULES + ["ssl", "socache_shmcb", "proxy_fcgi", "proxy_scgi", "proxy_uwsgi",
                                "proxy_ajp", "proxy_wstunnel", "rewrite"]
SITE = {"Host": "shop.example"}
SCHEMES = ("scgi", "fcgi", "uwsgi", "ajp")

mc = None
cache_proc = None
CACHE_PORT = 0
echo = None
protos = {}
pki = None
httpd = None
tier = None
TLS_PORT = 0
BAD_UTF8 = ENDLESS = None


def setUpModule():
    global mc, cache_proc, CACHE_PORT, echo, pki, httpd, tier, TLS_PORT, BAD_UTF8, ENDLESS, CLIENT
    mc = Memcached()
    CACHE_PORT, cache_proc = start_script("cache_member.py", what="cache member")
    echo = Member("echo")
    for scheme in SCHEMES:
        protos[scheme] = start_script("proto_member.py", scheme, what=f"{scheme} member")
    pki = Pki()
    server = pki.issue("server", "localhost", san="DNS:localhost,IP:127.0.0.1")
    CLIENT = pki.issue("client", "alice", client=True)
    BAD_UTF8 = RawServer(b"\xff\xfe\xc3 caf\xe9 \xe2\x82 HTTP/1.1 200 OK\r\n\r\n")  # its bytes end up in the reason
    ENDLESS = RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n", stream=True)
    TLS_PORT = free_port()
    c = f"127.0.0.1:{CACHE_PORT}"

    def schemes(prefix):
        lines = []
        for scheme in SCHEMES:
            lines.append(f"ProxyPass /{prefix}{scheme}/ {scheme}://127.0.0.1:{protos[scheme][0]}/{prefix}")
        return lines

    conf = "\n".join([
        f"FleetCacheServers {mc.address}",
        f"Listen 127.0.0.1:{TLS_PORT}",
        "SSLSessionCache none",
        "FleetForwardTLS on",
        *schemes(""),
        # PHP-FPM's usual wiring: no ProxyPass, only a handler.
        f'<Location /php/>\n  SetHandler "proxy:fcgi://127.0.0.1:{protos["fcgi"][0]}/"\n</Location>',
        f"<Proxy balancer://fpm>\n  BalancerMember fcgi://127.0.0.1:{protos['fcgi'][0]}\n"
        "  ProxySet lbmethod=p2c\n</Proxy>",
        "ProxyPass /bal/ balancer://fpm/",
        f"ProxyPass /http/ {echo.url}/",
        f"ProxyPass /ws/ ws://127.0.0.1:{echo.port}/",
        "RewriteEngine on",
        f"RewriteRule ^/rw/(.*)$ scgi://127.0.0.1:{protos['scgi'][0]}/$1 [P]",
        "<Location /tuned/>\n  FleetStripHeader X-Internal-*\n  FleetKeepHeader X-Real-IP\n</Location>",
        f"ProxyPass /tuned/ scgi://127.0.0.1:{protos['scgi'][0]}/",
        # The cache: by default no forwarding facts, and the stock status set.
        "<Location /c/>\n  FleetForwardTLS off\n  FleetCache on\n  FleetCachePurge on\n</Location>",
        f"ProxyPass /c/ http://{c}/c/",
        "<Location /c/errors/>\n  FleetCacheStatuses default 400\n</Location>",
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        "ProxyPass /fleet-status !",
        "<Proxy balancer://checked>",
        f"  BalancerMember http://127.0.0.1:{BAD_UTF8.port} hcmethod=GET hcinterval=100ms hcfails=1",
        f"  BalancerMember http://127.0.0.1:{ENDLESS.port} hcmethod=GET hcinterval=200ms hcfails=1 "
        "hctimeout=3s",
        "  ProxySet lbmethod=p2c", "</Proxy>",
        "ProxyPass /checked/ balancer://checked/",
        f"<VirtualHost 127.0.0.1:{TLS_PORT}>",
        "  ServerName localhost",
        "  SSLEngine on",
        f"  SSLCertificateFile {server[0]}", f"  SSLCertificateKeyFile {server[1]}",
        f"  SSLCACertificateFile {pki.ca_cert}",
        "  SSLVerifyClient optional_no_ca",
        "  FleetForwardTLS on",
        *["  " + line for line in schemes("")],
        "</VirtualHost>",
    ])
    httpd = Httpd(conf, modules=MODULES, log_level="warn fleet:info").start()
    # One child, so what its memory tier holds is what the next request sees.
    tier = Httpd("\n".join([
        f"FleetCacheServers {mc.address}",
        "FleetCacheLocalSize 16M",
        "<Location /c/>\n  FleetCache on\n  FleetCachePurge on\n</Location>",
        f"ProxyPass /c/ http://{c}/c/",
    ]), processes=1, log_level="warn fleet:info").start()


def tearDownModule():
    for h in (httpd, tier):
        if h:
            h.cleanup()
    for _, proc in protos.values():
        stop_process(proc)
    if cache_proc:
        stop_process(cache_proc)
    if echo:
        echo.stop()
    for s in (BAD_UTF8, ENDLESS):
        if s:
            s.close()
    if mc:
        mc.stop()


def get(h, path, headers=None, method="GET", body=None):
    return request(h.port, path, headers=headers, method=method, body=body)


def count(path):
    return int(request(CACHE_PORT, f"/__count?path={path}")[2])


def seen_vars(body):
    """NAME=value lines of a proto member's body: {NAME: [values]}."""
    out = {}
    for line in body.decode("latin-1").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def seen_by_http_member(body):
    """fleet_member's /__echo: the request head it received, as {HTTP_NAME: [values]}."""
    out = {}
    for line in body.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault("HTTP_" + k.strip().upper().replace("-", "_"), []).append(v.strip())
    return out


SPOOFS = {
    "X-SSL-Client-Verify": "SUCCESS",
    "X_SSL_Client_Verify": "SUCCESS",
    "X-SSL-Client-S-DN": "CN=admin",
    "Client-Cert": ":AAAA:",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "6.6.6.6",
    "X-Forwarded-Ssl": "on",
    "Front-End-Https": "on",
    "X-Real-IP": "6.6.6.6",
    "True-Client-IP": "6.6.6.6",
    "SSL_CLIENT_S_DN": "CN=admin",
    "X-Forwarded-Host": "evil.example",
}


class ForwardedFactsForEveryScheme(unittest.TestCase):
    def check(self, seen, label):
        for name in ("HTTP_X_SSL_CLIENT_VERIFY", "HTTP_X_SSL_CLIENT_S_DN", "HTTP_CLIENT_CERT",
                     "HTTP_X_FORWARDED_SSL", "HTTP_FRONT_END_HTTPS", "HTTP_X_REAL_IP",
                     "HTTP_TRUE_CLIENT_IP", "HTTP_SSL_CLIENT_S_DN"):
            self.assertNotIn(name, seen, f"{label}: {name} reached the member")
        # AJP passes header names as sent: no spelling of a stripped name may be among them.
        raw = [k for k in seen if k.startswith("RAW_")]
        for k in raw:
            folded = k[4:].lower().replace("_", "-").replace(".", "-")
            self.assertNotIn(folded, {n.lower().replace("_", "-") for n in SPOOFS if n != "X-Forwarded-Host"
                                      and n != "X-Forwarded-For" and n != "X-Forwarded-Proto"},
                             f"{label}: {k} reached the member")
        self.assertEqual(seen.get("HTTP_X_FORWARDED_PROTO"), ["http"], label)
        self.assertEqual(seen.get("HTTP_X_FORWARDED_FOR"), ["127.0.0.1"], label)
        self.assertNotIn("evil.example", " ".join(seen.get("HTTP_X_FORWARDED_HOST", [])), label)
        self.assertIn("for=127.0.0.1", " ".join(seen.get("HTTP_FORWARDED", [])), label)

    def test_spoofed_facts_never_reach_a_member_whatever_its_scheme(self):
        routes = [f"/{s}/x" for s in SCHEMES] + ["/php/index.php", "/bal/x", "/rw/x"]
        for path in routes:
            with self.subTest(path=path):
                s, h, body = get(httpd, path, headers=SPOOFS)
                self.assertEqual(s, 200, body[:300])
                self.check(seen_vars(body), path)
        for path in ("/http/__echo", "/ws/__echo"):
            with self.subTest(path=path):
                s, h, body = get(httpd, path, headers=SPOOFS)
                self.assertEqual(s, 200, body[:300])
                self.check(seen_by_http_member(body), path)

    def test_tls_facts_from_mod_ssl_reach_cgi_like_members(self):
        ctx = ssl.create_default_context(cafile=pki.ca_cert)
        ctx.load_cert_chain(*CLIENT)
        for scheme in SCHEMES:
            with self.subTest(scheme=scheme):
                conn = http.client.HTTPSConnection("localhost", TLS_PORT, context=ctx, timeout=10)
                try:
                    conn.request("GET", f"/{scheme}/x", headers=SPOOFS)
                    resp = conn.getresponse()
                    seen = seen_vars(resp.read())
                finally:
                    conn.close()
                self.assertEqual(seen.get("HTTP_X_SSL_CLIENT_VERIFY"), ["SUCCESS"], seen)
                self.assertEqual(len(seen.get("HTTP_X_SSL_CLIENT_S_DN", [])), 1, seen)
                self.assertIn("CN=alice", seen["HTTP_X_SSL_CLIENT_S_DN"][0])
                self.assertEqual(seen.get("HTTP_X_FORWARDED_PROTO"), ["https"])
                self.assertTrue(seen.get("HTTP_CLIENT_CERT", [""])[0].startswith(":"))

    def test_operators_add_and_keep_names(self):
        s, _, body = get(httpd, "/tuned/x", headers={"X-Internal-Token": "t", "X_Internal_Role": "admin",
                                                     "X-Real-IP": "10.1.2.3", "X-App": "1"})
        seen = seen_vars(body)
        self.assertNotIn("HTTP_X_INTERNAL_TOKEN", seen)
        self.assertEqual(seen.get("HTTP_X_REAL_IP"), ["10.1.2.3"])
        self.assertEqual(seen.get("HTTP_X_APP"), ["1"])


class SplitHeaderLines(unittest.TestCase):
    def test_vary_on_two_lines_keeps_users_apart(self):
        path = "/c/vary2?cc=max-age%3D60&h=Vary%3AAccept-Encoding&h=Vary%3ACookie&reflect=Cookie"
        _, _, alice = get(httpd, path, headers=dict(SITE, Cookie="user=alice"))
        s, h, bob = get(httpd, path, headers=dict(SITE, Cookie="user=bob"))
        self.assertEqual(s, 200)
        self.assertIn(b"Cookie=user=bob", bob)
        self.assertNotIn(b"alice", bob)
        self.assertEqual(count("/c/vary2"), 2)
        _, h, again = get(httpd, path, headers=dict(SITE, Cookie="user=alice"))
        self.assertIn("hit", h["cache-status"])  # each user still gets their own copy
        self.assertIn(b"alice", again)

    def test_vary_star_on_its_own_line_is_never_stored(self):
        path = "/c/varystar?cc=max-age%3D60&h=Vary%3AAccept-Encoding&h=Vary%3A%2A"
        get(httpd, path, headers=SITE)
        _, h, _ = get(httpd, path, headers=SITE)
        self.assertIn("detail=vary-star", h["cache-status"])
        self.assertEqual(count("/c/varystar"), 2)

    def test_cache_control_on_two_lines(self):
        path = "/c/cc2?h=Cache-Control%3Amax-age%3D60&h=Cache-Control%3Aprivate"
        get(httpd, path, headers=SITE)
        _, h, _ = get(httpd, path, headers=SITE)
        self.assertIn("detail=private", h["cache-status"])
        self.assertEqual(count("/c/cc2"), 2)

    def test_a_tag_on_the_second_surrogate_key_line_is_purged(self):
        path = "/c/tags2?cc=max-age%3D60&h=Surrogate-Key%3Aproduct-1&h=Surrogate-Key%3Acart-7"
        get(httpd, path, headers=SITE)
        self.assertIn("hit", get(httpd, path, headers=SITE)[1]["cache-status"])
        s, _, _ = get(httpd, "/c/x", method="PURGE", headers=dict(SITE, **{"Surrogate-Key": "cart-7"}))
        self.assertEqual(s, 200)
        self.assertIn("fwd=uri-miss", get(httpd, path, headers=SITE)[1]["cache-status"])


class CachePoisoning(unittest.TestCase):
    def test_error_statuses_one_client_provokes_are_not_shared(self):
        for status in (400, 403, 405, 412, 500, 502):
            with self.subTest(status=status):
                path = f"/c/err{status}?cc=max-age%3D60&status={status}"
                get(httpd, path, headers=SITE)
                s, h, _ = get(httpd, path, headers=SITE)
                self.assertEqual(s, status)
                self.assertFalse(h.get("cache-status", "").startswith("fleet; hit"), h)
                self.assertEqual(count(f"/c/err{status}"), 2)

    def test_fleet_cache_statuses_turns_them_back_on(self):
        path = "/c/errors/e400?cc=max-age%3D60&status=400"
        get(httpd, path, headers=SITE)
        s, h, _ = get(httpd, path, headers=SITE)
        self.assertEqual(s, 400)
        self.assertIn("hit", h["cache-status"])

    def test_a_method_override_is_neither_served_nor_stored(self):
        path = "/c/override?cc=max-age%3D60"
        get(httpd, path, headers=SITE)
        self.assertIn("hit", get(httpd, path, headers=SITE)[1]["cache-status"])
        for name in ("X-HTTP-Method-Override", "x_http_method", "X-Method-Override"):
            with self.subTest(name=name):
                before = count("/c/override")
                s, h, _ = get(httpd, path, headers=dict(SITE, **{name: "DELETE"}))
                self.assertEqual(count("/c/override"), before + 1)  # went to the member
                # ... and it invalidated, as the unsafe request it may be.
                _, h, _ = get(httpd, path, headers=SITE)
                self.assertIn("fwd=uri-miss", h["cache-status"])

    def test_unkeyed_forwarding_headers_never_reach_a_cached_page(self):
        path = "/c/reflect?cc=max-age%3D60&reflect=X-Forwarded-Host"
        s, _, first = get(httpd, path, headers=dict(SITE, **{"X-Forwarded-Host": "evil.example",
                                                               "X_Forwarded_Host": "evil.example"}))
        self.assertEqual(s, 200)
        self.assertNotIn(b"evil", first)
        self.assertIn(b"X-Forwarded-Host=shop.example", first)
        _, h, second = get(httpd, path, headers=SITE)
        self.assertIn("hit", h["cache-status"])
        self.assertNotIn(b"evil", second)


class Tiers(unittest.TestCase):
    def test_a_post_loop_leaves_other_urls_in_the_memory_tier(self):
        hot = "/c/hot?cc=max-age%3D60"
        # Someone has invalidated before (the log exists), then the hot page is cached.
        get(tier, "/c/first", method="POST", body="x", headers=dict(SITE, **{"Content-Type": "text/plain"}))
        time.sleep(0.2)
        get(tier, hot, headers=SITE)
        self.assertIn("hit", get(tier, hot, headers=SITE)[1]["cache-status"])
        for _ in range(50):
            s, _, _ = get(tier, "/c/form", method="POST", body="x",
                          headers=dict(SITE, **{"Content-Type": "text/plain"}))
            self.assertEqual(s, 200)
        time.sleep(0.2)  # the poller has seen the log
        # memcached loses the hot entry; only the memory tier can still answer.
        key = memcached_wire.storage_key("http://shop.example:80" + hot)
        self.assertTrue(memcached_wire.delete([mc.port], key))
        s, h, _ = get(tier, hot, headers=SITE)
        self.assertIn("hit", h["cache-status"])
        self.assertEqual(count("/c/hot"), 1)

    def test_a_post_still_takes_its_own_url_out_of_the_tier(self):
        page = "/c/own?cc=max-age%3D60"
        get(tier, page, headers=SITE)
        self.assertIn("hit", get(tier, page, headers=SITE)[1]["cache-status"])
        get(tier, page, method="POST", body="x", headers=dict(SITE, **{"Content-Type": "text/plain"}))
        self.assertIn("fwd=uri-miss", get(tier, page, headers=SITE)[1]["cache-status"])


class SurrogateKeys(unittest.TestCase):
    def test_a_long_tag_can_be_purged(self):
        tag = "t" * 300
        path = f"/c/longtag?cc=max-age%3D60&tag={tag}"
        get(httpd, path, headers=SITE)
        self.assertIn("hit", get(httpd, path, headers=SITE)[1]["cache-status"])
        s, _, body = get(httpd, "/c/x", method="PURGE", headers=dict(SITE, **{"Surrogate-Key": tag}))
        self.assertEqual(s, 200, body)
        self.assertIn("fwd=uri-miss", get(httpd, path, headers=SITE)[1]["cache-status"])

    def test_an_evicted_tag_counter_never_revives_purged_entries(self):
        path = "/c/evicted?cc=max-age%3D60&tag=sale"
        get(httpd, path, headers=SITE)
        self.assertIn("hit", get(httpd, path, headers=SITE)[1]["cache-status"])
        s, _, _ = get(httpd, "/c/x", method="PURGE", headers=dict(SITE, **{"Surrogate-Key": "sale"}))
        self.assertEqual(s, 200)
        # memcached evicts the counter (either spelling of its key).
        memcached_wire.delete([mc.port], memcached_wire.storage_key("sale", prefix="fl2:tag:"))
        memcached_wire.delete([mc.port], "fl2:tag:sale")
        self.assertIn("fwd=uri-miss", get(httpd, path, headers=SITE)[1]["cache-status"])


class StatusPageText(unittest.TestCase):
    def test_a_members_invalid_utf8_keeps_the_json_strict(self):
        deadline = time.time() + 10
        reason = ""
        while time.time() < deadline:
            s, _, body = get(httpd, "/fleet-status?format=json")
            self.assertEqual(s, 200)
            doc = json.loads(body.decode("utf-8", errors="strict"))
            (b,) = [b for b in doc["balancers"] if b["name"] == "balancer://checked"]
            reason = b["members"][0]["health"]["reason"]
            if "status line" in reason:
                break
            time.sleep(0.2)
        self.assertIn("not an HTTP/1.x status line", reason)
        self.assertIn("\ufffd", reason)
        s, _, body = get(httpd, "/fleet-status?format=prometheus")
        body.decode("utf-8", errors="strict")


class HealthProbes(unittest.TestCase):
    def test_an_endless_body_does_not_hold_the_checker(self):
        time.sleep(2.5)  # a dozen checks at 200 ms
        s, _, body = get(httpd, "/fleet-status?format=json")
        doc = json.loads(body.decode("utf-8", errors="replace"))  # strictness is the test above's
        (b,) = [b for b in doc["balancers"] if b["name"] == "balancer://checked"]
        health = b["members"][1]["health"]
        # The status line said 200: a pass, at once, not a timeout after hctimeout.
        self.assertFalse(health["failing"], health)
        self.assertTrue(health["last_passed"], health)
        self.assertLess(health["latency_us"], 1000000, health)
        self.assertGreaterEqual(ENDLESS.connections, 5)
        # Each check reads the head and stops: what the member pushed into socket buffers before
        # the close, not a stream read for seconds.
        self.assertLess(ENDLESS.sent / ENDLESS.connections, 64 * 1024 * 1024, ENDLESS.sent)


if __name__ == "__main__":
    unittest.main()
