"""The reading rules of record fields (discogsography.fields), edge case by edge case.

Each table is the rule; the last tests check that both callers (the tableinator's rows and the
cache builder's rows) give what the rule gives, including where they used to disagree.
"""

from __future__ import annotations

from typing import Any

import pytest

from discogsography.cache.cache_rows import credit_line, main_artist_names, release_rows
from discogsography.fields import BIGINT_MAX, items, member_ids, nested_id, text, text_id, to_id, year
from discogsography.kinds import Kind
from discogsography.relational.table_rows import build_rows
from discogsography.relational.tables import TABLES


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1999-03-00", 1999),
        ("1999", 1999),
        ("1999-00-00", 1999),
        (" 2001-01-01", 2001),  # leading whitespace is not part of the date
        ("1999?", 1999),  # four digits, then a non-digit
        ("0999", 999),
        ("19990", None),  # five digits: not the year 1999
        ("199", None),
        ("19x9", None),
        ("x1999", None),
        ("0000", None),  # unknown
        ("0000-01-01", None),
        ("0", None),  # masters' "unknown"
        ("?", None),
        ("", None),
        (" ", None),
        (None, None),
        ({"#text": "2001"}, 2001),  # an element with attributes keeps its text
        ({"when": "1999"}, None),
        (["1999"], None),  # a repeated tag is no single year
        (1999, None),  # records hold strings; an int is not the dump's text
        ("١٩٩٩", None),  # Arabic-Indic digits: int() would read them, Discogs never writes them
        ("1999٠", None),  # a digit of any script after the four makes it no year
        ("²⁰⁰¹", None),  # isdigit() is true for superscripts, int() refuses them
    ],
)
def test_year(value: Any, expected: int | None) -> None:
    assert year(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123", 123),
        (" 42 ", 42),
        ("007", 7),
        ("0" * 30 + "5", 5),  # leading zeros do not make it larger
        ("0", None),  # "no id" in older dumps
        ("0" * 30, None),
        ("", None),
        (" ", None),
        ("-5", None),
        ("+5", None),
        ("12a", None),
        ("1_000", None),  # int() would accept it
        ("1e3", None),
        ("٥", None),  # not ASCII
        ("²", None),
        ("9" * 64, None),  # does not fit bigint
        ("9" * 5000, None),  # beyond int()'s digit limit: still just None
        (str(BIGINT_MAX + 1), None),
        (str(BIGINT_MAX), BIGINT_MAX),
        (17, 17),
        (0, None),
        (-1, None),
        (BIGINT_MAX + 1, None),
        (True, None),
        (None, None),
        (["5"], None),
    ],
)
def test_to_id(value: Any, expected: int | None) -> None:
    assert to_id(value) == expected


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ({"id": "5", "name": "Svek", "catno": "SK032"}, 5),  # <label id="5" .../>
        ({"#text": "Alexi Delano", "id": "26"}, 26),  # <name id="26">Alexi Delano</name>
        ({"id": "0", "name": "C"}, None),
        ({"name": "B"}, None),  # 2025+ credits without an id
        ({"id": None}, None),  # an empty <id/>
        ({"id": "26", "name": "Alexi"}, 26),  # a credit's <id> child
        ("0282", None),  # <parentLabel>0282</parentLabel>: the label named "0282" (2017)
        ("808", None),  # <name>808</name>: an alias named "808"
        (None, None),
    ],
)
def test_nested_id(element: Any, expected: int | None) -> None:
    assert nested_id(element) == expected


