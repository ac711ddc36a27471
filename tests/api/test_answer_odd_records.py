"""Hand-written records the samples may not hold: missing keys, nulls, odd dates, older shapes."""

from __future__ import annotations

from typing import Any

import pytest

from discogsography.api import artist_answer, label_answer, master_answer, release_answer
from discogsography.api.answer_links import Links, slug
from discogsography.api.answer_models import Artist, Label, Master, Release, SearchResult
from discogsography.api.answer_parts import artists_display, track_type
from discogsography.api.release_answer import released_formatted
from tests.api.test_answer_mapping import assert_valid

LINKS = Links("http://api.test")


def test_a_release_with_nothing_but_its_id() -> None:
    answer = release_answer.release({"id": 7}, LINKS)
    assert_valid(Release, answer)
    assert answer["year"] == 0
    assert answer["title"] == ""
    assert answer["artists"] == answer["tracklist"] == answer["labels"] == []
    assert answer["format_quantity"] == 0
    for absent in ("master_id", "master_url", "released", "released_formatted", "notes"):
        assert absent not in answer
    assert answer["uri"] == "https://www.discogs.com/release/7"
    assert_valid(SearchResult, release_answer.search_result({"id": 7}, LINKS))


def test_a_release_of_nulls_and_empty_containers() -> None:
    record: dict[str, Any] = {
        "id": 8,
        "artists": None,
        "extraartists": {"artist": [None]},
        "labels": {"label": [None, {"name": "Svek", "id": "5", "catno": None}]},
        "formats": {"format": [{"name": "CD", "qty": "9" * 64, "descriptions": None, "text": None}]},
        "tracklist": {"track": [None, {"title": None, "position": None, "duration": None}]},
        "videos": {"video": [{"src": "u", "duration": "x", "embed": "false", "description": None}]},
        "identifiers": None,
        "master_id": {"#text": "0", "is_main_release": "false"},
        "released": "0",
        "title": None,
        "notes": None,
    }
    answer = release_answer.release(record, LINKS)
    assert_valid(Release, answer)
    assert answer["labels"] == [
        {
            "name": "Svek",
            "catno": "",
            "entity_type": "1",
            "entity_type_name": "Label",
            "id": 5,
            "resource_url": "http://api.test/labels/5",
        }
    ]
    assert answer["formats"] == [{"name": "CD", "qty": "9" * 64}]
    # A quantity no JSON reader could hold as an int counts as unknown.
    assert answer["format_quantity"] == 0
    assert answer["tracklist"] == [{"position": "", "type_": "heading", "title": "", "duration": ""}]
    assert answer["videos"] == [{"uri": "u", "title": "", "description": "", "duration": 0, "embed": False}]
    assert answer["year"] == 0
    assert answer["released"] == "0"
    assert "master_id" not in answer
    assert "notes" not in answer
    found = release_answer.search_result(record, LINKS)
    assert_valid(SearchResult, found)
    assert (found["master_id"], found["master_url"]) == (0, None)
    assert "year" not in found


def test_a_release_with_a_master_and_credits_of_2025() -> None:
    record = {
        "id": 9,
        "title": "T",
        "released": "2001-11-05",
        "master_id": {"#text": "44", "is_main_release": "true"},
        "artists": {"artist": [{"name": "A (2)", "id": "1", "join": "&"}, {"name": "B", "anv": "Bee"}]},
    }
    answer = release_answer.release(record, LINKS)
    assert_valid(Release, answer)
    assert (answer["master_id"], answer["master_url"]) == (44, "http://api.test/masters/44")
    assert answer["released_formatted"] == "05 Nov 2001"
    assert answer["year"] == 2001
    assert answer["artists"][1] == {
        "name": "B",
        "anv": "Bee",
        "join": "",
        "role": "",
        "tracks": "",
        "id": 0,
        "resource_url": "",
    }
    assert answer["artists_sort"] == "A & B"
    assert answer["uri"] == "https://www.discogs.com/release/9-A-Bee-T"
    assert release_answer.search_result(record, LINKS)["title"] == "A & Bee - T"


@pytest.mark.parametrize(
    ("released", "formatted"),
    [
        ("1999-03-00", "Mar 1999"),
        ("1999-03-15", "15 Mar 1999"),
        ("1999-00-00", "1999"),
        ("1999", "1999"),
        ("199?", "199?"),
        ("", ""),
    ],
)
def test_released_formatted(released: str, formatted: str) -> None:
    assert released_formatted(released) == formatted


