"""One kind's batches into PostgreSQL, on a connection of its own (the writer thread's).

A batch is a list of blocks of encoded rows (relational/copy_binary.py): binary COPY tuples made in the
workers, sent as they are. The ordinary path takes the steps of the tableinator's writer
(relational/copy_writer.py) with its statements: the same dedup by id (the last record of an id
wins), the lookup by hash, new records COPied straight in, changed ones staged and upserted,
their link rows replaced; should another writer insert one of the "new" ids meanwhile, the batch
is written again with every record through the upsert. When a newer dump version is loaded over
an older one, every id seen is also kept in a temporary table, so that at the end the ids the
newer version no longer has are removed with their link rows, in the transaction that marks the
file complete. The fresh-database path (fastpath.py) COPies every row straight in: its tables
start empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql

from discogsography.kinds import Kind
from discogsography.load.load_state import mark_complete
from discogsography.relational.copy_binary import SIGNATURE, TRAILER, ColumnTypes, EncodedRows
from discogsography.relational.copy_writer import KindWriter, WriteResult
from discogsography.relational.table_versions import record_version
from discogsography.relational.tables import TABLES

Pick = tuple[int, int]  # a record of a batch: its block, its place in the block


def latest(batch: Sequence[EncodedRows]) -> dict[int, Pick]:
    """Each id's last record, in the order ids were first seen (as the tableinator dedupes)."""
    picks: dict[int, Pick] = {}
    for number, rows in enumerate(batch):
        for index, record_id in enumerate(rows.ids):
            picks[record_id] = (number, index)
    return picks


def _runs(picks: Iterable[Pick]) -> Iterator[tuple[int, int, int]]:
    """Picks as runs of neighbours: (block, first, last); a whole block is one run."""
    run: list[int] | None = None
    for number, index in picks:
        if run is not None and run[0] == number and run[2] + 1 == index:
            run[2] = index
            continue
        if run is not None:
            yield run[0], run[1], run[2]
        run = [number, index, index]
    if run is not None:
        yield run[0], run[1], run[2]


def _slices(batch: Sequence[EncodedRows], picks: Iterable[Pick], link: int | None) -> Iterator[memoryview]:
    """The tuples of the picked records, in the kind's table (``link`` None) or a link table."""
    for number, first, last in _runs(picks):
        rows = batch[number]
        if link is None:
            data, ends = rows.table, rows.table_ends
        else:
            data, ends = rows.links[link], rows.link_ends[link]
        yield memoryview(data)[ends[first - 1] if first else 0 : ends[last]]


