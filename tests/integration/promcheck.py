"""A strict checker of the Prometheus text exposition format (0.0.4), for tests: every sample
belongs to a family announced by # HELP and # TYPE lines before it, names and label names are
valid, label values are quoted with only \\\\, \\" and \\n escapes, values are floats, counters end in
_total, no series appears twice and a family's samples are not split."""
import re

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_labels(text, where):
    labels, i = {}, 0
    while i < len(text):
        m = re.match(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"", text[i:])
        if not m:
            raise ValueError(f"{where}: bad label at {text[i:]!r}")
        name = m.group(1)
        i += m.end()
        value = ""
        while True:
            if i >= len(text):
                raise ValueError(f"{where}: unterminated label value")
            c = text[i]
            if c == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ("\\", "\"", "n"):
                    raise ValueError(f"{where}: bad escape \\{nxt}")
                value += {"\\": "\\", "\"": "\"", "n": "\n"}[nxt]
                i += 2
            elif c == "\"":
                i += 1
                break
            elif c == "\n":
                raise ValueError(f"{where}: raw newline in label value")
            else:
                value += c
                i += 1
        if name in labels:
            raise ValueError(f"{where}: label {name} twice")
        labels[name] = value
        if i < len(text):
            if text[i] != ",":
                raise ValueError(f"{where}: expected , at {text[i:]!r}")
            i += 1
    return labels


def check(text):
    """Returns {family: {"type": t, "samples": [(labels, value)]}}; raises ValueError."""
    if not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    families, current, seen, done = {}, None, set(), set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}"
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if not NAME.match(name) or name in families:
                raise ValueError(f"{where}: bad or repeated HELP {name}")
            if current:
                done.add(current)
            families[name] = {"type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[2] != current or parts[3] not in TYPES:
                raise ValueError(f"{where}: TYPE must follow its HELP: {line!r}")
            if parts[3] == "counter" and not current.endswith("_total"):
                raise ValueError(f"{where}: counter {current} must end in _total")
            families[current]["type"] = parts[3]
        elif line.startswith("#") or not line:
            raise ValueError(f"{where}: unexpected line {line!r}")
        else:
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
            if not m:
                raise ValueError(f"{where}: not a sample: {line!r}")
            name, labels = m.group(1), parse_labels(m.group(3) or "", where)
            if name != current or families[name]["type"] is None:
                raise ValueError(f"{where}: sample of {name} outside its family")
            float(m.group(4))
            key = (name, tuple(sorted(labels.items())))
            if key in seen:
                raise ValueError(f"{where}: series repeated: {line!r}")
            seen.add(key)
            families[name]["samples"].append((labels, float(m.group(4))))
    return families
