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

from discogsography import atomic
from discogsography.export.batch import from_ipc

# Batches from the workers are small (one block, about a megabyte of XML); Parquet reads best
# from row groups of many rows, so batches are gathered up to this many bytes first. It bounds
# the main process's memory whatever the size of the dump.
ROW_GROUP_BYTES = 8 * 1024 * 1024


class Output(Protocol):
    def write(self, payload: object) -> None: ...
    def close(self) -> None: ...


class ParquetOutput:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
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
            self._writer.write_table(pa.concat_tables(self._pending), row_group_size=1 << 30)
            self._pending, self._pending_bytes = [], 0
            pa.default_memory_pool().release_unused()  # the row group's buffers back to the system

    def close(self) -> None:
        self._flush()
        self._writer.close()
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
def in_place(final: Path) -> Iterator[Path]:
    """A temporary path beside ``final``, renamed to it when the block exits without error."""
    temporary = final.with_name(f".{final.name}.{os.getpid()}.part")
    try:
        yield temporary
        atomic.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
