"""The benchmark behind scripts/bench. Servers (httpd, members) run pinned to CPU 0 and wrk to
CPU 1, as ../shared/docs/testing-httpd.md advises; every scenario runs once per round, in rotated
order, and ratios are taken within a round before the median across rounds."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Httpd, Member, free_port, load, request, stop_process, wait_port  # noqa: E402
import harness  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "8"))
WARMUP = int(os.environ.get("WARMUP", "2"))
CONNS = int(os.environ.get("CONNS", "32"))
SLOW_MS = int(os.environ.get("SLOW_MS", "20"))
# The team harness's wrk hook recovers per-request percentiles from wrk's histogram (wrk 4.1
# otherwise corrects for coordinated omission, which inflates p99 with one slow member).
REPORT_LUA = os.environ.get("REPORT_LUA", os.path.join(ROOT, "..", "shared", "bench", "lib", "report.lua"))


def balancer(name, method, members, extra=""):
    lines = [f"<Proxy balancer://{name}>"]
    lines += [f"  BalancerMember {m.url} enablereuse=on keepalive=on" for m in members]
    lines += [f"  ProxySet lbmethod={method}"] + ([f"  {extra}"] if extra else [])
    if method == "maglev":  # wrk comes from one address: hash its connections' ports instead
        lines += ['  FleetHashKey "%{REMOTE_PORT}"']
    lines += ["</Proxy>", f"ProxyPass /{name}/ balancer://{name}/"]
    return "\n".join(lines)


class Peer:
    """HAProxy or nginx over the same members, for comparison (only when installed)."""

    def __init__(self, kind, pools):
        self.kind, self.dir = kind, tempfile.mkdtemp(prefix=f"fleet-bench-{kind}-")
        os.chmod(self.dir, 0o755)
        self.ports = {name: free_port() for name in pools}
        if kind == "haproxy":
            lines = ["global", "    nbthread 1", "    maxconn 8000", "defaults", "    mode http",
                     "    timeout connect 5s", "    timeout client 60s", "    timeout server 60s",
                     "    option http-keep-alive", "    option forwardfor", "    http-reuse always"]
            for name, (algo, members) in pools.items():
                lines += [f"frontend fe_{name}", f"    bind 127.0.0.1:{self.ports[name]}",
                          f"    default_backend be_{name}", f"backend be_{name}", f"    balance {algo}"]
                lines += [f"    server {m.id} 127.0.0.1:{m.port}" for m in members]
            conf = os.path.join(self.dir, "haproxy.cfg")
            cmd = ["/usr/sbin/haproxy", "-db", "-f", conf]
        else:
            temp = os.path.join(self.dir, "tmp")
            os.makedirs(temp, 0o777)
            os.chmod(temp, 0o777)
            lines = ["worker_processes 1;", f"pid {self.dir}/nginx.pid;",
                     f"error_log {self.dir}/error.log warn;", "events { worker_connections 4096; }",
                     "http {", "  access_log off;", f"  client_body_temp_path {temp};",
                     f"  proxy_temp_path {temp};", "  keepalive_requests 1000000;"]
            if os.geteuid() == 0:
                lines.insert(0, "user www-data;")
            for name, (algo, members) in pools.items():
                lines += [f"  upstream up_{name} {{", f"    {algo};"]
                lines += [f"    server 127.0.0.1:{m.port};" for m in members]
                lines += ["    keepalive 64;", "  }",
                          f"  server {{ listen 127.0.0.1:{self.ports[name]}; location / {{",
                          f"    proxy_pass http://up_{name}; proxy_http_version 1.1;",
                          '    proxy_set_header Connection ""; } }']
            lines.append("}")
            conf = os.path.join(self.dir, "nginx.conf")
            cmd = ["/usr/sbin/nginx", "-p", self.dir, "-c", conf, "-g", "daemon off;"]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        harness._started.append(self.proc)
        for port in self.ports.values():
            wait_port(port, self.proc, what=kind)

    def cleanup(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def wrk(port, path, scheme="http"):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{CONNS}", f"-d{DURATION}s", "--latency"]
    if os.path.exists(REPORT_LUA):
        cmd += ["-s", REPORT_LUA]
    cmd.append(f"{scheme}://127.0.0.1:{port}{path}")
    if WARMUP:
        subprocess.run(cmd[:5] + [f"-d{WARMUP}s", cmd[-1]], capture_output=True, env=dict(os.environ, WRK_CONNS=str(CONNS)))
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, WRK_CONNS=str(CONNS))).stdout
    m = re.search(r"WRKRESULT (.*)", out)
    if m:
        kv = dict(x.split("=") for x in m.group(1).split())
        rps = int(kv["requests"]) / (int(kv["duration_us"]) / 1e6)
        raw = float(kv["raw_p50_us"]) >= 0
        p50 = float(kv["raw_p50_us" if raw else "p50_us"]) / 1000
        p99 = float(kv["raw_p99_us" if raw else "p99_us"]) / 1000
        errors = sum(int(kv[k]) for k in kv if k.startswith("err_"))
        return rps, p50, p99, errors, raw
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))

    def ms(label):
        v, unit = re.search(label + r"\s+([\d.]+)(us|ms|s)", out).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, ms(" 50%"), ms(" 99%"), int(errs.group(1)) if errs else 0, False


def instructions_per_request(body, path, load_fleet, n_low=300, n_high=1800):
    """CPU cost of one request through httpd, counted by callgrind (repeatable on a noisy box):
    one single-process httpd (-X) per count, the difference of two counts cancels startup."""
    totals = []
    for n in (n_low, n_high):
        h = Httpd(body, load_fleet=load_fleet, processes=1, threads=8, log_level="warn")
        # callgrind writes its file at exit, after httpd would have dropped root: stay root.
        with open(h.conf) as f:
            conf = f.read().replace("User www-data", "").replace("Group www-data", "")
        with open(h.conf, "w") as f:
            f.write(conf)
        out = os.path.join(h.dir, "callgrind.out")
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                 "/usr/sbin/apache2", "-X", "-d", h.dir, "-f", h.conf],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if request(h.port, path)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("httpd under callgrind did not answer:\n" + h.error_log()[-2000:])
            load(h.port, path, n - 1, 4)
        finally:
            proc.terminate()
            proc.wait(120)
        with open(out) as f:
            totals.append(next(int(line.split()[1]) for line in f if line.startswith(("summary:", "totals:"))))
        h.cleanup()
    return (totals[1] - totals[0]) / (n_high - n_low)


def instructions_mode():
    fast = [Member(f"b{i}") for i in range(1, 5)]
    try:
        methods = [("br", "byrequests"), ("p2c", "p2c"), ("ewma", "ewma"), ("maglev", "maglev")]

        def body(first):
            # The measured balancer's ProxyPass comes first: httpd tries them in order, and a
            # later one would pay for the comparisons before it.
            order = [m for m in methods if m[0] == first] + [m for m in methods if m[0] != first]
            return "\n".join(balancer(name, method, fast) for name, method in order)
        rows = [("stock Apache byrequests (no mod_fleet)", balancer("br", "byrequests", fast), "/br/", False),
                ("byrequests, mod_fleet loaded", body("br"), "/br/", True),
                ("p2c", body("p2c"), "/p2c/", True), ("ewma", body("ewma"), "/ewma/", True),
                ("maglev", body("maglev"), "/maglev/", True)]
        if not os.environ.get("INSTRUCTIONS_BASE_ONLY"):  # an older module lacks the directives
            idle = "FleetRetry 2 502 503 504\n  FleetRetryBudget 20 3\n  FleetQueue 100 5s"
            rows.append(("p2c, FleetRetry + FleetQueue + maxconn= set, idle",
                         balancer("p2c", "p2c", fast, idle).replace("keepalive=on", "keepalive=on maxconn=1000"),
                         "/p2c/", True))
        results = [(name, instructions_per_request(b, path, fleet)) for name, b, path, fleet in rows]
    finally:
        for m in fast:
            m.stop()
    base = results[0][1]
    fleet_br = results[1][1]
    print("| scenario | instructions per request | ÷ stock Apache | ÷ byrequests with mod_fleet |")
    print("|---|---|---|---|")
    for name, v in results:
        print(f"| {name} | {v:.0f} | {v / base:.3f} | {v / fleet_br:.3f} |")


def main():
    if "--instructions" in sys.argv:
        return instructions_mode()
    if "--health" in sys.argv:
        import bench_health
        return bench_health.main()
    if "--cache" in sys.argv:
        import bench_cache
        return bench_cache.main()
    if "--tls" in sys.argv:
        import bench_tls
        return bench_tls.main()
    if "--resilience" in sys.argv:
        import bench_resilience
        return bench_resilience.main()
    os.sched_setaffinity(0, {0})  # servers started from here inherit CPU 0
    fast = [Member(f"b{i}") for i in range(1, 5)]
    slow = fast[:3] + [Member("s4", delay_ms=SLOW_MS)]
    common = dict(processes=2, threads=64, log_level="warn")
    stock = Httpd(balancer("br", "byrequests", fast), load_fleet=False, **common).start()
    fleet = Httpd("\n".join([balancer("br", "byrequests", fast), balancer("p2c", "p2c", fast),
                             balancer("ewma", "ewma", fast), balancer("maglev", "maglev", fast),
                             balancer("brslow", "byrequests", slow), balancer("bbslow", "bybusyness", slow),
                             balancer("p2cslow", "p2c", slow), balancer("ewmaslow", "ewma", slow),
                             balancer("ewmaout", "ewma", slow, "FleetLatencyOutlier 2")]),
                  **common).start()
    scenarios = [("stock-byrequests", stock, "/br/"), ("byrequests", fleet, "/br/"), ("p2c", fleet, "/p2c/"),
                 ("ewma", fleet, "/ewma/"), ("maglev", fleet, "/maglev/"),
                 ("slow:byrequests", fleet, "/brslow/"), ("slow:bybusyness", fleet, "/bbslow/"),
                 ("slow:p2c", fleet, "/p2cslow/"), ("slow:ewma", fleet, "/ewmaslow/"),
                 ("slow:ewma+outlier", fleet, "/ewmaout/")]
    peers = []
    for kind, algo in (("haproxy", "leastconn"), ("nginx", "least_conn")):
        if shutil.which(kind) or os.path.exists(f"/usr/sbin/{kind}"):
            peer = Peer(kind, {"fast": (algo, fast), "slow": (algo, slow)})
            peers.append(peer)
            scenarios += [(f"{kind}-{algo}", peer, "/"), (f"slow:{kind}-{algo}", peer, "/")]
    results = {name: [] for name, _, _ in scenarios}
    exact = True
    try:
        for name, h, path in scenarios:
            port = h.port if isinstance(h, Httpd) else h.ports["slow" if name.startswith("slow") else "fast"]
            status, _, _ = request(port, path)
            assert status == 200, (name, status)
        for rnd in range(ROUNDS):
            order = scenarios[rnd % len(scenarios):] + scenarios[:rnd % len(scenarios)]
            for name, h, path in order:
                before = slow[3].served()
                port = h.port if isinstance(h, Httpd) else h.ports["slow" if name.startswith("slow") else "fast"]
                rps, p50, p99, errors, raw = wrk(port, path)
                exact &= raw
                slow_share = (slow[3].served() - before) / max(1, rps * DURATION) if name.startswith("slow") else 0
                results[name].append(dict(rps=rps, p50=p50, p99=p99, errors=errors, slow=slow_share))
                print(f"round {rnd + 1} {name:18s} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                      f"  errors {errors}" + (f"  to s4 {slow_share:.1%}" if name.startswith("slow") else ""),
                      flush=True)
    finally:
        stock.cleanup()
        fleet.cleanup()
        for peer in peers:
            peer.cleanup()
        for m in fast + slow[3:]:
            m.stop()

    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    def ratio(a, b, key):
        return statistics.median(x[key] / y[key] for x, y in zip(results[a], results[b]))

    print(f"\n{ROUNDS} rounds x {DURATION}s, wrk -t1 -c{CONNS}, servers on CPU 0, wrk on CPU 1; "
          f"percentiles {'per request' if exact else 'as wrk prints them (coordinated-omission corrected)'}")
    print(f"| scenario | req/s (median) | p50 ms | p99 ms | errors | share to slow member |")
    print("|---|---|---|---|---|---|")
    for name, _, _ in scenarios:
        share = f"{med(name, 'slow'):.2%}" if name.startswith("slow") else "-"
        print(f"| {name} | {med(name, 'rps'):.0f} | {med(name, 'p50'):.2f} | {med(name, 'p99'):.2f} | "
              f"{sum(r['errors'] for r in results[name])} | {share} |")
    print()
    for m in ("p2c", "ewma", "maglev"):
        print(f"{m + ' / byrequests, req/s:':40s}{ratio(m, 'byrequests', 'rps'):.3f}  (target >= 0.98)")
    print(f"p2c / stock Apache byrequests, req/s:   {ratio('p2c', 'stock-byrequests', 'rps'):.3f}")
    print(f"byrequests with / without mod_fleet:    {ratio('byrequests', 'stock-byrequests', 'rps'):.3f}")
    print(f"slow pool p99, p2c / byrequests:        {ratio('slow:p2c', 'slow:byrequests', 'p99'):.3f}")
    print(f"slow pool p99, p2c / bybusyness:        {ratio('slow:p2c', 'slow:bybusyness', 'p99'):.3f}")
    print(f"slow pool p99, ewma / byrequests:       {ratio('slow:ewma', 'slow:byrequests', 'p99'):.3f}  (target <= 0.33)")
    print(f"slow pool p99, ewma / bybusyness:       {ratio('slow:ewma', 'slow:bybusyness', 'p99'):.3f}")
    print(f"slow pool req/s, p2c / byrequests:      {ratio('slow:p2c', 'slow:byrequests', 'rps'):.3f}")
    print(f"slow member's share, ewma:              {med('slow:ewma', 'slow'):.3%}")
    print(f"slow member's share, ewma + FleetLatencyOutlier 2: {med('slow:ewma+outlier', 'slow'):.3%}  (target <= 0.1 %)")
    print(f"slow pool req/s, ewma+outlier / ewma:   {ratio('slow:ewma+outlier', 'slow:ewma', 'rps'):.3f}")
    for peer in ("haproxy-leastconn", "nginx-least_conn"):
        if f"slow:{peer}" in results:
            print(f"{'slow pool p99, ewma / ' + peer + ':':40s}{ratio('slow:ewma', 'slow:' + peer, 'p99'):.3f}")
            print(f"{'req/s, ' + peer + ' / byrequests:':40s}{ratio(peer, 'byrequests', 'rps'):.3f}")
            print(f"{'slow member' + chr(39) + 's share, ' + peer + ':':40s}{med('slow:' + peer, 'slow'):.3%}")


if __name__ == "__main__":
    main()
