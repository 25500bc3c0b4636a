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

    def test_bad_values_of_balancer_directives_are_named_with_what_is_accepted(self):
        cases = [
            ("FleetEwmaDecay 10 parsecs", "takes one argument"),
            ("FleetEwmaDecay 5x", "FleetEwmaDecay: '5x' is not valid; accepted: a whole number "
                                  "followed by us, ms, s, m or h"),
            ("FleetEwmaDecay 10us", "FleetEwmaDecay: '10us' is too short; accepted: 1ms or more"),
            ("FleetEwmaPenalty -1s", "FleetEwmaPenalty: '-1s' is not valid"),
            ("FleetHashKey \"%{HTTP:X-User\"", "FleetHashKey: '%{HTTP:X-User' is not a valid "
                                                "expression"),
            ("FleetHashTableSize 65536", "FleetHashTableSize: '65536' is not valid; accepted: a "
                                         "prime number from 101 to 1000003"),
            ("FleetHashBalanceFactor 50", "FleetHashBalanceFactor: '50' is not valid; accepted: 0 "
                                          "(off) or a whole number from 100 to 10000"),
            ("FleetSlowStart soon", "FleetSlowStart: 'soon' is not valid"),
            ("FleetOutlierConsecutive -2", "FleetOutlierConsecutive: '-2' is not valid; accepted: "
                                           "0 (off) or a whole number from 1 to 1000"),
            ("FleetOutlierBaseTime 0", "FleetOutlierBaseTime: '0' is too short"),
            ("FleetOutlierMaxTime 1x", "FleetOutlierMaxTime: '1x' is not valid"),
            ("FleetOutlierMaxPercent 101", "FleetOutlierMaxPercent: '101' is not valid; accepted: "
                                           "a whole number from 0 to 100"),
            ("FleetPanicThreshold half", "FleetPanicThreshold: 'half' is not valid"),
        ]
        for line, message in cases:
            with self.subTest(line=line):
                rc, out = self.configtest("<Proxy balancer://a>\n BalancerMember "
                                          f"http://127.0.0.1:1\n {line}\n</Proxy>")
                self.assertNotEqual(0, rc)
                self.assertIn(message, out)

    def test_good_values_of_balancer_directives_pass(self):
        rc, out = self.configtest("\n".join([
            "FleetOutlierConsecutive 0", "FleetPanicThreshold 0",
            "<Proxy balancer://a>", " BalancerMember http://127.0.0.1:1", " ProxySet lbmethod=maglev",
            " FleetEwmaDecay 250ms", " FleetEwmaPenalty 1s", ' FleetHashKey "%{REQUEST_URI}"',
            " FleetHashTableSize 1009", " FleetHashBalanceFactor 125", " FleetSlowStart 30s",
            " FleetOutlierConsecutive 5", " FleetOutlierBaseTime 30s", " FleetOutlierMaxTime 5m",
            " FleetOutlierMaxPercent 20", " FleetPanicThreshold 50", "</Proxy>"]))
        self.assertEqual((0, "Syntax OK"), (rc, out))

    def test_cache_without_memcached_servers_fails_configtest(self):
        rc, out = self.configtest("<Location /app>\n FleetCache on\n</Location>")
        self.assertNotEqual(0, rc)
        self.assertIn("FL00024", out)
        self.assertIn("FleetCache on (in /app) needs FleetCacheServers", out)
        rc, out = self.configtest("FleetCacheServers 127.0.0.1:11211\n"
                                  "<Location /app>\n FleetCache on\n</Location>")
        self.assertEqual((0, "Syntax OK"), (rc, out))

    def test_server_wide_cache_directives_are_refused_in_a_virtual_host(self):
        rc, out = self.configtest("<VirtualHost 127.0.0.1:1>\n FleetCacheServers 127.0.0.1:11211\n"
                                  "</VirtualHost>")
        self.assertNotEqual(0, rc)
        self.assertIn("FleetCacheServers cannot occur within <VirtualHost> section", out)

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
