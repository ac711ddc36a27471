"""The cache keeps the consumers' contract: discogs-cache's schema, the migration from our earlier
schema, and the documented consumer queries run with asyncpg on ours and on a discogs-cache cache_database."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import asyncpg
import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from discogsography.cache import cache_database
from discogsography.cache.cache_command import cache
from discogsography.cache.dump_to_csv import convert_dump
from discogsography.cache.search import search
from tests.cache.cache_testdata import SAMPLE_2020

pytestmark = pytest.mark.postgres

SCHEMAS = Path(__file__).parent / "schemas"
DOCS = Path(__file__).parents[2] / "docs" / "cache.md"
# Ours beyond the contract: additive and nullable (master_id lives only until dedup).
OUR_EXTRA_COLUMNS = {("release_label", "catalog_number"), ("release", "master_id")}
CONTRACT_TABLES = (
    "release",
    "release_artist",
    "release_label",
    "release_track",
    "release_track_artist",
    "cache_metadata",
)

Columns = dict[tuple[str, str], tuple[str, str, str | None]]


def apply_sql(url: str, path: Path) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(path.read_text(encoding="utf-8").encode())


def columns(url: str) -> Columns:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(%s)",
            (list(CONTRACT_TABLES),),
        ).fetchall()
    return {(str(t), str(c)): (str(d), str(n), None if x is None else str(x)) for t, c, d, n, x in rows}


def constraints(url: str) -> set[tuple[str, str, str]]:
    """(table, kind, definition) of every key: what a consumer's joins and deletes depend on."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'f', 'u')"
        ).fetchall()
    return {(str(t), str(k), str(d)) for t, k, d in rows}


