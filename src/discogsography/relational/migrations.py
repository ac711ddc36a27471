"""Create and migrate the schema of ddl.sql, idempotently (service start and `db init`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg

from discogsography.relational.tables import ddl_text

_MIGRATION_HEADER = re.compile(r"^-- migration (\d+): (.+)$", re.MULTILINE)
# Two services starting at once must not both migrate: they queue on this lock.
_SCHEMA_LOCK_KEY = 0x7461626C  # "tabl"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    sql: str


def migrations() -> list[Migration]:
    """The numbered sections of ddl.sql, in order."""
    text = ddl_text()
    headers = list(_MIGRATION_HEADER.finditer(text))
    found = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        found.append(Migration(int(header.group(1)), header.group(2).strip(), text[header.end() : end]))
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"ddl.sql migrations must be numbered 1, 2, ...: found {versions}")
    return found


def ensure_schema(conn: psycopg.Connection[Any]) -> list[int]:
    """Apply the migrations this database lacks; returns the versions applied now."""
    conn.autocommit = True
    applied_now: list[int] = []
    # The lock first: two `CREATE TABLE IF NOT EXISTS` at once can both find no table and the
    # second then fails on the catalog's unique index (pg_type_typname_nsp_index).
    conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK_KEY,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version integer PRIMARY KEY, description text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_version").fetchall()}
        for migration in migrations():
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                    (migration.version, migration.description),
                )
            applied_now.append(migration.version)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK_KEY,))
    return applied_now


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """The highest applied migration, 0 on an empty database."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0
