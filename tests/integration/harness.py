"""Integration harness: real httpd (Debian's apache2, event MPM) with the built mod_fleet, real
member servers and memcached, all on free loopback ports, started and stopped by PID.

Environment (set by ctest): FLEET_MODULE (mod_fleet.so), FLEET_MEMBER (fleet_member binary);
FLEET_SANITIZE (the -fsanitize= value of a -DFLEET_SANITIZE build): httpd runs with the sanitizer
runtime preloaded, httpd and the members write sanitizer reports into their own directory, and
stopping them raises SanitizerReport if there is one (copied to $FLEET_ARTIFACTS/sanitizer/).
"""
import atexit
import collections
import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

APACHE = os.environ.get("FLEET_APACHE", "/usr/sbin/apache2")
LIBEXEC = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True, text=True,
                         check=True).stdout.strip()
MODULE = os.environ.get("FLEET_MODULE", "")
MEMBER = os.environ.get("FLEET_MEMBER", "")
SANITIZE = os.environ.get("FLEET_SANITIZE", "")
# Waits on our own processes are this much longer in a sanitized build (ASan: ~2-3x slower).
SLOW = 3.0 if SANITIZE else 1.0

_started = []  # every process this harness started, stopped at exit whatever happens
_report_dirs = {}  # sanitizer report directory -> what writes there, until it is removed
# Names the reports copied to $FLEET_ARTIFACTS/sanitizer after the test module that ran.
_RUN_NAME = next((a for a in sys.argv if a.startswith("test_")), "harness")


def _stop_all():
    for proc in list(_started):
        stop_process(proc)
    # Reports nobody checked (a test that never stopped its httpd) still fail the run.
    leftover = []
    for log_dir, what in list(_report_dirs.items()):
        try:
            check_sanitizer_reports(log_dir, what)
        except SanitizerReport as e:
            leftover.append(str(e))
    if leftover:
        print("\n".join(leftover), file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(1)


atexit.register(_stop_all)


class SanitizerReport(AssertionError):
    """A sanitizer wrote a report: a memory error or undefined behaviour in our code."""


def _sanitizer_runtime():
    """LD_PRELOAD value for a program that dlopens our sanitized code without being built with
    it (Debian's apache2): ASan must come first in the initial library list."""
    names = (["libasan.so"] if "address" in SANITIZE else []) + \
        (["libubsan.so"] if "undefined" in SANITIZE else [])
    paths = []
    for name in names:
        path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True,
                              check=True).stdout.strip()
        if not os.path.isabs(path):
            raise RuntimeError(f"gcc does not know {name}: install g++ (FLEET_SANITIZE={SANITIZE})")
        paths.append(os.path.realpath(path))
    return " ".join(paths)


def sanitizer_env(log_dir, what, leaks):
    """The environment for a process linking our sanitized code, its reports going to
    log_dir/{asan,ubsan}.<pid>. UBSan does not halt: inside httpd a report must be seen, not abort
    the server mid-test; the report file fails the test when the process is stopped."""
    env = dict(os.environ)
    if not SANITIZE:
        return env
    os.makedirs(log_dir, exist_ok=True)
    os.chmod(log_dir, 0o1777)  # httpd's children write as www-data
    _report_dirs[log_dir] = what
    supp = os.environ.get("FLEET_SANITIZE_SUPPRESSIONS",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                       "sanitize"))
    env["ASAN_OPTIONS"] = ":".join([
        f"log_path={log_dir}/asan", f"detect_leaks={1 if leaks else 0}",
        "detect_stack_use_after_return=1", "check_initialization_order=1", "strict_init_order=1"])
    env["UBSAN_OPTIONS"] = f"log_path={log_dir}/ubsan:print_stacktrace=1:halt_on_error=0"
    env["LSAN_OPTIONS"] = f"suppressions={supp}/lsan.supp:print_suppressions=0"
    return env


