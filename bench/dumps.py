"""Benchmark dumps: built once by make_dump.py from the real samples, cached under bench/out/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build_dump(releases: int, others: int) -> Path:
    """A dump of ``releases`` releases and ``others`` each of artists, labels and masters."""
    counts = {"releases": releases, "artists": others, "labels": others, "masters": others}
    return build_dump_of(counts, HERE / "out" / f"dump_r{releases}_o{others}")


def build_dump_of(counts: dict[str, int], out: Path, date: str = "20991201") -> Path:
    """A dump in ``out`` with ``counts`` records per kind, dated ``date``; kept once complete."""
    if not (out / f"discogs_{date}_CHECKSUM.txt").exists():
        out.mkdir(parents=True, exist_ok=True)
        args = [f"--{kind}={count}" for kind, count in counts.items()]
        command = [sys.executable, str(HERE / "make_dump.py"), str(out), "--date", date, *args]
        subprocess.run(command, check=True)
    return out
