"""scripts/demo serves conf/examples/balancer.conf through p2c, and stops all it started."""
import json
import os
import signal
import subprocess
import unittest

from harness import (free_port, load, request, wait_port)

ROOT = os.environ.get("FLEET_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))


class DemoTest(unittest.TestCase):
    def test_demo_serves_and_stops_everything(self):
        port = free_port()
        others = []
        while len(others) < 4:  # three members and memcached, all distinct
            p = free_port()
            if p != port and p not in others:
                others.append(p)
        env = dict(os.environ, FLEET_SKIP_SETUP="1", FLEET_DEMO_PORT=str(port),
                   FLEET_DEMO_PORTS=" ".join(map(str, others)),
                   FLEET_BUILD=os.path.dirname(os.environ["FLEET_MODULE"]))
        demo = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "demo")], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            try:
                wait_port(port, demo, timeout=30, what="demo httpd")
            except RuntimeError as e:
                self.fail(f"{e}\n{demo.stdout.read()}")
            out = ""
            while "Press Ctrl-C" not in out:
                line = demo.stdout.readline()
                self.assertTrue(line, "demo ended early:\n" + out)
                out += line
            self.assertIn(f"http://127.0.0.1:{port}/app/", out)
            status, _, body = request(port, "/")
            self.assertEqual(200, status)
            self.assertIn(b"fleet-status", body)
            counts, statuses = load(port, "/app/", 90, 3)
            self.assertEqual({200: 90}, dict(statuses))
            self.assertEqual({"m1", "m2", "m3"}, set(counts))
            status, headers, _ = request(port, "/app/")
            self.assertTrue(headers["x-fleet-decision"].startswith("p2c " + headers["x-member"]))
            status, _, body = request(port, "/fleet-status?format=json")
            self.assertEqual(200, status)
            (app,) = [b for b in json.loads(body)["balancers"] if b["name"] == "balancer://app"]
            self.assertEqual("p2c", app["lbmethod"])
            self.assertEqual(91, sum(m["requests"] for m in app["members"]))
            _, first, _ = request(port, "/cached/")
            _, second, _ = request(port, "/cached/")
            self.assertIn("fwd=uri-miss; stored", first["cache-status"])
            self.assertIn("hit", second["cache-status"])
            children = subprocess.run(["pgrep", "-P", str(demo.pid)], capture_output=True,
                                      text=True).stdout.split()
            self.assertEqual(5, len(children))  # 3 members, memcached, httpd
        finally:
            demo.send_signal(signal.SIGINT)
            rest = demo.communicate(timeout=30)[0]
        self.assertIn("demo stopped", rest)
        for pid in children:
            self.assertFalse(os.path.exists(f"/proc/{pid}"), f"pid {pid} still running")
        for p in [port] + others:
            with self.assertRaises(RuntimeError):  # nothing listens any more
                wait_port(p, timeout=0.3)


if __name__ == "__main__":
    unittest.main()