def check_sanitizer_reports(log_dir, what):
    """Raises SanitizerReport with every report in log_dir (copied to $FLEET_ARTIFACTS/sanitizer/
    first), then forgets them so one report fails once."""
    reports = sorted(glob.glob(os.path.join(log_dir, "*san.*")))
    if not reports:
        return
    texts = []
    artifacts = os.environ.get("FLEET_ARTIFACTS")
    for path in reports:
        with open(path, errors="replace") as f:
            texts.append(f"--- {what}: {os.path.basename(path)} ---\n{f.read()}")
        if artifacts:
            dest = os.path.join(artifacts, "sanitizer")
            os.makedirs(dest, exist_ok=True)
            shutil.copy(path, os.path.join(dest, f"{_RUN_NAME}-{what}-{os.path.basename(path)}"))
        os.unlink(path)
    text = "\n".join(texts)
    print(text, file=sys.stderr, flush=True)
    raise SanitizerReport(f"{len(reports)} sanitizer report(s) from {what}:\n{text[:20000]}")


def stop_process(proc, grace=5.0 * SLOW):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc in _started:
        _started.remove(proc)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=None, what="server", host="127.0.0.1"):
    timeout = timeout or 15.0 * SLOW
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout}s")


def start_script(script, *args, what, port=None):
    """Starts one of the Python members beside this file (cache_member.py, tls_member.py, ...)
    with `args` and its port last; returns (port, process) once it listens."""
    port = port or free_port()
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.Popen([sys.executable, os.path.join(here, script), *map(str, args), str(port)])
    _started.append(proc)
    wait_port(port, proc, what=what)
    return port, proc


def request(port, path, method="GET", headers=None, body=None, timeout=10.0, conn=None,
            host="127.0.0.1"):
    """One HTTP request; returns (status, headers dict lower-cased, body bytes)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        if own:
            conn.close()


def load(port, path, total, concurrency, headers=None):
    """Sends `total` GETs over `concurrency` keep-alive connections; returns a Counter of
    X-Member values (None for answers without one) and a Counter of statuses."""
    members = collections.Counter()
    statuses = collections.Counter()
    lock = threading.Lock()
    per = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local_m, local_s = collections.Counter(), collections.Counter()
        for _ in range(n):
            try:
                status, hdrs, _ = request(port, path, headers=headers, conn=conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, hdrs = -1, {}
            local_s[status] += 1
            local_m[hdrs.get("x-member")] += 1
        conn.close()
        with lock:
            members.update(local_m)
            statuses.update(local_s)

    threads = [threading.Thread(target=worker, args=(n,)) for n in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return members, statuses


def balancer_section(name, method, member_lines, directives=(), proxyset=""):
    """A <Proxy balancer://name> section with lbmethod and extra directives, proxied at /name/."""
    return "\n".join([f"<Proxy balancer://{name}>", *member_lines,
                      f"  ProxySet lbmethod={method} {proxyset}".rstrip(),
                      *[f"  {d}" for d in directives], "</Proxy>",
                      f"ProxyPass /{name}/ balancer://{name}/",
                      f"ProxyPassReverse /{name}/ balancer://{name}/"])


class Member:
    """A fleet_member process: answers with X-Member: <id>; /__delay, /__fail, /__stats, /__peak."""

    def __init__(self, ident, delay_ms=0, body_bytes=64, header=None, host="127.0.0.1", port=None):
        self.id = ident
        self.host = host
        self.port = port or free_port()
        cmd = [MEMBER, "--port", str(self.port), "--id", ident, "--delay-ms", str(delay_ms),
               "--body-bytes", str(body_bytes), "--bind", host]
        if header:
            cmd += ["--header", header]
        self.sanitizer_dir = tempfile.mkdtemp(prefix="fleet-member-") if SANITIZE else None
        env = sanitizer_env(self.sanitizer_dir, f"member-{ident}", leaks=True) if SANITIZE else None
        self.proc = subprocess.Popen(cmd, env=env)
        _started.append(self.proc)
        wait_port(self.port, self.proc, what=f"member {ident}", host=host)

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def control(self, path):
        status, _, body = request(self.port, path, host=self.host)
        assert status == 200, (path, status)
        return body.decode()

    def reset(self):
        self.control("/__reset")

    def served(self):
        return int(self.control("/__stats"))

    def peak(self):
        """The most requests it had in progress at once (delayed answers pending)."""
        return int(self.control("/__peak"))

    def stop(self):
        stop_process(self.proc)
        if self.sanitizer_dir:
            try:
                check_sanitizer_reports(self.sanitizer_dir, f"member-{self.id}")
            finally:
                shutil.rmtree(self.sanitizer_dir, ignore_errors=True)
                _report_dirs.pop(self.sanitizer_dir, None)
                self.sanitizer_dir = None


