"""The fleet-status page through a real httpd: HTML (escaped, with forms), JSON matching what the
test did (requests, a killed member, cache hits), Prometheus text accepted by a strict parser,
actions only with the nonce and from the same origin (and their effect in every child), httpd's
Require in front, the server-status section and ?auto lines, and a real headless Chromium loading
the page (DOM checked, screenshot kept as an artifact)."""
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import promcheck
from harness import (Httpd, Member, Memcached, balancer_section, fleet_status, load, request)

members = []
mc = None
httpd = None
ARTIFACTS = os.environ.get("FLEET_ARTIFACTS", os.path.join(tempfile.gettempdir(), "fleet-artifacts"))


def setUpModule():
    global httpd, mc
    for i in range(3):
        members.append(Member(f"s{i + 1}", header="Cache-Control: public, max-age=60"))
    mc = Memcached()
    m1, m2, m3 = (m.url for m in members)
    conf = "\n".join([
        f"FleetCacheServers {mc.address}",
        balancer_section("web", "p2c", [
            f"  BalancerMember {m1} route=s1",
            f"  BalancerMember {m2} route=s2",
            f"  BalancerMember {m3} route=<script>alert(1)</script> hcmethod=TCP hcinterval=200ms"],
            ["FleetSlowStart 30s"]),
        "<Location /cached/>\n  FleetCache on\n</Location>",
        f"ProxyPass /cached/ {m1}/",
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        "<Location /locked-status>\n  SetHandler fleet-status\n  Require ip 192.0.2.1\n</Location>",
        "<Location /server-status>\n  SetHandler server-status\n</Location>",
        "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>",
        "ProxyPass /balancer-manager !",
        "ProxyPass /fleet-status !", "ProxyPass /locked-status !", "ProxyPass /server-status !",
    ])
    httpd = Httpd(conf, log_level="warn fleet:info").start()


def tearDownModule():
    if httpd:
        httpd.cleanup()
    for m in members:
        m.stop()
    if mc:
        mc.stop()


BROWSER = {}  # the token cookie the page set, sent back as a browser would


