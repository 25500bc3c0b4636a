"""scripts/bench --tls: HTTPS keep-alive requests/s through mod_ssl with FleetForwardTLS on, against
the same facts forwarded by stock mod_ssl + mod_headers RequestHeader lines, in one interleaved
run over the same member (servers on CPU 0, wrk on CPU 1)."""
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from bench import CONNS, DURATION, ROUNDS, wrk  # noqa: E402
from certs import Pki  # noqa: E402
from harness import Httpd, Member, free_port, request, wait_port  # noqa: E402

MODULES = Httpd.BASE_MODULES + ["ssl", "socache_shmcb"]

# What a careful stock configuration does by hand: remove the client's copies, then set each fact.
# (mod_headers sends "(null)" for a missing client certificate; with none, these are what it has.)
STOCK_LINES = [
    "RequestHeader unset X-Forwarded-Proto early",
    "RequestHeader unset X-Forwarded-Port early",
    "RequestHeader unset Forwarded early",
    "RequestHeader unset X-SSL-Client-Verify early",
    "RequestHeader unset X-SSL-Client-S-DN early",
    "RequestHeader unset Client-Cert early",
    'RequestHeader set X-Forwarded-Proto "https"',
    'RequestHeader set X-Forwarded-Port "expr=%{SERVER_PORT}"',
    'RequestHeader set Forwarded "expr=for=%{REMOTE_ADDR};proto=https;host=\\"%{HTTP_HOST}\\""',
    'RequestHeader set X-SSL-Client-Verify "%{SSL_CLIENT_VERIFY}s"',
]


def server(pki, member, fleet):
    cert, key = pki.issue("bench-server", "127.0.0.1", san="IP:127.0.0.1")
    port = free_port()
    lines = [f"Listen 127.0.0.1:{port}", "SSLSessionCache none",
             f"<VirtualHost 127.0.0.1:{port}>", "  SSLEngine on",
             f"  SSLCertificateFile {cert}", f"  SSLCertificateKeyFile {key}",
             f"  ProxyPass /app/ {member.url}/ enablereuse=on keepalive=on"]
    lines += ["  FleetForwardTLS on"] if fleet else [f"  {line}" for line in STOCK_LINES]
    lines += ["</VirtualHost>"]
    h = Httpd("\n".join(lines), modules=MODULES, load_fleet=fleet, processes=2, threads=64,
              log_level="warn").start()
    wait_port(port, h.proc, what="httpd TLS")
    h.tls_port = port
    return h


def main():
    os.sched_setaffinity(0, {0})
    pki = Pki()
    member = Member("tls")
    stock = server(pki, member, fleet=False)
    fleet = server(pki, member, fleet=True)
    results = {"stock mod_headers": [], "FleetForwardTLS": []}
    try:
        for rnd in range(ROUNDS):
            order = [("stock mod_headers", stock), ("FleetForwardTLS", fleet)]
            if rnd % 2:
                order.reverse()
            for name, h in order:
                rps, p50, p99, errors, _ = wrk(h.tls_port, "/app/", scheme="https")
                results[name].append(rps)
                print(f"round {rnd + 1} {name:18s} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                      f"  errors {errors}", flush=True)
    finally:
        stock.cleanup()
        fleet.cleanup()
        member.stop()
    ratio = statistics.median(f / s for f, s in zip(results["FleetForwardTLS"], results["stock mod_headers"]))
    print(f"\n{ROUNDS} rounds x {DURATION}s, wrk -t1 -c{CONNS} over HTTPS keep-alive")
    print(f"FleetForwardTLS / stock mod_ssl + mod_headers, req/s: {ratio:.3f}  (target >= 0.97)")


if __name__ == "__main__":
    main()
