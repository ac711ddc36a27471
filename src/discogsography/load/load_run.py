"""One load: each dump file parsed in the workers and written by the writer thread.

Per file: decide from ``load_state`` whether it is already loaded, resumed, loaded over an
older version (removals) or loaded on the fresh-database path; then stream it in batches.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg

from discogsography.bulk.inputs import DumpFile
from discogsography.bulk.pipe import WriterThread
from discogsography.bulk.runs import guarded_parser
from discogsography.bulk.workers import map_blocks
from discogsography.errors import DiscogsographyError, RecordError
from discogsography.load import fastpath
from discogsography.load.block_rows import row_block
from discogsography.load.kind_store import LoadStore
from discogsography.load.load_state import KindState, ensure_state_table, mark_loading, read_state
from discogsography.parsing.skip_guard import DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_MAX_SKIPPED_SHARE
from discogsography.relational.copy_binary import EncodedRows
from discogsography.relational.migrations import ensure_schema
from discogsography.relational.table_versions import read_version

Connect = Callable[[], psycopg.Connection[Any]]


@dataclass(slots=True)
class LoadOptions:
    connect: Connect
    workers: int = 2
    batch_size: int = 1000
    fast: bool = False
    max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES
    max_skipped_share: float = DEFAULT_MAX_SKIPPED_SHARE
    pool: ProcessPoolExecutor | None = None  # shared by the files of one command


@dataclass(slots=True)
class FileOutcome:
    dump: DumpFile
    action: str  # "loaded", "resumed", "already loaded"
    path: str = "ordinary"  # or "fast"
    records: int = 0
    changed: int = 0
    removed: int = 0
    skipped: int = 0
    seconds: float = 0.0


def _decide(state: KindState | None, stored: str | None, dump: DumpFile, size: int) -> str:
    """What to do with a file, given the load's state and the version the kind's rows reflect."""
    if state is not None and state.complete and state.file == dump.path.name and state.size == size:
        return "already loaded"
    if stored and dump.version and dump.version < stored:
        raise DiscogsographyError(
            f"{dump.path.name}: version {dump.version} is older than the {dump.kind} loaded ({stored})"
        )
    if state is not None and not state.complete and state.file == dump.path.name:
        return "resumed"
    return "loaded"


def load_file(
    dump: DumpFile,
    options: LoadOptions,
    on_failure: Callable[[RecordError], None],
    advance: Callable[[int], None],
) -> FileOutcome:
    started = time.monotonic()
    kind, size = dump.kind, dump.path.stat().st_size
    with options.connect() as control:
        control.autocommit = True
        ensure_schema(control)
        ensure_state_table(control)
        state = read_state(control, kind)
        # The version the kind's rows reflect: a load's, or a pipeline run's (dump_versions).
        stored = (state.loaded_version if state else None) or read_version(control, kind)
        action = _decide(state, stored, dump, size)
        if action == "already loaded":
            return FileOutcome(dump, action)
        # Removals: ids of an older version that this one lacks go, as in the pipeline.
        track_ids = stored is not None and dump.version is not None and stored != dump.version
        resuming_fast = state is not None and state.fast and not state.complete
        fast = resuming_fast or (options.fast and not track_ids and fastpath.is_empty(control, [kind]))
        if resuming_fast:
            fastpath.empty(control, kind)
        if fast:
            fastpath.strip(control, kind)
        mark_loading(control, kind, dump.path.name, dump.version, size, fast=fast)
    outcome = FileOutcome(dump, action, "fast" if fast else "ordinary")
    parser, guard = guarded_parser(dump, options, on_failure)
    with options.connect() as conn:
        conn.autocommit = True
        store = LoadStore(conn, kind, track_ids=track_ids, fast=fast)

        def write(batch: list[EncodedRows]) -> None:
            outcome.changed += store.write(batch).changed

        writer: WriterThread[list[EncodedRows]] = WriterThread(write)
        batch: list[EncodedRows] = []
        in_batch = 0
        rows = functools.partial(row_block, store.types)  # the workers encode with the catalog's types
        try:
            for result in map_blocks(rows, kind, parser.blocks(), options.workers, options.pool):
                guard.check(result.outcomes)
                batch.append(result.payload)
                in_batch += len(result.payload)
                if in_batch >= options.batch_size:
                    writer.put(batch)
                    batch, in_batch = [], 0
                    advance(parser.source.compressed_position())
            guard.finish()
            if batch:
                writer.put(batch)
        finally:
            parser.source.close()
            writer.close()
        advance(size)
        if fast:
            fastpath.restore(conn, kind)
        outcome.removed = store.complete(parser.stats.records, dump.version)
    outcome.records, outcome.skipped = parser.stats.records, parser.stats.skipped
    outcome.seconds = time.monotonic() - started
    return outcome
