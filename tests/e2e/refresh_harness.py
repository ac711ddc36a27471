"""Monthly refreshes on the real services: dumps A and B, runs to a version, tables compared.

Builds on the fault harness's ``Pipeline`` (services as subprocesses, a database, queue prefix
and DISCOGS_ROOT of their own). A run is done when every kind's ``dump_versions`` row names the
version and every queue is empty; two databases are compared table by table with ``EXCEPT ALL``
both ways, every column but ``updated_at``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from discogsography.kinds import Kind
from discogsography.relational.tables import LINK_TABLES
from discogsography.relational.tables import RECORD_TABLES as TABLES
from tests.faults.harness import Pipeline
from tests.support.servers import SHARED
from tests.support.waits import wait_for

REPO = Path(__file__).resolve().parents[2]
MAKE_REFRESH = REPO / "bench" / "make_refresh.py"


def make_refresh(source: Path, out: Path, date: str, **fractions: float) -> dict[str, dict[str, int]]:
    """bench/make_refresh.py: a newer dump from ``source``; returns what it did per kind."""
    args = [sys.executable, str(MAKE_REFRESH), str(source), str(out), "--date", date, "--level", "1"]
    for name, value in fractions.items():
        args += [f"--{name}", str(value)]
    result = subprocess.run(args, check=True, capture_output=True, text=True)
    report: dict[str, dict[str, int]] = json.loads(result.stdout)
    return report


def add_to_mirror(mirror: Path, dump: Path) -> None:
    """Put a dump's files where the extractor looks (DISCOGS_SOURCE)."""
    mirror.mkdir(parents=True, exist_ok=True)
    for path in dump.iterdir():
        shutil.copy(path, mirror / path.name)


def versions(pipeline: Pipeline) -> dict[str, str]:
    try:
        with psycopg.connect(pipeline.conninfo) as conn:
            return dict(conn.execute("SELECT kind, version FROM dump_versions").fetchall())
    except psycopg.Error:
        return {}


def reached(pipeline: Pipeline, version: str) -> bool:
    """Every kind stored at ``version`` and nothing left waiting or dead-lettered."""
    if versions(pipeline) != dict.fromkeys((kind.value for kind in Kind), version):
        return False
    return all(depth == 0 for depth in pipeline.queue_depths().values())


def wait_reached(pipeline: Pipeline, version: str, timeout: float = 240) -> None:
    wait_for(lambda: reached(pipeline, version), timeout, f"every kind at version {version}", interval=0.5)


def run_version(pipeline: Pipeline, version: str, **extractor_env: str) -> None:
    """One extractor cycle to completion, then wait for the tableinator(s) to store it."""
    pipeline.start_extractor(**extractor_env)
    status = pipeline.wait_extractor(timeout=300)
    assert status == 0, pipeline.log_text("extractor")[-3000:]
    wait_reached(pipeline, version)


def marker_files(pipeline: Pipeline, version: str) -> dict[str, dict[str, Any]]:
    """The state marker's processing entries of a version, by kind."""
    data = json.loads((pipeline.root / f".extraction_status_{version}.json").read_text())
    files: dict[str, dict[str, Any]] = data["processing_phase"]["progress_by_file"]
    return {name.rsplit("_", 1)[1].removesuffix(".xml.gz"): entry for name, entry in files.items()}


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s AND column_name <> 'updated_at' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [row[0] for row in rows]


def differences(database: str, other: str) -> dict[str, tuple[int, int]]:
    """Per table, rows only in ``database`` and rows only in ``other`` (EXCEPT ALL both ways).

    ``other``'s tables are copied into a schema of ``database`` first: PostgreSQL compares
    within one database.
    """
    found: dict[str, tuple[int, int]] = {}
    with (
        psycopg.connect(SHARED.conninfo(database), autocommit=True) as conn,
        psycopg.connect(SHARED.conninfo(other)) as source,
    ):
        conn.execute("DROP SCHEMA IF EXISTS other CASCADE")
        conn.execute("CREATE SCHEMA other")
        for table in TABLES + LINK_TABLES:
            columns = _columns(conn, table)
            names = sql.SQL(", ").join(map(sql.Identifier, columns))
            conn.execute(
                sql.SQL("CREATE TABLE other.{} AS SELECT {} FROM public.{} WITH NO DATA").format(
                    sql.Identifier(table), names, sql.Identifier(table)
                )
            )
            with (
                source.cursor().copy(
                    sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(names, sql.Identifier(table))
                ) as out,
                conn.cursor().copy(
                    sql.SQL("COPY other.{} ({}) FROM STDIN").format(sql.Identifier(table), names)
                ) as into,
            ):
                for block in out:
                    into.write(block)
            counts = []
            for left, right in (("public", "other"), ("other", "public")):
                query = sql.SQL(
                    "SELECT count(*) FROM (SELECT {names} FROM {l}.{t} EXCEPT ALL SELECT {names} FROM {r}.{t}) d"
                ).format(
                    names=names, l=sql.Identifier(left), r=sql.Identifier(right), t=sql.Identifier(table)
                )
                row = conn.execute(query).fetchone()
                counts.append(int(row[0]) if row else -1)
            found[table] = (counts[0], counts[1])
        conn.execute("DROP SCHEMA other CASCADE")
    return found


def row_counts(pipeline: Pipeline) -> dict[str, int]:
    counts = {}
    with psycopg.connect(pipeline.conninfo) as conn:
        for table in TABLES + LINK_TABLES:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            counts[table] = int(row[0]) if row else -1
    return counts