@pytest.mark.parametrize(
    ("names", "bare", "expected"),
    [
        ([{"#text": "A", "id": "26"}, {"#text": "B", "id": "27"}], ["26", "27"], [26, 27]),  # 2020
        ([{"#text": "A", "id": "26"}], [], [26]),  # 2025+: no bare ids
        (["A", "B"], ["26", "27"], [26, 27]),  # 2017: paired by position
        (["A", "B"], ["26"], [None, None]),  # counts disagree: no guess
        (["A", {"#text": "B", "id": "27"}], ["26", "27"], [None, 27]),  # ids of their own win
        ([], ["26"], []),
    ],
)
def test_member_ids(names: list[Any], bare: list[Any], expected: list[int | None]) -> None:
    assert member_ids(names, bare) == expected


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ({"#text": "1660109", "is_main_release": "true"}, 1660109),
        ("1660109", 1660109),
        ({"#text": "0"}, None),
        ({"#text": None}, None),
        ({"is_main_release": "true"}, None),  # attributes, no text
        ({"#text": "x"}, None),
        ({"id": "5"}, None),  # an id attribute is not the element's text
        (None, None),
    ],
)
def test_text_id(element: Any, expected: int | None) -> None:
    assert text_id(element) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Stockholm", "Stockholm"),
        (" padded ", " padded "),  # whitespace is text, kept as the record keeps it
        (" ", " "),
        ("a\nb", "a\nb"),
        ("", None),  # an empty attribute is no value
        (None, None),  # an empty element
        ({"#text": "Puente Latino", "id": "2470"}, "Puente Latino"),
        ({"#text": ""}, None),
        ({"id": "26"}, None),  # attributes and no text
        (["a", "b"], None),  # a repeated tag is no single text
        (5, None),
    ],
)
def test_text(value: Any, expected: str | None) -> None:
    assert text(value) == expected


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ({"genre": ["Jazz", "Rock"]}, ["Jazz", "Rock"]),
        ({"genre": ["Jazz"]}, ["Jazz"]),  # the parser's form: always a list
        ({"genre": "Jazz"}, ["Jazz"]),  # a single child is a one-item list
        ({"genre": {"#text": "Jazz", "x": "1"}}, [{"#text": "Jazz", "x": "1"}]),
        ({"genre": []}, []),
        ({"genre": None}, []),
        ({"style": ["Bop"]}, []),  # another tag
        ({}, []),
        (None, []),  # an empty container (<genres/>) or a missing one
        ("Jazz", []),
        (["Jazz"], []),
    ],
)
def test_items(container: Any, expected: list[Any]) -> None:
    assert items(container, "genre") == expected


def _table_row(kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
    built = build_rows(kind, {"id": 1, "sha256": "h", **record})
    return dict(zip(TABLES[kind].columns, built.row, strict=True))


@pytest.mark.parametrize("released", ["19990", "1999-03-00", {"#text": "2001"}, "", None, "²⁰⁰¹", "0000"])
def test_both_callers_read_the_year_by_the_rule(released: Any) -> None:
    record = {"released": released}
    assert _table_row(Kind.RELEASES, record)["year"] == year(released)
    assert release_rows({"id": 1, **record}).release[2] == year(released)
    assert _table_row(Kind.MASTERS, {"year": released})["year"] == year(released)


@pytest.mark.parametrize(
    "master", [{"#text": "12"}, "12", "0", "²", str(BIGINT_MAX + 1), "0" * 30 + "12", None]
)
def test_both_callers_read_the_master_id_by_the_rule(master: Any) -> None:
    assert _table_row(Kind.RELEASES, {"master_id": master})["master_id"] == text_id(master)
    assert release_rows({"id": 1, "master_id": master}).release[5] == text_id(master)


def test_both_callers_read_names_single_children_and_empties_alike() -> None:
    record = {
        "title": {"#text": "Stockholm", "lang": "sv"},
        "country": "",
        "artists": {"artist": {"id": "1", "name": "The Persuader", "anv": None}},  # single child
        "labels": {"label": {"id": "5", "name": "Svek", "catno": ""}},
    }
    table = _table_row(Kind.RELEASES, record)
    links = build_rows(Kind.RELEASES, {"id": 1, "sha256": "h", **record}).links
    cache = release_rows({"id": 1, **record})
    assert table["title"] == cache.release[1] == "Stockholm"
    assert table["country"] is cache.release[3] is None
    assert links["release_artists"] == [(1, False, 0, 1, "The Persuader", None, None, None)]
    assert cache.artists == [(1, "The Persuader", False)]
    assert links["release_labels"] == [(1, 0, 5, "Svek", None)]
    assert cache.labels == [(1, "Svek", None)]
    assert main_artist_names(record) == ["The Persuader"]


def test_credit_line_reads_names_and_joins_by_the_rule() -> None:
    record = {"artists": {"artist": [{"name": {"#text": "Simon"}, "join": "&"}, {"name": "Garfunkel"}]}}
    assert credit_line(record) == "Simon & Garfunkel"
    assert credit_line({"artists": {"artist": [{"name": ""}, {"name": "B"}]}}) is None
