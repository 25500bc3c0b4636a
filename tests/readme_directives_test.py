"""The README's directive table matches the declarations in shared/config/options.cpp: every
declared directive has a row, every row names a declared directive, and the default the README
shows is the declared one. Run: readme_directives_test.py <fleet_directives binary> <source dir>."""
import re
import subprocess
import sys


def main():
    dump, root = sys.argv[1], sys.argv[2]
    declared = {}
    for line in subprocess.run([dump], capture_output=True, text=True, check=True).stdout.splitlines():
        name, _, default = line.split("\t")
        declared[name] = default
    with open(f"{root}/README.md") as f:
        readme = f.read()
    section = readme[readme.index("\n## Directives"):]
    section = section[:section.index("\n## ", 1)]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
        if len(cells) < 4:
            continue
        m = re.match(r"`(Fleet[A-Za-z]+)", cells[1])
        if m:
            rows[m.group(1)] = cells[2].replace("`", "")
    errors = []
    for name, default in declared.items():
        if name not in rows:
            errors.append(f"{name} is declared but has no row in the README's directive table")
        elif rows[name].lower() != default.lower():
            errors.append(f"{name}: the README says the default is '{rows[name]}', the declaration '{default}'")
    for name in rows:
        if name not in declared:
            errors.append(f"{name} has a README row but no declaration")
    for e in errors:
        print(e)
    print(f"{len(declared)} declared, {len(rows)} in the README, {len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
