"""The PostgreSQL side of the pipeline: schema, COPY import, indexes, dedup, vacuum, state inference.

The SQL that defines the cache lives in the package's sql/ files (one place); this module runs it.
Every step that changes data runs in one transaction, so a failed step leaves nothing half done.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.csv_tables import RELEASE, TABLES
from discogsography.cache.csvfiles import require_tables
from discogsography.cache.labels import LabelPreferences, preferred_releases
from discogsography.cache.migrate import Conversion, convert_earlier_version
from discogsography.relational import connect as shared_database
from discogsography.relational.connect import database_name
from discogsography.runtime.failures import summary
from discogsography.runtime.progress_bars import byte_progress
from discogsography.runtime.redact import redact_url

SCHEMA_FILES = ("create_database.sql", "create_functions.sql")
INDEX_FILE = "create_indexes.sql"
COPY_CHUNK = 1 << 20


def sql_text(name: str) -> str:
    return resources.files("discogsography.cache").joinpath("sql", name).read_text(encoding="utf-8")


def index_names() -> list[str]:
    """The indexes create_indexes.sql defines (what "indexes present" means for resume)."""
    return re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", sql_text(INDEX_FILE))


@contextlib.contextmanager
def database_errors(step: str) -> Iterator[None]:
    """A database refusing a step becomes one clear line (the CLI prints CacheError, not a traceback)."""
    try:
        yield
    except psycopg.Error as exc:
        raise CacheError(f"{step}: {summary(exc)}") from exc


def _cannot_connect(url: str, exc: psycopg.Error) -> CacheError:
    return CacheError(f"cannot connect to {redact_url(url)}: {summary(exc)}")


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[TupleRow]:
    try:
        return shared_database.connect(url, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        raise _cannot_connect(url, exc) from None


def same_database(a: str, b: str) -> bool:
    def where(url: str) -> tuple[str, str, str]:
        info = conninfo_to_dict(url)
        return (
            str(info.get("host") or "localhost"),
            str(info.get("port") or "5432"),
            str(info.get("dbname")),
        )

    return where(a) == where(b)


def create_database_if_missing(url: str) -> bool:
    """Creates the database ``url`` names (through the server's `postgres` database); True if created."""
    if not database_name(url):
        raise CacheError(f"{redact_url(url)}: no database name in the URL")
    try:
        return shared_database.create_database_if_missing(url)
    except psycopg.Error as exc:
        raise _cannot_connect(url, exc) from None


def preflight(url: str) -> None:
    """Before any long step: the server answers and lets us in. A database that does not exist yet
    is fine (create_schema creates it) when the server's `postgres` database accepts us instead."""
    try:
        shared_database.check(url, missing_ok=True)
    except psycopg.Error as exc:
        raise _cannot_connect(url, exc) from None


def ensure_database(url: str) -> bool:
    """Creates the cache database when it does not exist yet; True if it was created."""
    try:
        connect(url).close()
        return False
    except CacheError as first:
        if "does not exist" not in str(first):
            raise
        try:
            return create_database_if_missing(url)
        except CacheError:
            raise first from None


# --- steps ---------------------------------------------------------------------------------------


def create_schema(url: str) -> Conversion:
    """Creates what is missing, after converting a cache of the earlier schema (one transaction)."""
    with connect(url) as conn, database_errors("create_schema"):
        converted = convert_earlier_version(conn)
        for name in SCHEMA_FILES:
            conn.execute(sql_text(name).encode())
        if converted.recreate_indexes:
            conn.execute(sql_text(INDEX_FILE).encode())
    return converted


@dataclass
class ImportResult:
    rows: dict[str, int]

    def summary(self) -> str:
        return ", ".join(f"{table} {count:,}" for table, count in self.rows.items())


def import_csvs(url: str, csv_dir: Path, *, progress: bool = False) -> ImportResult:
    """Replaces the cache's rows with the CSVs' (TRUNCATE + COPY, one transaction)."""
    require_tables(csv_dir)
    rows: dict[str, int] = {}
    total_bytes = sum(table.path_in(csv_dir).stat().st_size for table in TABLES)
    with connect(url) as conn, byte_progress(progress, total_bytes, "importing CSVs") as advance:
        conn.execute("TRUNCATE release CASCADE")
        if not has_master_id(conn):  # a re-import into a deduplicated cache: back to the import shape
            conn.execute("ALTER TABLE release ADD COLUMN master_id integer")
        done = 0
        for table in TABLES:
            columns = sql.SQL(", ").join(map(sql.Identifier, table.columns))
            force: sql.Composable = sql.SQL("")
            if table.empty_is_text:
                force = sql.SQL(", FORCE_NOT_NULL ({})").format(
                    sql.SQL(", ").join(map(sql.Identifier, table.empty_is_text))
                )
            statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true{})").format(
                sql.Identifier(table.name), columns, force
            )
            with conn.cursor() as cur:
                with cur.copy(statement) as copy, table.path_in(csv_dir).open("rb") as handle:
                    while chunk := handle.read(COPY_CHUNK):
                        copy.write(chunk)
                        done += len(chunk)
                        advance(done)
                rows[table.name] = cur.rowcount
        conn.execute(
            "INSERT INTO cache_metadata (release_id, cached_at, source)"
            " SELECT id, now(), 'bulk_import' FROM release ON CONFLICT (release_id) DO NOTHING"
        )
    return ImportResult(rows)


