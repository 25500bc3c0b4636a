"""scripts/bench --health: the CPU the health checker uses with many members, and whether every
failure is detected within its bound. MEMBERS (5000) balancer members, all on one fleet_member
(each with its own path, so each is its own worker), checked with HTTP GET every second. The
figure is the CPU time of all httpd children over WINDOW seconds with no traffic, as a percentage
of one core (only the lease holder checks; the others poll the lease ten times a second)."""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Httpd, Member, request  # noqa: E402

MEMBERS = int(os.environ.get("MEMBERS", "5000"))
PER_BALANCER = 500
WINDOW = int(os.environ.get("WINDOW", "20"))
INTERVAL_MS = 1000
FAILS = 2
TIMEOUT_MS = 2000


def children(httpd):
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == httpd.proc.pid:  # ppid
                out.append(int(pid))
    return out


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def status(httpd):
    code, _, body = request(httpd.port, "/fleet-status?format=json", timeout=30)
    assert code == 200, code
    return json.loads(body)


def failing_count(httpd):
    return sum(1 for b in status(httpd)["balancers"] for m in b["members"]
               if m["health"] and m["health"]["failing"])


def main():
    for reuse in ("off", "on"):
        run(reuse)
    if os.path.exists("/usr/sbin/haproxy"):
        haproxy()


def haproxy():
    """The same checks from HAProxy (one thread, a new connection per check), for comparison."""
    import subprocess
    import tempfile
    from harness import free_port, stop_process, wait_port
    member = Member("hc")
    d = tempfile.mkdtemp(prefix="fleet-bench-hc-")
    port = free_port()
    lines = ["global", "    nbthread 1", "    maxconn 4000", "defaults", "    mode http",
             "    timeout connect 2s", "    timeout client 60s", "    timeout server 60s",
             f"    timeout check {TIMEOUT_MS}ms", "backend be", "    option httpchk GET /health"]
    lines += [f"    server s{i} 127.0.0.1:{member.port} check inter {INTERVAL_MS}ms fall {FAILS}"
              for i in range(MEMBERS)]
    lines += ["frontend fe", f"    bind 127.0.0.1:{port}", "    default_backend be"]
    with open(os.path.join(d, "haproxy.cfg"), "w") as f:
        f.write("\n".join(lines) + "\n")
    proc = subprocess.Popen(["/usr/sbin/haproxy", "-db", "-f", os.path.join(d, "haproxy.cfg")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, what="haproxy")
        time.sleep(3)
        c0, n0, t0 = cpu_seconds([proc.pid]), int(member.control("/__stats")), time.monotonic()
        time.sleep(WINDOW)
        c1, n1, t1 = cpu_seconds([proc.pid]), int(member.control("/__stats")), time.monotonic()
        print(f"haproxy: checker CPU: {(c1 - c0) / (t1 - t0):.1%} of one core for {MEMBERS} servers "
              f"at {INTERVAL_MS} ms ({(n1 - n0) / (t1 - t0):.0f} checks/s), same member, same run")
    finally:
        stop_process(proc)
        member.stop()


def run(reuse):
    member = Member("hc")
    sections = []
    for b in range(0, MEMBERS, PER_BALANCER):
        lines = [f"<Proxy balancer://hc{b // PER_BALANCER}>"]
        for i in range(b, min(MEMBERS, b + PER_BALANCER)):
            lines.append(f"  BalancerMember {member.url}/w{i:05d} hcmethod=GET hcuri=/w{i:05d} "
                         f"hcinterval={INTERVAL_MS}ms hcfails={FAILS} hctimeout={TIMEOUT_MS}ms "
                         f"hcreuse={reuse}")
        lines += ["</Proxy>"]
        sections.append("\n".join(lines))
    sections += ["<Location /fleet-status>\n  SetHandler fleet-status\n</Location>"]
    httpd = Httpd("\n".join(sections), processes=2, threads=16, log_level="warn").start()
    try:
        time.sleep(3)  # every member's first check is spread over its first interval
        st = status(httpd)["checker"]
        print(f"hcreuse={reuse}: {st['members']} members checked by pid {st['pid']}", flush=True)
        pids = children(httpd)
        c0, p0, t0 = cpu_seconds(pids), status(httpd)["checker"]["probes"], time.monotonic()
        time.sleep(WINDOW)
        c1, p1, t1 = cpu_seconds(pids), status(httpd)["checker"]["probes"], time.monotonic()
        cpu = (c1 - c0) / (t1 - t0)
        rate = (p1 - p0) / (t1 - t0)
        print(f"hcreuse={reuse}: checker CPU: {cpu:.1%} of one core for {MEMBERS} members at {INTERVAL_MS} ms "
              f"({rate:.0f} checks/s) over {t1 - t0:.0f} s  (target <= 10%)")
        # Every member fails at once; each must be HC-fail within hcfails x interval + timeout
        # (+ one interval: a check may have just started when the failure begins).
        bound = (FAILS * INTERVAL_MS + TIMEOUT_MS + INTERVAL_MS) / 1000
        request(member.port, "/__fail?status=503")
        start = time.monotonic()
        seen = 0
        while time.monotonic() - start < 3 * bound:
            seen = failing_count(httpd)
            if seen == MEMBERS:
                break
            time.sleep(0.2)
        took = time.monotonic() - start
        print(f"hcreuse={reuse}: failure detection: {seen}/{MEMBERS} members HC-fail after {took:.1f} s "
              f"(bound {bound:.1f} s: {'met' if seen == MEMBERS and took <= bound else 'MISSED'})")
    finally:
        httpd.cleanup()
        member.stop()


if __name__ == "__main__":
    main()
