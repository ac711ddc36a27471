"""The dump version each kind's rows reflect, and which incremental messages may apply to it.

A full-mode ``file_complete`` (every record of that version was published and is now stored)
sets the kind's version. An incremental message names the version it leads to and its base:
it applies when the database is at the base, or already at the version it leads to (a late or
redelivered message of a refresh another tableinator finished). Anything else would corrupt
the mirror, so it is refused and left in the queue; the operator resyncs with a full run.
"""

from __future__ import annotations

from typing import Any

import psycopg

from discogsography.amqp.messages import Increment
from discogsography.kinds import Kind

RESYNC_HINT = "set FORCE_REPROCESS=true on the extractor to republish the newest version in full (a resync)"


def read_version(conn: psycopg.Connection[Any], kind: Kind) -> str | None:
    row = conn.execute("SELECT version FROM dump_versions WHERE kind = %s", (kind.value,)).fetchone()
    return str(row[0]) if row else None


def record_version(conn: psycopg.Connection[Any], kind: Kind, version: str, mode: str) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO dump_versions (kind, version, mode) VALUES (%s, %s, %s) "
            "ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version, mode = EXCLUDED.mode, "
            "updated_at = now()",
            (kind.value, version, mode),
        )


def applies(db_version: str | None, increment: Increment) -> bool:
    return db_version is not None and db_version in (increment.base_version, increment.version)


def refusal(kind: Kind, db_version: str | None, increment: Increment) -> str:
    """The reason an incremental message is refused, as logged and shown by /health."""
    held = f"version {db_version}" if db_version else "no recorded version"
    return (
        f"{kind.value}: an incremental message of version {increment.version} applies to base "
        f"{increment.base_version}, but the database holds {held}"
    )
