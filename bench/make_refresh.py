#!/usr/bin/env python3
"""Build next month's dump from a dump: some records changed, some new, some removed.

    make_refresh.py A_DIR OUT --date YYYYMMDD [--changed 0.05] [--new 0.02] [--removed 0.02]
                    [--seed 1] [--level 6] [--kinds releases,artists,...]

For each kind in A_DIR (a make_dump.py dump or any dump of discogs_*_<kind>.xml.gz files), the
fraction --removed of the records is left out, --changed of the rest get a changed title or name
(data_quality when a record has neither), and --new fresh records (copies of real ones with ids
above the largest) are appended. Kinds not in --kinds are copied unchanged. The choice is made
by a seeded random generator, so the same arguments always give the same dump. Prints what it
did per kind as JSON on stdout; writes a valid CHECKSUM file. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_dump import ID_PATTERNS, KINDS, read_records

# What "changed" edits: the title or name, else the data quality (every kind has one).
CHANGE_TARGETS = {
    "releases": (b"<title>", b"<data_quality>"),
    "masters": (b"<title>", b"<data_quality>"),
    "artists": (b"<name>", b"<data_quality>"),
    "labels": (b"<name>", b"<data_quality>"),
}


def change(record: bytes, kind: str) -> bytes | None:
    for opening in CHANGE_TARGETS[kind]:
        at = record.find(opening)
        if at >= 0:
            cut = at + len(opening)
            return record[:cut] + b"Revised " + record[cut:]
    return None


def refresh(
    records: list[bytes], kind: str, rng: random.Random, changed: float, new: float, removed: float
) -> tuple[list[bytes], dict[str, int]]:
    pattern = ID_PATTERNS[kind]
    ids = [int(pattern.search(record).group(1)) for record in records]  # type: ignore[union-attr]
    out: list[bytes] = []
    counts = {"removed": 0, "changed": 0, "new": 0, "unchanged": 0}
    for record in records:
        draw = rng.random()
        if draw < removed:
            counts["removed"] += 1
            continue
        edited = change(record, kind) if draw < removed + changed else None
        if edited is not None:
            counts["changed"] += 1
            out.append(edited)
        else:
            counts["unchanged"] += 1
            out.append(record)
    top = max(ids)
    for n in range(round(len(records) * new)):
        source = records[rng.randrange(len(records))]
        found = pattern.search(source)
        assert found is not None
        start, end = found.span(1)  # the id's digits
        out.append(source[:start] + str(top + n + 1).encode() + source[end:])
        counts["new"] += 1
    return out, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--date", required=True)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--new", type=float, default=0.02)
    parser.add_argument("--removed", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--level", type=int, default=6)
    parser.add_argument("--kinds", default=",".join(KINDS), help="kinds to change (the rest are copied)")
    args = parser.parse_args()
    if not re.fullmatch(r"\d{8}", args.date):
        parser.error("--date must be YYYYMMDD")
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    report: dict[str, dict[str, int]] = {}
    lines = []
    for kind in KINDS:
        found = sorted(args.source.glob(f"discogs_*_{kind}.xml.gz"))
        if not found:
            continue
        records = read_records(found[0], kind)
        if kind in args.kinds.split(","):
            records, report[kind] = refresh(records, kind, rng, args.changed, args.new, args.removed)
        else:
            report[kind] = {"removed": 0, "changed": 0, "new": 0, "unchanged": len(records)}
        name = f"discogs_{args.date}_{kind}.xml.gz"
        with gzip.open(args.out / name, "wb", compresslevel=args.level) as handle:
            handle.write(b"<" + kind.encode() + b">\n")
            for record in records:
                handle.write(record + b"\n")
            handle.write(b"</" + kind.encode() + b">\n")
        digest = hashlib.sha256((args.out / name).read_bytes()).hexdigest()
        lines.append(f"{digest} {name}\n")
    (args.out / f"discogs_{args.date}_CHECKSUM.txt").write_text("".join(lines))
    json.dump(report, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
