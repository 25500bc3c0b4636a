"""Request-level resilience through a real httpd (two children) and real members: retries to other
members (a frozen member loses no GET, a POST is never retried, the budget caps retries when every
member fails), maxconn= across both children with a queue, 503 + Retry-After when the queue gives
up, and Proxy-Status for each kind of member problem."""
import collections
import json
import os
import signal
import threading
import time
import unittest

from harness import Httpd, Member, expect_config_errors, fleet_status, free_port, load, request

METHODS = ("p2c", "ewma", "maglev", "byrequests")


class Setup:
    members = {}
    httpd = None


def balancer(name, method, members, *directives, params=""):
    lines = [f"<Proxy balancer://{name}>"]
    lines += [f"  BalancerMember {m.url} {params}".rstrip() for m in members]
    lines += [f"  ProxySet lbmethod={method}"] + [f"  {d}" for d in directives] + ["</Proxy>"]
    lines += [f"ProxyPass /{name}/ balancer://{name}/"]
    return "\n".join(lines)


def setUpModule():
    m = Setup.members
    for group, n, delay in (("frozen", 4, 0), ("post", 2, 0), ("budget", 4, 0), ("limit", 2, 150),
                            ("queue", 1, 1000), ("status", 2, 0), ("slow", 1, 1500)):
        m[group] = [Member(f"{group}{i}", delay_ms=delay) for i in range(n)]
    for method in METHODS:
        m[method] = [Member(f"{method}{i}") for i in range(3)]
    closed = free_port()  # nothing listens there
    body = [
        "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>",
        balancer("frozen", "p2c", m["frozen"], "FleetRetry 2", params="trytimeout=300ms"),
        balancer("post", "p2c", m["post"], "FleetRetry 1 503", "FleetRetryBudget 100 100"),
        balancer("budget", "p2c", m["budget"], "FleetRetry 3 503", "FleetRetryBudget 0 1"),
        balancer("limit", "p2c", m["limit"], "FleetQueue 100 20s", params="maxconn=2"),
        balancer("queue", "p2c", m["queue"], "FleetQueue 1 300ms", "FleetProxyStatus On",
                 params="maxconn=1"),
        balancer("status", "p2c", m["status"], "FleetProxyStatus On"),
        balancer("slow", "p2c", m["slow"], "FleetProxyStatus On", params="trytimeout=200ms"),
        "<Proxy balancer://refused>\n  BalancerMember http://127.0.0.1:%d\n"
        "  FleetProxyStatus On\n</Proxy>\nProxyPass /refused/ balancer://refused/" % closed,
        "<Proxy balancer://none>\n  BalancerMember http://127.0.0.1:%d status=+D\n"
        "  FleetProxyStatus On\n</Proxy>\nProxyPass /none/ balancer://none/" % closed,
    ]
    for method in METHODS:
        body.append(balancer(f"m-{method}", method, m[method], "FleetRetry 2 503",
                             "FleetRetryBudget 100 100"))
    Setup.httpd = Httpd("\n".join(body)).start()


def tearDownModule():
    if Setup.httpd:
        Setup.httpd.cleanup()
    for group in Setup.members.values():
        for m in group:
            try:
                os.kill(m.proc.pid, signal.SIGCONT)
            except OSError:
                pass
            m.stop()


def get(path, method="GET", headers=None, body=None):
    return request(Setup.httpd.port, path, method=method, headers=headers, body=body)


def balancer_json(name):
    for b in fleet_status(Setup.httpd)["balancers"]:
        if b["name"] == f"balancer://{name}":
            return b
    raise AssertionError(f"no balancer {name}")


class Retries(unittest.TestCase):
    def test_a_frozen_member_loses_no_get(self):
        frozen = Setup.members["frozen"][3]
        os.kill(frozen.proc.pid, signal.SIGSTOP)  # accepts connections, never answers
        try:
            start = time.monotonic()
            members, statuses = load(Setup.httpd.port, "/frozen/x", 400, 8)
            elapsed = time.monotonic() - start
        finally:
            os.kill(frozen.proc.pid, signal.SIGCONT)
        self.assertEqual(statuses, collections.Counter({200: 400}), statuses)
        self.assertNotIn("frozen3", members)
        self.assertLess(elapsed, 30)
        b = balancer_json("frozen")
        self.assertGreaterEqual(b["retries"], 1)

    def test_a_failing_answer_goes_to_another_member_with_every_method(self):
        for method in METHODS:
            with self.subTest(method=method):
                ms = Setup.members[method]
                ms[0].control("/__fail?status=503")
                try:
                    for _ in range(12):
                        status, headers, _ = get(f"/m-{method}/x")
                        self.assertEqual(status, 200)
                        self.assertNotEqual(headers.get("x-member"), ms[0].id)
                finally:
                    ms[0].control("/__fail?status=0")

    def test_a_post_is_never_retried(self):
        ms = Setup.members["post"]
        for m in ms:
            m.reset()
            m.control("/__fail?status=503")
        try:
            status, _, _ = get("/post/x", method="POST", body=b"order=1",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 503)
            self.assertEqual(sum(m.served() for m in ms), 1)  # one member saw it, once
            status, _, _ = get("/post/x")  # a GET is sent to the other member
            self.assertEqual(status, 503)
            self.assertEqual(sum(m.served() for m in ms), 3)
        finally:
            for m in ms:
                m.control("/__fail?status=0")

    def test_the_budget_caps_retries_when_every_member_fails(self):
        ms = Setup.members["budget"]
        for m in ms:
            m.reset()
            m.control("/__fail?status=503")
            m.control("/__delay?ms=300")  # slow failures: the retries would overlap
        try:
            members, statuses = load(Setup.httpd.port, "/budget/x", 12, 12)
            retries = sum(m.served() for m in ms) - 12
        finally:
            for m in ms:
                m.reset()
        self.assertEqual(statuses, collections.Counter({503: 12}))
        # No share of the requests in flight, one retry in flight at a time: not 3 for each of
        # the 12 requests (36) but a chain of one request's retries at most.
        self.assertLessEqual(retries, 6)
        b = balancer_json("budget")
        self.assertGreaterEqual(b["retry_budget_refusals"], 12 - retries - 3)
        self.assertEqual(b["retries"], retries)