def create_indexes(url: str) -> None:
    with connect(url) as conn:
        conn.execute(sql_text(INDEX_FILE).encode())
        conn.execute("ANALYZE")


def has_master_id(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    row = conn.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = 'release' AND column_name = 'master_id'"
    ).fetchone()
    return row is not None


@dataclass
class DedupResult:
    deleted: int
    remaining: int
    on_library_label: int | None = None  # releases on the library's label; None: no labels given

    def summary(self) -> str:
        text = f"{self.deleted:,} duplicate releases removed, {self.remaining:,} remain"
        if self.on_library_label is not None:
            text += f"; {self.on_library_label:,} on the library's label (preferred)"
        return text


# One release per master: on the library's label first (label_preferred, filled by dedup), then US,
# then most tracks, then lowest id. No master: kept.
DEDUP_SQL = """
DELETE FROM release
 WHERE id IN (
    SELECT id FROM (
        SELECT r.id,
               row_number() OVER (
                   PARTITION BY r.master_id
                   ORDER BY (p.id IS NOT NULL) DESC,
                            (r.country IS NOT DISTINCT FROM 'US') DESC,
                            coalesce(t.tracks, 0) DESC,
                            r.id
               ) AS rank
          FROM release r
          LEFT JOIN (SELECT release_id, count(*) AS tracks FROM release_track GROUP BY release_id) t
                 ON t.release_id = r.id
          LEFT JOIN label_preferred p ON p.id = r.id
         WHERE r.master_id IS NOT NULL
    ) ranked
     WHERE rank > 1)
"""


def dedup(url: str, preferences: LabelPreferences | None = None) -> DedupResult:
    """Deletes duplicates then drops master_id, in one transaction: the dropped column is the mark
    that dedup is done (resume relies on it). With label preferences, a release on the label the
    library holds it on wins its master."""
    with connect(url) as conn:
        if not has_master_id(conn):
            remaining = _count(conn, "release")
            return DedupResult(0, remaining)
        preferred = preferred_releases(conn, preferences) if preferences is not None else []
        conn.execute("CREATE TEMP TABLE label_preferred (id integer PRIMARY KEY) ON COMMIT DROP")
        with conn.cursor().copy("COPY label_preferred (id) FROM STDIN") as copy:
            for release_id in preferred:
                copy.write_row((release_id,))
        deleted = conn.execute(DEDUP_SQL).rowcount
        conn.execute("ALTER TABLE release DROP COLUMN master_id")
        on_label = len(preferred) if preferences is not None else None
        return DedupResult(deleted, _count(conn, "release"), on_label)


def vacuum(url: str, *, full: bool = True) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM FULL ANALYZE" if full else "VACUUM ANALYZE")


def _count(conn: psycopg.Connection[tuple[object, ...]], table: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


# --- what is already done (resume without a state file) -------------------------------------------


def infer_completed(url: str) -> set[str]:
    """Steps the database shows as done: schema present, rows imported, indexes present, dedup done."""
    done: set[str] = set()
    with connect(url) as conn:
        schema = conn.execute(
            "SELECT to_regclass('release') IS NOT NULL"
            " AND to_regclass('cache_metadata') IS NOT NULL"
            " AND to_regprocedure('f_unaccent(text)') IS NOT NULL"
        ).fetchone()
        if not (schema and schema[0]):
            return done
        done.add("create_schema")
        if conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(RELEASE.name))
        ).fetchone() == (True,):
            done.add("import")
        present = {
            str(row[0])
            for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        }
        if set(index_names()) <= present:
            done.add("create_indexes")
        if "import" in done and not has_master_id(conn):
            done.add("dedup")
    return done
