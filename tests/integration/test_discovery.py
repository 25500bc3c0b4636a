"""Members from DNS through a real httpd, a real DNS server (dnsmasq on a loopback port) and real
members on 127.0.0.2, 127.0.0.3, ... sharing one port (they stand in for hosts): a record added
takes traffic within its TTL, a record removed under load drains with no failed request, an SRV
change moves weights and the standby set, a DNS server that goes away keeps the members for
FleetResolverHold, a name with no answer at startup fills in later, and two servers sharing
memcached add the same members in the same order and pick the same member for a key."""
import collections
import contextlib
import threading
import time
import unittest

from dns_server import DnsServer
from harness import Httpd, Member, Memcached, expect_config_errors, fleet_status, free_port, request

PORT = free_port()
HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
S = {}


def config(dns, extra=""):
    return "\n".join([
        f"FleetResolver {dns.address}",
        "FleetResolverTTL 1s 2s",
        "FleetResolverHold 4s",
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        "<Proxy balancer://disc>",
        f"  FleetDiscover dns app.test http://{PORT} slots=4",
        "  ProxySet lbmethod=p2c",
        "</Proxy>",
        "ProxyPass /disc/ balancer://disc/",
        "<Proxy balancer://srv>",
        "  FleetDiscover srv _http._tcp.svc.test http slots=4",
        "  ProxySet lbmethod=byrequests",
        "</Proxy>",
        "ProxyPass /srv/ balancer://srv/",
        "<Proxy balancer://late>",
        f"  FleetDiscover dns late.test http://{PORT} slots=2",
        "  ProxySet lbmethod=ewma",
        "</Proxy>",
        "ProxyPass /late/ balancer://late/",
        extra])


def setUpModule():
    S["members"] = {h: Member("m" + h.rsplit(".", 1)[1], host=h, port=PORT) for h in HOSTS}
    S["dns"] = DnsServer({"app.test": ["127.0.0.2", "127.0.0.3"], "a.svc.test": ["127.0.0.2"],
                          "b.svc.test": ["127.0.0.3"], "c.svc.test": ["127.0.0.4"]},
                         srv=[("_http._tcp.svc.test", "a.svc.test", PORT, 10, 60),
                              ("_http._tcp.svc.test", "b.svc.test", PORT, 10, 30),
                              ("_http._tcp.svc.test", "c.svc.test", PORT, 20, 10)])
    S["httpd"] = Httpd(config(S["dns"])).start()


def tearDownModule():
    for key in ("httpd", "dns"):
        if key in S:
            S[key].cleanup()
    for m in S.get("members", {}).values():
        m.stop()


def members(balancer, httpd=None):
    for b in fleet_status(httpd or S["httpd"])["balancers"]:
        if b["name"] == f"balancer://{balancer}":
            return b["members"]
    return []


