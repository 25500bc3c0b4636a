"""scripts/bench --resilience: one of four members frozen (SIGSTOP: its kernel accepts connections,
nothing answers) under a steady RATE of GETs, through stock Apache, mod_fleet (FleetRetry with
trytimeout=), HAProxy and nginx, each configured with the same one-second member timeout and its
own way of retrying. Reports failed requests, p99 and the rate served while the member is frozen.
An open-loop load (requests start on schedule whether or not earlier ones finished), so a proxy
that stalls is not hidden by a client that waits for it."""
import collections
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402
from harness import Httpd, Member, free_port, request, stop_process, wait_port  # noqa: E402

RATE = int(os.environ.get("RATE", "800"))
BEFORE = float(os.environ.get("BEFORE", "2"))   # seconds of load before the member freezes
FROZEN = float(os.environ.get("FROZEN", "8"))   # seconds it stays frozen under load
CLIENTS = int(os.environ.get("CLIENTS", "64"))  # connections the load may use at once
TIMEOUT_S = 1  # every proxy's member timeout


def fleet_conf(members, fleet):
    lines = ["<Proxy balancer://pool>"]
    if fleet:
        lines += [f"  BalancerMember {m.url} enablereuse=on keepalive=on trytimeout={TIMEOUT_S}s"
                  for m in members]
        lines += ["  ProxySet lbmethod=p2c", "  FleetRetry 2"]
    else:  # stock: the member timeout, and failontimeout so a timed-out member is left alone
        lines += [f"  BalancerMember {m.url} enablereuse=on keepalive=on timeout={TIMEOUT_S}"
                  for m in members]
        lines += ["  ProxySet lbmethod=byrequests failontimeout=on"]
    lines += ["</Proxy>", "ProxyPass / balancer://pool/"]
    return "\n".join(lines)


class Peer:
    def __init__(self, kind, members):
        self.kind, self.dir, self.port = kind, tempfile.mkdtemp(prefix=f"fleet-frozen-{kind}-"), free_port()
        os.chmod(self.dir, 0o755)
        if kind == "haproxy":
            lines = ["global", "    nbthread 1", "    maxconn 8000", "defaults", "    mode http",
                     "    timeout connect 1s", "    timeout client 60s", f"    timeout server {TIMEOUT_S}s",
                     "    option http-keep-alive", "    http-reuse always", "    retries 2",
                     "    option redispatch 1", "    retry-on conn-failure empty-response response-timeout",
                     f"frontend fe", f"    bind 127.0.0.1:{self.port}", "    default_backend be",
                     "backend be", "    balance leastconn"]
            lines += [f"    server {m.id} 127.0.0.1:{m.port}" for m in members]
            conf = os.path.join(self.dir, "haproxy.cfg")
            cmd = ["/usr/sbin/haproxy", "-db", "-f", conf]
        else:
            temp = os.path.join(self.dir, "tmp")
            os.makedirs(temp, 0o777)
            os.chmod(temp, 0o777)
            lines = (["user www-data;"] if os.geteuid() == 0 else []) + [
                "worker_processes 1;", f"pid {self.dir}/nginx.pid;", f"error_log {self.dir}/error.log crit;",
                "events { worker_connections 4096; }", "http {", "  access_log off;",
                f"  client_body_temp_path {temp};", f"  proxy_temp_path {temp};",
                "  upstream pool {", "    least_conn;"]
            lines += [f"    server 127.0.0.1:{m.port};" for m in members]
            lines += ["    keepalive 64;", "  }", f"  server {{ listen 127.0.0.1:{self.port}; location / {{",
                      "    proxy_pass http://pool; proxy_http_version 1.1; proxy_set_header Connection \"\";",
                      f"    proxy_read_timeout {TIMEOUT_S}s; proxy_next_upstream error timeout;", "  } }", "}"]
            conf = os.path.join(self.dir, "nginx.conf")
            cmd = ["/usr/sbin/nginx", "-p", self.dir, "-c", conf, "-g", "daemon off;"]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        harness._started.append(self.proc)
        wait_port(self.port, self.proc, what=kind)

    def cleanup(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def open_loop(port, seconds, on_start=None):
    """GETs at RATE per second for `seconds`; each result as (start offset, status, latency)."""
    results, lock = [], threading.Lock()
    start = time.monotonic() + 0.2
    total = int(RATE * seconds)
    next_index = [0]

    def client():
        conn = None
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                break
            due = start + i / RATE
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/x")
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status = -1
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                results.append((t0 - start, status, time.monotonic() - due))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    if on_start is not None:
        on_start(start)
    for t in threads:
        t.join()
    return results


def run(name, port, members):
    frozen = members[3]

    def freeze_later(start):
        def go():
            time.sleep(max(0.0, start + BEFORE - time.monotonic()))
            os.kill(frozen.proc.pid, signal.SIGSTOP)
        threading.Thread(target=go, daemon=True).start()

    try:
        results = open_loop(port, BEFORE + FROZEN, freeze_later)
    finally:
        os.kill(frozen.proc.pid, signal.SIGCONT)
    window = [r for r in results if r[0] >= BEFORE]
    failed = sum(1 for r in window if r[1] != 200)
    lat = sorted(r[2] for r in window)
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000 if lat else 0
    p999 = lat[int(len(lat) * 0.999) - 1] * 1000 if lat else 0
    served = sum(1 for r in window if r[1] == 200) / FROZEN
    statuses = collections.Counter(r[1] for r in window)
    print(f"{name:24s} failed {failed:5d} of {len(window)}  p99 {p99:8.1f} ms  p99.9 {p999:8.1f} ms  "
          f"served {served:6.0f} req/s  {dict(statuses)}", flush=True)
    return dict(failed=failed, p99=p99, p999=p999, served=served, sent=len(window))


def main():
    os.sched_setaffinity(0, {1})  # the load on CPU 1; servers are pinned to CPU 0 below
    rows = []
    kinds = [("stock Apache byrequests", "stock"), ("mod_fleet p2c FleetRetry", "fleet")]
    for kind in ("haproxy", "nginx"):
        if shutil.which(kind) or os.path.exists(f"/usr/sbin/{kind}"):
            kinds.append(({"haproxy": "HAProxy leastconn retry-on", "nginx": "nginx least_conn next_upstream"}[kind], kind))
    for label, kind in kinds:
        os.sched_setaffinity(0, {0})
        members = [Member(f"m{i}") for i in range(4)]
        try:
            if kind in ("stock", "fleet"):
                server = Httpd(fleet_conf(members, kind == "fleet"), load_fleet=kind == "fleet",
                               processes=2, threads=64, log_level="crit").start()
                port = server.port
            else:
                server = Peer(kind, members)
                port = server.port
            os.sched_setaffinity(0, {1})
            assert request(port, "/x")[0] == 200
            rows.append((label, run(label, port, members)))
        finally:
            server.cleanup()
            for m in members:
                m.stop()
    print(f"\nfrozen member: {RATE} req/s of GETs, member 4 of 4 frozen after {BEFORE:.0f}s for {FROZEN:.0f}s, "
          f"{TIMEOUT_S}s member timeout everywhere")
    print("| proxy | failed requests | p99 ms | p99.9 ms | served req/s while frozen |")
    print("|---|---|---|---|---|")
    for label, r in rows:
        print(f"| {label} | {r['failed']} of {r['sent']} | {r['p99']:.1f} | {r['p999']:.0f} | "
              f"{r['served']:.0f} |")
    print("(latencies from each request's scheduled start, so a stalled proxy's queueing counts)")


if __name__ == "__main__":
    main()
