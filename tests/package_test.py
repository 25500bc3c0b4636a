"""The Debian package that `cmake --build <build> --target package` makes: its name, control fields,
dependencies (every shared library the module links), file list, conffiles and maintainer scripts;
installed into a throwaway dpkg root; and prerm/postrm run against Debian's own
apache2-maintscript-helper with a2query/a2dismod/apache2ctl/invoke-rc.d faked, so nothing on this
machine is touched.

cpack runs with the build dir's CPackConfig.cmake but installs through cmake_install.cmake instead
of the package target's preinstall step, which would first rebuild the whole tree (minutes, and
racing other tests under ctest -j): the package holds the module as built."""
import glob
import os
import re
import stat
import subprocess
import sys
import tempfile

PACKAGE = "libapache2-mod-fleet"
HELPER = "/usr/share/apache2/apache2-maintscript-helper"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def apxs(name):
    return run(["apxs", "-q", name], check=True).stdout.strip()


def project_version(source):
    text = open(os.path.join(source, "CMakeLists.txt")).read()
    return re.search(r"project\(\s*mod_fleet\s+VERSION\s+([0-9.]+)", text).group(1)


def library_packages(so):
    """{soname: the Debian package holding it here} for every library `so` links directly (its
    NEEDED entries, found where ldd finds them)."""
    needed = re.findall(r"NEEDED\s+(\S+)", run(["objdump", "-p", so]).stdout)
    owners = {}
    for line in run(["ldd", so]).stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if not m or m.group(1) not in needed:
            continue
        owners[m.group(1)] = None
        for candidate in (m.group(2), "/usr" + m.group(2), os.path.realpath(m.group(2))):
            r = run(["dpkg", "-S", candidate])
            if r.returncode == 0:
                owners[m.group(1)] = r.stdout.split(":")[0].strip()
                break
    return owners


FAKE = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$(basename "$0")" in
  a2query) exit ${{FAKE_A2QUERY_RC:-1}} ;;
  dpkg-query) echo "install ok installed" ;;
