"""lbmethod=p2c through a real httpd: spread, latency awareness, drain/disable/standby/lbset,
sticky sessions, failover, in-flight accounting shared by all child processes."""
import os
import re
import time
import unittest

from harness import Httpd, Member, balancer_section, fleet_status, load, request

members = []
httpd = None


def balancer(name, method, member_lines, extra=""):
    return balancer_section(name, method, member_lines, proxyset=extra)


def setUpModule():
    global httpd
    for i in range(4):
        members.append(Member(f"m{i + 1}"))
    four = [f"  BalancerMember {m.url} route={m.id} retry=0" for m in members]
    closed_port = members[0].port + 20000 if members[0].port < 40000 else members[0].port - 20000
    body = "\n".join([
        balancer("br", "byrequests", four),
        balancer("p2c", "p2c", four, "stickysession=ROUTEID"),
        balancer("drain", "p2c", [
            f"  BalancerMember {members[0].url} route=m1",
            f"  BalancerMember {members[1].url} route=m2 status=+N",
            f"  BalancerMember {members[2].url} route=m3 status=+D",
            f"  BalancerMember {members[3].url} route=m4 status=+H"]),
        balancer("lbset", "p2c", [
            f"  BalancerMember {members[0].url} lbset=1",
            f"  BalancerMember {members[1].url} lbset=0",
            f"  BalancerMember {members[2].url} lbset=0 status=+D"]),
        balancer("standby", "p2c", [
            f"  BalancerMember {members[0].url} status=+D",
            f"  BalancerMember {members[3].url} status=+H"]),
        balancer("weights", "p2c", [
            f"  BalancerMember {members[0].url} loadfactor=1",
            f"  BalancerMember {members[1].url} loadfactor=3"]),
        balancer("failover", "p2c", [
            f"  BalancerMember http://127.0.0.1:{closed_port} retry=60",
            f"  BalancerMember {members[1].url}"], "maxattempts=1"),
        "<Location /fleet-status>", "  SetHandler fleet-status", "</Location>",
        "<Location /p2c/>", "  FleetDecisionHeader On", "</Location>",
        "<Location /lbset/>", "  FleetDecisionNote On", "</Location>",
        'LogFormat "%{X-Member}o %{FLEET_DECISION}n" decision',
        "CustomLog logs/decisions.log decision",
    ])
    httpd = Httpd(body)
    os.makedirs(os.path.join(httpd.dir, "logs"))
    httpd.start()


def tearDownModule():
    if httpd:
        httpd.cleanup()
    for m in members:
        m.stop()


