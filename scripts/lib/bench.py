"""The benchmark behind scripts/bench. Servers (httpd, members) run pinned to CPU 0 and wrk to
CPU 1, as ../shared/docs/testing-httpd.md advises; every scenario runs once per round, in rotated
order, and ratios are taken within a round before the median across rounds."""
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Httpd, Member, load, request  # noqa: E402

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
    lines += [f"  ProxySet lbmethod={method}"]
    if method == "maglev":  # wrk comes from one address: hash its connections' ports instead
        lines += ['  FleetHashKey "%{REMOTE_PORT}"']
    lines += ["</Proxy>", f"ProxyPass /{name}/ balancer://{name}/"]
    return "\n".join(lines)


def wrk(port, path):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{CONNS}", f"-d{DURATION}s", "--latency"]
    if os.path.exists(REPORT_LUA):
        cmd += ["-s", REPORT_LUA]
    cmd.append(f"http://127.0.0.1:{port}{path}")
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
        body = "\n".join([balancer("br", "byrequests", fast), balancer("p2c", "p2c", fast),
                          balancer("ewma", "ewma", fast), balancer("maglev", "maglev", fast)])
        rows = [("stock Apache byrequests (no mod_fleet)", balancer("br", "byrequests", fast), "/br/", False),
                ("byrequests, mod_fleet loaded", body, "/br/", True),
                ("p2c", body, "/p2c/", True), ("ewma", body, "/ewma/", True),
                ("maglev", body, "/maglev/", True)]
        results = [(name, instructions_per_request(b, path, fleet)) for name, b, path, fleet in rows]
    finally:
        for m in fast:
            m.stop()
    base = results[0][1]
    print("| scenario | instructions per request | ÷ stock Apache |\n|---|---|---|")
    for name, v in results:
        print(f"| {name} | {v:.0f} | {v / base:.3f} |")


def main():
    if "--instructions" in sys.argv:
        return instructions_mode()
    os.sched_setaffinity(0, {0})  # servers started from here inherit CPU 0
    fast = [Member(f"b{i}") for i in range(1, 5)]
    slow = fast[:3] + [Member("s4", delay_ms=SLOW_MS)]
    common = dict(processes=2, threads=64, log_level="warn")
    stock = Httpd(balancer("br", "byrequests", fast), load_fleet=False, **common).start()
    fleet = Httpd("\n".join([balancer("br", "byrequests", fast), balancer("p2c", "p2c", fast),
                             balancer("ewma", "ewma", fast), balancer("maglev", "maglev", fast),
                             balancer("brslow", "byrequests", slow), balancer("bbslow", "bybusyness", slow),
                             balancer("p2cslow", "p2c", slow), balancer("ewmaslow", "ewma", slow)]),
                  **common).start()
    scenarios = [("stock-byrequests", stock, "/br/"), ("byrequests", fleet, "/br/"), ("p2c", fleet, "/p2c/"),
                 ("ewma", fleet, "/ewma/"), ("maglev", fleet, "/maglev/"),
                 ("slow:byrequests", fleet, "/brslow/"), ("slow:bybusyness", fleet, "/bbslow/"),
                 ("slow:p2c", fleet, "/p2cslow/"), ("slow:ewma", fleet, "/ewmaslow/")]
    results = {name: [] for name, _, _ in scenarios}
    exact = True
    try:
        for name, h, path in scenarios:
            status, _, _ = request(h.port, path)
            assert status == 200, (name, status)
        for rnd in range(ROUNDS):
            order = scenarios[rnd % len(scenarios):] + scenarios[:rnd % len(scenarios)]
            for name, h, path in order:
                before = slow[3].served()
                rps, p50, p99, errors, raw = wrk(h.port, path)
                exact &= raw
                slow_share = (slow[3].served() - before) / max(1, rps * DURATION) if name.startswith("slow") else 0
                results[name].append(dict(rps=rps, p50=p50, p99=p99, errors=errors, slow=slow_share))
                print(f"round {rnd + 1} {name:18s} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                      f"  errors {errors}" + (f"  to s4 {slow_share:.1%}" if name.startswith("slow") else ""),
                      flush=True)
    finally:
        stock.cleanup()
        fleet.cleanup()
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
        share = f"{med(name, 'slow'):.1%}" if name.startswith("slow") else "-"
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


if __name__ == "__main__":
    main()
