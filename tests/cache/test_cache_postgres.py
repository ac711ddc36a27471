"""The database steps against the real PostgreSQL server, each test in its own cache_database."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from discogsography.cache import cache_database
from discogsography.cache.cache_errors import CacheError
from discogsography.cache.csv_tables import TABLES
from discogsography.cache.dump_to_csv import convert_dump
from discogsography.cache.search import RELEASE_SEARCH_SQL, search
from discogsography.cache.verify import verify
from tests.cache.cache_testdata import SAMPLE_2020, make_library_db

pytestmark = pytest.mark.postgres


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def sample_csvs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample_csvs")
    convert_dump(SAMPLE_2020, out)
    return out


@pytest.fixture
def loaded(pg_url: str, sample_csvs: Path) -> str:
    """The 2020 sample imported and indexed (before dedup)."""
    cache_database.create_schema(pg_url)
    cache_database.import_csvs(pg_url, sample_csvs)
    cache_database.create_indexes(pg_url)
    return pg_url


def test_steps_and_what_resume_infers_from_them(pg_url: str, sample_csvs: Path) -> None:
    assert cache_database.infer_completed(pg_url) == set()
    cache_database.create_schema(pg_url)
    cache_database.create_schema(pg_url)  # idempotent
    assert cache_database.infer_completed(pg_url) == {"create_schema"}
    result = cache_database.import_csvs(pg_url, sample_csvs)
    assert result.rows["release"] == 1000
    assert count(pg_url, "cache_metadata") == 1000
    assert cache_database.infer_completed(pg_url) == {"create_schema", "import"}
    cache_database.create_indexes(pg_url)
    assert cache_database.infer_completed(pg_url) == {"create_schema", "import", "create_indexes"}
    cache_database.dedup(pg_url)
    assert cache_database.infer_completed(pg_url) == {"create_schema", "import", "create_indexes", "dedup"}
    with psycopg.connect(pg_url) as conn:
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
        assert {"pg_trgm", "unaccent"} <= extensions
        volatility = conn.execute("SELECT provolatile FROM pg_proc WHERE proname = 'f_unaccent'").fetchone()
        assert volatility == ("i",)
        assert conn.execute("SELECT f_unaccent('Écarlate Øre')").fetchone() == ("Ecarlate Ore",)
        source = conn.execute("SELECT DISTINCT source FROM cache_metadata").fetchall()
        assert source == [("bulk_import",)]


def test_import_replaces_rows_and_is_all_or_nothing(loaded: str, sample_csvs: Path, tmp_path: Path) -> None:
    cache_database.import_csvs(loaded, sample_csvs)  # again: replaced, not doubled
    assert count(loaded, "release") == 1000
    bad = tmp_path / "bad"
    bad.mkdir()
    for table in TABLES:
        (bad / table.file_name).write_bytes(table.path_in(sample_csvs).read_bytes())
    with (bad / "release_track.csv").open("a", encoding="utf-8") as handle:
        handle.write("999999999,1,A,orphan track,\n")  # no such release: the FK refuses it
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        cache_database.import_csvs(loaded, bad)
    assert count(loaded, "release") == 1000
    assert count(loaded, "release_track") > 0


def write_tables(directory: Path, rows: dict[str, list[list[object]]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        with table.path_in(directory).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows(rows.get(table.name, []))
    return directory


def test_dedup_keeps_us_then_most_tracks_then_lowest_id(pg_url: str, tmp_path: Path) -> None:
    releases = [
        # master 10: a US release beats a release with more tracks; lowest id among the US ones
        (100, "UK", 10, 5),
        (102, "US", 10, 2),
        (101, "US", 10, 2),
        # master 20: no US release, the most tracks wins
        (200, "Germany", 20, 1),
        (201, "France", 20, 3),
        # master 30: a tie on everything, the lowest id wins
        (301, "UK", 30, 2),
        (300, "UK", 30, 2),
        # no master: always kept
        (400, "UK", None, 1),
        (401, None, None, 0),
    ]
    rows: dict[str, list[list[object]]] = {"release": [], "release_artist": [], "release_track": []}
    for release_id, country, master, tracks in releases:
        rows["release"].append([release_id, f"T{release_id}", 2000, country or "", "", master or ""])
        rows["release_artist"].append([release_id, "Artist", "0"])
        rows["release_track"] += [[release_id, n, f"A{n}", f"t{n}", ""] for n in range(1, tracks + 1)]
    write_tables(tmp_path / "csv", rows)
    cache_database.create_schema(pg_url)
    cache_database.import_csvs(pg_url, tmp_path / "csv")
    result = cache_database.dedup(pg_url)
    assert (result.deleted, result.remaining) == (4, 5)
    with psycopg.connect(pg_url) as conn:
        kept = sorted(r[0] for r in conn.execute("SELECT id FROM release"))
        assert kept == [101, 201, 300, 400, 401]
        orphans = conn.execute(
            "SELECT count(*) FROM release_track t"
            " WHERE NOT EXISTS (SELECT 1 FROM release r WHERE r.id = t.release_id)"
        ).fetchone()
        assert orphans == (0,)
        assert not cache_database.has_master_id(conn)
    again = cache_database.dedup(pg_url)  # no master_id left: nothing to do
    assert again.deleted == 0
    # Importing again into the deduplicated cache restores the import shape and all rows
    cache_database.import_csvs(pg_url, tmp_path / "csv")
    assert count(pg_url, "release") == 9
    assert cache_database.dedup(pg_url).deleted == 4


def test_search_finds_a_misspelled_unaccented_release_through_the_index(loaded: str) -> None:
    with psycopg.connect(loaded) as conn:
        # "Banlieue Rouge - Sous Un Ciel Écarlate", asked for without accents and misspelled
        matches = search(conn, artist="banlieu rouje", title="sous un ciel ecarlatte")
        assert matches, "no match"
        assert matches[0].release_id == 1586364
        assert matches[0].artists == "Banlieue Rouge"
        assert 0 < matches[0].score <= 1
        tracks = search(conn, track="ostermalm")
        assert tracks[0].release_id == 1
        assert tracks[0].track_title == "Östermalm"
        by_artist = search(conn, artist="persuadr", limit=5)
        assert {m.artists for m in by_artist} == {"The Persuader"}
        # The sample is small enough that the planner would rather scan; forbid that to show the
        # trigram indexes can serve the documented queries.
        conn.execute("SET enable_seqscan = off")
        plans = []
        for column, table in (
            ("title", "release"),
            ("artist_name", "release_artist"),
            ("title", "release_track"),
        ):
            plan = conn.execute(
                f"EXPLAIN SELECT * FROM {table} WHERE lower(f_unaccent({column})) %% lower(f_unaccent(%s))",
                ("ecarlate",),
            ).fetchall()
            plans.append("\n".join(r[0] for r in plan))
        assert "idx_release_title_trgm" in plans[0]
        assert "idx_release_artist_name_trgm" in plans[1]
        assert "idx_release_track_title_trgm" in plans[2]
        # The documented lookup query itself, as other services run it
        params = {"artist": "banlieu rouje", "title": "sous un ciel ecarlatte", "limit": 10}
        lookup_plan = "\n".join(str(r[0]) for r in conn.execute("EXPLAIN " + RELEASE_SEARCH_SQL, params))
        # the planner starts from one trigram index and checks the other column on the joined row
        assert "Bitmap Index Scan on idx_release_artist_name_trgm" in lookup_plan or (
            "Bitmap Index Scan on idx_release_title_trgm" in lookup_plan
        )
        assert "Seq Scan" not in lookup_plan
        titles = search(conn, title="sous un ciel ecarlate")
        assert titles[0].release_id == 1586364


def test_verify_dry_run_copy_to_and_prune(loaded: str, pg_factory: object, tmp_path: Path) -> None:
    library = make_library_db(
        tmp_path / "library.db",
        [("Persuader, The", "Stockholm"), ("Banlieue Rouge", "Sous Un Ciel Ecarlat"), ("Fats Domino", "x")],
    )
    cache_database.dedup(loaded)
    total = count(loaded, "release")
    dry = verify(loaded, library)
    assert dry.action == "dry run"
    assert sum(dry.counts.values()) == total
    keep_ids = {v.name: set(ids) for v, ids in dry.ids.items()}
    assert 1 in keep_ids["KEEP"] and 1586364 in keep_ids["KEEP"]
    assert count(loaded, "release") == total  # dry run changes nothing

    target = pg_factory.fresh_name()  # type: ignore[attr-defined]
    copied = verify(loaded, library, copy_to=target)
    expected = keep_ids["KEEP"] | keep_ids["REVIEW"]
    assert copied.copied == len(expected)
    assert count(loaded, "release") == total  # the source stays whole
    with psycopg.connect(target) as conn:
        assert {r[0] for r in conn.execute("SELECT id FROM release")} == expected
        assert not cache_database.has_master_id(conn)
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes")}
        assert set(cache_database.index_names()) <= indexes
        fks = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()
        assert fks == (5,)
        tracks = conn.execute("SELECT count(*) FROM release_track WHERE release_id = 1").fetchone()
        assert tracks == (6,)
        meta = conn.execute("SELECT count(*) FROM cache_metadata").fetchone()
        assert meta == (len(expected),)

    pruned = verify(loaded, library, prune=True)
    assert pruned.pruned == len(keep_ids["PRUNE"])
    assert count(loaded, "release") == len(expected)
    with psycopg.connect(loaded) as conn:
        orphans = conn.execute(
            "SELECT count(*) FROM release_artist a"
            " WHERE NOT EXISTS (SELECT 1 FROM release r WHERE r.id = a.release_id)"
        ).fetchone()
        assert orphans == (0,)


def test_prune_and_copy_to_exclude_each_other(loaded: str, tmp_path: Path) -> None:
    library = make_library_db(tmp_path / "library.db", [("A", "B")])
    with pytest.raises(CacheError, match="exclude each other"):
        verify(loaded, library, prune=True, copy_to=loaded + "_x")
    with pytest.raises(CacheError, match="source database itself"):
        verify(loaded, library, copy_to=loaded)


def test_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(CacheError, match=r"cannot connect to postgresql://u:\*\*\*@127.0.0.1:1/x"):
        cache_database.create_schema("postgresql://u:secret@127.0.0.1:1/x")


@pytest.mark.parametrize(
    ("option", "url", "message"),
    [
        (
            "--database-url",
            "postgresql://u:secret@127.0.0.1:1/x",
            r"cannot connect to postgresql://u:\*\*\*@",
        ),
        ("--wxyc-db-url", "mysql://u:secret@127.0.0.1:1/x", r"cannot connect to mysql://u:\*\*\*@"),
        (
            "--database-url",
            "postgresql://dgtest_no_such_role:secret@127.0.0.1:5432/x",
            r"cannot connect to postgresql://dgtest_no_such_role:\*\*\*@127.0.0.1:5432/x: .*"
            r'role "dgtest_no_such_role" does not exist',
        ),
    ],
    ids=["database-port-closed", "catalog-port-closed", "database-role-refused"],
)
def test_build_checks_its_databases_before_converting(
    tmp_path: Path, pg_url: str, option: str, url: str, message: str
) -> None:
    # A wrong URL must cost seconds, not a convert of the whole dump first.
    args = ["build", "--xml", str(SAMPLE_2020), "--work-dir", str(tmp_path / "work")]
    args += ["--database-url", pg_url] if option != "--database-url" else []
    result = subprocess.run(
        [sys.executable, "-m", "discogsography", "cache", *args, option, url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert re.search(message, result.stderr.splitlines()[-1]), result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
    assert "convert" not in result.stdout + result.stderr
    assert not (tmp_path / "work" / "csv").exists()