class P2cTest(unittest.TestCase):
    def setUp(self):
        for m in members:
            m.reset()

    def share(self, counts, ident):
        total = sum(counts.values())
        return counts.get(ident, 0) / total

    def p2c_requests(self):
        return sum(m["requests"] for b in fleet_status(httpd)["balancers"]
                   if b["name"] == "balancer://p2c" for m in b["members"])

    def test_traffic_reaches_all_members(self):
        before = self.p2c_requests()
        counts, statuses = load(httpd.port, "/p2c/", 400, 8)
        self.assertEqual({200: 400}, dict(statuses))
        for m in members:
            self.assertGreater(counts[m.id], 40, counts)  # 100 expected each
        # 8 connections land on both child processes; only one shared table sees all 400.
        self.assertEqual(400, self.p2c_requests() - before)

    def test_slow_member_gets_much_less_than_with_byrequests(self):
        for m in members[:3]:
            m.control("/__delay?ms=2")
        members[3].control("/__delay?ms=20")  # 10x slower
        br, s1 = load(httpd.port, "/br/", 400, 16)
        p2c, s2 = load(httpd.port, "/p2c/", 400, 16)
        self.assertEqual({200: 400}, dict(s1))
        self.assertEqual({200: 400}, dict(s2))
        slow_br, slow_p2c = self.share(br, "m4"), self.share(p2c, "m4")
        self.assertAlmostEqual(0.25, slow_br, delta=0.03)  # round robin ignores latency
        self.assertLess(slow_p2c, 0.5 * slow_br, (br, p2c))

    def test_drained_disabled_and_standby_members_get_nothing(self):
        counts, statuses = load(httpd.port, "/drain/", 200, 4)
        self.assertEqual({200: 200}, dict(statuses))
        self.assertEqual({"m1": 200}, dict(counts))

    def test_lower_lbset_is_used_first(self):
        counts, _ = load(httpd.port, "/lbset/", 100, 2)
        self.assertEqual({"m2": 100}, dict(counts))

    def test_hot_standby_takes_over_when_nothing_else_is_usable(self):
        counts, _ = load(httpd.port, "/standby/", 50, 2)
        self.assertEqual({"m4": 50}, dict(counts))

    def test_loadfactor_weights_the_draw(self):
        counts, _ = load(httpd.port, "/weights/", 800, 1)  # sequential: no load, draws decide
        # Two members: p2c always compares both, the heavier wins every tie at zero load.
        self.assertGreater(self.share(counts, "m2"), 0.9, counts)

    def test_sticky_sessions_still_stick(self):
        for route in ("m2", "m3"):
            counts, _ = load(httpd.port, "/p2c/", 100, 4, headers={"Cookie": f"ROUTEID=x.{route}"})
            self.assertEqual({route: 100}, dict(counts))

    def test_failover_to_a_working_member(self):
        counts, statuses = load(httpd.port, "/failover/", 20, 1)
        self.assertEqual({200: 20}, dict(statuses))
        self.assertEqual({"m2": 20}, dict(counts))

    def test_in_flight_is_shared_and_returns_to_zero(self):
        members[3].control("/__delay?ms=300")
        before = {m["name"]: m["requests"] for b in fleet_status(httpd)["balancers"]
                  if b["name"] == "balancer://p2c" for m in b["members"]}
        # Hold requests open on m4 through sticky routing, then look from fresh connections:
        # httpd has two child processes, the status page must see them wherever it runs.
        import threading
        threads = [threading.Thread(target=request, args=(httpd.port, "/p2c/"),
                                    kwargs={"headers": {"Cookie": "ROUTEID=x.m4"}})
                   for _ in range(6)]
        for t in threads:
            t.start()
        seen = []
        deadline = time.monotonic() + 0.25
        while time.monotonic() < deadline:
            st = fleet_status(httpd)
            m4 = [m for b in st["balancers"] if b["name"] == "balancer://p2c"
                  for m in b["members"] if m["route"] == "m4"][0]
            seen.append(m4["inflight"])
            time.sleep(0.02)
        for t in threads:
            t.join()
        self.assertEqual(6, max(seen), seen)
        time.sleep(0.1)
        st = fleet_status(httpd)
        for b in st["balancers"]:
            for m in b["members"]:
                self.assertEqual(0, m["inflight"], (b["name"], m))
        after = {m["name"]: m["requests"] for b in st["balancers"] if b["name"] == "balancer://p2c"
                 for m in b["members"]}
        self.assertEqual(6, sum(after.values()) - sum(before.values()))

    def test_decision_header_names_the_chosen_member(self):
        for _ in range(20):
            status, headers, _ = request(httpd.port, "/p2c/")
            self.assertEqual(200, status)
            m = re.fullmatch(r"p2c (m\d) \[(m\d) inflight=\d+ weight=100 \| (m\d) inflight=\d+ "
                             r"weight=100\] of 4", headers["x-fleet-decision"])
            self.assertIsNotNone(m, headers["x-fleet-decision"])
            self.assertEqual(headers["x-member"], m.group(1))
            self.assertIn(m.group(1), (m.group(2), m.group(3)))
            self.assertNotEqual(m.group(2), m.group(3))

    def test_decision_trace_is_off_by_default(self):
        status, headers, _ = request(httpd.port, "/drain/")
        self.assertEqual(200, status)
        self.assertNotIn("x-fleet-decision", headers)
        request(httpd.port, "/lbset/")  # a line with the note, to know the log is written
        time.sleep(0.2)
        with open(os.path.join(httpd.dir, "logs", "decisions.log")) as f:
            lines = f.read().splitlines()
        self.assertIn("m1 -", lines)  # /drain/ only ever goes to m1: no note there
        self.assertTrue(any(" p2c " in l for l in lines))

    def test_decision_note_is_usable_in_logformat(self):
        for _ in range(5):
            request(httpd.port, "/lbset/")
        time.sleep(0.2)
        with open(os.path.join(httpd.dir, "logs", "decisions.log")) as f:
            lines = [l.split(" ", 1) for l in f.read().splitlines() if " p2c " in l]
        self.assertTrue(lines)
        url = {m.id: m.url for m in members}
        for member, decision in lines:
            # Members are named by route when they have one, else by URL.
            self.assertTrue(decision.startswith((f"p2c {member} ", f"p2c {url[member]} ")),
                            (member, decision))
        self.assertIn(["m2", f"p2c {members[1].url} of 1"], lines)  # /lbset/: one candidate

    def test_status_shows_method(self):
        st = fleet_status(httpd)
        methods = {b["name"]: b["lbmethod"] for b in st["balancers"]}
        self.assertEqual("p2c", methods["balancer://p2c"])
        self.assertEqual("byrequests", methods["balancer://br"])


if __name__ == "__main__":
    unittest.main()
