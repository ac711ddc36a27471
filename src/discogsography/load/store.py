"""One kind's batches into PostgreSQL, on a connection of its own (the writer thread's).

The ordinary path is the tableinator's own writer (tableinator/writer.py): the same rows, the
same dedup by hash, the same upserts. When a newer dump version is loaded over an older one,
every id seen is also kept in a temporary table, so that at the end the ids the newer version
no longer has are removed with their link rows, in the transaction that marks the file complete.
The fresh-database path (fastpath.py) COPies every row straight in: its tables start empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from discogsography.kinds import Kind
from discogsography.load.state import mark_complete
from discogsography.tableinator.rows import RecordRows
from discogsography.tableinator.tables import TABLES
from discogsography.tableinator.versions import record_version
from discogsography.tableinator.writer import KindWriter, WriteResult, _JsonTextDumper


def _dedupe(rows: Sequence[RecordRows]) -> list[RecordRows]:
    """One entry per id, the last one winning (as the tableinator's writer does)."""
    return list({row.id: row for row in rows}.values())


class LoadStore:
    def __init__(self, conn: psycopg.Connection[Any], kind: Kind, *, track_ids: bool, fast: bool) -> None:
        self.conn = conn
        self.kind = kind
        self.tables = TABLES[kind]
        self.track_ids = track_ids
        self.fast = fast
        self._writer = KindWriter(conn, kind)  # also reads the column types binary COPY needs
        if track_ids:
            with conn.transaction():
                conn.execute("CREATE TEMPORARY TABLE IF NOT EXISTS load_seen (id bigint NOT NULL)")
                conn.execute("TRUNCATE load_seen")

    def write(self, rows: Sequence[RecordRows]) -> WriteResult:
        result = self._copy_all(_dedupe(rows)) if self.fast else self._writer.write(rows)
        if self.track_ids:
            with (
                self.conn.transaction(),
                self.conn.cursor() as cur,
                cur.copy("COPY load_seen (id) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(["int8"])
                for record_rows in rows:
                    copy.write_row((record_rows.id,))
        return result

    def _copy_all(self, rows: list[RecordRows]) -> WriteResult:
        """Every row COPied straight in: the fresh-database path, whose tables start empty."""
        writer = self._writer
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.adapters.register_dumper(bytes, _JsonTextDumper)
            table = sql.Identifier(self.tables.table)
            columns = sql.SQL(", ").join(map(sql.Identifier, self.tables.columns))
            with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(table, columns)) as copy:
                copy.set_types(writer._types)
                for record_rows in rows:
                    copy.write_row(record_rows.row)
            for link in self.tables.links:
                statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
                    sql.Identifier(link.name), sql.SQL(", ").join(map(sql.Identifier, link.columns))
                )
                with cur.copy(statement) as copy:
                    copy.set_types(writer._link_types[link.name])
                    for record_rows in rows:
                        for link_row in record_rows.links.get(link.name, ()):
                            copy.write_row(link_row)
        return WriteResult(len(rows), len(rows))

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