def post(path, fields, origin=True, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin is True:
        h["Origin"] = f"http://127.0.0.1:{httpd.port}"
    elif origin:
        h["Origin"] = origin
    if "cookie" in BROWSER:
        h["Cookie"] = BROWSER["cookie"]
    h.update(headers or {})
    return request(httpd.port, path, method="POST", headers=h, body=urllib.parse.urlencode(fields))


def page_token(headers=None):
    """(the form's token, the cookie the page set) for a fresh browser."""
    _, h, body = request(httpd.port, "/fleet-status", headers=headers)
    cookie = h["set-cookie"].split(";")[0]
    return re.search(r'name="nonce" value="([0-9a-f]+)"', body.decode()).group(1), cookie


def nonce():
    if "cookie" not in BROWSER:
        BROWSER["token"], BROWSER["cookie"] = page_token()
    # The same browser keeps its cookie: the page then sets none and shows the same token.
    _, h, body = request(httpd.port, "/fleet-status", headers={"Cookie": BROWSER["cookie"]})
    assert "set-cookie" not in h, h
    return re.search(r'name="nonce" value="([0-9a-f]+)"', body.decode()).group(1)


def web():
    (b,) = [b for b in fleet_status(httpd)["balancers"] if b["name"] == "balancer://web"]
    return {m["route"]: m for m in b["members"]}


class Page(unittest.TestCase):
    def test_html_by_default_escaped_with_forms(self):
        status, headers, body = request(httpd.port, "/fleet-status")
        page = body.decode()
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn("default-src 'none'", headers["content-security-policy"])
        self.assertIn("balancer://web", page)
        self.assertNotIn("<script>", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertIn('name="action" value="drain"', page)
        self.assertIn("lbmethod=p2c", page)
        self.assertIn("slow start 30s", page)
        self.assertIn('id="cache"', page)

    def test_json_matches_what_happened(self):
        before = {r: m["requests"] for r, m in web().items()}
        counts, statuses = load(httpd.port, "/web/", 30, 3)
        self.assertEqual({200: 30}, dict(statuses))
        after = web()
        self.assertEqual(sum(m["requests"] for m in after.values()) - sum(before.values()), 30)
        for route, n in counts.items():
            self.assertEqual(after[route]["requests"] - before[route], n, route)
        c0 = fleet_status(httpd)["cache"]
        request(httpd.port, "/cached/x")
        request(httpd.port, "/cached/x")
        c1 = fleet_status(httpd)["cache"]
        self.assertEqual(c1["hits"] - c0["hits"], 1)
        self.assertEqual(c1["misses"] - c0["misses"], 1)
        self.assertEqual(c1["servers"][0]["name"], mc.address)
        self.assertTrue(c1["servers"][0]["up"])

    def test_a_killed_member_shows_as_failing(self):
        s3 = members[2]
        route = "<script>alert(1)</script>"
        s3.stop()
        try:
            deadline = time.time() + 5
            while time.time() < deadline and not web()[route]["health"]["failing"]:
                time.sleep(0.1)
            m = web()[route]
            self.assertTrue(m["health"]["failing"])
            self.assertFalse(m["usable"])
            self.assertIn("refused", m["health"]["reason"])
            self.assertEqual(fleet_status(httpd)["checker"]["members"], 1)
        finally:
            members[2] = Member("s3", header="Cache-Control: public, max-age=60")
            # the new process listens on another port; the old member stays failing

    def test_prometheus_parses_strictly(self):
        request(httpd.port, "/web/")
        status, headers, body = request(httpd.port, "/fleet-status?format=prometheus")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        families = promcheck.check(body.decode())
        self.assertEqual(families["fleet_member_requests_total"]["type"], "counter")
        self.assertEqual(families["fleet_member_in_flight"]["type"], "gauge")
        series = {(l["balancer"], l["member"]): v for l, v in families["fleet_member_requests_total"]["samples"]}
        self.assertEqual(series[("balancer://web", members[0].url)], web()["s1"]["requests"])
        self.assertIn("fleet_cache_hits_total", families)
        self.assertIn("fleet_cache_server_up", families)

    def test_promcheck_itself_rejects_bad_text(self):
        for bad in ("x 1\n", "# HELP a_total h\n# TYPE a_total counter\na_total{l=\"\\q\"} 1\n",
                    "# HELP a h\n# TYPE a counter\na 1\n", "# HELP a h\n# TYPE a gauge\na 1\na 2\n",
                    "# HELP a h\n# TYPE a gauge\na one\n"):
            with self.assertRaises(ValueError, msg=bad):
                promcheck.check(bad)

    def test_require_keeps_outsiders_out(self):
        self.assertEqual(request(httpd.port, "/locked-status")[0], 403)
        self.assertEqual(post("/locked-status", {"action": "drain", "nonce": nonce(), "b": "balancer://web",
                                                 "w": members[1].url})[0], 403)


class Actions(unittest.TestCase):
    def test_actions_need_the_nonce_and_the_same_origin(self):
        fields = {"action": "drain", "b": "balancer://web", "w": members[1].url}
        self.assertEqual(post("/fleet-status", fields)[0], 403)  # no nonce
        self.assertEqual(post("/fleet-status", dict(fields, nonce="0" * 32))[0], 403)
        self.assertEqual(post("/fleet-status", dict(fields, nonce=nonce()), origin="http://evil.example")[0], 403)
        self.assertEqual(post("/fleet-status", dict(fields, nonce=nonce()), origin=None)[0], 403)
        self.assertFalse(web()["s2"]["drained"])

    def test_the_token_is_bound_to_the_browser_that_loaded_the_page(self):
        fields = {"action": "drain", "b": "balancer://web", "w": members[2].url}
        token_a, cookie_a = page_token()
        token_b, cookie_b = page_token()
        self.assertNotEqual(token_a, token_b)
        self.assertIn("HttpOnly", request(httpd.port, "/fleet-status")[1]["set-cookie"])
        self.assertIn("SameSite=Strict", request(httpd.port, "/fleet-status")[1]["set-cookie"])
        # Another browser's token, or a token without its cookie, does nothing.
        self.assertEqual(post("/fleet-status", dict(fields, nonce=token_a), headers={"Cookie": cookie_b})[0], 403)
        self.assertEqual(post("/fleet-status", dict(fields, nonce=token_a), headers={"Cookie": ""})[0], 403)
        self.assertFalse(web()["<script>alert(1)</script>"]["drained"])

    def test_a_dns_rebound_host_gets_nothing(self):
        # An attacker page whose name now resolves to this server: the browser sends the
        # attacker's Host and Origin, and (having loaded the page through that name) its cookie
        # and token. Neither the page nor the action is served under a name not the vhost's own.
        evil = {"Host": "rebind.evil.example"}
        self.assertEqual(request(httpd.port, "/fleet-status", headers=evil)[0], 421)
        self.assertEqual(request(httpd.port, "/fleet-status?format=json", headers=evil)[0], 421)
        token, cookie = page_token()
        s, _, _ = post("/fleet-status", {"action": "drain", "b": "balancer://web", "w": members[2].url,
                                         "nonce": token}, origin="http://rebind.evil.example",
                       headers=dict(evil, Cookie=cookie))
        self.assertEqual(s, 421)
        self.assertFalse(web()["<script>alert(1)</script>"]["drained"])
        # The names it is known by still work.
        self.assertEqual(request(httpd.port, "/fleet-status", headers={"Host": "localhost"})[0], 200)

    def test_the_redirect_after_an_action_is_escaped(self):
        s, h, _ = post("/fleet-status/%3Cb%3E%20x%22", {"action": "reset", "b": "balancer://web",
                                                         "w": members[0].url, "nonce": nonce()})
        self.assertEqual(s, 303)
        self.assertTrue(h["location"].startswith("/fleet-status/%3Cb%3E%20x%22?notice="), h["location"])
        self.assertNotIn(" ", h["location"])

    def test_drain_weight_and_undrain_reach_every_child(self):
        n = nonce()
        s, h, _ = post("/fleet-status", {"action": "drain", "b": "balancer://web", "w": members[1].url, "nonce": n})
        self.assertEqual(s, 303)
        self.assertIn("notice=drained", h["location"])
        for _ in range(6):  # answered by both children in turn
            self.assertTrue(web()["s2"]["drained"])
        counts, _ = load(httpd.port, "/web/", 30, 3)
        self.assertNotIn("s2", counts)
        s, _, _ = post("/fleet-status", {"action": "weight", "b": "balancer://web", "w": members[0].url,
                                         "value": "7", "nonce": n})
        self.assertEqual(s, 303)
        self.assertEqual(web()["s1"]["weight"], 700)
        post("/fleet-status", {"action": "undrain", "b": "balancer://web", "w": members[1].url, "nonce": n})
        self.assertFalse(web()["s2"]["drained"])
        s, h, _ = post("/fleet-status", {"action": "weight", "b": "balancer://web", "w": members[0].url,
                                         "value": "9000", "nonce": n})
        self.assertIn("not a whole number from 1 to 100", urllib.parse.unquote(h["location"]))

    def test_purge_from_the_page(self):
        request(httpd.port, "/cached/p")
        self.assertIn("hit", request(httpd.port, "/cached/p")[1]["cache-status"])
        s, h, _ = post("/fleet-status", {"action": "purge", "value": "/cached/p", "nonce": nonce()})
        self.assertEqual(s, 303)
        time.sleep(0.1)
        self.assertIn("fwd=uri-miss", request(httpd.port, "/cached/p")[1]["cache-status"])
        page = request(httpd.port, urllib.parse.urlsplit(h["location"]).path + "?" +
                       urllib.parse.urlsplit(h["location"]).query)[2].decode()
        self.assertIn('id="notice"', page)


class BalancerManagerEdits(unittest.TestCase):
    def test_manager_edits_reach_mod_fleet_in_every_child(self):
        from harness import BalancerManager
        bm = BalancerManager(httpd)
        self.assertIn("p2c", bm.page())
        bm.set_member("web", members[1].url, w_lf="3", w_status_N="1")
        for _ in range(6):  # both children answer in turn
            m = web()["s2"]
            self.assertEqual((m["weight"], m["drained"]), (300, True))
        bm.set_member("web", members[1].url, w_lf="1", w_status_N="0")
        self.assertEqual(bm.set_lbmethod("web", "ewma"), 200)
        for _ in range(6):
            (b,) = [b for b in fleet_status(httpd)["balancers"] if b["name"] == "balancer://web"]
            self.assertEqual(b["lbmethod"], "ewma")
        bm.set_lbmethod("web", "p2c")


class ServerStatus(unittest.TestCase):
    def test_section_and_auto_lines(self):
        page = request(httpd.port, "/server-status")[2].decode()
        self.assertIn("<h2>mod_fleet</h2>", page)
        self.assertNotIn("<script>alert", page)
        auto = request(httpd.port, "/server-status?auto")[2].decode()
        self.assertRegex(auto, r"FleetBalancer\.web: method=p2c members=3")
        self.assertRegex(auto, r"FleetMember\.web\.s1: usable=1 inflight=\d+ requests=\d+ ")
        self.assertRegex(auto, r"FleetCache: hits=\d+")


class Browser(unittest.TestCase):  # scripts/test installs Debian's chromium
    def chromium(self, *args):
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               f"--user-data-dir={tempfile.mkdtemp(prefix='fleet-chromium-')}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=90)

    def test_the_page_renders_in_a_real_browser(self):
        url = f"http://127.0.0.1:{httpd.port}/fleet-status"
        dom = self.chromium("--dump-dom", url).stdout
        self.assertIn("<h1>mod_fleet status</h1>", dom)
        rows = re.findall(r'<table class="members">.*?</table>', dom, re.S)
        self.assertTrue(rows)
        self.assertEqual(len(re.findall(r"<tr>", rows[0])), 1 + 3)  # header + three members
        self.assertNotIn("<script>alert", dom)  # the route stayed text
        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, "fleet-status.png")
        if os.path.exists(shot):
            os.unlink(shot)
        self.chromium(f"--screenshot={shot}", "--window-size=1366,900", url)
        self.assertTrue(os.path.exists(shot))
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        print(f"\nscreenshot: {shot}")


if __name__ == "__main__":
    unittest.main()
