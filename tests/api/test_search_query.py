"""`/database/search` as SQL: which kinds a request can return, each condition and its parameters
(values always parameters, never text of the query), and LIKE patterns that match literally."""

from __future__ import annotations

import psycopg
import pytest

from discogsography.api.request_params import search_request
from discogsography.api.search_query import KIND_ORDER, kind_searches, like_pattern, literal
from tests.servers import server_unavailable
from tests.support.servers import SHARED


def kinds(**params: str) -> list[str]:
    return [search.kind for search in kind_searches(search_request(params))]


def test_which_kinds_a_search_returns() -> None:
    assert kinds() == list(KIND_ORDER)
    assert kinds(q="deep") == ["release", "master", "artist", "label"]
    assert kinds(type="artist", q="deep") == ["artist"]
    assert kinds(genre="Electronic") == ["release", "master"]
    assert kinds(barcode="123", year="1999") == ["release"]
    assert kinds(year="1999") == ["release", "master"]
    assert kinds(artist="persuader") == ["release", "master", "artist"]
    assert kinds(label="svek") == ["release", "label"]
    assert kinds(type="label", genre="Electronic") == []
    assert kinds(type="artist", release_title="stockholm") == []


def test_a_release_searchs_sql_holds_every_value_as_a_parameter() -> None:
    (search,) = kind_searches(
        search_request(
            {"type": "release", "q": "deep house", "artist": "pers", "catno": "SK 032", "year": "1999"}
        )
    )
    matches = search.matches()
    ids = (
        'SELECT t.id FROM "releases" t WHERE t."title" ILIKE %s AND t."title" ILIKE %s'
        " AND t.id IN (SELECT ra.release_id FROM release_artists ra JOIN artists a ON a.id = ra.artist_id"
        " WHERE NOT ra.extra AND a.name ILIKE %s)"
        " AND t.id IN (SELECT rl.release_id FROM release_labels rl WHERE discogs_code(rl.catno) = discogs_code(%s))"
        " AND t.year = %s ORDER BY t.id"
    )
    assert matches.ids.as_string(None) == ids
    assert matches.table == "releases"
    query, params = matches.page(5, 10, 100)
    assert query.as_string(None) == (
        "SELECT r.data, page.total FROM (SELECT id, total FROM (SELECT id, count(*) OVER () AS total"
        f" FROM ({ids} LIMIT %s) capped) counted ORDER BY id LIMIT %s OFFSET %s) page"
        ' JOIN "releases" r ON r.id = page.id ORDER BY r.id'
    )
    assert params == ("%deep%", "%house%", "%pers%", "SK 032", 1999, 100, 5, 10)
    count, count_params = matches.count(100)
    assert count.as_string(None) == f"SELECT count(*) FROM ({ids} LIMIT %s) capped"
    assert count_params == (*params[:-3], 100)


def test_a_short_title_is_matched_whole() -> None:
    (search,) = kind_searches(search_request({"type": "release", "q": "II"}))
    assert (
        search.matches().ids.as_string(None)
        == 'SELECT t.id FROM "releases" t WHERE t."title" ILIKE %s ORDER BY t.id'
    )
    assert search.params == ("II",)


def test_a_hostile_value_never_enters_the_querys_text() -> None:
    hostile = "x'); DROP TABLE releases; --"
    for search in kind_searches(search_request({"q": hostile, "country": hostile})):
        query, params = search.matches().page(1, 0, 10)
        assert "DROP" not in query.as_string(None)
        assert hostile in params or like_pattern("x');") in params


def test_a_search_with_no_filter_is_every_record_by_id() -> None:
    search = kind_searches(search_request({"type": "label"}))[0]
    matches = search.matches()
    assert matches.ids.as_string(None) == 'SELECT t.id FROM "labels" t WHERE true ORDER BY t.id'
    assert matches.page(3, 0, 10)[1] == (10, 3, 0)


@pytest.mark.parametrize(
    ("word", "pattern"),
    [
        ("abc", "%abc%"),
        ("50%", "%50\\%%"),
        ("a_b", "%a\\_b%"),
        ("c:\\x", "%c:\\\\x%"),
        ("%_\\", "%\\%\\_\\\\%"),
    ],
)
def test_like_pattern_escapes_wildcards(word: str, pattern: str) -> None:
    assert like_pattern(word) == pattern


def test_like_patterns_match_literally_in_postgresql() -> None:
    try:
        conn = psycopg.connect(SHARED.conninfo(), autocommit=True)
    except psycopg.OperationalError as exc:
        server_unavailable(f"PostgreSQL at {SHARED.postgres_address}", exc)
    with conn:

        def matches(text: str, word: str) -> bool:
            row = conn.execute("SELECT %s ILIKE %s", (text, like_pattern(word))).fetchone()
            return bool(row and row[0])

        assert matches("100% Pure", "0%")
        assert not matches("1000 Pure", "0%")
        assert matches("a_b", "A_B")
        assert not matches("axb", "a_b")
        assert matches("back\\slash", "k\\s")
        assert not matches("backslash", "k\\s")
        assert matches("Ünïcödé", "ÜNÏ")

        def is_whole(text: str, value: str) -> bool:
            row = conn.execute("SELECT %s ILIKE %s", (text, literal(value))).fetchone()
            return bool(row and row[0])

        assert is_whole("II", "ii")
        assert not is_whole("II Love", "ii")
        assert is_whole("50%", "50%")
        assert not is_whole("500", "50%")
        assert not is_whole("a_b", "a%")
