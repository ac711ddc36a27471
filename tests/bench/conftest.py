"""The benchmarks' pure parts, imported as the benchmarks import each other: from bench/ itself."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