def indexes(url: str) -> dict[str, str]:
    """Index name -> definition without the name (so ours and theirs compare)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'idx_%'"
        ).fetchall()
    return {str(name): re.sub(r"INDEX \w+ ON", "INDEX ON", str(d)) for name, d in rows}


def f_unaccent(url: str) -> tuple[str, bool, str]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT provolatile, proisstrict, proparallel FROM pg_proc WHERE proname = 'f_unaccent'"
        ).fetchone()
    assert row is not None
    return str(row[0]), bool(row[1]), str(row[2])


def assert_contract_shape(ours: str, contract: str) -> None:
    our_columns, their_columns = columns(ours), columns(contract)
    for key, shape in their_columns.items():
        assert our_columns.get(key) == shape, key
    for key in set(our_columns) - set(their_columns):
        assert key in OUR_EXTRA_COLUMNS and our_columns[key][1] == "YES", key
    assert constraints(ours) == constraints(contract)
    assert indexes(ours) == indexes(contract)
    assert f_unaccent(ours) == f_unaccent(contract) == ("i", True, "s")


def built_cache(url: str, csv_dir: Path) -> str:
    cache_database.create_schema(url)
    cache_database.import_csvs(url, csv_dir)
    cache_database.create_indexes(url)
    cache_database.dedup(url)
    return url


@pytest.fixture(scope="module")
def sample_csvs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contract_csvs")
    convert_dump(SAMPLE_2020, out)
    return out


def test_built_cache_has_the_contract_schema(pg_factory: Callable[[], str], sample_csvs: Path) -> None:
    ours = built_cache(pg_factory(), sample_csvs)
    contract = pg_factory()
    apply_sql(contract, SCHEMAS / "discogs_cache.sql")
    assert_contract_shape(ours, contract)
    with psycopg.connect(ours) as conn:
        sources = conn.execute("SELECT DISTINCT source FROM cache_metadata").fetchall()
        untitled = conn.execute("SELECT count(*) FROM release_track WHERE title = ''").fetchone()
    assert sources == [("bulk_import",)]
    assert untitled is not None and untitled[0] > 0  # headings without title keep their rows


EARLIER_ROWS = [
    "INSERT INTO release VALUES (10, 'Homogenic', 1997, 'UK', NULL, 5), (11, NULL, NULL, NULL, NULL, NULL)",
    "INSERT INTO release_artist VALUES (10, 'Björk', false), (10, 'Mark Bell', true), (11, 'Someone', false)",
    "INSERT INTO release_label VALUES (10, 'One Little Indian', 'TPLP71')",
    "INSERT INTO release_track VALUES (10, 1, '1', 'Hunter', '4:15'), (10, 2, NULL, NULL, NULL),"
    " (10, 3, '3', 'Jóga', '5:05')",
    "INSERT INTO release_track_artist VALUES (10, 3, 'Björk')",
    "INSERT INTO cache_metadata (release_id, source) VALUES (10, 'bulk_import'), (11, 'api')",
]


def test_migration_converts_a_cache_of_the_earlier_version(pg_factory: Callable[[], str]) -> None:
    earlier, contract = pg_factory(), pg_factory()
    apply_sql(earlier, SCHEMAS / "earlier_discogsography.sql")
    apply_sql(contract, SCHEMAS / "discogs_cache.sql")
    with psycopg.connect(earlier) as conn:
        for statement in EARLIER_ROWS:
            conn.execute(statement.encode())
    # what a consumer query meets there
    with psycopg.connect(earlier) as conn, pytest.raises(psycopg.errors.UndefinedFunction):
        conn.execute("SELECT count(*) FROM release_artist WHERE extra = 0")

    migrated = CliRunner().invoke(cache, ["migrate", "--database-url", earlier])
    assert migrated.exit_code == 0, migrated.output
    assert "✅ migrate done in" in migrated.output
    assert "bigint -> integer" in migrated.output and "extra boolean -> integer 0/1" in migrated.output
    cache_database.dedup(earlier)  # the contract after dedup has no master_id
    assert_contract_shape(earlier, contract)
    with psycopg.connect(earlier) as conn:
        assert conn.execute("SELECT artist_name, extra FROM release_artist ORDER BY 1").fetchall() == [
            ("Björk", 0),
            ("Mark Bell", 1),
            ("Someone", 0),
        ]
        assert conn.execute("SELECT id, title FROM release ORDER BY id").fetchall() == [
            (10, "Homogenic"),
            (11, ""),
        ]
        assert conn.execute("SELECT sequence, title FROM release_track ORDER BY 1").fetchall() == [
            (1, "Hunter"),
            (2, ""),
            (3, "Jóga"),
        ]
        assert conn.execute("SELECT release_id, source FROM cache_metadata ORDER BY 1").fetchall() == [
            (10, "bulk_import"),
            (11, "api_fetch"),
        ]
        matches = search(conn, artist="bjork", title="homogenik")
        assert [(m.release_id, m.artists) for m in matches] == [(10, "Björk")]
        assert search(conn, track="joga")[0].track_title == "Jóga"
        conn.execute("DELETE FROM release WHERE id = 10")  # cascades reach the track artists
        assert conn.execute("SELECT count(*) FROM release_track_artist").fetchone() == (0,)
    assert cache_database.create_schema(earlier).summary() == "schema already matches the contract"


def test_migration_refuses_an_id_beyond_integer(pg_factory: Callable[[], str]) -> None:
    earlier = pg_factory()
    apply_sql(earlier, SCHEMAS / "earlier_discogsography.sql")
    with psycopg.connect(earlier) as conn:
        conn.execute("INSERT INTO release (id, title) VALUES (3000000000, 'x')")
    with pytest.raises(Exception, match=r"release\.id holds 3000000000"):
        cache_database.create_schema(earlier)
    assert columns(earlier)[("release", "id")][0] == "bigint"  # nothing half done


# --- the consumer queries of docs/cache.md, with asyncpg -----------------------------------------


def documented_queries() -> dict[str, str]:
    """Every SQL block of the "Lookup SQL for other services" section, by its `-- name:` line."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Lookup SQL for other services") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```sql\n-- (\w+):[^\n]*\n(.*?)```", section, flags=re.S)
    return dict(blocks)


def copy_into(source: str, target: str) -> None:
    """Fills another cache database with our cache's rows (the columns both have). Text COPY, so
    the earlier schema's bigint and boolean columns take our integers (boolean reads '0'/'1')."""
    mine, their = columns(source), columns(target)
    with psycopg.connect(source) as src, psycopg.connect(target) as dst:
        for table in CONTRACT_TABLES:
            names = [c for t, c in sorted(their) if t == table and (t, c) in mine]
            cols = sql.SQL(", ").join(map(sql.Identifier, names))
            out = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(cols, sql.Identifier(table))
            into = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), cols)
            with src.cursor().copy(out) as reader, dst.cursor().copy(into) as writer:
                for block in reader:
                    writer.write(block)
        dst.execute("ANALYZE")


