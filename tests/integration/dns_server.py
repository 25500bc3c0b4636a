"""A real DNS server for the discovery tests: Debian's dnsmasq on a loopback port, answering A
records from a hosts file it re-reads on SIGHUP and SRV records from its configuration (changed by
restarting it on the same port). Started and stopped by PID."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import _started, free_port, stop_process

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


class DnsServer:
    def __init__(self, hosts=None, srv=None, ttl=1):
        """hosts: {name: [ip, ...]}; srv: [(name, target, port, priority, weight), ...]."""
        self.dir = tempfile.mkdtemp(prefix="fleet-dns-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.ttl = ttl
        self.proc = None
        self.srv = srv or []
        self.write_hosts(hosts or {})
        self.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def write_hosts(self, hosts):
        path = os.path.join(self.dir, "hosts")
        with open(path + ".new", "w") as f:
            for name, ips in hosts.items():
                for ip in ips:
                    f.write(f"{ip} {name}\n")
        os.chmod(path + ".new", 0o644)
        os.replace(path + ".new", path)

    def set_hosts(self, hosts):
        """New A records, read by the running server at once (SIGHUP)."""
        self.write_hosts(hosts)
        self.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)

    def set_srv(self, srv):
        """New SRV records: dnsmasq reads those only at start, so it restarts on the same port."""
        self.srv = srv
        self.stop()
        self.start()

    def start(self):
        conf = os.path.join(self.dir, "dnsmasq.conf")
        with open(conf, "w") as f:
            for name, target, port, prio, weight in self.srv:
                f.write(f"srv-host={name},{target},{port},{prio},{weight}\n")
        os.chmod(conf, 0o644)
        cmd = [DNSMASQ, "--keep-in-foreground", f"--port={self.port}", "--listen-address=127.0.0.1",
               "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll",
               f"--addn-hosts={os.path.join(self.dir, 'hosts')}", f"--local-ttl={self.ttl}",
               f"--conf-file={conf}", f"--pid-file={os.path.join(self.dir, 'pid')}",
               "--user=root" if os.geteuid() == 0 else f"--user={os.getlogin()}",
               f"--log-facility={os.path.join(self.dir, 'log')}"]
        err = os.path.join(self.dir, "stderr")
        with open(err, "w") as f:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=f)
        _started.append(self.proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dnsmasq exited: " + open(err).read())
            if self.answers():
                return
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not answer")

    def answers(self):
        """Whether the server answers a query on its port (any answer, NXDOMAIN included)."""
        import socket
        query = bytes.fromhex("abcd01000001000000000000") + b"\x05probe\x04test\x00\x00\x01\x00\x01"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(query, ("127.0.0.1", self.port))
                return len(s.recv(512)) >= 12
            except OSError:
                return False

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
