"""When `discogsography pipeline` stops waiting for a kind (pure logic; the runs are in tests/e2e)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from discogsography.dumps.state_marker import StateMarker
from discogsography.kinds import Kind
from discogsography.pipeline.completion_wait import (
    QUIET_SECONDS,
    ExtractorRun,
    KindState,
    kind_state,
    read_extractor_run,
)

RUN = ExtractorRun("20260101", frozenset({Kind.RELEASES}), Path(".extraction_status_20260101.json"))


@pytest.mark.parametrize(
    ("kind", "stored", "held", "quiet", "state"),
    [
        (Kind.RELEASES, {"releases"}, None, 0.0, KindState.STORED),
        (Kind.RELEASES, set(), "20260101", 60.0, KindState.WAITING),  # published now: its messages come
        (Kind.LABELS, set(), "20260101", 0.0, KindState.HELD),
        (Kind.LABELS, set(), "20251201", 0.0, KindState.WAITING),  # an earlier run's queue may hold it
        (Kind.LABELS, set(), None, QUIET_SECONDS, KindState.STUCK),
        (Kind.LABELS, {"labels"}, None, QUIET_SECONDS, KindState.STORED),
    ],
)
def test_kind_state(kind: Kind, stored: set[str], held: str | None, quiet: float, state: KindState) -> None:
    assert kind_state(kind, RUN, stored=stored, held_version=held, quiet_for=quiet) is state


def test_the_run_is_read_from_the_marker_touched_last(tmp_path: Path) -> None:
    since = datetime.now(UTC)
    older = StateMarker(current_version="20251201")
    older.save(tmp_path / ".extraction_status_20251201.json")
    marker = StateMarker(current_version="20260101")
    for kind in Kind:
        marker.start_file_processing(f"discogs_20260101_{kind.value}.xml.gz")
    marker.processing_phase.progress_by_file["discogs_20260101_labels.xml.gz"].started_at = since - timedelta(
        days=1
    )
    marker.save(tmp_path / ".extraction_status_20260101.json")
    run = read_extractor_run(tmp_path, since)
    assert run is not None and run.version == "20260101"
    assert run.published_now == frozenset(Kind) - {Kind.LABELS}
    assert read_extractor_run(tmp_path / "none", since) is None
