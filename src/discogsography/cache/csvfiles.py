"""Reading and writing the table CSVs of csv_tables.py (the `--csv-dir` contract)."""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.cache_rows import ReleaseRows, Row
from discogsography.cache.csv_tables import (
    RELEASE,
    RELEASE_ARTIST,
    RELEASE_LABEL,
    RELEASE_TRACK,
    RELEASE_TRACK_ARTIST,
    TABLES,
    CacheCsv,
    Table,
)
from discogsography.runtime import atomic

# Discogs notes can be long; the csv module's 128 KiB default field limit is not ours to impose.
csv.field_size_limit(sys.maxsize)


class TableWriters:
    """One csv writer per table in ``directory``; written to ``<name>.csv.part`` and renamed on close,
    so a directory never holds a half-written table under its real name."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self.counts: dict[str, int] = {table.name: 0 for table in TABLES}
        for table in TABLES:
            handle = self._part(table).open("w", encoding="utf-8", newline="")
            self._files[table.name] = handle
            writer = csv.writer(handle, CacheCsv)
            writer.writerow(table.columns)
            self._writers[table.name] = writer

    def _part(self, table: Table) -> Path:
        return self.directory / (table.file_name + ".part")

    def write(self, table: Table, rows: Sequence[Row]) -> None:
        self._writers[table.name].writerows(rows)
        self.counts[table.name] += len(rows)

    def write_release(self, rows: ReleaseRows) -> None:
        self.write(RELEASE, (rows.release,))
        self.write(RELEASE_ARTIST, rows.artists)
        self.write(RELEASE_LABEL, rows.labels)
        self.write(RELEASE_TRACK, rows.tracks)
        self.write(RELEASE_TRACK_ARTIST, rows.track_artists)

    def commit(self) -> None:
        for table in TABLES:
            handle = self._files[table.name]
            handle.close()
            atomic.replace(self._part(table), table.path_in(self.directory))

    def abort(self) -> None:
        for table in TABLES:
            self._files[table.name].close()
            self._part(table).unlink(missing_ok=True)


@contextlib.contextmanager
def table_writers(directory: Path) -> Iterator[TableWriters]:
    writers = TableWriters(directory)
    try:
        yield writers
    except BaseException:
        writers.abort()
        raise
    writers.commit()


def require_tables(directory: Path) -> None:
    """Every table file present with the contract's header, or one clear error."""
    for table in TABLES:
        path = table.path_in(directory)
        if not path.is_file():
            raise CacheError(f"{directory}: missing {table.file_name} (see docs/cache.md, CSV contract)")
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle, CacheCsv), [])
        if tuple(header) != table.columns:
            raise CacheError(
                f"{path}: header {','.join(header)!r} is not the contract's {','.join(table.columns)!r}"
            )


@contextlib.contextmanager
def read_table(directory: Path, table: Table) -> Iterator[Iterator[list[str]]]:
    """The data rows of one table file (header checked and skipped)."""
    path = table.path_in(directory)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, CacheCsv)
        header = next(reader, [])
        if tuple(header) != table.columns:
            raise CacheError(f"{path}: header {','.join(header)!r} is not {','.join(table.columns)!r}")
        yield reader


__all__ = [
    "RELEASE",
    "RELEASE_ARTIST",
    "RELEASE_LABEL",
    "RELEASE_TRACK",
    "RELEASE_TRACK_ARTIST",
    "TableWriters",
    "read_table",
    "require_tables",
    "table_writers",
]