def wait_until(what, check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s: {what}")


def served_by(path, n=40, port=None):
    seen = collections.Counter()
    for _ in range(n):
        status, headers, _ = request(port or S["httpd"].port, path)
        seen[(status, headers.get("x-member"))] += 1
    return seen


@contextlib.contextmanager
def steady_load(port, path, threads=4):
    """GETs of path from `threads` clients until the block ends; yields a Counter of
    (status, X-Member), with ("error", None) for a request that got no answer."""
    stop = threading.Event()
    results = collections.Counter()

    def load():
        while not stop.is_set():
            try:
                status, headers, _ = request(port, path, timeout=5)
                results[(status, headers.get("x-member"))] += 1
            except OSError:
                results[("error", None)] += 1
    workers = [threading.Thread(target=load) for _ in range(threads)]
    for t in workers:
        t.start()
    try:
        yield results
    finally:
        stop.set()
        for t in workers:
            t.join()


def usable(balancer):
    return {m["name"] for m in members(balancer) if m["usable"] and "Drn" not in m["flags"]}


def url(host):
    return f"http://{host}:{PORT}"


class Discovery(unittest.TestCase):
    def setUp(self):
        S["dns"].set_hosts({"app.test": ["127.0.0.2", "127.0.0.3"], "a.svc.test": ["127.0.0.2"],
                            "b.svc.test": ["127.0.0.3"], "c.svc.test": ["127.0.0.4"]})
        wait_until("app.test's two members", lambda: usable("disc") == {url("127.0.0.2"), url("127.0.0.3")})

    def test_members_come_from_dns_and_say_so(self):
        self.assertEqual({s for s, _ in served_by("/disc/x")}, {200})
        ms = {m["name"]: m for m in members("disc")}
        self.assertEqual(ms[url("127.0.0.2")]["source"], "dns")
        self.assertIn("discovered_ago_us", ms[url("127.0.0.2")])
        self.assertIn("FL00026", S["httpd"].error_log())  # one line per member added

    def test_an_added_record_takes_traffic_within_its_ttl(self):
        S["dns"].set_hosts({"app.test": ["127.0.0.2", "127.0.0.3", "127.0.0.4"]})
        start = time.monotonic()
        wait_until("127.0.0.4 takes traffic", lambda: any(
            m == "m4" for (_, m) in served_by("/disc/x", 12)), timeout=8)
        self.assertLess(time.monotonic() - start, 6)  # TTL 1 s (2 s at most), one refresh step

    def test_a_removed_record_drains_without_a_failed_request(self):
        with steady_load(S["httpd"].port, "/disc/x") as results:
            time.sleep(0.5)
            S["dns"].set_hosts({"app.test": ["127.0.0.2"]})
            wait_until("127.0.0.3 disabled", lambda: any(
                m["name"] == url("127.0.0.3") and "Dis" in m["flags"] for m in members("disc")))
            before = S["members"]["127.0.0.3"].served()
            time.sleep(1.0)
            after = S["members"]["127.0.0.3"].served()
        self.assertEqual({s for s, _ in results}, {200}, results)
        self.assertEqual(before, after)  # nothing new reached the removed member
        log = S["httpd"].error_log()
        self.assertIn("FL00027", log)  # draining
        self.assertIn("FL00028", log)  # disabled once idle

    def test_srv_weights_and_priorities(self):
        def weights():
            return {m["name"]: (m["weight"], m["lbset"]) for m in members("srv")
                    if "Dis" not in m["flags"]}
        wait_until("the SRV members", lambda: len(weights()) == 3)
        w = weights()
        self.assertEqual(w[url("127.0.0.2")], (10000, 0))  # weight 60 of 60: loadfactor 100
        self.assertEqual(w[url("127.0.0.3")], (5000, 0))   # 30 of 60: 50
        self.assertEqual(w[url("127.0.0.4")][1], 1)         # priority 20: the standby set
        self.assertNotIn("m4", {m for _, m in served_by("/srv/x", 30)})
        S["dns"].set_srv([("_http._tcp.svc.test", "a.svc.test", PORT, 10, 10),
                          ("_http._tcp.svc.test", "c.svc.test", PORT, 10, 40),
                          ("_http._tcp.svc.test", "b.svc.test", PORT, 30, 10)])
        wait_until("the new weights and standby", lambda: weights().get(url("127.0.0.4")) == (10000, 0)
                   and weights().get(url("127.0.0.3"), (0, 0))[1] == 1, timeout=10)
        self.assertEqual(weights()[url("127.0.0.2")], (2500, 0))
        self.assertNotIn("m3", {m for _, m in served_by("/srv/x", 30)})

    def test_a_dns_server_gone_keeps_the_members_for_the_hold(self):
        dns = S["dns"]
        dns.stop()
        try:
            time.sleep(2.5)  # past the TTL, within the 4 s hold
            self.assertEqual(usable("disc"), {url("127.0.0.2"), url("127.0.0.3")})
            self.assertEqual({s for s, _ in served_by("/disc/x", 10)}, {200})
            wait_until("the members drained after the hold", lambda: not usable("disc"), timeout=10)
            self.assertIn("FL00033", S["httpd"].error_log())
        finally:
            dns.start()
        wait_until("members back with DNS", lambda: len(usable("disc")) == 2)

    def test_a_name_without_an_answer_fills_in_later(self):
        self.assertEqual(request(S["httpd"].port, "/late/x")[0], 503)
        S["dns"].set_hosts({"app.test": ["127.0.0.2", "127.0.0.3"], "late.test": ["127.0.0.5"]})
        wait_until("late.test's member serves", lambda: request(S["httpd"].port, "/late/x")[0] == 200)
        S["dns"].set_hosts({"app.test": ["127.0.0.2", "127.0.0.3"]})


class Fleet(unittest.TestCase):
    def test_two_servers_sharing_memcached_agree(self):
        mc = Memcached()
        self.addCleanup(mc.stop)
        dns = DnsServer({"app.test": ["127.0.0.3", "127.0.0.2"]})
        self.addCleanup(dns.cleanup)
        extra = "\n".join([f"FleetCacheServers {mc.address}",
                           "<Proxy balancer://hash>",
                           f"  FleetDiscover dns app.test http://{PORT} slots=4",
                           "  ProxySet lbmethod=maglev",
                           '  FleetHashKey "%{HTTP:X-User}"',
                           "</Proxy>",
                           "ProxyPass /hash/ balancer://hash/"])
        one = Httpd(config(dns, extra)).start()
        self.addCleanup(one.cleanup)
        wait_until("server one's members", lambda: len(members("hash", one)) == 2)
        # The second server's DNS answers differently; it follows the published list.
        other_dns = DnsServer({"app.test": ["127.0.0.4", "127.0.0.5", "127.0.0.2"]})
        self.addCleanup(other_dns.cleanup)
        two = Httpd(config(other_dns, extra)).start()
        self.addCleanup(two.cleanup)
        wait_until("server two's members", lambda: len(members("hash", two)) == 2)
        names_one = [m["name"] for m in members("hash", one)]
        names_two = [m["name"] for m in members("hash", two)]
        self.assertEqual(names_one, names_two)
        self.assertEqual(sorted(names_one), [url("127.0.0.2"), url("127.0.0.3")])
        for user in ("alice", "bob", "carol", "dave", "erin"):
            picks = {request(h.port, "/hash/x", headers={"X-User": user})[1].get("x-member")
                     for h in (one, two)}
            self.assertEqual(len(picks), 1, (user, picks))
        # The publisher's DNS changes: both servers take the new list.
        dns.set_hosts({"app.test": ["127.0.0.3", "127.0.0.2", "127.0.0.4"]})
        for h in (one, two):
            wait_until("the third member on both", lambda: len(
                [m for m in members("hash", h) if "Dis" not in m["flags"]]) == 3, timeout=10)


class SlotReuse(unittest.TestCase):
    def test_a_new_address_takes_the_slot_of_one_gone_once_idle(self):
        """Two slots, both taken; 127.0.0.3 is replaced by 127.0.0.4 under load (an autoscaling
        group): 127.0.0.3 drains, is disabled once idle, and its slot goes to 127.0.0.4, which both
        children then send to (never to 127.0.0.3's old address), with no failed request."""
        dns = DnsServer({"tight.test": ["127.0.0.2", "127.0.0.3"]})
        self.addCleanup(dns.cleanup)
        httpd = Httpd("\n".join([
            f"FleetResolver {dns.address}", "FleetResolverTTL 1s 1s",
            "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
            "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>",
            "<Proxy balancer://tight>", f"  FleetDiscover dns tight.test http://{PORT} slots=2",
            "  ProxySet lbmethod=p2c", "</Proxy>", "ProxyPass /tight/ balancer://tight/"]),
            processes=2).start()
        self.addCleanup(httpd.cleanup)

        def names():
            return {m["name"]: m for m in members("tight", httpd)}

        def enabled():
            return {n for n, m in names().items() if "Dis" not in m["flags"] and "Drn" not in m["flags"]}
        wait_until("the two first members", lambda: enabled() == {url("127.0.0.2"), url("127.0.0.3")})
        with steady_load(httpd.port, "/tight/x") as results:
            time.sleep(0.5)
            dns.set_hosts({"tight.test": ["127.0.0.2", "127.0.0.4"]})
            try:
                wait_until("127.0.0.4 in 127.0.0.3's slot, enabled",
                           lambda: enabled() == {url("127.0.0.2"), url("127.0.0.4")}, timeout=20)
            except AssertionError:
                print("members:", names(), "\nerror log tail:", httpd.error_log()[-3000:])
                raise
            self.assertEqual(set(names()), {url("127.0.0.2"), url("127.0.0.4")})  # two slots only
            old = S["members"]["127.0.0.3"].served()
            results.clear()
            time.sleep(2.0)
        self.assertEqual(S["members"]["127.0.0.3"].served(), old)  # its old address: nothing
        self.assertEqual({s for s, _ in results}, {200}, results)
        by = collections.Counter(m for _, m in results.elements())
        self.assertGreater(by["m4"], 20, by)
        self.assertEqual(set(by), {"m2", "m4"}, by)
        # Each request came on its own connection, to either child: a child still holding
        # 127.0.0.3's address for the slot would have sent some there (m3).
        log = httpd.error_log()
        self.assertIn("FL00037", log)  # the slot given to the new address
        self.assertIn("FL00028", log)  # 127.0.0.3 disabled once idle first
        page = request(httpd.port, "/balancer-manager")[2].decode()
        self.assertIn(f"127.0.0.4:{PORT}", page)
        self.assertNotIn(f"127.0.0.3:{PORT}", page)


class Configuration(unittest.TestCase):
    def test_bad_values_name_the_directive_and_what_is_accepted(self):
        expect_config_errors(self, [
            (["<Proxy balancer://b>", "  FleetDiscover dns app.test http", "</Proxy>"],
             "FleetDiscover: 'http' is not valid; accepted: <scheme>://<port>"),
            (["<Proxy balancer://b>", "  FleetDiscover srv app.test http", "</Proxy>"],
             "FleetDiscover: 'app.test' is not valid; accepted: an SRV name"),
            (["<Proxy balancer://b>", "  FleetDiscover dns app.test http://80 slots=0", "</Proxy>"],
             "slots=<n> with n from 1 to 1000"),
            (["<Location /x>", "  FleetDiscover dns app.test http://80", "</Location>"],
             "FleetDiscover (in /x) belongs inside <Proxy balancer://name>"),
            (["FleetResolver 10.0.0.1:99999"], "FleetResolver: '10.0.0.1:99999' is not valid"),
            (["FleetResolverTTL 10s 1s"], "FleetResolverTTL: '1s' is not valid; accepted: a maximum"),
            (["FleetResolverHold soon"], "FleetResolverHold: 'soon' is not valid"),
        ])


if __name__ == "__main__":
    unittest.main()
