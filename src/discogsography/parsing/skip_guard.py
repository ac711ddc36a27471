"""The limits on skipped records, applied as records (or blocks' outcomes) go by.

Two limits turn skips into a failure of the file: ``max_consecutive_failures`` in a row (the file
is broken, raised at once), and more than ``max_skipped_share`` of the file's records skipped
(raised by ``finish``, after the last record, so every good record is still delivered, but the
file is never taken as complete). The parser applies them to its records, `load` and `export`
to the outcomes their worker processes send back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from discogsography.errors import BrokenDumpError, RecordError, TooManySkippedError

DEFAULT_MAX_CONSECUTIVE_FAILURES = 100
DEFAULT_MAX_SKIPPED_SHARE = 0.001  # 0.1 % of a file's records


class SkipCounts(Protocol):
    records: int
    skipped: int

    @property
    def skipped_share(self) -> float: ...

    def record_failure(self, error: RecordError) -> None: ...


class SkipGuard:
    """Counts each record's outcome into ``stats`` and raises when a limit is passed."""

    def __init__(
        self,
        path: Path,
        stats: SkipCounts,
        *,
        max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES,
        max_skipped_share: float = DEFAULT_MAX_SKIPPED_SHARE,
        on_failure: Callable[[RecordError], None] | None = None,
    ) -> None:
        self.path = path
        self.stats = stats
        self.max_consecutive_failures = max_consecutive_failures
        self.max_skipped_share = max_skipped_share
        self.on_failure = on_failure
        self._consecutive = 0

    def count(self, outcome: RecordError | None) -> None:
        """One record: None when it parsed, its error when it was skipped."""
        if outcome is None:
            self._consecutive = 0
            self.stats.records += 1
            return
        self._consecutive += 1
        self.stats.record_failure(outcome)
        if self.on_failure is not None:
            self.on_failure(outcome)
        if self._consecutive >= self.max_consecutive_failures:
            raise BrokenDumpError(
                f"{self.path}: {self._consecutive} records in a row failed to parse, "
                f"the file is broken (last: {outcome})"
            )

    def check(self, outcomes: Iterable[RecordError | None]) -> None:
        """The outcomes of a block's records, in order."""
        for outcome in outcomes:
            self.count(outcome)

    def finish(self) -> None:
        """After the last record: the share of skipped records."""
        stats = self.stats
        if stats.skipped_share > self.max_skipped_share:
            raise TooManySkippedError(
                f"{self.path}: {stats.skipped} of {stats.records + stats.skipped} records skipped "
                f"({stats.skipped_share:.2%}), more than the {self.max_skipped_share:.2%} allowed"
            )
