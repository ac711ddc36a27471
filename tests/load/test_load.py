"""`discogsography load` against the real PostgreSQL: the pipeline's exact tables, resume,
idempotence, removals of a newer version, and the fresh-database fast path."""

from __future__ import annotations

import gzip
import shutil
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from discogsography.cli import main
from tests.conftest import SAMPLES_2020
from tests.e2e.runs import delete_queues, run_pipeline
from tests.final_line import final_line
from tests.support.servers import SHARED
from tests.tableinator.conftest import ALL_TABLES

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def database() -> Iterator[str]:
    name = f"dgtest_load_{uuid.uuid4().hex[:8]}"
    conninfo = SHARED.create_database(name)  # a server that does not answer: see support.servers
    try:
        yield conninfo
    finally:
        SHARED.drop_database(name)


@pytest.fixture(scope="module")
def pipeline_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The samples through extractor -> RabbitMQ -> tableinator, the reference for `load`."""
    run_id = uuid.uuid4().hex[:8]
    name, prefix = f"dgtest_loadref_{run_id}", f"dgtest-loadref-{run_id}-"
    try:
        run_pipeline(SAMPLES_2020, tmp_path_factory.mktemp("discogs-root"), name, prefix)
        yield SHARED.conninfo(name)
    finally:
        SHARED.drop_database(name)
        delete_queues(prefix)


def load(conninfo: str, *paths: Path, options: tuple[str, ...] = ()) -> None:
    main(["load", *map(str, paths), "--database-url", conninfo, "--no-progress", *options])


def table_rows(conninfo: str, table: str) -> Counter[str]:
    """Every row of a table but its updated_at, as text, with its multiplicity."""
    with psycopg.connect(conninfo) as conn:
        query = f"SELECT (to_jsonb(t) - 'updated_at')::text FROM {table} t"
        return Counter(row[0] for row in conn.execute(query).fetchall())


def assert_same_tables(left: str, right: str) -> None:
    for table in ALL_TABLES:
        a, b = table_rows(left, table), table_rows(right, table)
        assert a, f"{table} is empty"
        # EXCEPT ALL both ways: nothing in one that the other lacks.
        assert not (a - b), f"{table}: {len(a - b)} rows only in {left}"
        assert not (b - a), f"{table}: {len(b - a)} rows only in {right}"


def schema_of(conninfo: str) -> set[tuple[str, ...]]:
    """Tables with their persistence, constraints and indexes, as the catalog defines them."""
    with psycopg.connect(conninfo) as conn:
        tables = conn.execute(
            "SELECT 'table', relname, relpersistence::text FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        ).fetchall()
        constraints = conn.execute(
            "SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace"
        ).fetchall()
        indexes = conn.execute(
            "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    return {tuple(row) for row in (*tables, *constraints, *indexes)}


def test_load_writes_exactly_the_pipelines_rows(database: str, pipeline_database: str) -> None:
    load(database, SAMPLES_2020, options=("--workers", "2"))
    assert_same_tables(database, pipeline_database)


def test_the_fast_path_ends_in_the_ordinary_schema_and_rows(database: str, pipeline_database: str) -> None:
    load(database, SAMPLES_2020, options=("--fast",))
    assert_same_tables(database, pipeline_database)
    name = f"dgtest_loadord_{uuid.uuid4().hex[:8]}"
    ordinary = SHARED.create_database(name)
    try:
        load(ordinary, SAMPLES_2020)
        assert schema_of(database) == schema_of(ordinary)
    finally:
        SHARED.drop_database(name)


def test_a_second_load_is_skipped_and_a_lost_state_rewrites_nothing(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    load(database, SAMPLES_2020)
    before = {table: table_rows(database, table) for table in ALL_TABLES}
    capsys.readouterr()
    load(database, SAMPLES_2020)
    assert capsys.readouterr().err.count("already loaded, skipped") == 4
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("DELETE FROM load_state")
    load(database, SAMPLES_2020)
    err = capsys.readouterr().err
    assert err.count("1,000 records, 0 written") == 4, err  # every hash already stored
    assert {table: table_rows(database, table) for table in ALL_TABLES} == before


def test_a_killed_load_resumes_its_file_without_duplicates(database: str, pipeline_database: str) -> None:
    load(database, SAMPLES_2020)
    # What a load killed halfway through releases leaves: the file marked loading, part stored.
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("UPDATE load_state SET status = 'loading' WHERE kind = 'releases'")
        conn.execute(
            "DELETE FROM releases WHERE id > (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM releases)"
        )
        conn.execute("DELETE FROM release_labels WHERE release_id NOT IN (SELECT id FROM releases)")
        conn.execute("DELETE FROM release_artists WHERE release_id NOT IN (SELECT id FROM releases)")
    load(database, SAMPLES_2020)
    assert_same_tables(database, pipeline_database)


def _newer_releases(folder: Path, dropped: int) -> tuple[Path, list[int], int]:
    """The sample releases as a later dump: the last ``dropped`` gone, the first one retitled."""
    with gzip.open(SAMPLES_2020 / "discogs_20200806_releases.xml.gz") as handle:
        root = ET.parse(handle).getroot()
    records = list(root)
    gone = [int(r.get("id", "0")) for r in records[-dropped:]]
    for record in records[-dropped:]:
        root.remove(record)
    title = records[0].find("title")
    assert title is not None
    title.text = "Retitled"
    path = folder / "discogs_20200901_releases.xml.gz"
    with gzip.open(path, "wb") as out:
        out.write(ET.tostring(root, encoding="utf-8"))
    return path, gone, int(records[0].get("id", "0"))


def test_a_newer_version_removes_the_ids_it_no_longer_has(database: str, tmp_path: Path) -> None:
    older = tmp_path / "older"
    older.mkdir()
    shutil.copy(SAMPLES_2020 / "discogs_20200806_releases.xml.gz", older)
    load(database, older)
    newer, gone, retitled = _newer_releases(tmp_path, dropped=100)
    load(database, newer)
    with psycopg.connect(database) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM releases").fetchall()}
        linked = {row[0] for row in conn.execute("SELECT release_id FROM release_artists").fetchall()}
        labelled = {row[0] for row in conn.execute("SELECT release_id FROM release_labels").fetchall()}
        state = conn.execute(
            "SELECT loaded_version, records, removed FROM load_state WHERE kind = 'releases'"
        ).fetchone()
        title = conn.execute("SELECT title FROM releases WHERE id = %s", (retitled,)).fetchone()
    assert len(ids) == 900 and not ids & set(gone)
    assert not (linked | labelled) & set(gone)
    assert state == ("20200901", 900, 100)
    assert title == ("Retitled",)


def test_a_newer_version_over_a_pipelines_tables_removes_too(database: str, tmp_path: Path) -> None:
    """Only dump_versions says what the tables hold (as after a pipeline run): still removals."""
    load(database, SAMPLES_2020 / "discogs_20200806_releases.xml.gz")
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("DELETE FROM load_state")
    newer, gone, _ = _newer_releases(tmp_path, dropped=10)
    load(database, newer)
    with psycopg.connect(database) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM releases").fetchall()}
        version = conn.execute("SELECT version FROM dump_versions WHERE kind = 'releases'").fetchone()
    assert len(ids) == 990 and not ids & set(gone)
    assert version == ("20200901",)


def test_an_older_version_is_refused(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer, _, _ = _newer_releases(tmp_path, dropped=1)
    load(database, newer)
    before = table_rows(database, "releases")
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        load(database, SAMPLES_2020 / "discogs_20200806_releases.xml.gz")
    assert stopped.value.code == 1
    assert final_line(capsys.readouterr().err) == (
        "error: discogs_20200806_releases.xml.gz: version 20200806 is older than the releases loaded (20200901)"
    )
    assert table_rows(database, "releases") == before  # nothing of the older version went in


def test_from_source_downloads_verifies_and_loads_like_the_extractor(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipeline_database: str
) -> None:
    monkeypatch.setenv("DISCOGS_SOURCE", SAMPLES_2020.as_uri())
    monkeypatch.setenv("DISCOGS_ROOT", str(tmp_path / "root"))
    main(["load", "--from-source", "--database-url", database, "--no-progress"])
    assert sorted(p.name for p in (tmp_path / "root").glob("*.xml.gz")) == sorted(
        p.name for p in SAMPLES_2020.glob("*.xml.gz")
    )
    assert_same_tables(database, pipeline_database)


def test_a_killed_fast_load_starts_its_kind_again_and_ends_in_the_ordinary_schema(
    database: str, pipeline_database: str
) -> None:
    from discogsography.kinds import Kind
    from discogsography.load import fastpath

    load(database, SAMPLES_2020, options=("--fast",))
    # What a fast load killed during releases leaves: keys and indexes stripped, part written.
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("TRUNCATE releases, release_labels, release_artists")
        fastpath.strip(conn, Kind.RELEASES)
        conn.execute("UPDATE load_state SET status = 'loading', fast = true WHERE kind = 'releases'")
    load(database, SAMPLES_2020 / "discogs_20200806_releases.xml.gz")  # without --fast: resumed on it
    load(database, SAMPLES_2020 / "discogs_20200806_releases.xml.gz")  # a second time, to duplicate
    assert_same_tables(database, pipeline_database)
    ours = {entry for entry in schema_of(database) if not entry[1].startswith("load_state")}
    assert ours == schema_of(pipeline_database)  # the same schema, load's own state aside


@pytest.mark.parametrize(
    ("dsn", "words"),
    [
        (
            SHARED.conninfo("dgtest_load_missing") + " password=hush",
            'database "dgtest_load_missing" does not exist',
        ),
        ("host=127.0.0.1 port=5432 user=dgtest_no_such_role dbname=postgres", 'role "dgtest_no_such_role"'),
    ],
    ids=["unknown-database", "unknown-role"],
)
def test_a_database_refusing_is_one_line_before_any_download_or_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], dsn: str, words: str
) -> None:
    monkeypatch.setenv("DISCOGS_SOURCE", SAMPLES_2020.as_uri())
    monkeypatch.setenv("DISCOGS_ROOT", str(tmp_path / "root"))
    with pytest.raises(SystemExit) as stopped:
        main(["load", "--from-source", "--database-url", dsn, "--no-progress"])
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: PostgreSQL at ") and words in err, err
    assert "hush" not in err
    assert not (tmp_path / "root").exists() or not any((tmp_path / "root").iterdir())  # nothing downloaded