class Httpd:
    """A private httpd: its own config, logs and runtime dir in a temp directory."""

    BASE_MODULES = ["mpm_event", "authz_core", "authz_host", "slotmem_shm", "proxy", "proxy_http",
                    "proxy_balancer", "lbmethod_byrequests", "lbmethod_bybusyness", "headers",
                    "status"]

    def __init__(self, body, modules=None, fleet_first=False, load_fleet=True, processes=2,
                 threads=16, log_level="warn fleet:debug"):
        self.dir = tempfile.mkdtemp(prefix="fleet-httpd-")
        os.chmod(self.dir, 0o755)
        os.makedirs(os.path.join(self.dir, "run"))
        os.makedirs(os.path.join(self.dir, "htdocs"))
        self.port = free_port()
        self.proc = None
        # Sanitizer reports of the parent, the children and apache2 -t; detect_leaks=0: httpd
        # exits without freeing its pools, so LeakSanitizer would report all of them.
        self.sanitizer_dir = os.path.join(self.dir, "sanitizer")
        self.name = "httpd-" + os.path.basename(self.dir)[len("fleet-httpd-"):]
        self.env = sanitizer_env(self.sanitizer_dir, self.name, leaks=False)
        if SANITIZE:
            self.env["LD_PRELOAD"] = _sanitizer_runtime()
        mods = self.BASE_MODULES if modules is None else modules
        lines = [f"LoadModule {m}_module {LIBEXEC}/mod_{m}.so" for m in mods]
        fleet = f"LoadModule fleet_module {MODULE}"
        if load_fleet:
            lines = [fleet] + lines if fleet_first else lines + [fleet]
        user = ["User www-data", "Group www-data"] if os.geteuid() == 0 else []
        self.conf = os.path.join(self.dir, "httpd.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join([
                f'ServerRoot "{self.dir}"',
                "ServerName 127.0.0.1",
                f"Listen 127.0.0.1:{self.port}",
                f'PidFile "{self.dir}/httpd.pid"',
                f'ErrorLog "{self.dir}/error.log"',
                f"LogLevel {log_level}",
                f'DefaultRuntimeDir "{self.dir}/run"',
                f'Mutex file:{self.dir}/run default',
                f'DocumentRoot "{self.dir}/htdocs"',
                *lines,
                *user,
                f"StartServers {processes}", f"ServerLimit {processes}",
                f"ThreadsPerChild {threads}", f"ThreadLimit {threads}",
                f"MaxRequestWorkers {processes * threads}",
                f"MinSpareThreads {processes * threads}", f"MaxSpareThreads {processes * threads}",
                "MaxConnectionsPerChild 0", "KeepAlive On", "MaxKeepAliveRequests 0",
                # mod_status would turn it on; it costs per-request timing (the bench's baseline
                # runs with it off too).
                "<IfModule status_module>\n  ExtendedStatus Off\n</IfModule>",
                body, ""]))

    def configtest(self):
        r = subprocess.run([APACHE, "-d", self.dir, "-f", self.conf, "-t"], capture_output=True,
                           text=True, env=self.env)
        return r.returncode, (r.stdout + r.stderr).strip()

    def start(self):
        with open(os.path.join(self.dir, "stderr.log"), "w") as err:
            self.proc = subprocess.Popen([APACHE, "-d", self.dir, "-f", self.conf, "-DFOREGROUND"],
                                         stdout=subprocess.DEVNULL, stderr=err, env=self.env)
        _started.append(self.proc)
        try:
            wait_port(self.port, self.proc, what="httpd")
        except RuntimeError as e:
            raise RuntimeError(f"{e}\n--- error.log ---\n{self.error_log()[-3000:]}") from None
        return self

    def graceful(self):
        self.proc.send_signal(signal.SIGUSR1)

    def error_log(self):
        out = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def get(self, path, headers=None):
        return request(self.port, path, headers=headers)

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
        if SANITIZE:
            check_sanitizer_reports(self.sanitizer_dir, self.name)

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            _report_dirs.pop(self.sanitizer_dir, None)


