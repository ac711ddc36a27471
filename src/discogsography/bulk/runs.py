"""What `load` and `export` do alike around each dump file: one worker pool for the command, a
progress bar per file, skipped records reported on stderr, and the parser with its limits."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol

import click

from discogsography.bulk.inputs import DumpFile
from discogsography.errors import RecordError
from discogsography.parsing import DumpParser
from discogsography.parsing.skip_guard import SkipGuard
from discogsography.runtime.process_pool import worker_pool
from discogsography.runtime.progress_bars import byte_progress


class ParserLimits(Protocol):
    workers: int
    max_consecutive_failures: int
    max_skipped_share: float


def report_skip(error: RecordError) -> None:
    click.echo(f"skipped: {error}", err=True)


def each_dump(
    dumps: Sequence[DumpFile], *, workers: int, progress: bool | None, verb: str
) -> Iterator[tuple[DumpFile, ProcessPoolExecutor | None, Callable[[int], None]]]:
    """Each file with the command's pool and its own progress bar (on a terminal by default)."""
    show = sys.stderr.isatty() if progress is None else progress
    with worker_pool(workers) as pool:
        for dump in dumps:
            with byte_progress(show, dump.path.stat().st_size, f"{verb} {dump.path.name}") as advance:
                yield dump, pool, advance


def guarded_parser(
    dump: DumpFile, limits: ParserLimits, on_failure: Callable[[RecordError], None]
) -> tuple[DumpParser, SkipGuard]:
    """The file's parser with the command's limits, and the guard that applies them to blocks."""
    parser = DumpParser(
        dump.path,
        workers=limits.workers,
        max_consecutive_failures=limits.max_consecutive_failures,
        max_skipped_share=limits.max_skipped_share,
        on_failure=on_failure,
    )
    return parser, parser.guard
