"""Record -> rows, over the real samples of both dump eras."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from discogsography.cache.cache_rows import credit_line, main_artist_names, one_line, release_rows
from discogsography.parsing import DumpParser
from tests.cache.cache_testdata import SAMPLE_2020, SAMPLE_2025


def records(path: Any) -> Iterator[dict[str, Any]]:
    for record in DumpParser(path):
        yield record.data


@pytest.fixture(scope="module")
def sample_2020() -> dict[int, dict[str, Any]]:
    return {int(data["id"]): data for data in records(SAMPLE_2020)}


def test_first_release_of_the_2020_sample(sample_2020: dict[int, dict[str, Any]]) -> None:
    rows = release_rows(sample_2020[1])
    assert rows.release == (1, "Stockholm", 1999, "Sweden", None, 1660109)
    assert rows.artists == [(1, "The Persuader", 0), (1, "Jesper Dahlbäck", 1)]
    assert rows.labels == [(1, "Svek", "SK032")]
    assert rows.tracks[0] == (1, 1, "A", "Östermalm", "4:45")
    assert [t[1] for t in rows.tracks] == [1, 2, 3, 4, 5, 6]
    assert rows.main_artist_names() == main_artist_names(sample_2020[1]) == ["The Persuader"]


def test_sub_tracks_follow_their_parent_track(sample_2020: dict[int, dict[str, Any]]) -> None:
    record = sample_2020[4497810]  # six concertos, each an index track with movements
    top = record["tracklist"]["track"]
    expected = sum(1 + len((t.get("sub_tracks") or {}).get("track", [])) for t in top)
    rows = release_rows(record)
    assert len(rows.tracks) == expected == 23
    assert [t[1] for t in rows.tracks] == list(range(1, expected + 1))
    assert rows.tracks[0][3] == "Konzert Nr. 1 Bwv 1046"
    assert rows.tracks[0][2] is None  # index tracks have no position
    first_movement = top[0]["sub_tracks"]["track"][0]
    assert rows.tracks[1][3] == first_movement["title"]


def test_release_without_released_or_master(sample_2020: dict[int, dict[str, Any]]) -> None:
    rows = release_rows(sample_2020[1586316])
    assert rows.release[2] is None
    assert rows.release[5] is None


def test_track_artists_point_at_their_track(sample_2020: dict[int, dict[str, Any]]) -> None:
    rows = release_rows(sample_2020[3])
    sequences = {t[1] for t in rows.tracks}
    assert rows.track_artists
    assert all(release_id == 3 and seq in sequences for release_id, seq, _ in rows.track_artists)
    assert (3, 1, "Heiko Laux") in rows.track_artists


@pytest.mark.parametrize("path", [SAMPLE_2020, SAMPLE_2025], ids=["2020", "2025-2026"])
def test_every_sample_release_converts(path: Any) -> None:
    seen = 0
    for data in records(path):
        rows = release_rows(data)
        seen += 1
        assert rows.release[0] == data["id"]
        assert rows.release[4] is None  # no artwork in dumps
        assert all(len(row) == 5 for row in rows.tracks)
        for row in (rows.release, *rows.artists, *rows.labels, *rows.tracks, *rows.track_artists):
            assert not any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in row)
    assert seen > 10


def test_2025_release_without_optional_fields() -> None:
    data = next(iter(records(SAMPLE_2025)))
    rows = release_rows(data)
    assert rows.release[:2] == (2323, "Polydistortion")
    assert rows.release[2] == 1997
    assert (2323, "Chris Bigg (2)", 1) in rows.artists


def test_year_and_master_id_follow_the_shared_rules() -> None:
    # The rules and their edge cases are tested in tests/test_fields.py; here, that they apply.
    rows = release_rows({"id": 2, "released": "19990", "master_id": {"#text": "0"}})
    assert rows.release[2] is None and rows.release[5] is None
    rows = release_rows(
        {"id": 2, "released": " 2001-01-01", "master_id": {"#text": "42", "is_main_release": "true"}}
    )
    assert rows.release[2] == 2001 and rows.release[5] == 42


def test_one_line() -> None:
    assert one_line("a\r\nb\nc\rd") == "a b c d"
    assert one_line("") is None
    assert one_line(None) is None
    assert one_line("plain") == "plain"


def test_odd_record_shapes_do_not_raise() -> None:
    rows = release_rows(
        {
            "id": 7,
            "title": None,
            "artists": None,
            "tracklist": {"track": [None, {"title": "x"}]},
            "labels": {"label": [{"catno": "1"}]},
            "extraartists": {"artist": [{"name": None}]},
        }
    )
    # the contract's titles are NOT NULL: a missing one is "" and the row stays
    assert rows.release == (7, "", None, None, None, None)
    assert rows.tracks == [(7, 1, None, "x", None)]
    assert rows.labels == [] and rows.artists == []


def test_track_without_title_keeps_its_row_with_empty_title() -> None:
    rows = release_rows({"id": 8, "title": "T", "tracklist": {"track": [{"position": "A1"}, {"title": "B"}]}})
    assert rows.tracks == [(8, 1, "A1", "", None), (8, 2, None, "B", None)]


def test_credit_line_joins_main_artists() -> None:
    record = {"artists": {"artist": [{"name": "Simon", "join": "&"}, {"name": "Garfunkel", "join": None}]}}
    assert credit_line(record) == "Simon & Garfunkel"
    record = {"artists": {"artist": [{"name": "A", "join": ","}, {"name": "B"}]}}
    assert credit_line(record) == "A, B"
    assert credit_line({"artists": {"artist": [{"name": "Solo"}]}}) is None
