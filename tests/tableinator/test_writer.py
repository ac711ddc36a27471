"""The writer against the real PostgreSQL: lossless, idempotent, updates with their link rows."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.relational.copy_writer import KindWriter, dedupe, is_transient
from discogsography.relational.migrations import ensure_schema, migrations, schema_version
from discogsography.relational.table_rows import build_rows
from discogsography.relational.tables import TABLES

pytestmark = pytest.mark.postgres

Conn = psycopg.Connection[tuple[Any, ...]]


def _write(db: Conn, kind: Kind, records: list[dict[str, Any]], batch: int = 250) -> tuple[int, int]:
    writer = KindWriter(db, kind)
    records_total = changed_total = 0
    for start in range(0, len(records), batch):
        result = writer.write(build_rows(kind, record) for record in records[start : start + batch])
        records_total += result.records
        changed_total += result.changed
    return records_total, changed_total


def _load_all(db: Conn, samples: dict[Kind, list[ParsedRecord]]) -> None:
    for kind, parsed in samples.items():
        _write(db, kind, [p.data for p in parsed])


def test_schema_is_idempotent_and_matches_the_row_builders(db: Conn, pg_conninfo: str) -> None:
    with psycopg.connect(pg_conninfo) as conn:
        assert ensure_schema(conn) == []  # already there: nothing applied again
        assert schema_version(conn) == len(migrations())
    for tables in TABLES.values():
        for name, columns in [(tables.table, tables.columns)] + [
            (link.name, link.columns) for link in tables.links
        ]:
            found = {
                row[0]
                for row in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (name,)
                )
            }
            assert set(columns) <= found, name
    indexes = {row[0] for row in db.execute("SELECT indexname FROM pg_indexes WHERE schemaname='public'")}
    assert {"releases_year", "releases_genres", "releases_styles", "releases_title_trgm"} <= indexes


def test_every_sample_record_lands_exactly_once_with_its_data_and_typed_columns(
    db: Conn, samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    _load_all(db, samples_2020)
    for kind, parsed in samples_2020.items():
        tables = TABLES[kind]
        stored = {
            row[0]: row for row in db.execute(f"SELECT {', '.join(tables.all_columns)} FROM {tables.table}")
        }
        assert len(stored) == len(parsed)
        for record in parsed:
            row = stored[record.id]
            named = dict(zip(tables.all_columns, row, strict=True))
            assert named["data"] == record.data
            assert named["hash"] == record.sha256
            expected = dict(zip(tables.columns, build_rows(kind, record.data).row, strict=True))
            for column in tables.columns:
                if column != "data":
                    assert named[column] == expected[column], (kind, record.id, column)
            if kind == Kind.RELEASES:  # computed by the server: the record's lists, NULL when empty
                for column, container, tag in (
                    ("formats", "formats", "format"),
                    ("tracklist", "tracklist", "track"),
                ):
                    value = record.data.get(container)
                    children = (value.get(tag) if isinstance(value, dict) else None) or None
                    assert named[column] == children, (record.id, column)
    # Independent spot checks, straight from the records.
    stockholm = db.execute(
        "SELECT title, year, country, genres, formats FROM releases WHERE id = 1"
    ).fetchone()
    assert stockholm is not None
    assert stockholm[:4] == ("Stockholm", 1999, "Sweden", ["Electronic"])
    assert stockholm[4][0]["qty"] == "2"
    persuader_aliases = db.execute("SELECT count(*) FROM artist_aliases WHERE artist_id = 1").fetchone()
    assert persuader_aliases == (7,)


def test_links_count_what_the_records_list(db: Conn, samples_2020: dict[Kind, list[ParsedRecord]]) -> None:
    _load_all(db, samples_2020)
    expected_labels = sum(
        len((p.data.get("labels") or {}).get("label", [])) for p in samples_2020[Kind.RELEASES]
    )
    expected_credits = sum(
        len((p.data.get(key) or {}).get("artist", []))
        for p in samples_2020[Kind.RELEASES]
        for key in ("artists", "extraartists")
    )
    assert db.execute("SELECT count(*) FROM release_labels").fetchone() == (expected_labels,)
    assert db.execute("SELECT count(*) FROM release_artists").fetchone() == (expected_credits,)


def test_rewriting_unchanged_records_changes_nothing(
    db: Conn, samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    releases = [p.data for p in samples_2020[Kind.RELEASES]]
    assert _write(db, Kind.RELEASES, releases) == (len(releases), len(releases))
    before = db.execute("SELECT id, xmin::text, updated_at FROM releases ORDER BY id").fetchall()
    links_before = db.execute("SELECT xmin::text FROM release_labels ORDER BY 1").fetchall()
    assert _write(db, Kind.RELEASES, releases, batch=97) == (len(releases), 0)
    assert db.execute("SELECT id, xmin::text, updated_at FROM releases ORDER BY id").fetchall() == before
    assert db.execute("SELECT xmin::text FROM release_labels ORDER BY 1").fetchall() == links_before


def test_a_new_hash_updates_the_row_and_replaces_its_link_rows(db: Conn) -> None:
    first = {
        "id": 50,
        "sha256": "a" * 64,
        "title": "Old",
        "released": "1990",
        "labels": {
            "label": [{"name": "L1", "catno": "1", "id": "10"}, {"name": "L2", "catno": "2", "id": "11"}]
        },
        "artists": {"artist": [{"id": "1", "name": "A"}]},
    }
    second = {
        "id": 50,
        "sha256": "b" * 64,
        "title": "New",
        "released": "1991-02-03",
        "labels": {"label": [{"name": "L3", "catno": "3", "id": "12"}]},
    }
    assert _write(db, Kind.RELEASES, [first]) == (1, 1)
    assert _write(db, Kind.RELEASES, [second]) == (1, 1)
    assert db.execute("SELECT title, year, hash, data FROM releases").fetchall() == [
        ("New", 1991, "b" * 64, second)
    ]
    assert db.execute("SELECT label_id, label_name FROM release_labels").fetchall() == [(12, "L3")]
    assert db.execute("SELECT count(*) FROM release_artists").fetchone() == (0,)


def test_within_a_batch_the_last_record_of_an_id_wins(db: Conn) -> None:
    records = [
        {"id": 1, "sha256": "1", "name": "first"},
        {"id": 2, "sha256": "2", "name": "other"},
        {"id": 1, "sha256": "3", "name": "last"},
    ]
    assert [r.id for r in dedupe(build_rows(Kind.LABELS, r) for r in records)] == [1, 2]
    assert _write(db, Kind.LABELS, records) == (2, 2)
    assert db.execute("SELECT id, name FROM labels ORDER BY id").fetchall() == [(1, "last"), (2, "other")]


def test_2025_records_and_a_64_digit_quantity_are_stored(
    db: Conn, samples_2025: dict[Kind, list[ParsedRecord]]
) -> None:
    _load_all(db, samples_2025)
    for kind, parsed in samples_2025.items():
        assert db.execute(f"SELECT count(*) FROM {TABLES[kind].table}").fetchone() == (len(parsed),)
    huge = {"id": 77, "sha256": "q", "formats": {"format": [{"name": "CD", "qty": "9" * 64}]}}
    _write(db, Kind.RELEASES, [huge])
    assert db.execute("SELECT formats->0->>'qty', data FROM releases WHERE id = 77").fetchone() == (
        "9" * 64,
        huge,
    )


def test_unstorable_data_fails_the_batch_as_a_permanent_error(db: Conn) -> None:
    good = {"id": 1, "sha256": "g", "name": "good"}
    bad = {"id": 2, "sha256": "b", "name": "nul \x00 inside"}
    with pytest.raises(psycopg.Error) as caught:
        _write(db, Kind.LABELS, [good, bad])
    assert not is_transient(caught.value)
    assert db.execute("SELECT count(*) FROM labels").fetchone() == (0,)  # nothing half-written
    assert _write(db, Kind.LABELS, [good]) == (1, 1)  # the connection is still usable


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ({"format": [{"name": "CD"}]}, [{"name": "CD"}]),
        ({"format": {"name": "CD"}}, [{"name": "CD"}]),
        ({"format": "CD"}, ["CD"]),
        ({"format": []}, None),
        ({"format": None}, None),
        ({}, None),
        ("odd", None),
        (["odd"], None),
        (None, None),
    ],
)
def test_derived_list_columns_read_odd_shapes_like_rows_items(
    db: Conn, container: Any, expected: Any
) -> None:
    from discogsography.fields import items

    record = {"id": 5, "sha256": "h", "formats": container}
    _write(db, Kind.RELEASES, [record])
    assert db.execute("SELECT formats FROM releases WHERE id = 5").fetchone() == (expected,)
    assert (items(container, "format") or None) == expected


def test_an_id_inserted_concurrently_falls_back_to_the_upsert(db: Conn, pg_conninfo: str) -> None:
    """Another writer commits id 1 between our lookup and our COPY: the batch is still stored."""
    import threading

    ours = [{"id": 1, "sha256": "ours", "name": "ours"}, {"id": 2, "sha256": "two", "name": "two"}]
    with psycopg.connect(pg_conninfo) as other:
        other.execute("INSERT INTO labels (id, name, data, hash) VALUES (1, 'theirs', '{}', 'theirs')")
        # Their transaction is open: our lookup cannot see id 1 and our COPY waits on its lock.
        timer = threading.Timer(0.5, other.commit)
        timer.start()
        try:
            assert _write(db, Kind.LABELS, ours) == (2, 2)
        finally:
            timer.join()
    assert db.execute("SELECT id, name, hash FROM labels ORDER BY id").fetchall() == [
        (1, "ours", "ours"),
        (2, "two", "two"),
    ]


def test_the_derived_list_columns_inline_their_function(db: Conn) -> None:
    # Inlined, discogs_items costs the server no function call per release (ddl.sql, migration 5).
    plan = db.execute(
        "EXPLAIN VERBOSE SELECT discogs_items(data -> 'formats', 'format') FROM releases"
    ).fetchall()
    output = " ".join(line for (line,) in plan if "Output:" in line)
    assert "CASE" in output and "discogs_items" not in output, output


def test_searched_names_and_titles_are_sampled_ten_times_wider(db: Conn) -> None:
    # The planner's estimate of a search word's matches decides between the trigram index and a
    # walk of the primary key (ddl.sql, migration 7).
    targets = db.execute(
        "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a"
        " JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE (c.relname, a.attname) IN (('releases', 'title'), ('masters', 'title'),"
        " ('artists', 'name'), ('labels', 'name'), ('releases', 'country'))"
    ).fetchall()
    assert sorted(targets) == [
        ("artists", "name", 1000),
        ("labels", "name", 1000),
        ("masters", "title", 1000),
        ("releases", "country", -1),  # the default for every other column
        ("releases", "title", 1000),
    ]


def _migrate_at_once(conninfo: str, services: int) -> tuple[list[list[int]], list[BaseException]]:
    """``ensure_schema`` from ``services`` threads released together: what each applied, and
    what failed."""
    start = threading.Barrier(services)
    applied: list[list[int]] = []
    failures: list[BaseException] = []

    def migrate() -> None:
        try:
            with psycopg.connect(conninfo) as conn:
                start.wait(10)
                applied.append(ensure_schema(conn))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(services)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return applied, failures


def test_services_starting_at_once_on_an_empty_database_migrate_it_once() -> None:
    """Several services migrating one empty database at the same moment: each gets the schema,
    none fails on the catalog (the lock is taken before the first CREATE)."""
    from tests.tableinator.conftest import admin_conninfo, create_database, drop_database

    for _ in range(5):
        name = create_database()
        try:
            applied, failures = _migrate_at_once(admin_conninfo(name), 4)
            assert failures == []
            assert sorted(len(versions) for versions in applied) == [0, 0, 0, len(migrations())]
        finally:
            drop_database(name)
