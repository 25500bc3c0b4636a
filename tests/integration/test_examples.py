"""Every conf/examples/*.conf is a working configuration: it passes apachectl -t when included
with member addresses defined, and its balancers serve traffic."""
import glob
import os
import re
import unittest

from harness import Httpd, Member, Memcached, load

ROOT = os.environ.get("FLEET_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.members = [Member(f"e{i}") for i in range(1, 4)]
        cls.memcached = Memcached()

    @classmethod
    def tearDownClass(cls):
        for m in cls.members:
            m.stop()
        cls.memcached.stop()

    def test_every_example_passes_configtest_and_serves(self):
        examples = sorted(glob.glob(os.path.join(ROOT, "conf", "examples", "*.conf")))
        self.assertGreaterEqual(len(examples), 4)
        for path in examples:
            with self.subTest(example=os.path.basename(path)):
                defines = "\n".join(f"Define FLEET_MEMBER{i} {m.url}"
                                    for i, m in enumerate(self.members, 1))
                defines += f"\nDefine FLEET_MEMCACHED {self.memcached.address}"
                h = Httpd(f'{defines}\nInclude "{os.path.abspath(path)}"')
                self.addCleanup(h.cleanup)
                self.assertEqual((0, "Syntax OK"), h.configtest())
                h.start()
                for prefix in re.findall(r'^ProxyPass\s+"(/[^"]*/)"', open(path).read(), re.M):
                    counts, st = load(h.port, prefix, 30, 3, headers={"X-User-Id": "u1"})
                    self.assertEqual({200: 30}, dict(st), prefix)
                    self.assertTrue(set(counts) <= {"e1", "e2", "e3"}, counts)
                h.stop()


if __name__ == "__main__":
    unittest.main()
