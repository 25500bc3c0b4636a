"""Active health checks through a real httpd: mod_proxy_hcheck's configuration unchanged
(hc* parameters, ProxyHCExpr with a body match, ProxyHCTemplate, ProxyHCTPsize), rise/fall on the
HC-fail flag within its time bound, the check timeout, TLS members with verification, the single
checker handing over when its child dies, balancer-manager's hc columns, and bad configuration."""
import collections
import re
import os
import signal
import socket
import sys
import threading
import time
import unittest

from certs import Pki
from harness import (BalancerManager, Httpd, Member, balancer_section, fleet_status, free_port,
                     request, start_script, stop_process)

HERE = os.path.dirname(os.path.abspath(__file__))
members = []
httpd = None
silent = None
pki = None
other_pki = None
tls_members = []


class SilentMember:
    """Accepts connections and never answers: only a check timeout can fail it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                return

    def close(self):
        self.stop = True
        self.sock.close()
        for c in self.conns:
            c.close()


def start_tls_member(ident, cert, key):
    return start_script("tls_member.py", cert, key, ident, what=f"tls member {ident}")


def member_health(balancer, url):
    for b in fleet_status(httpd)["balancers"]:
        if b["name"] == f"balancer://{balancer}":
            for m in b["members"]:
                if m["name"] == url:
                    return m
    raise AssertionError(f"{url} not in {balancer}")


def wait_for(predicate, timeout, step=0.05):
    """Polls until predicate() is true; returns the seconds it took, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


def served_by(path, n=30):
    got = collections.Counter()
    for _ in range(n):
        status, headers, _ = request(httpd.port, path)
        got[(status, headers.get("x-member"))] += 1
    return got


def setUpModule():
    global httpd, silent, pki, other_pki
    for i in range(4):
        members.append(Member(f"m{i + 1}"))
    silent = SilentMember()
    pki = Pki()
    other_pki = Pki("Some Other CA")
    cert, key = pki.issue("member", "127.0.0.1", san="IP:127.0.0.1,DNS:localhost")
    tls_members.append(start_tls_member("t1", cert, key))
    closed = free_port()
    globals()["CLOSED"] = f"http://127.0.0.1:{closed}"
    globals()["CLOSED2"] = f"http://127.0.0.1:{free_port()}"
    m1, m2, m3, m4 = (m.url for m in members)
    t1 = f"https://127.0.0.1:{tls_members[0][0]}"
    globals()["T1"] = t1
    conf = [
        # An existing mod_proxy_hcheck configuration, unchanged.
        "ProxyHCExpr ok234 {%{REQUEST_STATUS} =~ /^[234]/}",
        "ProxyHCExpr bodyok {hc('body') =~ /member m/}",
        "ProxyHCExpr nomaint {%{HC_BODY} !~ /member m4/}",
        "ProxyHCTemplate fast hcmethod=GET hcuri=/health hcinterval=200ms hcpasses=2 hcfails=2",
        "ProxyHCTPsize 16",
        balancer_section("hc", "p2c", [
            f"  BalancerMember {m1} route=m1 hctemplate=fast hctimeout=500ms",
            f"  BalancerMember {m2} route=m2 hctemplate=fast hctimeout=500ms"],
            ["FleetSlowStart 10s", "FleetDecisionHeader On"]),
        # No balancer-wide slow start; m2 has its own (BalancerMember slowstart=).
        balancer_section("own", "p2c", [
            f"  BalancerMember {m1} route=m1 hctemplate=fast",
            f"  BalancerMember {m2} route=m2 hctemplate=fast slowstart=20s"], ["FleetDecisionHeader On"]),
        balancer_section("silent", "byrequests", [
            f"  BalancerMember {m3} route=m3 hcmethod=GET11 hcinterval=300ms hctimeout=400ms",
            f"  BalancerMember http://127.0.0.1:{silent.port} route=s hcmethod=GET11 "
            "hcinterval=300ms hctimeout=400ms"]),
        balancer_section("expr", "ewma", [
            f"  BalancerMember {m1} route=m1 hcmethod=GET hcexpr=bodyok hcinterval=200ms",
            f"  BalancerMember {m4} route=m4 hcmethod=GET hcexpr=nomaint hcinterval=200ms",
            f"  BalancerMember {m3} route=m3 hcmethod=HEAD hcexpr=ok234 hcinterval=200ms"]),
        balancer_section("dead", "maglev", [
            f"  BalancerMember {m3} route=m3 hcmethod=TCP hcinterval=200ms",
            "  BalancerMember http://no-such-host.invalid:8080 route=nx hcmethod=GET hcinterval=200ms",
            f"  BalancerMember {CLOSED} route=x hcmethod=TCP hcinterval=200ms"]),
        balancer_section("keep", "p2c", [
            f"  BalancerMember {m1} route=m1",
            f"  BalancerMember {CLOSED2} route=x hcmethod=TCP hcinterval=300ms hcfails=3"]),
        balancer_section("edit", "p2c", [
            f"  BalancerMember {m3} route=m3 hcmethod=TCP hcinterval=200ms"]),
        balancer_section("tls", "byrequests", [
            f"  BalancerMember {t1} route=good hcmethod=GET hcinterval=200ms hcca={pki.ca_cert}",
            f"  BalancerMember https://localhost:{tls_members[0][0]} route=wrongca hcmethod=GET "
            f"hcinterval=200ms hcca={other_pki.ca_cert}"]),
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>",
        "ProxyPass /balancer-manager !", "ProxyPass /fleet-status !",
    ]
    httpd = Httpd("\n".join(conf),
                  log_level="warn fleet:info").start()


