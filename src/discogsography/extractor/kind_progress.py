"""Extraction progress per kind: totals, completed, active and stalled kinds, and the 30 s report.

Pure bookkeeping with an injectable clock, so stall detection is testable without waiting.
A kind is stalled when it is active (started, not completed) and has produced no record for
``stall_seconds``; completed kinds are never reported as stalled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from discogsography.amqp.messages import ChangeCounts
from discogsography.kinds import Kind
from discogsography.runtime.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ProgressReport:
    total: int
    per_kind: dict[str, int]
    completed: list[str]
    active: list[str]
    stalled: list[str]
    # Per kind started: "full" or "incremental", and new / changed / unchanged / removed so far.
    modes: dict[str, str] = field(default_factory=dict)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class ExtractionProgress:
    stall_seconds: float = 120.0
    clock: Callable[[], float] = time.monotonic
    counts: dict[Kind, int] = field(default_factory=dict)
    last_record_at: dict[Kind, float] = field(default_factory=dict)
    completed: set[Kind] = field(default_factory=set)
    modes: dict[Kind, str] = field(default_factory=dict)
    changes: dict[Kind, ChangeCounts] = field(default_factory=dict)

    def set_changes(self, kind: Kind, mode: str, counts: ChangeCounts) -> None:
        self.modes[kind] = mode
        self.changes[kind] = counts

    def start(self, kind: Kind) -> None:
        """A file of this kind starts (again): its count restarts with it."""
        self.counts[kind] = 0
        self.last_record_at[kind] = self.clock()
        self.completed.discard(kind)

    def advance(self, kind: Kind, records: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + records
        self.last_record_at[kind] = self.clock()

    def complete(self, kind: Kind) -> None:
        self.completed.add(kind)

    def reset(self) -> None:
        self.counts.clear()
        self.last_record_at.clear()
        self.completed.clear()
        self.modes.clear()
        self.changes.clear()

    def report(self) -> ProgressReport:
        now = self.clock()
        active = [kind for kind in Kind if kind in self.counts and kind not in self.completed]
        stalled = [kind for kind in active if now - self.last_record_at.get(kind, now) > self.stall_seconds]
        return ProgressReport(
            total=sum(self.counts.values()),
            per_kind={kind.value: self.counts.get(kind, 0) for kind in Kind},
            completed=[kind.value for kind in Kind if kind in self.completed],
            active=[kind.value for kind in active],
            stalled=[kind.value for kind in stalled],
            modes={kind.value: self.modes[kind] for kind in Kind if kind in self.modes},
            changes={kind.value: asdict(self.changes[kind]) for kind in Kind if kind in self.changes},
        )


def log_report(report: ProgressReport) -> None:
    log.info(
        "📊 Extraction progress",
        total_records=report.total,
        **report.per_kind,
        modes=report.modes,
        changes=report.changes,
    )
    if report.completed:
        log.info("✅ Completed file types", kinds=report.completed)
    if report.active:
        log.info("✅ Active extractors", kinds=report.active)
    if report.stalled:
        log.warning("⚠️ Stalled extractors detected", kinds=report.stalled)


async def report_every(progress: ExtractionProgress, interval: float) -> None:
    """Log a progress report every ``interval`` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        log_report(progress.report())
