"""scripts/bench --cache: cache-hit requests/s, interleaved in rounds over the same 1 KiB object
from the same member: mod_fleet (FleetCache, memcached) against stock mod_cache with
mod_cache_socache + mod_socache_memcache on the same memcached, stock mod_cache on shmcb (local
shared memory), nginx proxy_cache when installed, and the member served directly. Then a hot URL
that is never stored (no freshness information, a 50 ms member): FleetCache on against off."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from bench import CONNS, DURATION, ROUNDS, wrk  # noqa: E402
from harness import Httpd, Member, Memcached, free_port, request, stop_process, wait_port  # noqa: E402

PATH = "/obj/1k"
STOCK_MODULES = Httpd.BASE_MODULES + ["cache", "cache_socache", "socache_memcache", "socache_shmcb"]


def stock(member, socache):
    conf = "\n".join([
        "CacheQuickHandler on",
        f"CacheSocache {socache}",
        "CacheEnable socache /obj/",
        "CacheIgnoreNoLastMod On",
        f"ProxyPass /obj/ {member.url}/obj/ enablereuse=on keepalive=on",
    ])
    return Httpd(conf, modules=STOCK_MODULES, load_fleet=False, processes=2, threads=64,
                 log_level="warn").start()


def fleet(member, mc, hot=None, cache_on=True):
    conf = [
        f"FleetCacheServers {mc.address}",
        "FleetCacheQuickHandler on",
        "<Location /obj/>\n  FleetCache on\n</Location>",
        f"ProxyPass /obj/ {member.url}/obj/ enablereuse=on keepalive=on",
    ]
    if hot is not None:
        conf += [f"<Location /hot/>\n  FleetCache {'on' if cache_on else 'off'}\n</Location>",
                 f"ProxyPass /hot/ {hot.url}/hot/ enablereuse=on keepalive=on"]
    return Httpd("\n".join(conf), processes=2, threads=64, log_level="warn").start()


def hot_uncacheable(mc):
    """A hot URL whose answers carry no freshness information (never stored), from a member that
    takes 50 ms: req/s with FleetCache on and off. Hit-for-miss keeps 'on' from queueing every
    request behind the coalescing lease."""
    hot = Member("hot", delay_ms=50, body_bytes=1024)
    on, off = fleet(hot, mc, hot, True), fleet(hot, mc, hot, False)
    results = {"on": [], "off": []}
    try:
        for rnd in range(ROUNDS):
            for name, s in ((("on", on), ("off", off)) if rnd % 2 == 0 else (("off", off), ("on", on))):
                rps, p50, p99, errors, _ = wrk(s.port, "/hot/x")
                results[name].append(rps)
                print(f"round {rnd + 1} hot uncacheable, FleetCache {name:3s} {rps:8.0f} req/s  p50 {p50:7.2f} ms"
                      f"  p99 {p99:7.2f} ms  errors {errors}", flush=True)
    finally:
        on.cleanup()
        off.cleanup()
        hot.stop()
    ratio = statistics.median(a / b for a, b in zip(results["on"], results["off"]))
    print(f"hot uncacheable URL, FleetCache on / off: {ratio:.2f}  (target >= 0.97; "
          f"on {statistics.median(results['on']):.0f} req/s, off {statistics.median(results['off']):.0f} req/s)")


class Nginx:
    def __init__(self, member):
        self.dir = tempfile.mkdtemp(prefix="fleet-bench-nginx-cache-")
        os.chmod(self.dir, 0o755)
        temp = os.path.join(self.dir, "tmp")
        os.makedirs(temp, 0o777)
        os.chmod(temp, 0o777)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "worker_processes 1;", f"pid {self.dir}/nginx.pid;", f"error_log {self.dir}/error.log warn;",
                "events { worker_connections 4096; }", "http {", "  access_log off;",
                f"  client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};",
                f"  uwsgi_temp_path {temp}; scgi_temp_path {temp};",
                f"  proxy_cache_path {self.dir}/cache keys_zone=c:10m;",
                f"  server {{ listen 127.0.0.1:{self.port};",
                f"    location /obj/ {{ proxy_pass http://127.0.0.1:{member.port}; proxy_cache c; }}", "  }", "}", ""]))
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, what="nginx")

    def cleanup(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    os.sched_setaffinity(0, {0})
    member = Member("obj", body_bytes=1024, header="Cache-Control: public, max-age=3600")
    mc = Memcached()
    servers = [("member direct", member), ("stock mod_cache memcache", stock(member, f"memcache:{mc.address}")),
               ("stock mod_cache shmcb", stock(member, "shmcb")), ("mod_fleet FleetCache", fleet(member, mc))]
    if os.path.exists("/usr/sbin/nginx"):
        servers.append(("nginx proxy_cache", Nginx(member)))
    results = {name: [] for name, _ in servers}
    try:
        for name, s in servers:
            for _ in range(3):  # warm: stored
                status, headers, _ = request(s.port, PATH)
            assert status == 200, (name, status)
        for rnd in range(ROUNDS):
            order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
            for name, s in order:
                before = member.served()
                rps, p50, p99, errors, _ = wrk(s.port, PATH)
                to_member = member.served() - before
                results[name].append(rps)
                print(f"round {rnd + 1} {name:26s} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                      f"  errors {errors}  reached the member {to_member}", flush=True)
    finally:
        for name, s in servers:
            if isinstance(s, Member):
                continue
            s.cleanup()
        member.stop()
        mc.stop()

    def ratio(a, b):
        return statistics.median(x / y for x, y in zip(results[a], results[b]))

    print(f"\n{ROUNDS} rounds x {DURATION}s, wrk -t1 -c{CONNS}, 1 KiB object, hits only")
    for name, _ in servers:
        print(f"| {name} | {statistics.median(results[name]):.0f} req/s |")
    print(f"mod_fleet / stock mod_cache memcache hits: {ratio('mod_fleet FleetCache', 'stock mod_cache memcache'):.2f}  (target >= 3.0)")
    print(f"mod_fleet / stock mod_cache shmcb hits:    {ratio('mod_fleet FleetCache', 'stock mod_cache shmcb'):.2f}  (target >= 1.1)")
    print(f"mod_fleet / member direct:                 {ratio('mod_fleet FleetCache', 'member direct'):.2f}")
    if "nginx proxy_cache" in results:
        print(f"mod_fleet / nginx proxy_cache:             {ratio('mod_fleet FleetCache', 'nginx proxy_cache'):.2f}")
    print()
    mc = Memcached()
    try:
        hot_uncacheable(mc)
    finally:
        mc.stop()


if __name__ == "__main__":
    main()
