"""Blocks of records mapped by a function in worker processes, results back in file order.

The main process inflates and cuts the file into blocks (DumpParser.blocks); each block goes to a
worker that parses its records and turns them into whatever the command writes (rows, Arrow
batches, lines), so the main process only writes. At most ``workers * IN_FLIGHT_PER_WORKER``
blocks are in flight, which bounds memory whatever the speed of either side.

Every block function returns a BlockResult; its ``outcomes`` (one per record, None when the
record parsed, its RecordError otherwise) let SkipGuard apply the parser's limits on skipped
records exactly as DumpParser does.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from discogsography.errors import BrokenDumpError, RecordError, TooManySkippedError
from discogsography.kinds import Kind
from discogsography.parsing.parallel import IN_FLIGHT_PER_WORKER
from discogsography.parsing.parser import DumpParser
from discogsography.parsing.records import ParsedRecord, parse_block
from discogsography.parsing.splitter import Block

T = TypeVar("T")


@dataclass(slots=True)
class BlockResult(Generic[T]):
    outcomes: list[RecordError | None]
    payload: T


def parsed_records(kind: Kind, block: Block) -> tuple[list[RecordError | None], list[ParsedRecord]]:
    """Parse a block: the outcome of each record and the records that parsed."""
    outcomes: list[RecordError | None] = []
    records: list[ParsedRecord] = []
    for result in parse_block(kind, block):
        if isinstance(result, RecordError):
            outcomes.append(result)
        else:
            outcomes.append(None)
            records.append(result)
    return outcomes, records


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """One pool for every file of a command (starting workers costs about a second each time);
    None for ``workers`` <= 1, where blocks are mapped in this process."""
    if workers <= 1:
        yield None
        return
    context = _start_method()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        if context.get_start_method() == "fork":
            pool.submit(int).result()  # every worker forked now, while this is the only thread
        yield pool


def _start_method() -> multiprocessing.context.BaseContext:
    """fork where it is safe, forkserver otherwise (as parsing/parallel.py).

    Forking a process that runs other threads (Python's or a library's) can copy a lock one of
    them holds. Where this process runs no other thread, on Linux, the workers are forked: they
    start with the modules already imported, touch only the pages they use, and need neither a
    fork server nor a resource tracker (two processes of about 12 MB each). `export`'s three
    processes peaked at 232 MB where the fork server's five took 289 (10,000 releases). The
    background thread of pyarrow's jemalloc does not count: jemalloc's own fork handlers hold its
    locks across the fork.
    """
    return multiprocessing.get_context("fork" if _only_thread() else "forkserver")


def _only_thread() -> bool:
    if sys.platform != "linux":
        return False
    try:
        names = [(task / "comm").read_text().strip() for task in Path("/proc/self/task").iterdir()]
    except OSError:
        return False
    return len(names) - names.count(_JEMALLOC_THREAD) == 1


_JEMALLOC_THREAD = "jemalloc_bg_thd"


def map_blocks(
    function: Callable[[Kind, Block], BlockResult[T]],
    kind: Kind,
    blocks: Iterable[Block],
    workers: int,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[BlockResult[T]]:
    """``function`` over the blocks, in ``workers`` processes (1: in this one), in order."""
    if workers <= 1:
        for block in blocks:
            yield function(kind, block)
        return
    if pool is None:
        with worker_pool(workers) as own:
            yield from map_blocks(function, kind, blocks, workers, own)
        return
    iterator = iter(blocks)
    window = workers * IN_FLIGHT_PER_WORKER
    pending: deque[Future[BlockResult[T]]] = deque()
    try:
        while True:
            while len(pending) < window:
                following = next(iterator, None)
                if following is None:
                    break
                pending.append(pool.submit(function, kind, following))
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


class SkipGuard:
    """The parser's limits on skipped records, applied to block outcomes (see parsing/parser.py)."""

    def __init__(self, parser: DumpParser, on_failure: Callable[[RecordError], None] | None = None) -> None:
        self.parser = parser
        self.on_failure = on_failure
        self._consecutive = 0

    def check(self, outcomes: list[RecordError | None]) -> None:
        stats, parser = self.parser.stats, self.parser
        for outcome in outcomes:
            if outcome is None:
                self._consecutive = 0
                stats.records += 1
                continue
            self._consecutive += 1
            stats.record_failure(outcome)
            if self.on_failure is not None:
                self.on_failure(outcome)
            if self._consecutive >= parser.max_consecutive_failures:
                raise BrokenDumpError(
                    f"{parser.path}: {self._consecutive} records in a row failed to parse, "
                    f"the file is broken (last: {outcome})"
                )

    def finish(self) -> None:
        stats, parser = self.parser.stats, self.parser
        if stats.skipped_share > parser.max_skipped_share:
            raise TooManySkippedError(
                f"{parser.path}: {stats.skipped} of {stats.records + stats.skipped} records skipped "
                f"({stats.skipped_share:.2%}), more than the {parser.max_skipped_share:.2%} allowed"
            )
