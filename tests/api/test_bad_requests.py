"""Requests a client should not send: each is a 4xx with a JSON ``{"message"}``, never a 5xx, and
the server answers healthily afterwards. No answer shows the DATABASE_URL's secret."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import SECRET, Served, request

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

LONG = "a" * 100_000
BAD_PATHS = {
    "negative id": ("/releases/-1", 404),
    "zero id": ("/releases/0", 404),
    "id beyond bigint": ("/releases/9223372036854775808", 404),
    "id of 40 digits": ("/artists/" + "9" * 40, 404),
    "non-numeric id": ("/labels/abc", 404),
    "id with a sign": ("/masters/+1", 404),
    "fullwidth digits": ("/releases/%EF%BC%91", 404),
    "id with a NUL": ("/releases/1%00", 404),
    "unknown path": ("/nope", 404),
    "unknown sub-path": ("/releases/1/nope", 404),
    "list of an unknown artist": ("/artists/9000000001/releases", 404),
    "versions of id 0": ("/masters/0/versions", 404),
    "huge page": ("/labels/5/releases?page=99999999999", 400),
    "page beyond API_MAX_ITEMS": ("/database/search?q=the&page=101&per_page=100", 400),
    "page of 13 digits": ("/database/search?q=the&page=1000000000000", 400),
    "page 0": ("/database/search?q=the&page=0", 400),
    "page -1": ("/database/search?q=the&page=-1", 400),
    "page not a number": ("/database/search?q=the&page=two", 400),
    "per_page 0": ("/database/search?q=the&per_page=0", 400),
    "per_page -1": ("/database/search?q=the&per_page=-1", 400),
    "per_page 1.5": ("/database/search?q=the&per_page=1.5", 400),
    "5 KB q": (f"/database/search?q={'a' * 5000}", 400),
    "5 KB catno": (f"/database/search?catno={'a' * 5000}", 400),
    "1001 characters of artist": (f"/database/search?artist={'a' * 1001}", 400),
    "NUL in q": ("/database/search?q=abc%00def", 400),
    "control character in artist": ("/database/search?artist=abc%1Bdef", 400),
    "DEL in title": ("/database/search?title=abc%7Fdef", 400),
    "NUL in genre": ("/database/search?genre=Elec%00", 400),
    "unknown type": ("/database/search?type=user", 400),
    "no letter or digit in q": ("/database/search?q=%21%21", 400),
    "no letter or digit in label": ("/database/search?label=-+%2F+-", 400),
    "year 0": ("/database/search?year=0", 400),
    "year of letters": ("/database/search?year=nineteen", 400),
    "year of 30 digits": ("/database/search?year=" + "1" * 30, 400),
}
# Odd text a search may carry: answered (200, maybe empty) or refused (400), never 5xx.
ODD_TEXT = {
    "lone surrogate percent-encoded": "%ED%A0%80abc",
    "invalid UTF-8": "%FF%FEabc",
    "truncated UTF-8": "abc%E2%82",
    "emoji": "%F0%9F%8E%B5%F0%9F%8E%B6+music",
    "RTL marks": "%E2%80%8Fabc%E2%80%8E",
    "combining characters": "e%CC%81e%CC%81e%CC%81",
    "zero-width joiner": "abc%E2%80%8Ddef",
    "LIKE wildcards": "%25%25%25",
    "backslashes": "%5C%5C%5C",
    "SQL quote": "abc%27%3B+DROP+TABLE+releases%3B--",
    "BOM": "%EF%BB%BFabc",
}


def assert_message(status: int, headers: dict[str, str], body: bytes) -> None:
    assert 400 <= status < 500, (status, body[:300])
    assert headers["content-type"].startswith("application/json")
    answer = json.loads(body)
    assert isinstance(answer["message"], str)
    assert answer["message"]


@pytest.mark.parametrize(("path", "status"), BAD_PATHS.values(), ids=BAD_PATHS.keys())
def test_a_bad_request_is_a_4xx_with_a_message(api_2020: Served, path: str, status: int) -> None:
    got, headers, body = api_2020.get(path)
    assert got == status, body[:300]
    assert_message(got, headers, body)
    assert SECRET.encode() not in body


@pytest.mark.parametrize("value", ODD_TEXT.values(), ids=ODD_TEXT.keys())
@pytest.mark.parametrize("name", ["q", "artist", "catno", "country", "genre"])
def test_odd_unicode_in_a_filter_is_answered_or_refused_never_a_5xx(
    api_2020: Served, name: str, value: str
) -> None:
    status, headers, body = api_2020.get(f"/database/search?{name}={value}&per_page=5")
    assert status in (200, 400), body[:300]
    if status == 400:
        assert_message(status, headers, body)
    else:
        assert "results" in json.loads(body)


@pytest.mark.parametrize("name", ["q", "catno", "page"])
def test_a_100_kb_request_line_is_refused_with_a_400(api_2020: Served, name: str) -> None:
    # uvicorn's HTTP parser refuses a request line this long before the app sees it, with its
    # own plain-text 400 (not Discogs' JSON shape: the app is never called); still no 5xx.
    status, _, body = api_2020.get(f"/database/search?{name}={LONG}")
    assert status == 400, body[:300]
    assert SECRET.encode() not in body


def test_a_per_page_over_100_is_served_as_100(api_2020: Served) -> None:
    answer = api_2020.json("/database/search?type=release&per_page=1000")
    assert answer["pagination"]["per_page"] == 100
    assert len(answer["results"]) == 100
    assert "per_page=100" in answer["pagination"]["urls"]["next"]


def test_the_last_page_within_api_max_items_is_answered(api_2020: Served) -> None:
    answer = api_2020.json("/database/search?q=the&page=100&per_page=100")
    assert answer["pagination"]["page"] == 100
    assert answer["results"] == []


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_a_method_other_than_get_is_a_405_with_a_message(api_2020: Served, method: str) -> None:
    status, headers, body = request(api_2020.url, method, "/releases/1", body=b"{}")
    assert status == 405
    assert_message(status, headers, body)


def test_the_server_is_healthy_after_the_bad_requests_and_shows_no_secret(api_2020: Served) -> None:
    for path in ("/health", "/metrics", "/openapi.json", "/releases/1", "/database/search?q=the"):
        status, headers, body = api_2020.get(path)
        assert status == 200, (path, body[:300])
        assert SECRET.encode() not in body
        assert SECRET not in json.dumps(headers)
    assert api_2020.json("/health")["status"] == "healthy"
    assert SECRET not in api_2020.log_text()
    assert not [line for line in api_2020.log_lines() if line.get("status", 0) >= 500]
