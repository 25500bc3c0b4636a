"""The tree keeps its format: every C++ file under shared/, module/ and tests/ is as clang-format
(the repo's .clang-format: Google, 100 columns) writes it, and every if/for/while body has braces
(CONVENTIONS.md), checked by clang-tidy over the build's compile_commands.json."""
import json
import re
import os
import pathlib
import shutil
import subprocess
import sys


def sources(root):
    for top in ("shared", "module", "tests"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix in (".cpp", ".h"):
                yield path


def check_format(root):
    files = [str(p) for p in sources(root)]
    run = subprocess.run(["clang-format", "--dry-run", "-Werror", *files], cwd=root,
                         capture_output=True, text=True)
    bad = sorted({line.split(":")[0] for line in run.stderr.splitlines() if ": error:" in line})
    for path in bad:
        print(f"not clang-formatted: {path} (run: clang-format -i {path})")
    print(f"format: {len(files) - len(bad)} passed, {len(bad)} failed")
    return run.returncode == 0 and not bad


def check_braces(root, build):
    db = build / "compile_commands.json"
    if not db.exists():
        print(f"no {db}: configure with CMAKE_EXPORT_COMPILE_COMMANDS (CMakeLists.txt sets it)")
        return False
    units = [e["file"] for e in json.loads(db.read_text())
             if pathlib.Path(e["file"]).resolve().is_relative_to(root)]
    header_filter = f"{root}/(shared|module|tests)/.*"
    jobs = str(max(1, min(2, os.cpu_count() or 1)))
    run = subprocess.run([shutil.which("run-clang-tidy") or "run-clang-tidy", "-p", str(build),
                          "-j", jobs, "-quiet", "-checks=-*,readability-braces-around-statements",
                          f"-header-filter={header_filter}", *units],
                         capture_output=True, text=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout)
    warnings = sorted({line for line in plain.splitlines()
                       if "warning:" in line and "[readability-braces-around-statements]" in line})
    for w in warnings:
        print(w)
    print(f"braces: {len(units)} translation units, {len(warnings)} statements without braces")
    return not warnings


def main(root, build):
    root = pathlib.Path(root).resolve()
    ok_format = check_format(root)
    ok_braces = check_braces(root, pathlib.Path(build).resolve())
    return 0 if ok_format and ok_braces else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
