"""Every FLnnnnn tag is used at exactly one place and is below the next free number."""
import pathlib
import re
import sys

def main(root):
    root = pathlib.Path(root)
    next_free = int(re.search(r"next-free:\s*(\d+)", (root / "module/log_tags.txt").read_text()).group(1))
    seen = {}
    pattern = re.compile(r'FLEET_TAG\((\d{5})\)|FLEET_LOG_[SR]\([^,]+,[^,]+,[^,]+,\s*(\d{5})|kTag\s*=\s*(\d+)')
    for path in sorted(list(root.glob("module/*.cpp")) + list(root.glob("module/*.h"))
                       + list(root.glob("shared/**/*.cpp"))):
        for no, line in enumerate(path.read_text().splitlines(), 1):
            for m in pattern.finditer(line):
                tag = int(next(g for g in m.groups() if g))
                seen.setdefault(tag, []).append(f"{path.relative_to(root)}:{no}")
    failures = 0
    for tag, places in sorted(seen.items()):
        if len(places) > 1:
            print(f"FL{tag:05d} used more than once: {', '.join(places)}")
            failures += 1
        if tag >= next_free:
            print(f"FL{tag:05d} at {places[0]} is not below next-free {next_free:05d}")
            failures += 1
    if not seen:
        print("no tags found")
        failures += 1
    print(f"{len(seen) - failures} passed, {failures} failed")
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
