"""What the old tool offered around dedup and verify: label-aware dedup (a labels file or the
catalog's labels), remembered decisions for REVIEW releases, the verify report and the size report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from discogsography.cache import cache_database
from discogsography.cache.cache_errors import CacheError
from discogsography.cache.decisions import Decisions, load_decisions
from discogsography.cache.labels import (
    LabelPreferences,
    read_catalog_labels,
    read_labels_file,
    write_labels_file,
)
from discogsography.cache.normalize import artist_key
from discogsography.cache.report import ReviewEntry, format_report, human_bytes, size_report
from discogsography.cache.verify import verify
from tests.cache.cache_testdata import make_library_db
from tests.cache.test_cache_postgres import write_tables

# --- label-aware dedup ------------------------------------------------------------------------


def test_label_preferences_match_by_keys() -> None:
    prefs = LabelPreferences(
        [("Persuader, The", "Stockholm", "Svek"), ("Timo Maas feat. Kelis", "Help Me", "Perfecto Records")]
    )
    assert prefs.matches(["The Persuader"], "Stockholm", ["SVEK", "Other"])
    assert prefs.matches(["Timo Maas", "Kelis"], "Help Me", ["Perfecto  Records"])
    assert not prefs.matches(["The Persuader"], "Stockholm", ["Other"])
    assert not prefs.matches(["The Persuader"], "Another Title", ["Svek"])
    assert len(LabelPreferences([("", "x", "y"), ("a", "b", " ")])) == 0


def test_labels_file_round_trip_and_header_check(tmp_path: Path) -> None:
    path = tmp_path / "library_labels.csv"
    written = write_labels_file(
        path, [("Björk", "Post", "One Little Indian"), ("A", "B", "C"), ("A", "B", "C")]
    )
    assert written == 2
    assert read_labels_file(path) == [("A", "B", "C"), ("Björk", "Post", "One Little Indian")]
    bad = tmp_path / "bad.csv"
    bad.write_text("artist,title,label\nA,B,C\n", encoding="utf-8")
    with pytest.raises(CacheError, match="is not 'artist_name,release_title,label_name'"):
        read_labels_file(bad)


@pytest.mark.postgres
def test_dedup_prefers_the_library_label(pg_factory: Callable[[], str], tmp_path: Path) -> None:
    # master 10: 100 is US with more tracks; 101 is on the label the library holds
    releases = [(100, "US", 10, 5, "Big Major"), (101, "UK", 10, 2, "Svek"), (102, "UK", 10, 2, "Other")]
    rows: dict[str, list[list[object]]] = {
        "release": [],
        "release_artist": [],
        "release_label": [],
        "release_track": [],
    }
    for release_id, country, master, tracks, label in releases:
        rows["release"].append([release_id, "Stockholm", 1997, country, "", master])
        rows["release_artist"].append([release_id, "The Persuader", "0"])
        rows["release_label"].append([release_id, label, "SK01"])
        rows["release_track"] += [[release_id, n, f"A{n}", f"t{n}", ""] for n in range(1, tracks + 1)]
    write_tables(tmp_path / "csv", rows)
    survivors = []
    for preferences in (None, LabelPreferences([("Persuader, The", "Stockholm", "SVEK")])):
        url = pg_factory()
        cache_database.create_schema(url)
        cache_database.import_csvs(url, tmp_path / "csv")
        result = cache_database.dedup(url, preferences)
        with psycopg.connect(url) as conn:
            survivors.append([r[0] for r in conn.execute("SELECT id FROM release")])
        summary = result.summary()
    assert survivors == [[100], [101]]
    assert "1 on the library's label (preferred)" in summary


@pytest.mark.mysql
def test_labels_from_the_catalog(mysql_catalog: Callable[[list[str]], str]) -> None:
    url = mysql_catalog(
        [
            "INSERT INTO LIBRARY_CODE VALUES (1, 'The Persuader'), (2, 'Björk'), (3, NULL)",
            "INSERT INTO LIBRARY_RELEASE VALUES (10, 1, 'Stockholm', NULL), (11, 2, 'Post', ''),"
            " (12, 3, 'Nameless', NULL), (13, 2, NULL, NULL)",
            "INSERT INTO FLOWSHEET_ENTRY_PROD (LIBRARY_RELEASE_ID, LABEL_NAME) VALUES (10, 'Svek'),"
            " (10, 'Svek'), (11, 'One Little Indian'), (11, ''), (11, NULL), (12, 'X'), (13, 'Y'),"
            " (0, 'Z'), (999, 'Deleted Release')",
        ]
    )
    assert read_catalog_labels(url) == [
        ("Björk", "Post", "One Little Indian"),
        ("The Persuader", "Stockholm", "Svek"),
    ]


# --- remembered decisions -----------------------------------------------------------------------


def test_decisions_by_artist_key(tmp_path: Path) -> None:
    decisions = Decisions.from_mapping(
        {"keep": {"Beatles, The": "The Beatles"}, "prune": {"Nirvana (2)": None}}
    )
    assert decisions.decide([artist_key("The Beatles")]) == "keep"
    assert decisions.decide([artist_key("Nirvana")]) == "prune"
    assert decisions.decide(["someone"]) is None
    assert len(load_decisions(tmp_path / "missing.json")) == 0
    broken = tmp_path / "broken.json"
    broken.write_text("{keep", encoding="utf-8")
    with pytest.raises(CacheError, match="not a mappings file"):
        load_decisions(broken)


def test_report_format() -> None:
    review = [
        ReviewEntry("Neil Young", 7, "Harvest Moon", 73.7, "harvest"),
        ReviewEntry("Neil Young", 3, "Harvest Live", 70.0, "harvest"),
        ReviewEntry("Beatles", 9, "Revolution", 66.7, "revolver"),
    ]
    text = format_report({"KEEP": 5, "REVIEW": 3, "PRUNE": 2}, {"keep": 1}, review, [], pruned=False)
    lines = text.splitlines()
    assert lines[1] == "  KEEP 5, REVIEW 3, PRUNE 2 (by the mappings file: keep 1, prune 0)"
    assert lines[3].startswith("    Beatles (1): 9 'Revolution' 67 ~ 'revolver'")
    assert lines[4].startswith("    Neil Young (2): 3 'Harvest Live' 70")
    assert lines[-1].startswith("  pruning would delete 0 rows")
    assert human_bytes(1536) == "1.5 kB" and human_bytes(10) == "10 B"


@pytest.mark.postgres
def test_verify_report_and_remembered_decisions(pg_url: str, tmp_path: Path) -> None:
    releases = [
        (1, "Stockholm", "The Persuader"),  # REVIEW: a title like the library's
        (2, "Stockholm Syndrome Sessions", "The Persuader"),  # KEEP: the library's title inside
        (3, "Something Else", "Nobody"),
        (4, "Other Record", "Nobody"),
    ]
    rows: dict[str, list[list[object]]] = {"release": [], "release_artist": [], "release_track": []}
    for release_id, title, artist in releases:
        rows["release"].append([release_id, title, 2000, "US", "", ""])
        rows["release_artist"].append([release_id, artist, "0"])
        rows["release_track"] += [[release_id, n, f"A{n}", f"t{n}", ""] for n in (1, 2, 3)]
    write_tables(tmp_path / "csv", rows)
    cache_database.create_schema(pg_url)
    cache_database.import_csvs(pg_url, tmp_path / "csv")
    cache_database.dedup(pg_url)
    library = make_library_db(tmp_path / "library.db", [("Persuader, The", "Stockholm Syndrome")])
    mappings = tmp_path / "artist_mappings.json"

    first = verify(pg_url, library, mappings_file=mappings)
    assert first.summary() == "4 releases: KEEP 1, REVIEW 1, PRUNE 2 (dry run)"
    report = first.report()
    assert "REVIEW by artist (1 artists; decide them in the mappings file):" in report
    assert "The Persuader (1): 1 'Stockholm' 67 ~ 'stockholm syndrome'" in report
    # two PRUNE releases: 2 release rows, 2 artists, 6 tracks, 2 metadata rows
    assert "pruning would delete 12 rows, about" in report
    assert "release 2 (" in report and "release_track 6 (" in report

    # the operator decides the REVIEW artist once; the next run applies it
    mappings.write_text(
        json.dumps({"keep": {"The Persuader": "Persuader, The"}, "prune": {}}), encoding="utf-8"
    )
    second = verify(pg_url, library, mappings_file=mappings)
    assert second.summary() == "4 releases: KEEP 2, REVIEW 0, PRUNE 2 (dry run)"
    assert "(by the mappings file: keep 1, prune 0)" in second.report()
    mappings.write_text(json.dumps({"prune": {"Persuader": None}}), encoding="utf-8")
    third = verify(pg_url, library, mappings_file=mappings, prune=True)
    assert third.summary() == "4 releases: KEEP 1, REVIEW 0, PRUNE 3 (prune); 3 pruned"
    assert "pruning deleted 18 rows" in third.report()
    with psycopg.connect(pg_url) as conn:
        # a decision settles REVIEW only: the KEEP of the same artist stays
        assert [r[0] for r in conn.execute("SELECT id FROM release")] == [2]
        report_line = size_report(conn)
    assert report_line.startswith("cache size: ") and "release 1 rows" in report_line