def to_asyncpg(url: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"postgresql://{info.get('user', 'postgres')}@{info['host']}:{info.get('port', 5432)}/{info['dbname']}"


async def run_consumer_queries(url: str) -> dict[str, object]:
    queries = documented_queries()
    conn = await asyncpg.connect(to_asyncpg(url))
    try:
        # A known release of the sample and one of its tracks, chosen with plain SQL.
        release = await conn.fetchrow(
            "SELECT r.id, r.title, a.artist_name FROM release r"
            " JOIN release_artist a ON a.release_id = r.id AND a.extra = 0 WHERE r.id = 1586364"
        )
        assert release is not None
        track = await conn.fetchrow(
            "SELECT sequence, title FROM release_track WHERE release_id = $1 AND title <> ''"
            " ORDER BY sequence LIMIT 1",
            release["id"],
        )
        assert track is not None
        credit = await conn.fetchrow(
            "SELECT release_id, track_sequence, artist_name FROM release_track_artist"
            " ORDER BY release_id, track_sequence LIMIT 1"
        )
        assert credit is not None
        results: dict[str, object] = {}
        # misspelled and without accents, as a listener writes it
        album = await conn.fetch(queries["album_lookup"], "banlieu rouje", "sous un ciel ecarlatte")
        assert album[0]["id"] == release["id"] and album[0]["artists"] == release["artist_name"]
        results["album_lookup"] = [(r["id"], r["title"], r["artists"]) for r in album]
        tracks = await conn.fetch(queries["track_search"], track["title"])
        assert release["id"] in {r["id"] for r in tracks}
        results["track_search"] = [(r["id"], r["track"]) for r in tracks]
        valid = await conn.fetchrow(queries["track_validation"], release["id"], track["title"].lower())
        assert valid is not None and valid["sequence"] == track["sequence"]
        not_on_it = await conn.fetchrow(queries["track_validation"], release["id"], "zzzz qqqq xxxx")
        assert not_on_it is None
        results["track_validation"] = valid["sequence"]
        on_compilation = await conn.fetch(
            queries["compilation_track_artist"], credit["release_id"], credit["artist_name"]
        )
        assert credit["track_sequence"] in {r["sequence"] for r in on_compilation}
        results["compilation_track_artist"] = [r["sequence"] for r in on_compilation]
        artwork = await conn.fetchrow(queries["artwork_url"], release["id"])
        assert artwork is not None and artwork["artwork_url"] is None  # dumps carry none
        await conn.execute("UPDATE release SET artwork_url = 'https://i.discogs.com/x.jpg' WHERE id = $1", 1)
        stored = await conn.fetchrow(queries["artwork_url"], 1)
        assert stored is not None and stored["artwork_url"] == "https://i.discogs.com/x.jpg"
        results["artwork_url"] = artwork["title"]
        fresh = await conn.fetchrow(queries["freshness"], release["id"])
        assert fresh is not None and fresh["source"] == "bulk_import" and fresh["last_validated"] is None
        assert fresh["age"] < datetime.timedelta(hours=1)
        stale_now = await conn.fetchval(queries["stale_bulk_rows"], datetime.timedelta(0))
        stale_later = await conn.fetchval(queries["stale_bulk_rows"], datetime.timedelta(days=30))
        assert stale_now > 0 and stale_later == 0
        await conn.execute(queries["mark_api_fetch"], release["id"])
        refreshed = await conn.fetchrow(queries["freshness"], release["id"])
        assert refreshed is not None and refreshed["source"] == "api_fetch"
        assert refreshed["last_validated"] is not None
        results["stale_bulk_rows"] = stale_now
        return results
    finally:
        await conn.close()


async def test_consumer_queries_with_asyncpg_on_ours_discogs_cache_and_a_migrated_cache(
    pg_factory: Callable[[], str], sample_csvs: Path
) -> None:
    assert set(documented_queries()) == {
        "album_lookup",
        "track_search",
        "track_validation",
        "compilation_track_artist",
        "artwork_url",
        "freshness",
        "stale_bulk_rows",
        "mark_api_fetch",
    }
    ours = built_cache(pg_factory(), sample_csvs)
    theirs = pg_factory()
    apply_sql(theirs, SCHEMAS / "discogs_cache.sql")
    copy_into(ours, theirs)
    # a cache discogs-cache built is in the contract's shape already: create-schema changes nothing
    assert cache_database.create_schema(theirs).summary() == "schema already matches the contract"
    # and a cache of our earlier schema, migrated
    earlier = pg_factory()
    apply_sql(earlier, SCHEMAS / "earlier_discogsography.sql")
    copy_into(ours, earlier)
    cache_database.create_schema(earlier)
    expected = await run_consumer_queries(ours)
    assert await run_consumer_queries(theirs) == expected
    assert await run_consumer_queries(earlier) == expected
    # and `cache search`, on all three
    for url in (ours, theirs, earlier):
        with psycopg.connect(url) as conn:
            assert (
                search(conn, artist="banlieu rouje", title="sous un ciel ecarlatte")[0].release_id == 1586364
            )
            assert search(conn, artist="banlieue rouge")[0].artists == "Banlieue Rouge"
            assert search(conn, title="sous un ciel ecarlate")[0].release_id == 1586364
            assert search(conn, track="ostermalm", artist="persuader")