def test_track_types_follow_the_shape() -> None:
    assert track_type({"position": "A1", "title": "x", "duration": "3:00"}) == "track"
    assert track_type({"position": None, "title": "Side A", "duration": None}) == "heading"
    assert track_type({"title": "Untitled", "duration": "1:00"}) == "track"
    index = {"position": "3", "title": "Suite", "sub_tracks": {"track": [{"position": "3a", "title": "i"}]}}
    assert track_type(index) == "index"


def test_artists_display_joins() -> None:
    record = {
        "artists": {
            "artist": [
                {"name": "A", "join": ","},
                {"name": "B (12)", "join": "Feat."},
                {"name": "C", "anv": "See", "join": None},
            ]
        }
    }
    assert artists_display(record) == "A, B Feat. See"
    assert artists_display({}) == ""


def test_a_master_without_its_main_release() -> None:
    answer = master_answer.master({"id": 3, "main_release": None, "year": "0"}, LINKS, None)
    assert_valid(Master, answer)
    assert (answer["year"], answer["main_release"], answer["tracklist"]) == (0, 0, [])
    assert "notes" not in answer
    assert "year" not in master_answer.search_result({"id": 3}, LINKS)


def test_an_artist_of_older_shapes() -> None:
    record = {
        "id": 2,
        "name": "Mr. James Barth & A.D.",
        "members": {"id": ["26", "27"], "name": [{"#text": "Alexi Delano", "id": "26"}, "No Id"]},
        "aliases": {"name": [None]},
        "groups": {"name": [{"#text": "G", "id": "9", "active": "false"}]},
        "profile": None,
        "urls": {"url": [None, "http://a"]},
    }
    answer = artist_answer.artist(record, LINKS)
    assert_valid(Artist, answer)
    assert answer["members"] == [
        {"id": 26, "name": "Alexi Delano", "resource_url": "http://api.test/artists/26"}
    ]
    assert answer["aliases"] == []
    assert answer["groups"][0]["active"] is False
    assert answer["urls"] == ["http://a"]
    assert answer["profile"] == ""
    assert "realname" not in answer
    assert answer["uri"] == "https://www.discogs.com/artist/2-Mr-James-Barth-AD"


def test_a_label_of_older_shapes() -> None:
    record = {
        "id": 212,
        "sublabels": {"label": [None, "Bare Name", {"id": "3", "#text": "Three"}]},
        "parentLabel": "Bare Parent",
        "urls": None,
    }
    answer = label_answer.label(record, LINKS)
    assert_valid(Label, answer)
    assert answer["name"] == ""
    assert answer["sublabels"] == [{"id": 3, "name": "Three", "resource_url": "http://api.test/labels/3"}]
    assert "parent_label" not in answer
    assert answer["uri"] == "https://www.discogs.com/label/212"
    assert label_answer.label({"id": 1, "sublabels": {"label": [None, None]}}, LINKS)["sublabels"] == []


def test_a_label_release_of_another_label_has_no_catno() -> None:
    record = {"id": 1, "labels": {"label": [{"id": "5", "catno": "SK032", "name": "Svek"}]}}
    assert label_answer.label_release(record, LINKS, 6)["catno"] == ""
    assert label_answer.label_release(record, LINKS, 5)["catno"] == "SK032"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("The Persuader - Stockholm", "The-Persuader-Stockholm"),
        ("AC/DC", "ACDC"),
        ("Guns N' Roses", "Guns-N-Roses"),
        ("Chris Bigg (2)", "Chris-Bigg-2"),
        ("snake_case  --  x", "snakecase-x"),
        ("...", ""),
    ],
)
def test_slugs(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_links() -> None:
    links = Links("http://127.0.0.1:8080/")
    assert links.release(1) == "http://127.0.0.1:8080/releases/1"
    assert links.master(2) == "http://127.0.0.1:8080/masters/2"
    assert links.artist(3) == "http://127.0.0.1:8080/artists/3"
    assert links.label(4) == "http://127.0.0.1:8080/labels/4"
    assert links.master_versions(2) == "http://127.0.0.1:8080/masters/2/versions"
    assert links.artist_releases(3) == "http://127.0.0.1:8080/artists/3/releases"
    assert links.label_releases(4) == "http://127.0.0.1:8080/labels/4/releases"
    assert (
        links.uri("artist", 239, "Jesper Dahlbäck")
        == "https://www.discogs.com/artist/239-Jesper-Dahlb%C3%A4ck"
    )
    assert links.web_path("label", 5, "Svek") == "/label/5-Svek"
