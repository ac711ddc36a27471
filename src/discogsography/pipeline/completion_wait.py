"""When `discogsography pipeline` is done waiting for the tableinator, kind by kind (pure logic).

After the extractor's cycle, each kind is in one of these states:

- ``stored``: the tableinator reported that kind's ``file_complete`` in this run;
- ``held``: the extractor published nothing for it in this run (its state marker says the file
  was published before: a re-run, or a resumed version) and the tables already hold the
  extractor's version of it, so there is nothing to wait for;
- ``stuck``: published before, the tables do not hold it, and the tableinator has had nothing
  of it for ``QUIET_SECONDS``: the messages are gone (another database, a purged queue) and
  only a republish (FORCE_REPROCESS=true) brings them back;
- ``waiting``: anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from discogsography.dumps.names import kind_of_dump_file
from discogsography.kinds import Kind

# How long a kind the extractor did not publish in this run may show no activity at the
# tableinator (queues left from an earlier run are consumed within it) before it is stuck.
QUIET_SECONDS = 10.0


class KindState(StrEnum):
    STORED = "stored"
    HELD = "held"
    STUCK = "stuck"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class ExtractorRun:
    """What the extractor's state marker says of its last cycle."""

    version: str
    published_now: frozenset[Kind]  # kinds whose file it processed in this run
    marker: Path


def kind_state(
    kind: Kind, run: ExtractorRun, *, stored: set[str], held_version: str | None, quiet_for: float
) -> KindState:
    if kind.value in stored:
        return KindState.STORED
    if kind in run.published_now:
        return KindState.WAITING
    if held_version == run.version:
        return KindState.HELD
    return KindState.STUCK if quiet_for >= QUIET_SECONDS else KindState.WAITING


def read_extractor_run(root: Path, since: datetime) -> ExtractorRun | None:
    """The marker the extractor touched last in ``root``; kinds it processed at or after ``since``."""
    from discogsography.dumps.state_marker import StateMarker, marker_paths

    markers = [(path, StateMarker.load(path)) for path in marker_paths(root)]
    found = [(path, marker) for path, marker in markers if marker is not None]
    if not found:
        return None
    path, marker = max(found, key=lambda item: item[1].last_updated)
    published = frozenset(
        kind
        for name, entry in marker.processing_phase.progress_by_file.items()
        if (kind := kind_of_dump_file(name)) is not None
        and entry.started_at is not None
        and entry.started_at >= since
    )
    return ExtractorRun(marker.current_version, published, path)


def activity(health: dict[str, Any] | None, kind: Kind) -> Any:
    """What changes at the tableinator while it works on a kind (compared between polls)."""
    if health is None:
        return None
    counts = health.get("counts", {}).get(kind.value, {})
    return (counts.get("messages"), counts.get("pending"), counts.get("dead_lettered"))


def stuck_message(kinds: list[Kind], run: ExtractorRun, held: dict[Kind, str | None]) -> str:
    holds = ", ".join(f"{kind.value}: {held.get(kind) or 'none'}" for kind in kinds)
    return (
        f"the extractor published nothing of {', '.join(kind.value for kind in kinds)} in this run "
        f"(its state marker {run.marker.name} says version {run.version} was published before), "
        f"and the tables do not hold that version ({holds}): run again with FORCE_REPROCESS=true "
        "to publish it again"
    )