class BalancerManager:
    """Drives the stock balancer-manager page as a browser would (Referer + nonce)."""

    def __init__(self, httpd, path="/balancer-manager"):
        self.httpd, self.path = httpd, path
        self.referer = {"Referer": f"http://127.0.0.1:{httpd.port}{path}"}

    def page(self, query=""):
        status, _, body = self.httpd.get(self.path + query, headers=self.referer)
        assert status == 200, status
        return body.decode()

    def xml(self):
        return self.page("?xml=1")

    def nonce(self, balancer):
        """balancer is the short name, as the page's b= parameter has it ("web")."""
        m = re.search(r"b=" + re.escape(balancer) + r"&(?:amp;)?nonce=([0-9a-f-]+)", self.page())
        assert m, "no nonce for " + balancer
        return m.group(1)

    def edit_page(self, balancer):
        return self.page(f"?b={balancer}&nonce={self.nonce(balancer)}")

    def set_lbmethod(self, balancer, method):
        nonce = self.nonce(balancer)
        body = urllib.parse.urlencode({"b": balancer, "nonce": nonce, "b_lbm": method})
        headers = dict(self.referer)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, _ = request(self.httpd.port, self.path, method="POST", headers=headers, body=body)
        return status

    def set_member(self, balancer, member_url, **params):
        """Edits one member as the manager's worker form does, e.g. w_status_D=1."""
        fields = {"b": balancer, "w": member_url, "nonce": self.nonce(balancer)}
        fields.update({k: str(v) for k, v in params.items()})
        headers = dict(self.referer)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, _ = request(self.httpd.port, self.path, method="POST", headers=headers,
                               body=urllib.parse.urlencode(fields))
        return status

    def add_member(self, balancer, member_url):
        """"Add New Worker" on the balancer's edit form (uses one of the balancer's growth slots)."""
        fields = {"b": balancer, "nonce": self.nonce(balancer), "b_nwrkr": member_url, "b_wyes": "1"}
        headers = dict(self.referer)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, _ = request(self.httpd.port, self.path, method="POST", headers=headers,
                               body=urllib.parse.urlencode(fields))
        return status

    def lbmethods(self):
        """{balancer name: lbmethod} as the manager's XML reports them."""
        xml = self.xml()
        return dict(re.findall(r"<httpd:name>(balancer://[^<]+)</httpd:name>.*?"
                               r"<httpd:lbmethod>([^<]+)</httpd:lbmethod>", xml, re.S))


def configtest(body, **kw):
    """apachectl -t of a throw-away httpd with this config body: (exit code, output)."""
    h = Httpd(body, **kw)
    try:
        return h.configtest()
    finally:
        h.cleanup()


def expect_config_errors(case, cases, **kw):
    """Each (config lines, message): apachectl -t fails and says the message."""
    for lines, message in cases:
        with case.subTest(lines=lines):
            rc, out = configtest("\n".join(lines), **kw)
            case.assertNotEqual(rc, 0, out)
            case.assertIn(message, out)


def fleet_status(httpd, path="/fleet-status?format=json"):
    import json
    status, _, body = httpd.get(path)
    assert status == 200, status
    return json.loads(body)


class Memcached:
    """A private memcached on a loopback port, stopped (and restartable) by PID."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None
        self.start()

    def start(self):
        cmd = ["memcached", "-l", "127.0.0.1", "-p", str(self.port), "-U", "0", "-m", "64"]
        if os.geteuid() == 0:
            cmd += ["-u", "nobody"]
        self.proc = subprocess.Popen(cmd)
        _started.append(self.proc)
        wait_port(self.port, self.proc, what="memcached")

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"