esac
exit 0
"""


def maintscript_sandbox(tmp, control):
    """Copies of prerm/postrm that source a copy of Debian's helper whose /usr/sbin tools, logger,
    envvars and deferred-actions file all point into tmp; returns (run(script, arg, a2query_rc),
    log path)."""
    fake = os.path.join(tmp, "fakebin")
    os.makedirs(fake)
    log = os.path.join(tmp, "calls.log")
    for tool in ("a2query", "a2dismod", "a2enmod", "apache2ctl", "invoke-rc.d", "dpkg-query",
                 "logger"):
        path = os.path.join(fake, tool)
        with open(path, "w") as f:
            f.write(FAKE.format(log=log))
        os.chmod(path, 0o755)
    helper = open(HELPER).read()
    helper = helper.replace("/usr/sbin/", fake + "/").replace("/usr/bin/logger", fake + "/logger")
    helper = helper.replace("/etc/apache2/envvars", os.path.join(tmp, "no-envvars"))
    helper = helper.replace("/var/lib/apache2/deferred_actions", os.path.join(tmp, "deferred"))
    helper_copy = os.path.join(tmp, "helper")
    with open(helper_copy, "w") as f:
        f.write(helper)
    scripts = {}
    for name in ("prerm", "postrm"):
        text = open(os.path.join(control, name)).read()
        for variant, target in (("", helper_copy), (".nohelper", os.path.join(tmp, "absent"))):
            path = os.path.join(tmp, name + variant)
            with open(path, "w") as f:
                f.write(text.replace(HELPER, target))
            scripts[name + variant] = path

    def invoke(script, arg, a2query_rc=1):
        if os.path.exists(log):
            os.remove(log)
        env = {"PATH": fake + ":/usr/bin:/bin", "DPKG_MAINTSCRIPT_NAME": script.split(".")[0],
               "DPKG_MAINTSCRIPT_PACKAGE": PACKAGE, "FAKE_A2QUERY_RC": str(a2query_rc)}
        r = run(["sh", scripts[script], arg], env=env, timeout=30)
        calls = open(log).read().splitlines() if os.path.exists(log) else []
        return r.returncode, calls, r.stderr

    return invoke


def main(build, source):
    failures = 0
    passed = 0

    def check(ok, what):
        nonlocal failures, passed
        print(("ok: " if ok else "FAILED: ") + what)
        if ok:
            passed += 1
        else:
            failures += 1
        return ok

    version = project_version(source)
    arch = run(["dpkg", "--print-architecture"], check=True).stdout.strip()
    libexec, sysconf = apxs("LIBEXECDIR"), apxs("SYSCONFDIR")
    module = libexec + "/mod_fleet.so"
    confs = [sysconf + "/mods-available/fleet.load", sysconf + "/mods-available/fleet.conf"]

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        r = run(["cpack", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", out,
                 "-D", "CPACK_INSTALL_CMAKE_PROJECTS=",
                 "-D", "CPACK_INSTALL_SCRIPTS=" + os.path.join(build, "cmake_install.cmake"),
                 "-D", "CMAKE_INSTALL_DO_STRIP=1"], timeout=120)
        if not check(r.returncode == 0, "cpack exits 0"):
            print(r.stdout + r.stderr)
        debs = glob.glob(os.path.join(out, "*.deb"))
        name = f"{PACKAGE}_{version}_{arch}.deb"
        check([os.path.basename(d) for d in debs] == [name], f"one package named {name}: {debs}")
        if not debs:
            print(f"{passed} passed, {failures + 1} failed")
            return 1
        deb = debs[0]

        # Control fields.
        fields = {}
        for f in ("Package", "Version", "Architecture", "Depends", "Section"):
            fields[f] = run(["dpkg-deb", "-f", deb, f]).stdout.strip()
        check(fields["Package"] == PACKAGE, f"Package: {fields['Package']}")
        check(fields["Version"] == version, f"Version: {fields['Version']} (project VERSION)")
        check(fields["Architecture"] == arch, f"Architecture: {fields['Architecture']}")
        check(fields["Section"] == "httpd", f"Section: {fields['Section']}")
        depends = [d.strip().split()[0] for d in fields["Depends"].split(",") if d.strip()]
        print("   Depends: " + fields["Depends"])
        for dep in ("apache2-api-20120211", "apache2-bin", "libmemcached11", "libssl3", "libc6",
                    "libstdc++6"):
            check(dep in depends, f"Depends names {dep}")
        owners = library_packages(os.path.join(build, "mod_fleet.so"))
        unknown = [s for s, p in owners.items() if p is None]
        missing = [f"{s} ({p})" for s, p in owners.items() if p and p not in depends]
        check(owners and not missing and not unknown,
              f"Depends names the package of every library mod_fleet.so links ({len(owners)}: "
              + ", ".join(sorted(set(p or "?" for p in owners.values()))) + ")"
              + (": missing " + ", ".join(missing) if missing else "")
              + (": no package found for " + ", ".join(unknown) if unknown else ""))

        # Files: the module and the two conf files, nothing enabled.
        listing = run(["dpkg-deb", "-c", deb]).stdout
        files = sorted(line.split()[-1].lstrip(".") for line in listing.splitlines()
                       if not line.startswith("d"))
        check(files == sorted([module] + confs),
              f"files are exactly the module and the conf files: {files}")
        check("mods-enabled" not in listing, "nothing in mods-enabled")

        # Control archive: conffiles, md5sums, the maintainer scripts, no postinst.
        control = os.path.join(tmp, "control")
        r = run(["dpkg-deb", "-e", deb, control])
        check(r.returncode == 0, "dpkg-deb -e exits 0")
        present = sorted(os.listdir(control)) if os.path.isdir(control) else []
        check(present == ["conffiles", "control", "md5sums", "postrm", "prerm"],
              f"control archive holds conffiles, control, md5sums, postrm, prerm: {present}")
        if os.path.isfile(os.path.join(control, "conffiles")):
            conffiles = open(os.path.join(control, "conffiles")).read().split()
            check(sorted(conffiles) == sorted(confs), f"conffiles: {conffiles}")
        for script in ("prerm", "postrm"):
            path = os.path.join(control, script)
            if not check(os.path.isfile(path), f"{script} present"):
                continue
            check(os.stat(path).st_mode & stat.S_IXUSR, f"{script} is executable")
            check(open(path).readline().startswith("#!/bin/sh"), f"{script} starts with #!/bin/sh")
            r = run(["sh", "-n", path])
            check(r.returncode == 0, f"{script} is valid shell (sh -n) {r.stderr.strip()}")
            check(HELPER in open(path).read(), f"{script} uses {HELPER}")

        # Installed into a throwaway root: files land, dpkg records the conffiles.
        root = os.path.join(tmp, "root")
        for d in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(root, "var/lib/dpkg", d))
        for f in ("status", "available"):
            open(os.path.join(root, "var/lib/dpkg", f), "w").close()
        r = run(["dpkg", "--root=" + root, "--force-not-root", "--force-depends", "-i", deb],
                timeout=60)
        check(r.returncode == 0,
              "dpkg --root -i exits 0 " + (r.stderr.strip() if r.returncode else ""))
        so = root + module
        check(os.path.isfile(so) and open(so, "rb").read(4) == b"\x7fELF",
              f"{module} installed, an ELF file")
        syms = run(["nm", "-D", "--defined-only", so]).stdout if os.path.isfile(so) else ""
        check(re.search(r"\sfleet_module$", syms, re.M) is not None, "it exports fleet_module")
        load = root + confs[0]
        text = open(load).read() if os.path.isfile(load) else ""
        m = re.search(r"^LoadModule\s+fleet_module\s+(\S+)", text, re.M)
        check(m is not None and m.group(1) == module and os.path.isfile(root + m.group(1)),
              "the installed fleet.load loads the installed module")
        check(os.path.isfile(root + confs[1]), "fleet.conf installed")
        check(not os.path.exists(os.path.join(root, sysconf.lstrip("/"), "mods-enabled")),
              "installing enabled nothing")
        status = run(["dpkg", "--root=" + root, "-s", PACKAGE]).stdout
        check("install ok installed" in status and all(c in status for c in confs),
              "dpkg lists the package installed with both conffiles")

        # prerm/postrm against Debian's helper, with the tools it calls faked.
        if not os.path.isfile(HELPER):
            check(False, f"{HELPER} exists (apache2 is installed for the tests)")
        elif os.path.isdir(control):
            invoke = maintscript_sandbox(os.path.join(tmp, "maint"), control)
            rc, calls, err = invoke("prerm", "remove", a2query_rc=0)
            check(rc == 0 and "a2dismod -m -f -q fleet" in calls
                  and "invoke-rc.d apache2 restart" in calls,
                  f"prerm remove, module enabled: disabled and apache2 restarted: {calls} {err}")
            rc, calls, err = invoke("prerm", "remove", a2query_rc=1)
            check(rc == 0 and not any(c.startswith("a2dismod") for c in calls),
                  f"prerm remove, module not enabled: nothing disabled: {calls} {err}")
            rc, calls, err = invoke("prerm", "upgrade", a2query_rc=0)
            check(rc == 0 and calls == [], f"prerm upgrade: nothing done: {calls} {err}")
            rc, calls, err = invoke("postrm", "remove", a2query_rc=0)
            check(rc == 0 and calls == [], f"postrm remove: nothing done: {calls} {err}")
            rc, calls, err = invoke("postrm", "purge", a2query_rc=0)
            check(rc == 0 and "a2dismod -p -f -q fleet" in calls,
                  f"postrm purge, module enabled: disabled and purged: {calls} {err}")
            rc, calls, err = invoke("postrm", "purge", a2query_rc=33)
            check(rc == 0 and "a2dismod -p -f -q fleet" in calls,
                  f"postrm purge, disabled at removal: state purged: {calls} {err}")
            for script, arg in (("prerm.nohelper", "remove"), ("postrm.nohelper", "purge")):
                rc, calls, err = invoke(script, arg, a2query_rc=0)
                check(rc == 0 and calls == [],
                      f"{script.split('.')[0]} {arg} without apache2 (no helper): exits 0, "
                      f"does nothing: {calls} {err}")

    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
