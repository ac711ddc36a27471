"""Benchmark dumps: built once by make_dump.py from the real samples, cached under bench/out/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build_dump(releases: int, others: int) -> Path:
    """A dump of ``releases`` releases and ``others`` each of artists, labels and masters."""
    out = HERE / "out" / f"dump_r{releases}_o{others}"
    if not (out / "discogs_20991201_CHECKSUM.txt").exists():
        out.mkdir(parents=True, exist_ok=True)
        counts = {"releases": releases, "artists": others, "labels": others, "masters": others}
        args = [f"--{kind}={count}" for kind, count in counts.items()]
        subprocess.run([sys.executable, str(HERE / "make_dump.py"), str(out), *args], check=True)
    return out