def tearDownModule():
    if httpd:
        httpd.cleanup()
    for m in members:
        m.stop()
    for _, proc in tls_members:
        stop_process(proc)
    if silent:
        silent.close()


class HealthChecks(unittest.TestCase):
    def test_failing_member_is_marked_within_its_bound_and_gets_no_traffic(self):
        m2 = members[1]
        self.assertIsNotNone(wait_for(lambda: member_health("hc", m2.url)["health"]["checks"] > 0, 3))
        m2.control("/__fail?status=503")
        try:
            # hcfails x hcinterval + hctimeout = 2 x 200ms + 500ms; plus one interval of phase.
            took = wait_for(lambda: member_health("hc", m2.url)["health"]["failing"], 3)
            self.assertIsNotNone(took, httpd.error_log()[-2000:])
            self.assertLess(took, 2 * 0.2 + 0.5 + 0.2 + 0.3)
            m = member_health("hc", m2.url)
            self.assertEqual(m["health"]["reason"], "status 503")
            self.assertFalse(m["usable"])
            self.assertIn("HcFl", m["flags"])
            got = served_by("/hc/")
            self.assertEqual(got, collections.Counter({(200, "m1"): 30}))
            # The same member in balancer://own fails too before it may come back.
            self.assertIsNotNone(wait_for(lambda: member_health("own", m2.url)["health"]["failing"], 3))
            self.assertRegex(httpd.error_log(), r"FL00014: member http://127\.0\.0\.1:%d of "
                             r"balancer://hc failed its health check 2 time\(s\) in a row: "
                             r"status 503; marked HC-fail" % m2.port)
        finally:
            m2.control("/__fail?status=0")
        # hcpasses=2: back after two passed checks.
        took = wait_for(lambda: not member_health("hc", m2.url)["health"]["failing"], 3)
        self.assertIsNotNone(took)
        self.assertLess(took, 2 * 0.2 + 0.2 + 0.3)
        # Slow start: right after its return m2 competes with a fraction of its weight.
        def m2_weight():
            _, headers, _ = request(httpd.port, "/hc/")
            return int(re.search(r"m2 inflight=\d+ weight=(\d+)", headers["x-fleet-decision"]).group(1))

        first = m2_weight()
        self.assertLess(first, 50)
        self.assertIsNotNone(wait_for(lambda: m2_weight() > first + 5, 3))
        # The member's own slowstart= ramps it in a balancer without FleetSlowStart.
        self.assertIsNotNone(wait_for(lambda: not member_health("own", m2.url)["health"]["failing"], 3))
        _, headers, _ = request(httpd.port, "/own/")
        decision = headers["x-fleet-decision"]
        self.assertLess(int(re.search(r"m2 inflight=\d+ weight=(\d+)", decision).group(1)), 30, decision)
        self.assertEqual(int(re.search(r"m1 inflight=\d+ weight=(\d+)", decision).group(1)), 100, decision)
        self.assertIn("FL00015:", httpd.error_log())
        h = member_health("hc", m2.url)["health"]
        self.assertGreaterEqual(h["transitions"], 2)
        self.assertIn("--", h["history"])
        self.assertTrue(h["history"].endswith("++"))

    def test_member_that_never_answers_fails_by_the_check_timeout(self):
        url = f"http://127.0.0.1:{silent.port}"
        took = wait_for(lambda: member_health("silent", url)["health"]["failing"], 3)
        self.assertIsNotNone(took)
        h = member_health("silent", url)["health"]
        self.assertRegex(h["reason"], r"^timeout after 400ms")
        self.assertGreaterEqual(h["latency_us"], 400000)
        self.assertLess(h["latency_us"], 600000)
        self.assertEqual(h["method"], "GET11")
        # The healthy member of the same balancer keeps passing: one slow member never stalls
        # the others.
        self.assertFalse(member_health("silent", members[2].url)["health"]["failing"])
        self.assertEqual(served_by("/silent/", 10), collections.Counter({(200, "m3"): 10}))

    def test_expressions_test_status_and_body(self):
        self.assertIsNotNone(wait_for(
            lambda: member_health("expr", members[3].url)["health"]["failing"], 3))
        h4 = member_health("expr", members[3].url)["health"]
        self.assertEqual(h4["reason"], "hcexpr nomaint false (status 200)")
        for m in (members[0], members[2]):
            h = member_health("expr", m.url)["health"]
            self.assertGreater(h["checks"], 0)
            self.assertFalse(h["failing"], h)
        self.assertNotIn((200, "m4"), served_by("/expr/", 20))

    def test_unreachable_member_fails_and_others_go_on(self):
        took = wait_for(lambda: member_health("dead", CLOSED)["health"]["failing"], 3)
        self.assertIsNotNone(took)
        self.assertIn("refused", member_health("dead", CLOSED)["health"]["reason"])
        nx = "http://no-such-host.invalid:8080"
        self.assertIsNotNone(wait_for(lambda: member_health("dead", nx)["health"]["failing"], 3))
        self.assertIn("cannot resolve no-such-host.invalid", member_health("dead", nx)["health"]["reason"])
        self.assertIn("FL00017:", httpd.error_log())
        h3 = member_health("dead", members[2].url)["health"]
        self.assertTrue(h3["last_passed"])
        self.assertEqual(h3["method"], "TCP")

    def test_tls_members_are_verified(self):
        good = wait_for(lambda: member_health("tls", T1)["health"]["checks"] >= 2, 3)
        self.assertIsNotNone(good)
        h = member_health("tls", T1)["health"]
        self.assertFalse(h["failing"], h)
        self.assertEqual(h["status"], 200)
        self.assertIn(h["cert_days_left"], (29, 30))
        wrong = f"https://localhost:{tls_members[0][0]}"
        self.assertIsNotNone(wait_for(lambda: member_health("tls", wrong)["health"]["failing"], 3))
        self.assertRegex(member_health("tls", wrong)["health"]["reason"], r"certificate")

    def test_balancer_manager_shows_the_hc_columns_and_expressions(self):
        page = BalancerManager(httpd).page()
        for column in ("HC Method", "HC Interval", "Passes", "Fails", "HC uri", "HC Expr"):
            self.assertIn(column, page)
        self.assertIn("Health check cond. expressions", page)
        self.assertIn("nomaint", page)
        self.assertIn("%{HC_BODY} !~ /member m4/", page.replace("&gt;", ">").replace("&lt;", "<"))
        bm = BalancerManager(httpd)
        edit = bm.page(f"?b=hc&w={members[0].url}&nonce={bm.nonce('hc')}")
        for field in ("w_status_C", "w_hm", "w_hi", "w_hp", "w_hf", "w_hu", "w_he"):
            self.assertIn(f"name='{field}'", edit)
        self.assertIn("<option value='bodyok'", edit)

    def test_balancer_manager_edits_take_effect(self):
        bm = BalancerManager(httpd)
        # Turn checks off for m3 in "dead", then back on with another interval.
        url = members[2].url
        self.assertIsNotNone(wait_for(lambda: member_health("edit", url)["health"]["checks"] > 0, 3))
        n = fleet_status(httpd)["checker"]["members"]
        bm.set_member("edit", url, w_hm="NONE")
        self.assertIsNone(member_health("edit", url)["health"])
        # The checker drops it at its next look at the balancers (once a second).
        self.assertIsNotNone(wait_for(lambda: fleet_status(httpd)["checker"]["members"] == n - 1, 3))
        bm.set_member("edit", url, w_hm="HEAD", w_hi="300", w_hu="/ping", w_hp="1", w_hf="1")
        h = member_health("edit", url)["health"]
        self.assertEqual(h["method"], "HEAD")
        self.assertEqual(h["interval_us"], 300000)
        before = h["checks"]
        self.assertIsNotNone(wait_for(lambda: member_health("edit", url)["health"]["checks"] > before, 3))
        # HC-fail set by hand is cleared by the next passed checks, as with mod_proxy_hcheck.
        bm.set_member("edit", url, w_status_C="1")
        self.assertIn("HcFl", member_health("edit", url)["flags"])
        self.assertIsNotNone(wait_for(lambda: "HcFl" not in member_health("edit", url)["flags"], 3))

    def test_zy_hc_fail_survives_a_graceful_restart(self):
        self.assertIsNotNone(wait_for(lambda: member_health("keep", CLOSED2)["health"]["failing"], 5))
        gen = fleet_status(httpd)["checker"]["generation"]
        httpd.graceful()

        def restarted():
            try:
                return fleet_status(httpd)["checker"]["generation"] > gen
            except Exception:  # noqa: BLE001 - connections may reset while children change
                return False

        self.assertIsNotNone(wait_for(restarted, 10, step=0.02))
        # hcfails=3 at 300ms: a member whose state was lost would need ~900ms to fail again.
        m = member_health("keep", CLOSED2)
        self.assertIn("HcFl", m["flags"])
        self.assertEqual(served_by("/keep/", 10), collections.Counter({(200, "m1"): 10}))

    def test_zz_checking_moves_to_another_child_within_a_second(self):
        before = fleet_status(httpd)["checker"]
        self.assertNotEqual(before["pid"], 0)
        self.assertGreater(before["members"], 5)
        os.kill(before["pid"], signal.SIGKILL)
        start = time.monotonic()

        def moved():
            try:
                c = fleet_status(httpd)["checker"]
            except Exception:  # noqa: BLE001 - the killed child's connections may reset
                return False
            return c["pid"] not in (0, before["pid"]) and c["heartbeat_age_us"] < 300000

        took = wait_for(moved, 5, step=0.02)
        self.assertIsNotNone(took, httpd.error_log()[-2000:])
        print(f"\nchecker takeover after SIGKILL: {took:.2f}s", file=sys.stderr)
        self.assertLess(took, 1.5)
        after = fleet_status(httpd)["checker"]
        self.assertGreater(after["takeovers"], before["takeovers"])
        # Checks go on: a member's check count keeps growing.
        n = member_health("hc", members[0].url)["health"]["checks"]
        self.assertIsNotNone(wait_for(
            lambda: member_health("hc", members[0].url)["health"]["checks"] > n, 2))


