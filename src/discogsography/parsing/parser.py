"""Dump file to records: split, parse each record on its own, convert, hash.

A record that fails is skipped, counted and reported with its id or byte offset; the parser's
``guard`` (skip_guard.py) turns too many skips into a failure of the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.canonical import HASH_KEY
from discogsography.parsing.parallel import parse_in_workers
from discogsography.parsing.records import (
    ParsedRecord,
    Prefilter,
    parse_block,
    parse_block_with,
    parse_raw_dict,
)
from discogsography.parsing.skip_guard import (
    DEFAULT_MAX_CONSECUTIVE_FAILURES,
    DEFAULT_MAX_SKIPPED_SHARE,
    SkipGuard,
)
from discogsography.parsing.source import CHUNK_SIZE, DumpSource
from discogsography.parsing.splitter import Block, RecordSplitter

_MAX_REPORTED_FAILURES = 1000
T = TypeVar("T")


@dataclass
class ParseStats:
    """What a parse did: records yielded, records skipped (with the first reports), timing."""

    kind: Kind | None = None
    records: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)  # the first reports, "record id 7: why"
    skipped_refs: list[str] = field(default_factory=list)  # the same records: "id 7", "offset 90"
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    xml_bytes: int = 0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def skipped_share(self) -> float:
        seen = self.records + self.skipped
        return self.skipped / seen if seen else 0.0

    def record_failure(self, error: RecordError) -> None:
        self.skipped += 1
        if len(self.failures) < _MAX_REPORTED_FAILURES:
            self.failures.append(str(error))
            self.skipped_refs.append(error.ref)


FailureHook = Callable[[RecordError], None]


class DumpParser:
    """Iterate the records of one dump file, in file order.

    ``workers`` > 1 parses in that many worker processes (see parallel.py); results still come
    back in file order. ``on_failure`` is called for every skipped record (for logging).
    ``prefilter`` (one process only) may answer for a record before it is parsed. ``guard``
    holds the limits on skipped records (`load` and `export` apply it to blocks' outcomes).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        workers: int = 1,
        max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES,
        max_skipped_share: float = DEFAULT_MAX_SKIPPED_SHARE,
        on_failure: FailureHook | None = None,
        chunk_size: int = CHUNK_SIZE,
        prefilter: Prefilter | None = None,
    ) -> None:
        self.path = Path(path)
        self.prefilter = prefilter
        self.workers = workers
        self.source = DumpSource(self.path, chunk_size)
        self.kind = self.source.kind
        self.stats = ParseStats(kind=self.kind)
        self.guard = SkipGuard(
            self.path,
            self.stats,
            max_consecutive_failures=max_consecutive_failures,
            max_skipped_share=max_skipped_share,
            on_failure=on_failure,
        )

    def blocks(self) -> Iterator[Block]:
        """Blocks of whole raw records, in file order."""
        splitter = RecordSplitter(self.kind.spec)
        stats = self.stats
        for chunk in self.source.chunks():
            stats.xml_bytes += len(chunk)
            yield from splitter.feed(chunk)
        yield from splitter.finish()

    def __iter__(self) -> Iterator[ParsedRecord]:
        if self.workers > 1:
            return self._counted(parse_in_workers(self.kind, self.blocks(), self.workers))
        return self._counted(self._parse_here())

    def dicts(self) -> Iterator[dict[str, Any]]:
        """The records as the converter's dicts (``ParsedRecord.data`` without its "sha256"),
        counted and skipped as ``iter`` does; ``prefilter`` is not used. In one process no JSON
        is written, hashed or decoded; worker processes still send JSON lines (cheaper to pickle
        than dicts)."""
        if self.workers > 1:
            return self._counted(_without_hash(parse_in_workers(self.kind, self.blocks(), self.workers)))
        return self._counted(
            result for block in self.blocks() for result in parse_block_with(parse_raw_dict, self.kind, block)
        )

    def _counted(self, results: Iterable[T | RecordError]) -> Iterator[T]:
        """The good results; every failure counted, reported and held to the limits."""
        guard = self.guard
        try:
            for result in results:
                if isinstance(result, RecordError):
                    guard.count(result)
                    continue
                guard.count(None)
                yield result
            guard.finish()
        finally:
            self.stats.finished = time.monotonic()
            self.source.close()

    def _parse_here(self) -> Iterator[ParsedRecord | RecordError]:
        for block in self.blocks():
            yield from parse_block(self.kind, block, self.prefilter)


def _without_hash(results: Iterable[ParsedRecord | RecordError]) -> Iterator[dict[str, Any] | RecordError]:
    for result in results:
        if isinstance(result, RecordError):
            yield result
        else:
            data = result.data
            del data[HASH_KEY]
            yield data