class LoadStore:
    def __init__(self, conn: psycopg.Connection[Any], kind: Kind, *, track_ids: bool, fast: bool) -> None:
        self.conn = conn
        self.kind = kind
        self.tables = TABLES[kind]
        self.track_ids = track_ids
        self.fast = fast
        # A commit need not wait for its WAL to reach the disk: a crash may lose the last batches
        # committed, and a load is resumable by hash, so those are written again (docs/load.md).
        conn.execute("SET synchronous_commit = off")
        writer = KindWriter(conn, kind)  # its statements; it reads the column types from the catalog
        self._sql = writer._sql
        self.types = ColumnTypes(
            tuple(writer._types), tuple(tuple(writer._link_types[link.name]) for link in self.tables.links)
        )
        if track_ids:
            with conn.transaction():
                conn.execute("CREATE TEMPORARY TABLE IF NOT EXISTS load_seen (id bigint NOT NULL)")
                conn.execute("TRUNCATE load_seen")

    def write(self, batch: Sequence[EncodedRows]) -> WriteResult:
        picks = latest(batch)
        if not picks:
            return WriteResult(0, 0)
        if self.fast:
            with self.conn.transaction(), self.conn.cursor() as cur:
                self._rows_in(cur, batch, list(picks.values()))
            result = WriteResult(len(picks), len(picks))
        else:
            try:
                with self.conn.transaction():
                    result = self._write(batch, picks, lookup=True)
            except psycopg.errors.UniqueViolation:  # an id inserted by someone else since the lookup
                with self.conn.transaction():
                    result = self._write(batch, picks, lookup=False)
        if self.track_ids:
            with (
                self.conn.transaction(),
                self.conn.cursor() as cur,
                cur.copy("COPY load_seen (id) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(["int8"])
                for rows in batch:
                    for record_id in rows.ids:
                        copy.write_row((record_id,))
        return result

    def _copy(self, cur: psycopg.Cursor[Any], statement: sql.Composed, chunks: Iterable[memoryview]) -> None:
        with cur.copy(statement) as copy:
            copy.write(SIGNATURE)
            for chunk in chunks:
                copy.write(chunk)
            copy.write(TRAILER)

    def _rows_in(self, cur: psycopg.Cursor[Any], batch: Sequence[EncodedRows], picks: list[Pick]) -> None:
        """COPY the picked records into the kind's table, and their link rows."""
        self._copy(cur, self._sql.copy_table, _slices(batch, picks, None))
        self._links_in(cur, batch, picks)

    def _links_in(self, cur: psycopg.Cursor[Any], batch: Sequence[EncodedRows], picks: list[Pick]) -> None:
        for index, (_, _, copy_link) in enumerate(self._sql.links):
            self._copy(cur, copy_link, _slices(batch, picks, index))

    def _write(self, batch: Sequence[EncodedRows], picks: dict[int, Pick], *, lookup: bool) -> WriteResult:
        statements = self._sql
        with self.conn.cursor() as cur:
            new: list[Pick] = []
            to_upsert = picks
            if lookup:
                stored = dict(cur.execute(statements.existing, (list(picks),)).fetchall())
                new = [pick for record_id, pick in picks.items() if record_id not in stored]
                to_upsert = {
                    record_id: (number, index)
                    for record_id, (number, index) in picks.items()
                    if record_id in stored and stored[record_id] != batch[number].hashes[index]
                }
            if new:
                self._copy(cur, statements.copy_table, _slices(batch, new, None))
            changed: list[Pick] = []
            if to_upsert:
                cur.execute(statements.create_stage)
                self._copy(cur, statements.copy_stage, _slices(batch, to_upsert.values(), None))
                updated = {row[0] for row in cur.execute(statements.upsert).fetchall()}
                changed = [pick for record_id, pick in to_upsert.items() if record_id in updated]
                if changed:
                    ids = [record_id for record_id in to_upsert if record_id in updated]
                    for _, delete, _ in statements.links:
                        cur.execute(delete, (ids,))
            if new or changed:
                self._links_in(cur, batch, new + changed)
        return WriteResult(len(picks), len(new) + len(changed))

    def complete(self, records: int, version: str | None) -> int:
        """Apply removals (when ids were tracked) and mark the file complete; returns ids removed."""
        removed: list[int] = []
        with self.conn.transaction():
            if self.track_ids:
                table = sql.Identifier(self.tables.table)
                self.conn.execute("CREATE INDEX IF NOT EXISTS load_seen_id ON load_seen (id)")
                self.conn.execute("ANALYZE load_seen")
                removed = [
                    row[0]
                    for row in self.conn.execute(
                        sql.SQL(
                            "DELETE FROM {} t WHERE NOT EXISTS (SELECT 1 FROM load_seen s WHERE s.id = t.id) "
                            "RETURNING t.id"
                        ).format(table)
                    ).fetchall()
                ]
                if removed:
                    for link in self.tables.links:
                        self.conn.execute(
                            sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(
                                sql.Identifier(link.name), sql.Identifier(link.parent_column)
                            ),
                            (removed,),
                        )
            if version is not None:  # the kind now reflects this version, as after a full pipeline run
                record_version(self.conn, self.kind, version, "full")
            mark_complete(self.conn, self.kind, records, len(removed))
        return len(removed)
