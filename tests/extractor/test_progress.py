from __future__ import annotations

from discogsography.amqp.messages import ChangeCounts
from discogsography.extractor.kind_progress import ExtractionProgress
from discogsography.kinds import Kind


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_totals_completed_active_and_stalled_kinds() -> None:
    clock = Clock()
    progress = ExtractionProgress(stall_seconds=120, clock=clock)
    progress.start(Kind.LABELS)
    progress.advance(Kind.LABELS, 300)
    progress.complete(Kind.LABELS)
    progress.start(Kind.ARTISTS)
    progress.advance(Kind.ARTISTS, 200)
    progress.start(Kind.RELEASES)
    report = progress.report()
    assert report.total == 500
    assert report.per_kind == {"artists": 200, "labels": 300, "masters": 0, "releases": 0}
    assert report.completed == ["labels"]
    assert report.active == ["artists", "releases"]
    assert report.stalled == []

    clock.now += 100
    progress.advance(Kind.RELEASES, 1)
    clock.now += 30  # artists: 130 s without a record; releases: 30 s; labels: completed
    report = progress.report()
    assert report.stalled == ["artists"]

    progress.complete(Kind.ARTISTS)
    clock.now += 1000
    assert progress.report().stalled == ["releases"]  # completed kinds are never stalled
    progress.complete(Kind.RELEASES)
    assert progress.report().stalled == []
    assert progress.report().active == []


def test_the_report_gives_each_kinds_mode_and_change_counts() -> None:
    progress = ExtractionProgress()
    progress.start(Kind.LABELS)
    progress.set_changes(Kind.LABELS, "incremental", ChangeCounts(new=2, changed=3, unchanged=90, removed=1))
    progress.start(Kind.ARTISTS)
    progress.set_changes(Kind.ARTISTS, "full", ChangeCounts(new=40))
    report = progress.report()
    assert report.modes == {"artists": "full", "labels": "incremental"}
    assert report.changes["labels"] == {"new": 2, "changed": 3, "unchanged": 90, "removed": 1}
    progress.reset()
    assert progress.report().modes == {}
