"""The scale benchmark's dumps: version A by make_dump.py at a quarter of the real dump's size
(or a fraction of it), and B, C, D each derived from the one before by bench/next_version.py
(5 % changed, 2 % new, 2 % removed, every kind). All cached under bench/out/scale/dumps/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dumps import HERE, build_dump_of
from next_version import Rates, write_next_version

# A quarter of the real dump (2026-10: 19.1 M releases, 10.1 M artists, 2.56 M masters, 2.4 M labels)
QUARTER = {"releases": 5_000_000, "artists": 2_500_000, "masters": 600_000, "labels": 600_000}
DATES = ("20990101", "20990201", "20990301", "20990401")  # A, B, C, D
NAMES = ("A", "B", "C", "D")
DUMPS = HERE / "out" / "scale" / "dumps"


@dataclass(frozen=True)
class Version:
    name: str  # A, B, C or D
    date: str
    path: Path
    counts: dict[str, int]  # records per kind in this version


def counts_at(scale: float) -> dict[str, int]:
    """Records per kind at ``scale`` times the quarter-size dump (at least one of each kind: the
    extractor takes only complete versions)."""
    return {kind: max(1, round(count * scale)) for kind, count in QUARTER.items()}


def versions(scale: float, how_many: int = 4, level: int = 6) -> list[Version]:
    """Versions A, B, ... of the dump at ``scale``, built when missing."""
    counts = counts_at(scale)
    base = DUMPS / "_".join(f"{kind[0]}{count}" for kind, count in counts.items())
    found = [Version("A", DATES[0], build_dump_of(counts, base / "A", DATES[0]), counts)]
    for index in range(1, how_many):
        previous = found[-1]
        out = base / NAMES[index]
        report_path = base / f"{NAMES[index]}.json"
        if not report_path.exists():
            report = write_next_version(previous.path, out, DATES[index], Rates(), seed=index, level=level)
            report_path.write_text(json.dumps(report))
        report = json.loads(report_path.read_text())
        kept = {kind: done["unchanged"] + done["changed"] + done["new"] for kind, done in report.items()}
        found.append(Version(NAMES[index], DATES[index], out, kept))
    return found
