"""scripts/bench --health: the CPU the health checker uses with many members, and whether every
failure is detected within its bound. MEMBERS (5000) balancer members, all on one fleet_member
(each with its own path, so each is its own worker), checked with HTTP GET every second, with a new
connection per check (hcreuse=off) and with kept connections (hcreuse=on). The figure is the CPU
time of all httpd children over WINDOW seconds with no traffic, as a percentage of one core (only
the lease holder checks; the others poll the lease ten times a second), and per check.

Then HTTPS checks: TLS_MEMBERS (500) members on an nginx TLS listener (ECDSA P-256 certificate),
checked every second: a full handshake per check (hcreuse=off), a kept TLS connection
(hcreuse=on), and a member that closes after each answer (hcreuse=on: resumed sessions); with the
connections nginx accepted per check. Last, HAProxy checking the same MEMBERS plain servers.
HEALTH_MODES (e.g. "http,tls") picks a subset of http, tls, haproxy."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Httpd, Member, free_port, request, stop_process, wait_port  # noqa: E402

MEMBERS = int(os.environ.get("MEMBERS", "5000"))
TLS_MEMBERS = int(os.environ.get("TLS_MEMBERS", "500"))
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
    modes = os.environ.get("HEALTH_MODES", "http,tls,haproxy").split(",")
    if "http" in modes:
        for reuse in ("off", "on"):
            run(reuse)
    if "tls" in modes and os.path.exists("/usr/sbin/nginx"):
        tls()
    if "haproxy" in modes and os.path.exists("/usr/sbin/haproxy"):
        haproxy()


def haproxy():
    """The same checks from HAProxy (one thread, a new connection per check), for comparison."""
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
        rate = (n1 - n0) / (t1 - t0)
        cpu = (c1 - c0) / (t1 - t0)
        print(f"haproxy: checker CPU: {cpu:.1%} of one core for {MEMBERS} servers at {INTERVAL_MS} ms "
              f"({rate:.0f} checks/s, {per_check(cpu, rate)}), same member, same run")
    finally:
        stop_process(proc)
        member.stop()


def per_check(cpu, rate):
    return f"{cpu / rate * 1e6:.1f} us per check" if rate > 0 else "no checks"


def measure(httpd, label, members, counter=None):
    """CPU of httpd's children over WINDOW, as a share of one core and per check; `counter` (a
    function) is read before and after too, and its growth per check reported."""
    time.sleep(3)  # every member's first check is spread over its first interval
    st = status(httpd)["checker"]
    print(f"{label}: {st['members']} members checked by pid {st['pid']}", flush=True)
    pids = children(httpd)
    k0 = counter() if counter else 0
    c0, p0, t0 = cpu_seconds(pids), status(httpd)["checker"]["probes"], time.monotonic()
    time.sleep(WINDOW)
    c1, p1, t1 = cpu_seconds(pids), status(httpd)["checker"]["probes"], time.monotonic()
    k1 = counter() if counter else 0
    cpu = (c1 - c0) / (t1 - t0)
    rate = (p1 - p0) / (t1 - t0)
    extra = f"; the member accepted {(k1 - k0) / max(p1 - p0, 1):.2f} connections per check" \
        if counter else ""
    print(f"{label}: checker CPU: {cpu:.1%} of one core for {members} members at {INTERVAL_MS} ms "
          f"({rate:.0f} checks/s, {per_check(cpu, rate)}) over {t1 - t0:.0f} s{extra}", flush=True)
    return cpu, rate


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
        cpu, _ = measure(httpd, f"hcreuse={reuse}", MEMBERS)
        print(f"hcreuse={reuse}: {'under' if cpu <= 0.10 else 'OVER'} the 10% target", flush=True)
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


class TlsMembers:
    """nginx answering 200 over TLS with an ECDSA P-256 certificate from its own CA: one listener
    keeping connections, one closing after every answer; accepted connections on a status port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fleet-bench-hc-tls-")
        os.chmod(self.dir, 0o755)

        def openssl(*args):
            subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.dir)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
                "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign")
        openssl("req", *ec, "-keyout", "m.key", "-out", "m.csr", "-subj", "/CN=127.0.0.1")
        with open(os.path.join(self.dir, "ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "m.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "m.pem", "-days", "30", "-extfile", "ext")
        for name in os.listdir(self.dir):
            os.chmod(os.path.join(self.dir, name), 0o644)
        self.ca = os.path.join(self.dir, "ca.pem")
        self.keep, self.close, self.stats = free_port(), free_port(), free_port()
        tls = (f"ssl_certificate {self.dir}/m.pem; ssl_certificate_key {self.dir}/m.key; "
               "ssl_session_cache shared:tls:10m; location / { return 200 \"ok\\n\"; }")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "worker_processes 1;", f"pid {self.dir}/nginx.pid;",
                f"error_log {self.dir}/error.log warn;", "events { worker_connections 8192; }",
                "http {", "  access_log off;", f"  client_body_temp_path {self.dir};",
                f"  server {{ listen 127.0.0.1:{self.keep} ssl; keepalive_timeout 300s; "
                f"keepalive_requests 1000000; {tls} }}",
                f"  server {{ listen 127.0.0.1:{self.close} ssl; keepalive_timeout 0; {tls} }}",
                f"  server {{ listen 127.0.0.1:{self.stats}; location / {{ stub_status; }} }}",
                "}", ""]))
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.stats, self.proc, what="nginx")

    def accepted(self):
        _, _, body = request(self.stats, "/")
        return int(body.splitlines()[2].split()[0])  # "server accepts handled requests"

    def cleanup(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def tls():
    members = TlsMembers()
    try:
        for label, port, reuse in (("https hcreuse=off", members.keep, "off"),
                                   ("https hcreuse=on", members.keep, "on"),
                                   ("https hcreuse=on, member closes", members.close, "on")):
            lines = ["<Proxy balancer://tls>"]
            lines += [f"  BalancerMember https://127.0.0.1:{port}/w{i:05d} hcmethod=GET "
                      f"hcuri=/w{i:05d} hcinterval={INTERVAL_MS}ms hcfails={FAILS} "
                      f"hctimeout={TIMEOUT_MS}ms hcreuse={reuse} hcca={members.ca}"
                      for i in range(TLS_MEMBERS)]
            lines += ["</Proxy>", "<Location /fleet-status>\n  SetHandler fleet-status\n</Location>"]
            httpd = Httpd("\n".join(lines), processes=2, threads=16, log_level="warn").start()
            try:
                measure(httpd, label, TLS_MEMBERS, members.accepted)
                failing = failing_count(httpd)
                if failing:
                    print(f"{label}: {failing} members failing (expected none)", flush=True)
            finally:
                httpd.cleanup()
    finally:
        members.cleanup()


if __name__ == "__main__":
    main()
