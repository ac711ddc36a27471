"""The fresh-database fast path: load into bare tables, build constraints and indexes afterwards.

Into an empty database, keeping seven indexes and two unique constraints up to date row by row
costs more than building them once at the end, and with no constraint there is nothing to look
up: every row is COPied straight in. So for the tables of the kinds being loaded, ``strip``
records the definitions of their primary keys, unique constraints and indexes (from the
catalog, so relational/ddl.sql stays their one definition) in ``load_fast_indexes`` and drops them;
``restore`` puts every definition back, which leaves exactly the ordinary schema.

The tables stay LOGGED: making them UNLOGGED while loading and LOGGED at the end was measured
slower (SET LOGGED rewrites the whole table and writes it all to the WAL anyway; see
docs/performance.md, "The fast path"), so the remaining trade-off is that of the missing constraints:
no protection while the load runs. A killed load leaves the kind's tables without their indexes
and keys; the next `load` sees the kind's state still ``loading`` on the fast path, empties its
tables and loads it again from the start.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from discogsography.kinds import Kind
from discogsography.relational.tables import TABLES

_CREATE = """
CREATE TABLE IF NOT EXISTS load_fast_indexes (
    kind text NOT NULL,
    position integer NOT NULL,
    statement text NOT NULL,
    PRIMARY KEY (kind, position)
)
"""


def kind_tables(kind: Kind) -> list[str]:
    tables = TABLES[kind]
    return [tables.table, *(link.name for link in tables.links)]


def is_empty(conn: psycopg.Connection[Any], kinds: list[Kind]) -> bool:
    """True when no table of these kinds holds a row."""
    for kind in kinds:
        for table in kind_tables(kind):
            query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            if row and row[0]:
                return False
    return True


def strip(conn: psycopg.Connection[Any], kind: Kind) -> None:
    """Drop a kind's constraints and indexes, keeping their definitions to restore."""
    with conn.transaction():
        conn.execute(_CREATE)
        saved = conn.execute(
            "SELECT count(*) FROM load_fast_indexes WHERE kind = %s", (kind.value,)
        ).fetchone()
        if saved and saved[0]:
            return  # stripped by a load that was killed: its saved definitions stand
        statements: list[str] = []
        drops: list[sql.Composed] = []
        for table in kind_tables(kind):
            for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype, conname",
                (table,),
            ).fetchall():
                statements.append(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ")
                    .format(sql.Identifier(table), sql.Identifier(name))
                    .as_string(conn)
                    + definition
                )
                drops.append(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(name)
                    )
                )
            for name, definition in conn.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY c.relname",
                (table,),
            ).fetchall():
                statements.append(definition)
                drops.append(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        for position, statement in enumerate(statements):
            conn.execute(
                "INSERT INTO load_fast_indexes (kind, position, statement) VALUES (%s, %s, %s)",
                (kind.value, position, statement),
            )
        for drop in drops:
            conn.execute(drop)


def empty(conn: psycopg.Connection[Any], kind: Kind) -> None:
    """Empty a kind's tables (a fast load that was killed starts again)."""
    with conn.transaction():
        conn.execute(
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, kind_tables(kind))))
        )


def restore(conn: psycopg.Connection[Any], kind: Kind) -> None:
    """Rebuild a kind's constraints and indexes from their saved definitions."""
    with conn.transaction():
        rows = conn.execute(
            "SELECT statement FROM load_fast_indexes WHERE kind = %s ORDER BY position", (kind.value,)
        ).fetchall()
        for (statement,) in rows:
            conn.execute(statement.encode())
        conn.execute("DELETE FROM load_fast_indexes WHERE kind = %s", (kind.value,))
        left = conn.execute("SELECT EXISTS (SELECT 1 FROM load_fast_indexes)").fetchone()
        if not (left and left[0]):  # nothing else stripped: the schema is the ordinary one again
            conn.execute("DROP TABLE load_fast_indexes")