class Configuration(unittest.TestCase):
    def configtest(self, member_params, extra=()):
        m = members[0].url
        h = Httpd("\n".join([*extra, balancer_section(
            "b", "p2c", [f"  BalancerMember {m} {member_params}"])]))
        try:
            return h.configtest()
        finally:
            h.cleanup()

    def test_bad_parameters_fail_configtest(self):
        cases = {
            "hcmethod=PING": "hcmethod",
            "hcinterval=50ms": "hcinterval='50ms' is not valid; accepted: at least 100ms",
            "hcinterval=soon": "hcinterval='soon'",
            "hcpasses=-1": "hcpasses='-1' is not valid; accepted: a whole number",
            "hctimeout=0": "hctimeout='0'",
            "hcjitter=80": "hcjitter='80'",
            "hcexpect=600": "hcexpect",
            "hcexpr=nosuch": "hcexpr='nosuch' is not a ProxyHCExpr defined before this line",
            "hctemplate=nosuch": "hctemplate='nosuch' is not a ProxyHCTemplate",
            "hcca=relative.pem": "hcca='relative.pem'",
            "hcca=/no/such/ca.pem": "hcca='/no/such/ca.pem' cannot be read (No such file or directory)",
            "hcverify=maybe": "hcverify='maybe' is not valid; accepted: on or off",
            "slowstart=soon": "slowstart='soon' is not valid; accepted: a duration",
            "lbfactr=5": "unknown BalancerMember parameter 'lbfactr'",
        }
        for params, message in cases.items():
            with self.subTest(params=params):
                rc, out = self.configtest(params)
                self.assertNotEqual(rc, 0, out)
                self.assertIn(message, out)

    def test_bad_directives_fail_configtest(self):
        rc, out = self.configtest("", ["ProxyHCExpr broken {%{REQUEST_STATUS} =~ }"])
        self.assertNotEqual(rc, 0)
        self.assertIn("ProxyHCExpr broken: cannot parse", out)
        rc, out = self.configtest("", ["ProxyHCTemplate t hcinterval=1ms"])
        self.assertNotEqual(rc, 0)
        self.assertIn("ProxyHCTemplate t: hcinterval='1ms'", out)
        rc, out = self.configtest("", ["ProxyHCTPsize lots"])
        self.assertNotEqual(rc, 0)
        self.assertIn("ProxyHCTPsize 'lots'", out)

    def test_good_configuration_passes(self):
        rc, out = self.configtest(
            "hctemplate=t hcexpr=ok hcexpect=200-204 hchost=app.example hcjitter=10 "
            "hcfastinterval=1s hcverify=off",
            ["ProxyHCExpr ok {%{REQUEST_STATUS} == 200}", "ProxyHCTemplate t hcmethod=GET11 hcuri=/hc"])
        self.assertEqual(rc, 0, out)

    def test_mod_proxy_hcheck_too_is_refused(self):
        h = Httpd(balancer_section("b", "p2c", [f"  BalancerMember {members[0].url}"]),
                  modules=Httpd.BASE_MODULES + ["proxy_hcheck"])
        try:
            rc, out = h.configtest()
        finally:
            h.cleanup()
        self.assertNotEqual(rc, 0)
        self.assertIn("FL00016: mod_fleet cannot run: mod_proxy_hcheck is loaded too", out)
        self.assertIn("load only one", out)


if __name__ == "__main__":
    unittest.main()
