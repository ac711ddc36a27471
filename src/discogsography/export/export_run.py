"""One export: each dump file through the workers into its output file."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from discogsography.bulk.inputs import DumpFile
from discogsography.bulk.pipe import WriterThread
from discogsography.bulk.runs import guarded_parser
from discogsography.bulk.workers import BlockResult, map_blocks
from discogsography.errors import RecordError
from discogsography.export import shapes
from discogsography.export.arrow_schema import arrow_schema
from discogsography.export.outputs import BytesOutput, CsvOutput, Output, ParquetOutput, in_place
from discogsography.kinds import Kind
from discogsography.parsing import ParseStats
from discogsography.parsing.splitter import Block


class Format(StrEnum):
    PARQUET = "parquet"
    JSONL = "jsonl"
    CSV = "csv"


WRITE_QUEUE_BLOCKS = 8  # blocks waiting for the writer thread: one Parquet row group's encoding
SUFFIX = {Format.PARQUET: "", Format.JSONL: ".jsonl", Format.CSV: ".csv"}  # Parquet: a directory of parts
BLOCK_FUNCTIONS: dict[Format, Callable[[Kind, Block], BlockResult[Any]]] = {
    Format.PARQUET: shapes.parquet_block,
    Format.JSONL: shapes.jsonl_block,
    Format.CSV: shapes.csv_block,
}


def _open(fmt: Format, kind: Kind, path: Path) -> Output:
    if fmt is Format.PARQUET:
        return ParquetOutput(path, arrow_schema(kind))
    if fmt is Format.CSV:
        return CsvOutput(path, shapes.csv_header(kind))
    return BytesOutput(path)


@dataclass(slots=True)
class ExportOptions:
    fmt: Format
    output: Path
    workers: int
    max_consecutive_failures: int
    max_skipped_share: float
    pool: ProcessPoolExecutor | None = None  # shared by the files of one command


def export_file(
    dump: DumpFile,
    options: ExportOptions,
    on_failure: Callable[[RecordError], None],
    advance: Callable[[int], None],
) -> tuple[Path, ParseStats]:
    """Write one dump file's records to ``<output>/<kind>.jsonl`` or ``.csv``, or the directory
    ``<output>/<kind>/`` of Parquet parts; returns the path and stats."""
    parser, guard = guarded_parser(dump, options, on_failure)
    final = options.output / f"{dump.kind.value}{SUFFIX[options.fmt]}"
    function = BLOCK_FUNCTIONS[options.fmt]
    try:
        with in_place(final, directory=options.fmt is Format.PARQUET) as temporary:
            output = _open(options.fmt, dump.kind, temporary)
            # Written on a thread of its own: encoding Parquet overlaps inflating the next blocks.
            writer: WriterThread[Any] = WriterThread(output.write, depth=WRITE_QUEUE_BLOCKS)
            try:
                try:
                    for result in map_blocks(
                        function, dump.kind, parser.blocks(), options.workers, options.pool
                    ):
                        guard.check(result.outcomes)
                        writer.put(result.payload)
                        advance(parser.source.compressed_position())
                    guard.finish()
                finally:
                    writer.close()
            finally:
                output.close()
    finally:
        parser.stats.finished = parser.stats.finished or time.monotonic()
        parser.source.close()
    return final, parser.stats
