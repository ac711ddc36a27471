"""Converts a cache built by the earlier version of this project to the contract (sql/create_database.sql).

The earlier schema differed from the consumers' contract in: bigint ids; a boolean
release_artist.extra; nullable release and track titles; cache_metadata.source documented as
'api' and defaulting to 'bulk_import'; a primary key on release_track that release_track_artist
referenced (instead of release); idx_release_track_artist_release_id on two columns.

Every change is conditional on the shape found, so a cache already in the contract's shape (ours
or one built by discogs-cache) is left alone. It runs inside the caller's transaction: a failure
leaves the cache as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from discogsography.cache.cache_errors import CacheError

Connection = psycopg.Connection[tuple[object, ...]]

# Every id column of the contract, parents first; all integer there.
ID_COLUMNS = (
    ("release", "id"),
    ("release", "master_id"),
    ("release_artist", "release_id"),
    ("release_label", "release_id"),
    ("release_track", "release_id"),
    ("release_track_artist", "release_id"),
    ("cache_metadata", "release_id"),
)
TITLE_COLUMNS = (("release", "title"), ("release_track", "title"))
INT_MAX = 2**31 - 1


@dataclass
class Conversion:
    changes: list[str] = field(default_factory=list)
    # The old two-column index was dropped: the caller recreates the indexes of create_indexes.sql.
    recreate_indexes: bool = False

    def summary(self) -> str:
        if not self.changes:
            return "schema already matches the contract"
        return "converted from the earlier schema: " + "; ".join(self.changes)


def _column_type(conn: Connection, table: str, column: str) -> str | None:
    row = conn.execute(
        "SELECT data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        (table, column),
    ).fetchone()
    return str(row[0]) if row else None


def _is_nullable(conn: Connection, table: str, column: str) -> bool:
    row = conn.execute(
        "SELECT is_nullable FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        (table, column),
    ).fetchone()
    return bool(row and row[0] == "YES")


def _constraints(conn: Connection, table: str, kind: str, referenced: str | None = None) -> list[str]:
    query = "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = %s"
    params: list[object] = [table, kind]
    if referenced:
        query += " AND confrelid = to_regclass(%s)"
        params.append(referenced)
    return [str(row[0]) for row in conn.execute(query, params)]


def _drop_constraint(conn: Connection, table: str, name: str) -> None:
    conn.execute(
        sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name))
    )


def _track_keys(conn: Connection, done: Conversion) -> None:
    """release_track_artist references release (not release_track), release_track has no key."""
    for name in _constraints(conn, "release_track_artist", "f", "release_track"):
        _drop_constraint(conn, "release_track_artist", name)
        done.changes.append("track artists reference release")
    for name in _constraints(conn, "release_track", "p"):
        _drop_constraint(conn, "release_track", name)
        done.changes.append("release_track primary key dropped")
    if not _constraints(conn, "release_track_artist", "f", "release"):
        conn.execute(
            "ALTER TABLE release_track_artist ADD FOREIGN KEY (release_id)"
            " REFERENCES release (id) ON DELETE CASCADE"
        )
    index = conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        " AND indexname = 'idx_release_track_artist_release_id'"
    ).fetchone()
    if index and "track_sequence" in str(index[0]):
        conn.execute("DROP INDEX idx_release_track_artist_release_id")
        done.recreate_indexes = True


def _integer_ids(conn: Connection, done: Conversion) -> None:
    wide = [(t, c) for t, c in ID_COLUMNS if _column_type(conn, t, c) == "bigint"]
    for table, column in wide:
        row = conn.execute(
            sql.SQL("SELECT max({}) FROM {}").format(sql.Identifier(column), sql.Identifier(table))
        ).fetchone()
        if row and row[0] is not None and int(row[0]) > INT_MAX:  # type: ignore[call-overload]
            raise CacheError(f"migrate: {table}.{column} holds {row[0]}, beyond the contract's integer")
    for table, column in wide:
        conn.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE integer").format(
                sql.Identifier(table), sql.Identifier(column)
            )
        )
    if wide:
        done.changes.append(f"{len(wide)} id columns bigint -> integer")


def _extra_as_integer(conn: Connection, done: Conversion) -> None:
    if _column_type(conn, "release_artist", "extra") != "boolean":
        return
    conn.execute(
        "ALTER TABLE release_artist ALTER COLUMN extra DROP DEFAULT,"
        " ALTER COLUMN extra DROP NOT NULL,"
        " ALTER COLUMN extra TYPE integer USING CASE WHEN extra THEN 1 ELSE 0 END,"
        " ALTER COLUMN extra SET DEFAULT 0"
    )
    done.changes.append("release_artist.extra boolean -> integer 0/1")


def _titles_not_null(conn: Connection, done: Conversion) -> None:
    for table, column in TITLE_COLUMNS:
        if not _is_nullable(conn, table, column):
            continue
        table_id, column_id = sql.Identifier(table), sql.Identifier(column)
        filled = conn.execute(
            sql.SQL("UPDATE {} SET {} = '' WHERE {} IS NULL").format(table_id, column_id, column_id)
        ).rowcount
        conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(table_id, column_id))
        done.changes.append(f"{table}.{column} NOT NULL ({filled:,} empty titles set to '')")


def _metadata_source(conn: Connection, done: Conversion) -> None:
    renamed = conn.execute("UPDATE cache_metadata SET source = 'api_fetch' WHERE source = 'api'").rowcount
    default = conn.execute(
        "SELECT column_default FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = 'cache_metadata' AND column_name = 'source'"
    ).fetchone()
    if default and default[0] is not None:
        conn.execute("ALTER TABLE cache_metadata ALTER COLUMN source DROP DEFAULT")
        done.changes.append("cache_metadata.source without default")
    if renamed:
        done.changes.append(f"{renamed:,} cache_metadata rows 'api' -> 'api_fetch'")


def convert_earlier_version(conn: Connection) -> Conversion:
    """Brings an existing cache to the contract; a database without the cache tables is left alone."""
    done = Conversion()
    present = conn.execute(
        "SELECT to_regclass('release') IS NOT NULL AND to_regclass('release_artist') IS NOT NULL"
        " AND to_regclass('release_track') IS NOT NULL AND to_regclass('release_track_artist') IS NOT NULL"
        " AND to_regclass('cache_metadata') IS NOT NULL"
    ).fetchone()
    if not (present and present[0]):
        return done
    _track_keys(conn, done)
    _integer_ids(conn, done)
    _extra_as_integer(conn, done)
    _titles_not_null(conn, done)
    _metadata_source(conn, done)
    return done
