"""The garbage collector's settings for services that handle many short-lived records.

Decoded records and the answers built from them are dicts and lists without cycles, freed by
reference counting. At the default thresholds (700 allocations) the collector rescans them
constantly: it halved the tableinator's decode throughput (bench/tableinator_bench.py) and ran
several times per API request. Cycles are rare, so collections can be far apart.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)


def collect_rarely() -> None:
    """Collections far apart: the thresholds above."""
    gc.set_threshold(*THRESHOLDS)


def freeze_what_is_held() -> None:
    """What the process holds now (modules, routes, pools) lives as long as it: moved out of the
    collector's sight, a full collection walks only what came after, not the whole process."""
    gc.collect()
    gc.freeze()
