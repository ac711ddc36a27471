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
The derivation (bench/next_version.py) streams each file, so memory stays flat at any size.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_dump import KINDS
from next_version import Rates, write_next_version


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
    rates = Rates(changed=args.changed, new=args.new, removed=args.removed)
    kinds = args.kinds.split(",")
    report = write_next_version(
        args.source, args.out, args.date, rates, seed=args.seed, level=args.level, kinds=kinds
    )
    json.dump(report, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
