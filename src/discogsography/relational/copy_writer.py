"""Rows into PostgreSQL: one transaction per batch, idempotent, link rows kept in step.

A batch (deduplicated: the last record of an id wins) is written in one transaction:
  1. ``SELECT id, hash`` of its ids: each record is new, changed or unchanged;
  2. unchanged records (a redelivery, a republished dump) are skipped: nothing is written;
  3. new records are COPied straight into the table, with their link rows (COPY in binary
     format: no escaping on either side, and ``data`` goes as the JSON text received);
  4. changed records (next month's dump) are COPied into a temporary staging table and
     upserted with ``INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE hash differs
     RETURNING id``; the link rows of the ids returned are deleted and written again;
  5. removals (ids an incremental version no longer has) delete the row and its link rows; an
     id already absent deletes nothing, which is what makes a redelivered removal harmless.
Should another writer insert one of the "new" ids meanwhile, the unique index refuses the
COPY and the batch is written again with every record through the upsert of step 4, which is
correct whatever the table holds. bench/tableinator_bench.py measures this path against
executemany and the staging-only path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import psycopg
from psycopg import postgres, sql
from psycopg.abc import Buffer
from psycopg.adapt import Dumper
from psycopg.pq import Format

from discogsography.kinds import Kind
from discogsography.relational.table_rows import RecordRows, Removal
from discogsography.relational.tables import TABLES, KindTables
from discogsography.runtime import metrics

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
    removed: int = 0  # rows deleted by removals


Item = RecordRows | Removal


def dedupe(rows: Iterable[Item]) -> list[Item]:
    """One entry per id, the last one seen winning, in first-seen order."""
    by_id: dict[int, Item] = {}
    for row in rows:
        by_id[row.id] = row
    return list(by_id.values())


class JsonTextDumper(Dumper):
    """jsonb in binary COPY from JSON text already serialised (bytes): a version byte, the text."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: Buffer) -> Buffer:
        return b"\x01" + obj


def _column_types(conn: psycopg.Connection[Any], table: str, columns: Sequence[str]) -> list[int]:
    """The type oids of a table's columns, read from the catalog (ddl.sql defines them)."""
    found = dict(
        conn.execute(
            "SELECT attname, atttypid::int FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (table,),
        ).fetchall()
    )
    return [found[column] for column in columns]


def _names(columns: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, columns))


@dataclass(frozen=True, slots=True)
class _Statements:
    existing: sql.Composed
    copy_table: sql.Composed
    create_stage: sql.Composed
    copy_stage: sql.Composed
    upsert: sql.Composed
    links: tuple[tuple[str, sql.Composed, sql.Composed], ...]  # name, delete, copy
    delete: sql.Composed


def _statements(tables: KindTables) -> _Statements:
    table, stage = sql.Identifier(tables.table), sql.Identifier(f"stage_{tables.table}")
    columns = _names(tables.columns)
    updates = sql.SQL(", ").join(
        sql.SQL("{column} = EXCLUDED.{column}").format(column=sql.Identifier(column))
        for column in tables.columns
        if column != "id"
    )
    return _Statements(
        existing=sql.SQL("SELECT id, hash FROM {table} WHERE id = ANY(%s)").format(table=table),
        copy_table=sql.SQL("COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)").format(
            table=table, columns=columns
        ),
        create_stage=sql.SQL(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            "SELECT {columns} FROM {table} WITH NO DATA"
        ).format(stage=stage, columns=columns, table=table),
        copy_stage=sql.SQL("COPY {stage} ({columns}) FROM STDIN (FORMAT BINARY)").format(
            stage=stage, columns=columns
        ),
        upsert=sql.SQL(
            "INSERT INTO {table} AS t ({columns}) SELECT {columns} FROM {stage} "
            "ON CONFLICT (id) DO UPDATE SET {updates}, updated_at = now() "
            "WHERE t.hash IS DISTINCT FROM EXCLUDED.hash RETURNING id"
        ).format(table=table, columns=columns, stage=stage, updates=updates),
        links=tuple(
            (
                link.name,
                sql.SQL("DELETE FROM {table} WHERE {parent} = ANY(%s)").format(
                    table=sql.Identifier(link.name), parent=sql.Identifier(link.parent_column)
                ),
                sql.SQL("COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)").format(
                    table=sql.Identifier(link.name), columns=_names(link.columns)
                ),
            )
            for link in tables.links
        ),
        delete=sql.SQL("DELETE FROM {table} WHERE id = ANY(%s)").format(table=table),
    )


