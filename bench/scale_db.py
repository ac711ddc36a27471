"""What the scale benchmark reads from PostgreSQL: rows written so far, sizes, WAL, checkpoints,
dead tuples, and digests of the tables' contents.

Rows written come from the statistics views (``n_tup_ins``), not ``count(*)``: counting a table
of millions of rows every 10 s would cost the server a scan each time. At the end of a load, each
record table's rows grouped by ``updated_at`` time its batches (bench/scale_rates.py). WAL and
checkpoints are the server's (``pg_current_wal_lsn``, ``pg_stat_bgwriter``): on a shared server
they include everybody's work, on the benchmark's private server only its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from scale_rates import Stamps, seconds_since_first

from discogsography.relational.tables import LINK_TABLES, RECORD_TABLES

DATA_TABLES = (*RECORD_TABLES, *LINK_TABLES)


def rows_written(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows inserted so far into each data table (0 for a table not made yet)."""
    found = dict(
        conn.execute(
            "SELECT relname, n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'public'"
        ).fetchall()
    )
    return {table: int(found.get(table, 0)) for table in DATA_TABLES}


def batch_stamps(conninfo: str, tables: Iterable[str]) -> dict[str, Stamps]:
    """Per record table, its rows grouped by ``updated_at`` (each batch's transaction start): one
    scan per table, which also counts its rows."""
    epochs: dict[str, list[tuple[float, int]]] = {}
    with psycopg.connect(conninfo) as conn:
        for table in tables:
            epochs[table] = [
                (float(seconds), int(rows))
                for seconds, rows in conn.execute(
                    f'SELECT extract(epoch FROM updated_at)::float8, count(*) FROM "{table}" '
                    "GROUP BY updated_at ORDER BY updated_at"
                )
            ]
    return seconds_since_first(epochs)


def server_counters(conninfo: str) -> dict[str, int]:
    """The server's WAL position and checkpoint counters now (subtract two readings)."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, checkpoints_timed, "
            "checkpoints_req, buffers_checkpoint, buffers_backend FROM pg_stat_bgwriter"
        ).fetchone()
    assert row is not None
    names = (
        "wal_bytes",
        "checkpoints_timed",
        "checkpoints_requested",
        "buffers_checkpoint",
        "buffers_backend",
    )
    return {name: int(value) for name, value in zip(names, row, strict=True)}


def difference(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after}


def relation_sizes(conninfo: str) -> dict[str, dict[str, Any]]:
    """Per data table: its own bytes (heap and TOAST) and each index's, plus the database's total."""
    sizes: dict[str, dict[str, Any]] = {}
    with psycopg.connect(conninfo) as conn:
        for table in DATA_TABLES:
            row = conn.execute("SELECT pg_table_size(%s::regclass)", (table,)).fetchone()
            indexes = conn.execute(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
                "WHERE indrelid = %s::regclass ORDER BY 1",
                (table,),
            ).fetchall()
            sizes[table] = {"table": int(row[0]) if row else 0, "indexes": dict(indexes)}
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    sizes["database"] = {"table": int(total[0]) if total else 0, "indexes": {}}
    return sizes


def dead_tuples(conninfo: str) -> dict[str, dict[str, int]]:
    """Per data table: live and dead tuples and how often (auto)vacuum has run on it."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT relname, n_live_tup, n_dead_tup, vacuum_count, autovacuum_count "
            "FROM pg_stat_user_tables WHERE schemaname = 'public'"
        ).fetchall()
    names = ("live", "dead", "vacuums", "autovacuums")
    return {
        row[0]: {name: int(value) for name, value in zip(names, row[1:], strict=True)}
        for row in rows
        if row[0] in DATA_TABLES
    }


def row_digests(conninfo: str) -> dict[str, str]:
    """Per data table, its row count and an order-free digest of its rows, timestamps aside: the
    sum of each row's md5 (first 60 bits). A sum, not one string of every hash, so it works at
    any size (string_agg stops at 1 GB)."""
    digests = {}
    with psycopg.connect(conninfo) as conn:
        for table in DATA_TABLES:
            columns = [
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s AND data_type NOT LIKE 'timestamp%%' ORDER BY ordinal_position",
                    (table,),
                )
            ]
            listed = ", ".join(f'"{column}"' for column in columns)
            row = conn.execute(
                f"SELECT count(*), coalesce(sum(('x' || left(md5(r::text), 15))::bit(60)::bigint), 0) "
                f'FROM (SELECT {listed} FROM "{table}") r'
            ).fetchone()
            assert row is not None
            digests[table] = f"{row[0]} rows, {row[1]}"
    return digests
