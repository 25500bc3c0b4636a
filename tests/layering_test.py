"""The core library must never see httpd or APR: no such include anywhere under shared/."""
import pathlib
import re
import sys

FORBIDDEN = re.compile(
    r'#\s*include\s*[<"](httpd|http_[a-z_]+|ap_[a-z_]+|apr_[a-z_]+|apu?|apr|mod_[a-z_]+|util_[a-z_]+'
    r'|scoreboard|mpm_common|ap_config|ap_mmn)\.h[>"]')

def main(root):
    shared = pathlib.Path(root) / "shared"
    files = [p for p in shared.rglob("*") if p.suffix in (".h", ".cpp", ".hpp", ".cc")]
    if not files:
        print("no sources found under", shared)
        return 1
    bad = []
    for path in files:
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if FORBIDDEN.search(line):
                bad.append(f"{path}:{no}: {line.strip()}")
    for b in bad:
        print("httpd/APR header in the core:", b)
    print(f"{len(files) - len(set(b.split(':')[0] for b in bad))} passed, "
          f"{len(set(b.split(':')[0] for b in bad))} failed")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
