"""Dumps for tests, built by bench/make_dump.py from the real samples (valid CHECKSUM included)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from discogsography.kinds import Kind

MAKE_DUMP = Path(__file__).resolve().parents[2] / "bench" / "make_dump.py"


def make_dump(
    out: Path, counts: int | Mapping[str, int] = 1000, *, date: str = "20991201", level: int = 1
) -> Path:
    """A dump in ``out``: ``counts`` records of every kind, or per kind (a kind left out gets
    make_dump.py's default, 0 leaves its file out); gzip ``level``. Returns ``out``."""
    per_kind = {kind.value: counts for kind in Kind} if isinstance(counts, int) else dict(counts)
    args = [sys.executable, str(MAKE_DUMP), str(out), "--date", date, "--level", str(level)]
    args += [f"--{kind}={count}" for kind, count in per_kind.items()]
    subprocess.run(args, check=True, capture_output=True)
    return out