def _prefer_lz4(conn: psycopg.Connection[Any]) -> None:
    """Compress this session's TOASTed values (the staging table's) with lz4 where available."""
    try:
        with conn.transaction():
            conn.execute("SET default_toast_compression = 'lz4'")
    except (psycopg.errors.DataError, psycopg.errors.InvalidParameterValue):
        pass  # a server built without lz4: pglz it is


class KindWriter:
    """Writes batches of one kind on one connection (not thread-safe: one writer per thread)."""

    def __init__(self, conn: psycopg.Connection[Any], kind: Kind) -> None:
        self.conn = conn
        _prefer_lz4(conn)
        self.kind = kind
        self.tables = TABLES[kind]
        self._sql = _statements(self.tables)
        # Binary COPY needs each column's type; jsonb comes as JSON text (RecordRows.row's data).
        with conn.transaction():
            self._types = _column_types(conn, self.tables.table, self.tables.columns)
            self._link_types = {
                link.name: _column_types(conn, link.name, link.columns) for link in self.tables.links
            }
        # Seconds spent per step, summed over batches (the benchmark reports them).
        self.timings: dict[str, float] = dict.fromkeys(("lookup", "insert", "upsert", "links"), 0.0)

    def write(self, rows: Iterable[Item]) -> WriteResult:
        """Store a batch in one transaction; raises psycopg errors (see is_transient)."""
        items = dedupe(rows)
        if not items:
            return WriteResult(0, 0)
        unique = [item for item in items if isinstance(item, RecordRows)]
        gone = [item.id for item in items if isinstance(item, Removal)]
        started = perf_counter()
        try:
            with self.conn.transaction():
                result = self._write(unique, gone, fast=True)
        except psycopg.errors.UniqueViolation:
            # An id inserted by someone else since the lookup (or a hash another id holds).
            with self.conn.transaction():
                result = self._write(unique, gone, fast=False)
        committed = metrics.current()  # counted once the transaction has committed
        committed.observe_commit(self.kind, perf_counter() - started)
        committed.count_records(self.kind, result.records)
        committed.count_deletions(self.kind, result.removed)
        return result

    def _write(self, unique: list[RecordRows], gone: list[int], *, fast: bool) -> WriteResult:
        statements, timings = self._sql, self.timings
        with self.conn.cursor() as cur:
            cur.adapters.register_dumper(bytes, JsonTextDumper)  # this cursor's COPYs only
            removed = 0
            if gone:
                removed = cur.execute(statements.delete, (gone,)).rowcount
                for _, delete_links, _ in statements.links:
                    cur.execute(delete_links, (gone,))
            started = perf_counter()
            new: list[RecordRows] = []
            to_upsert = unique
            if fast:
                stored = dict(cur.execute(statements.existing, ([r.id for r in unique],)).fetchall())
                new = [r for r in unique if r.id not in stored]
                to_upsert = [r for r in unique if r.id in stored and stored[r.id] != r.hash]
            looked_up = perf_counter()
            if new:
                with cur.copy(statements.copy_table) as copy:
                    copy.set_types(self._types)
                    for record_rows in new:
                        copy.write_row(record_rows.row)
            inserted = perf_counter()
            changed: list[RecordRows] = []
            if to_upsert:
                cur.execute(statements.create_stage)
                with cur.copy(statements.copy_stage) as copy:
                    copy.set_types(self._types)
                    for record_rows in to_upsert:
                        copy.write_row(record_rows.row)
                updated = {row[0] for row in cur.execute(statements.upsert).fetchall()}
                changed = [r for r in to_upsert if r.id in updated]
                if changed:
                    ids = [r.id for r in changed]
                    for _, delete, _ in statements.links:
                        cur.execute(delete, (ids,))
            upserted = perf_counter()
            for name, _, copy_link in statements.links:
                if new or changed:
                    with cur.copy(copy_link) as copy:
                        copy.set_types(self._link_types[name])
                        for record_rows in (*new, *changed):
                            for link_row in record_rows.links.get(name, ()):
                                copy.write_row(link_row)
            timings["lookup"] += looked_up - started
            timings["insert"] += inserted - looked_up
            timings["upsert"] += upserted - inserted
            timings["links"] += perf_counter() - upserted
        return WriteResult(len(unique), len(new) + len(changed), removed)
