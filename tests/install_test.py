"""`cmake --install` puts mod_fleet.so into apxs LIBEXECDIR and fleet.load/fleet.conf into
mods-available, with fleet.load pointing at the installed module (so `a2enmod fleet` works)."""
import os
import re
import subprocess
import sys
import tempfile

def q(name):
    return subprocess.run(["apxs", "-q", name], capture_output=True, text=True, check=True).stdout.strip()

def main(build):
    failures = 0
    def check(ok, what):
        nonlocal failures
        print(("ok: " if ok else "FAILED: ") + what)
        failures += 0 if ok else 1
    with tempfile.TemporaryDirectory() as dest:
        env = dict(os.environ, DESTDIR=dest)
        r = subprocess.run(["cmake", "--install", build], env=env, capture_output=True, text=True)
        check(r.returncode == 0, "cmake --install exits 0 " + r.stderr.strip())
        libexec, sysconf = q("LIBEXECDIR"), q("SYSCONFDIR")
        so = dest + libexec + "/mod_fleet.so"
        check(os.path.isfile(so), f"module installed at {libexec}/mod_fleet.so")
        load = dest + sysconf + "/mods-available/fleet.load"
        conf = dest + sysconf + "/mods-available/fleet.conf"
        check(os.path.isfile(load) and os.path.isfile(conf), "fleet.load and fleet.conf in mods-available")
        if os.path.isfile(load):
            text = open(load).read()
            m = re.search(r"^LoadModule\s+fleet_module\s+(\S+)", text, re.M)
            check(m is not None and m.group(1) == libexec + "/mod_fleet.so",
                  "fleet.load loads the installed path")
            check("# Depends: proxy" in text, "fleet.load declares its a2enmod dependencies")
    print(f"{5 - failures} passed, {failures} failed")
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
