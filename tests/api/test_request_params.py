"""Reading ids, pages and search filters: every limit a client could push against, as a 4xx."""

from __future__ import annotations

import pytest

from discogsography.api.paging import Page
from discogsography.api.request_params import (
    MAX_RECORD_ID,
    RequestError,
    SearchRequest,
    TextFilter,
    page_of,
    record_id,
    search_request,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0001", 1),
        (str(MAX_RECORD_ID), MAX_RECORD_ID),
        (str(MAX_RECORD_ID + 1), None),
        ("9" * 20, None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("", None),
        (" 1", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() but not an id
        ("\uff11", None),  # fullwidth 1
        ("abc", None),
    ],
)
def test_record_id(text: str, expected: int | None) -> None:
    assert record_id(text) == expected


def refused(call: object, status: int = 400) -> str:
    assert callable(call)
    with pytest.raises(RequestError) as raised:
        call()
    assert raised.value.status == status
    return raised.value.message


def test_pages_default_cap_and_refuse() -> None:
    assert page_of({}, 10_000) == Page(1, 50)
    assert page_of({"page": "3", "per_page": "7"}, 10_000) == Page(3, 7)
    assert page_of({"page": "", "per_page": ""}, 10_000) == Page(1, 50)
    assert page_of({"per_page": "1000"}, 10_000) == Page(1, 100)
    assert page_of({"page": "+2"}, 10_000) == Page(2, 50)
    for bad in ("0", "-1", "1.5", "x", "1e3", "9" * 13, "\uff11", "1\x00"):
        assert "page" in refused(lambda bad=bad: page_of({"page": bad}, 10_000))
        assert "per_page" in refused(lambda bad=bad: page_of({"per_page": bad}, 10_000))


def test_page_depth_is_bounded_by_max_items() -> None:
    assert page_of({"page": "100", "per_page": "100"}, 10_000).offset == 9_900
    assert "out of range" in refused(lambda: page_of({"page": "101", "per_page": "100"}, 10_000))
    assert page_of({"page": "10", "per_page": "10"}, 100).offset == 90
    refused(lambda: page_of({"page": "11", "per_page": "10"}, 100))


def test_a_search_request_reads_every_filter() -> None:
    request = search_request(
        {
            "type": "Release",
            "q": "  deep  house ",
            "artist": "the persuader",
            "genre": "Electronic",
            "catno": "SK 032",
            "year": "1999",
            "unknown": "ignored",
        }
    )
    assert request == SearchRequest(
        "release",
        {"q": TextFilter(("deep", "house")), "artist": TextFilter(("the", "persuader"))},
        {"genre": "Electronic", "catno": "SK 032"},
        1999,
    )
    assert search_request({}) == SearchRequest(None)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"type": "user"}, "type must be one of"),
        ({"q": "!!"}, "q needs a letter or digit"),
        ({"label": "- / -"}, "label needs a letter or digit"),
        ({"q": "a" * 1001}, "q is longer than 1000"),
        ({"catno": "a" * 1001}, "catno is longer than 1000"),
        ({"q": "abc\x00"}, "q contains a control character"),
        ({"genre": "Rock\x1b"}, "genre contains a control character"),
        ({"country": "\x7fUK"}, "country contains a control character"),
        ({"year": "0"}, "year must be a year"),
        ({"year": "10000"}, "year must be a year"),
        ({"year": "19x9"}, "year must be a year"),
        ({"year": "\uff11\uff19\uff19\uff19"}, "year must be a year"),
    ],
)
def test_a_search_request_refuses(params: dict[str, str], fragment: str) -> None:
    assert fragment in refused(lambda: search_request(params))


def test_odd_unicode_that_is_not_a_control_character_is_kept() -> None:
    text = "e\u0301te\u0301 \u200fabc \U0001f3b5"
    assert search_request({"q": text}).text == {"q": TextFilter(tuple(text.split()))}


def test_a_filter_without_a_word_of_three_characters_matches_the_whole_title() -> None:
    assert search_request({"q": "II"}).text == {"q": TextFilter(("II",), whole=True)}
    assert search_request({"title": "黒盤"}).text == {"title": TextFilter(("黒盤",), whole=True)}
    assert search_request({"q": " I  84 "}).text == {"q": TextFilter(("I 84",), whole=True)}
    assert search_request({"q": "I 840"}).text == {"q": TextFilter(("I", "840"))}
