"""What a load has done, per kind, kept in the database it loads: the resume point.

One row per kind in ``load_state``: the file being or last loaded, its dump version, its size,
whether it is complete, and whether the fresh-database fast path wrote it. A file is marked
complete in the transaction that commits its last rows (and its removals), so a killed load
finds its file still ``loading`` and loads it again: rows whose hash is stored are skipped,
so nothing is duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from discogsography.kinds import Kind

_CREATE = """
CREATE TABLE IF NOT EXISTS load_state (
    kind text PRIMARY KEY,
    file text NOT NULL,
    version text,
    size bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('loading', 'complete')),
    fast boolean NOT NULL DEFAULT false,
    loaded_version text,
    records bigint,
    removed bigint,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class KindState:
    kind: Kind
    file: str
    version: str | None
    size: int
    status: str
    fast: bool
    loaded_version: str | None  # the version whose load last completed (kept while loading the next)

    @property
    def complete(self) -> bool:
        return self.status == "complete"


def ensure_state_table(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        conn.execute(_CREATE)


def read_state(conn: psycopg.Connection[Any], kind: Kind) -> KindState | None:
    row = conn.execute(
        "SELECT file, version, size, status, fast, loaded_version FROM load_state WHERE kind = %s",
        (kind.value,),
    ).fetchone()
    if row is None:
        return None
    return KindState(kind, row[0], row[1], int(row[2]), row[3], bool(row[4]), row[5])


def mark_loading(
    conn: psycopg.Connection[Any], kind: Kind, file: str, version: str | None, size: int, *, fast: bool
) -> None:
    """Record that ``file`` is being loaded; the previous version stays known until it completes."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO load_state (kind, file, version, size, status, fast) "
            "VALUES (%s, %s, %s, %s, 'loading', %s) "
            "ON CONFLICT (kind) DO UPDATE SET file = EXCLUDED.file, version = EXCLUDED.version, "
            "size = EXCLUDED.size, status = 'loading', fast = EXCLUDED.fast, records = NULL, "
            "removed = NULL, updated_at = now()",
            (kind.value, file, version, size, fast),
        )


def mark_complete(conn: psycopg.Connection[Any], kind: Kind, records: int, removed: int) -> None:
    """Within the caller's transaction: the kind's file is completely stored."""
    conn.execute(
        "UPDATE load_state SET status = 'complete', records = %s, removed = %s, "
        "loaded_version = version, updated_at = now() "
        "WHERE kind = %s",
        (records, removed, kind.value),
    )
