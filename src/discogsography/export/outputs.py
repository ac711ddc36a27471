"""Export files: written beside their final name and put in place only when complete."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from discogsography.export.batch import from_ipc
from discogsography.runtime import atomic

# Batches from the workers are small (one block, about a megabyte of XML); Parquet reads best
# from row groups of many rows, so batches are gathered up to this many bytes first. It bounds
# the main process's memory whatever the size of the dump.
ROW_GROUP_BYTES = 8 * 1024 * 1024
# Parquet's writer keeps every row group's metadata until the file is closed, then writes it all
# as the footer, so one file of a whole dump would hold hundreds of MB while writing and give
# readers a huge footer (figures: docs/export.md, "Why parts"). A kind is therefore a directory
# of part files, each of at most this many row groups, which keeps memory flat at any dump size.
PART_ROW_GROUPS = 64


class Output(Protocol):
    def write(self, payload: object) -> None: ...
    def close(self) -> None: ...


class ParquetOutput:
    """A kind's Parquet: ``part-00000.parquet``, ``part-00001.parquet``, … in ``directory``, in
    record order; at least one part, so that an empty dump still has its schema."""

    def __init__(self, directory: Path, schema: pa.Schema, part_row_groups: int = PART_ROW_GROUPS) -> None:
        directory.mkdir()
        self._directory = directory
        self._schema = schema
        self._part_row_groups = part_row_groups
        self._writer: pq.ParquetWriter | None = None
        self._parts = 0
        self._row_groups = 0  # in the open part
        self._pending: list[pa.Table] = []
        self._pending_bytes = 0

    def write(self, payload: object) -> None:
        assert isinstance(payload, bytes)  # an Arrow IPC stream (export/batch.py)
        table = from_ipc(payload)
        if table.num_rows:
            self._pending.append(table)
            self._pending_bytes += table.nbytes
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._part().write_table(pa.concat_tables(self._pending), row_group_size=1 << 30)
            self._pending, self._pending_bytes = [], 0
            self._row_groups += 1
            if self._row_groups >= self._part_row_groups:
                self._close_part()
            pa.default_memory_pool().release_unused()  # the row group's buffers back to the system

    def _part(self) -> pq.ParquetWriter:
        if self._writer is None:
            path = self._directory / f"part-{self._parts:05d}.parquet"
            self._writer = pq.ParquetWriter(path, self._schema, compression="zstd")
            self._parts += 1
        return self._writer

    def _close_part(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer, self._row_groups = None, 0

    def close(self) -> None:
        self._flush()
        if self._parts == 0:
            self._part()
        self._close_part()
        pa.default_memory_pool().release_unused()


class BytesOutput:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("wb", buffering=1 << 20)

    def write(self, payload: object) -> None:
        assert isinstance(payload, bytes)
        self._handle.write(payload)

    def close(self) -> None:
        self._handle.close()


class CsvOutput:
    def __init__(self, path: Path, header: list[str]) -> None:
        self._handle = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        csv.writer(self._handle, lineterminator="\n").writerow(header)

    def write(self, payload: object) -> None:
        assert isinstance(payload, str)
        self._handle.write(payload)

    def close(self) -> None:
        self._handle.close()


@contextlib.contextmanager
def in_place(final: Path, *, directory: bool = False) -> Iterator[Path]:
    """A temporary path beside ``final`` (a file, or a directory the caller creates), put in its
    place when the block exits without error, removed otherwise."""
    temporary = final.with_name(f".{final.name}.{os.getpid()}.part")
    atomic.remove(temporary)  # left by a killed run that had this process id
    try:
        yield temporary
        if directory:
            atomic.replace_directory(temporary, final)
        else:
            atomic.replace(temporary, final)
    finally:
        atomic.remove(temporary)