class Limits(unittest.TestCase):
    def test_maxconn_holds_across_both_children_and_queued_requests_succeed(self):
        ms = Setup.members["limit"]
        for m in ms:
            m.reset()
        members, statuses = load(Setup.httpd.port, "/limit/x", 40, 12)
        self.assertEqual(statuses, collections.Counter({200: 40}), statuses)
        for m in ms:
            self.assertLessEqual(m.peak(), 2, m.id)
            self.assertGreater(m.served(), 0)
        b = balancer_json("limit")
        self.assertGreater(b["queued"], 0)
        self.assertEqual(b["queue_timeouts"], 0)

    def test_a_queue_that_gives_up_answers_503_with_retry_after(self):
        results = []

        def one():
            results.append(get("/queue/x"))

        threads = [threading.Thread(target=one) for _ in range(3)]
        for t in threads:
            t.start()
            time.sleep(0.05)
        for t in threads:
            t.join()
        statuses = sorted(s for s, _, _ in results)
        self.assertEqual(statuses, [200, 503, 503])
        for status, headers, _ in results:
            if status == 503:
                self.assertEqual(headers.get("retry-after"), "1")
                self.assertIn("error=connection_limit_reached", headers.get("proxy-status", ""))
        b = balancer_json("queue")
        self.assertGreaterEqual(b["queue_full"] + b["queue_timeouts"], 2)


class ProxyStatus(unittest.TestCase):
    def test_each_member_problem_is_named(self):
        cases = {
            "/refused/x": "error=connection_refused",
            "/slow/x": "error=http_response_timeout",
            "/none/x": "error=destination_unavailable",
        }
        for path, error in cases.items():
            with self.subTest(path=path):
                status, headers, _ = get(path)
                self.assertIn(status, (502, 503, 504))
                value = headers.get("proxy-status", "")
                self.assertTrue(value.startswith("fleet; " + error), value)
        status, headers, _ = get("/refused/x")
        self.assertIn('next-hop="http://127.0.0.1:', headers["proxy-status"])

    def test_a_members_own_answer_carries_none(self):
        status, headers, _ = get("/status/x")
        self.assertEqual(status, 200)
        self.assertNotIn("proxy-status", headers)
        Setup.members["status"][0].control("/__fail?status=503")
        Setup.members["status"][1].control("/__fail?status=503")
        try:
            status, headers, _ = get("/status/x")  # the member's own 503 passes through
            self.assertEqual(status, 503)
            self.assertNotIn("proxy-status", headers)
        finally:
            for m in Setup.members["status"]:
                m.control("/__fail?status=0")

    def test_off_keeps_the_header_away_but_not_the_note(self):
        status, headers, _ = get("/frozen/x")
        self.assertEqual(status, 200)
        self.assertNotIn("proxy-status", headers)


class Configuration(unittest.TestCase):
    def test_bad_values_name_the_directive_and_what_is_accepted(self):
        def section(*lines, params=""):
            return ["<Proxy balancer://c>", f"  BalancerMember http://127.0.0.1:1 {params}",
                    *[f"  {line}" for line in lines], "</Proxy>"]
        expect_config_errors(self, [
            (section("FleetRetry 11"), "FleetRetry: '11' is not valid; accepted: a number of retries"),
            (section("FleetRetry 2 404"), "FleetRetry: '404' is not valid; accepted: a status from 500"),
            (section("FleetRetryBudget 120"), "FleetRetryBudget: '120' is not valid; accepted: a percent"),
            (section("FleetQueue 100"), "FleetQueue: takes a length and a timeout"),
            (section("FleetQueue 5000 1s"), "FleetQueue: '5000' is not valid; accepted: a queue length"),
            (section("FleetQueue 10 never"), "FleetQueue: 'never' is not valid; accepted: a timeout"),
            (section("FleetProxyStatus maybe"), "FleetProxyStatus must be On or Off"),
            (section("FleetLatencyOutlier 0.5"), "FleetLatencyOutlier: '0.5' is not valid; accepted: a factor"),
            (section(params="maxconn=-1"), "maxconn='-1' is not valid; accepted: a whole number"),
            (section(params="trytimeout=fast"), "trytimeout='fast' is not valid; accepted: a duration"),
        ])

    def test_good_values_pass(self):
        rc, out = Httpd("\n".join([
            "<Proxy balancer://c>", "  BalancerMember http://127.0.0.1:1 maxconn=10 trytimeout=250ms",
            "  ProxySet lbmethod=ewma", "  FleetRetry 3 502 503 504 put-delete", "  FleetRetryBudget 25 5",
            "  FleetQueue 50 2s", "  FleetProxyStatus On", "  FleetLatencyOutlier 2.5 0.1", "</Proxy>",
            "<Proxy balancer://d>", "  BalancerMember http://127.0.0.1:2", "  FleetRetry 0",
            "  FleetQueue off", "  FleetLatencyOutlier off", "</Proxy>"])).configtest()
        self.assertEqual((0, "Syntax OK"), (rc, out))


if __name__ == "__main__":
    unittest.main()
