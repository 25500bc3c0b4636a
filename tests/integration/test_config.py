"""Configuration through a real httpd: clean configtest, clear errors for bad lbmethods and for
missing mod_proxy pieces, and load order independence."""
import unittest

from harness import Httpd, Member, load

STATUS = "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>"


class ConfigTest(unittest.TestCase):
    def configtest(self, body, **kw):
        h = Httpd(body, **kw)
        self.addCleanup(h.cleanup)
        return h.configtest()

    def test_clean_config_says_exactly_syntax_ok(self):
        rc, out = self.configtest(STATUS + "\n<Proxy balancer://a>\n BalancerMember "
                                  "http://127.0.0.1:1\n ProxySet lbmethod=p2c\n</Proxy>")
        self.assertEqual((0, "Syntax OK"), (rc, out))

    def test_misspelt_lbmethod_is_named_with_the_accepted_ones(self):
        cases = {
            "ProxySet": "<Proxy balancer://a>\n BalancerMember http://127.0.0.1:1\n"
                        " ProxySet lbmethod=p2cc\n</Proxy>",
            "<Proxy": "<Proxy balancer://a lbmethod=p2cc>\n BalancerMember http://127.0.0.1:1\n"
                      "</Proxy>",
            "ProxyPass": "<Proxy balancer://a>\n BalancerMember http://127.0.0.1:1\n</Proxy>\n"
                         "ProxyPass / balancer://a/ lbmethod=p2cc",
        }
        for directive, body in cases.items():
            with self.subTest(directive=directive):
                rc, out = self.configtest(body)
                self.assertNotEqual(0, rc)
                self.assertIn(f"{directive}: lbmethod 'p2cc' is unknown; accepted: ", out)
                self.assertIn("byrequests", out)
                self.assertIn("p2c", out.split("accepted:")[1])
                self.assertIn("line", out)  # httpd points at the line

    def test_bad_flag_value_names_directive_and_accepted_values(self):
        rc, out = self.configtest("FleetDecisionHeader maybe")
        self.assertNotEqual(0, rc)
        self.assertIn("FleetDecisionHeader must be On or Off", out)

    def test_missing_mod_proxy_is_a_clear_error(self):
        rc, out = self.configtest("", modules=["mpm_event", "authz_core"])
        self.assertNotEqual(0, rc)
        self.assertIn("FL00002", out)
        self.assertIn("LoadModule proxy_module", out)

    def test_missing_mod_proxy_balancer_is_a_clear_error(self):
        rc, out = self.configtest("", modules=["mpm_event", "authz_core", "proxy", "proxy_http"])
        self.assertNotEqual(0, rc)
        self.assertIn("FL00002", out)
        self.assertIn("LoadModule proxy_balancer_module", out)
        self.assertNotIn("LoadModule proxy_module", out)

    def test_loading_fleet_before_mod_proxy_works(self):
        m = Member("only")
        self.addCleanup(m.stop)
        h = Httpd(STATUS + f"\n<Proxy balancer://a>\n BalancerMember {m.url}\n"
                  " ProxySet lbmethod=p2c\n</Proxy>\nProxyPass /a/ balancer://a/",
                  fleet_first=True)
        self.addCleanup(h.cleanup)
        self.assertEqual((0, "Syntax OK"), h.configtest())
        h.start()
        counts, statuses = load(h.port, "/a/", 20, 2)
        self.assertEqual({200: 20}, dict(statuses))
        self.assertEqual({"only": 20}, dict(counts))
        self.assertNotIn("FL00001", h.error_log())


if __name__ == "__main__":
    unittest.main()
