"""The stock balancer-manager page lists mod_fleet's methods and switches balancers to and from
them at runtime."""
import unittest

from harness import BalancerManager, Httpd, Member, fleet_status, load


class BalancerManagerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.members = [Member("a"), Member("b")]
        lines = "\n".join(f" BalancerMember {m.url} route={m.id}" for m in cls.members)
        cls.httpd = Httpd("\n".join([
            f"<Proxy balancer://web>\n{lines}\n ProxySet lbmethod=byrequests\n</Proxy>",
            "ProxyPass /web/ balancer://web/",
            "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>",
            "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>"])).start()
        cls.manager = BalancerManager(cls.httpd)

    @classmethod
    def tearDownClass(cls):
        cls.httpd.cleanup()
        for m in cls.members:
            m.stop()

    def method_everywhere(self):
        """The method as the status page reports it from many connections (both children)."""
        return {b["lbmethod"] for _ in range(12) for b in fleet_status(self.httpd)["balancers"]}

    def test_page_offers_every_fleet_method(self):
        page = self.manager.edit_page("web")
        for method in ("p2c", "ewma", "maglev"):
            self.assertIn(f"<option value='{method}'", page)

    def test_switch_between_methods_in_every_child(self):
        for method in ("p2c", "ewma", "maglev", "p2c"):
            self.assertEqual(200, self.manager.set_lbmethod("web", method))
            self.assertEqual(method, self.manager.lbmethods()["balancer://web"])
            load(self.httpd.port, "/web/", 40, 4)  # children sync their balancer on requests
            self.assertEqual({method}, self.method_everywhere())
            counts, statuses = load(self.httpd.port, "/web/", 100, 4)
            self.assertEqual({200: 100}, dict(statuses))
            if method != "maglev":  # maglev keys on the client address: one member for us
                self.assertEqual({"a", "b"}, set(counts))

        self.assertEqual(200, self.manager.set_lbmethod("web", "byrequests"))
        self.assertEqual("byrequests", self.manager.lbmethods()["balancer://web"])
        load(self.httpd.port, "/web/", 40, 4)
        self.assertEqual({"byrequests"}, self.method_everywhere())


if __name__ == "__main__":
    unittest.main()
