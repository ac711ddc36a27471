"""Rows into PostgreSQL: one transaction per batch, COPY into staging, then an upsert.

A batch is written as
  1. COPY of the record rows into a temporary staging table (text COPY);
  2. ``INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE hash differs RETURNING id``:
     a record whose hash is unchanged touches nothing, a new id is inserted, an id with a new
     hash is updated; the ids returned are exactly the records that changed;
  3. for those ids only: DELETE of their link rows and COPY of the new ones;
all in one transaction, so a batch is stored completely or not at all. Within a batch the last
record of an id wins. bench/tableinator_bench.py measures this against executemany.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from discogsography.kinds import Kind
from discogsography.tableinator.rows import TABLES, KindTables, RecordRows

# SQLSTATE classes that say "try again later", not "this data is wrong": connection exceptions,
# admin shutdown / cannot connect now, insufficient resources, serialization failures and
# deadlocks, a database that is (temporarily) absent.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "53", "40", "3D000", "58")


def is_transient(error: BaseException) -> bool:
    """True for outages worth retrying; False for errors the same data will always hit."""
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    sqlstate = getattr(error, "sqlstate", None) or ""
    return bool(sqlstate) and sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES)


@dataclass(frozen=True, slots=True)
class WriteResult:
    records: int  # distinct ids written in the batch
    changed: int  # of those, rows inserted or updated (the rest had an unchanged hash)


def dedupe(rows: Iterable[RecordRows]) -> list[RecordRows]:
    """One entry per id, the last one seen winning, in first-seen order."""
    by_id: dict[int, RecordRows] = {}
    for row in rows:
        by_id[row.id] = row
    return list(by_id.values())


def stage_table(tables: KindTables) -> str:
    return f"stage_{tables.table}"


def _statements(tables: KindTables) -> tuple[sql.Composed, sql.Composed, sql.Composed]:
    table, stage = sql.Identifier(tables.table), sql.Identifier(stage_table(tables))
    columns = sql.SQL(", ").join(map(sql.Identifier, tables.columns))
    create_stage = sql.SQL(
        "CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
        "SELECT {columns} FROM {table} WITH NO DATA"
    ).format(stage=stage, columns=columns, table=table)
    copy_stage = sql.SQL("COPY {stage} ({columns}) FROM STDIN").format(stage=stage, columns=columns)
    updates = sql.SQL(", ").join(
        sql.SQL("{column} = EXCLUDED.{column}").format(column=sql.Identifier(column))
        for column in tables.columns
        if column != "id"
    )
    upsert = sql.SQL(
        "INSERT INTO {table} AS t ({columns}) SELECT {columns} FROM {stage} "
        "ON CONFLICT (id) DO UPDATE SET {updates}, updated_at = now() "
        "WHERE t.hash IS DISTINCT FROM EXCLUDED.hash RETURNING id"
    ).format(table=table, columns=columns, stage=stage, updates=updates)
    return create_stage, copy_stage, upsert


class KindWriter:
    """Writes batches of one kind on one connection (not thread-safe: one writer per thread)."""

    def __init__(self, conn: psycopg.Connection[Any], kind: Kind) -> None:
        self.conn = conn
        self.kind = kind
        self.tables = TABLES[kind]
        self._create_stage, self._copy_stage, self._upsert = _statements(self.tables)
        self._link_sql = [
            (
                link,
                sql.SQL("DELETE FROM {table} WHERE {parent} = ANY(%s)").format(
                    table=sql.Identifier(link.name), parent=sql.Identifier(link.parent_column)
                ),
                sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
                    table=sql.Identifier(link.name),
                    columns=sql.SQL(", ").join(map(sql.Identifier, link.columns)),
                ),
            )
            for link in self.tables.links
        ]
        self._staged = False

    def write(self, rows: Iterable[RecordRows]) -> WriteResult:
        """Store a batch in one transaction; raises psycopg errors (see is_transient)."""
        unique = dedupe(rows)
        if not unique:
            return WriteResult(0, 0)
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            if not self._staged:
                cur.execute(self._create_stage)
            with cur.copy(self._copy_stage) as copy:
                for record_rows in unique:
                    copy.write_row(record_rows.row)
            changed_ids = [row[0] for row in cur.execute(self._upsert).fetchall()]
            if changed_ids and self._link_sql:
                changed = set(changed_ids)
                for link, delete, copy_link in self._link_sql:
                    cur.execute(delete, (changed_ids,))
                    with cur.copy(copy_link) as copy:
                        for record_rows in unique:
                            if record_rows.id in changed:
                                for link_row in record_rows.links.get(link.name, ()):
                                    copy.write_row(link_row)
        self._staged = True
        return WriteResult(len(unique), len(changed_ids))
