"""python3-discogs-client, unchanged but for its base URL, against `serve` over the loaded samples.

Every value the client shows is compared with the dump's record as the tables hold it (the
``data`` column, read here plainly), never with the server's own mapping code. Lists and searches
are walked page by page through the client and compared with what SQL or the records say.

No master in either sample has more than one of its releases in the sample (2020: master 129684
has one, 2025: masters 18080 and 482870 have one each), so a master's versions are checked on
those; paging across many pages is checked on artist 194's releases (80 masters), a label's
releases and searches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import discogs_client
import psycopg
import pytest
from discogs_client.exceptions import HTTPError

from tests.api.conftest import Served

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

Record = dict[str, Any]


def client_of(served: Served) -> Any:
    client = discogs_client.Client("discogsography-tests/1.0")
    client._base_url = served.url
    return client


@pytest.fixture(params=["2020", "2025"])
def served(request: pytest.FixtureRequest) -> Served:
    api: Served = request.getfixturevalue(f"api_{request.param}")
    return api


@cache
def records(conninfo: str, table: str) -> dict[int, Record]:
    """Every record of a table, as the dump gave it (the ``data`` column), by id."""
    with psycopg.connect(conninfo) as conn:
        return {int(row[0]): row[1] for row in conn.execute(f"SELECT id, data FROM {table}").fetchall()}


def ids_of(conninfo: str, query: str, *params: Any) -> list[int]:
    with psycopg.connect(conninfo) as conn:
        return [int(row[0]) for row in conn.execute(query, params).fetchall()]


def grouped(conninfo: str, query: str) -> dict[int, list[int]]:
    """(key, id) rows as lists of ids by key, in the rows' order."""
    found: dict[int, list[int]] = {}
    for key, value in ids_rows(conninfo, query):
        found.setdefault(key, []).append(value)
    return found


def ids_rows(conninfo: str, query: str) -> list[tuple[int, int]]:
    with psycopg.connect(conninfo) as conn:
        return [(int(row[0]), int(row[1])) for row in conn.execute(query).fetchall()]


def items(record: Record | None, container: str, item: str) -> list[Any]:
    """The dump's list under ``container``/``item`` (one item may stand alone)."""
    found = ((record or {}).get(container) or {}).get(item) or []
    return [one for one in (found if isinstance(found, list) else [found]) if one is not None]


def text(record: Any, key: str) -> str:
    value = record.get(key) if isinstance(record, dict) else None
    if isinstance(value, dict):
        value = value.get("#text")
    return "" if value is None else str(value)


def dump_year(value: str) -> int:
    match = re.match(r"\d{4}", value)
    return int(match.group()) if match else 0


def code(value: str) -> str:
    """Letters and digits, lower case: how catalogue numbers and barcodes are compared."""
    return "".join(char for char in value.lower() if char.isalnum())


def sample_ids(conninfo: str, table: str, step: int) -> list[int]:
    return sorted(records(conninfo, table))[::step]


# --- records -------------------------------------------------------------------------------------


def test_releases_show_the_dump_records_values(served: Served) -> None:
    client = client_of(served)
    for release_id in sample_ids(served.conninfo, "releases", 10):
        record = records(served.conninfo, "releases")[release_id]
        release = client.release(release_id)
        assert release.title == text(record, "title")
        assert release.year == dump_year(text(record, "released"))
        assert release.country == text(record, "country")
        assert release.genres == [str(g) for g in items(record, "genres", "genre")]
        assert release.styles == [str(s) for s in items(record, "styles", "style")]
        assert [(a.id, a.name) for a in release.artists] == [
            (int(a["id"]), text(a, "name")) for a in items(record, "artists", "artist")
        ]
        assert [(label.id, label.name, label.data["catno"]) for label in release.labels] == [
            (int(e["id"]), text(e, "name"), text(e, "catno")) for e in items(record, "labels", "label")
        ]
        assert [(f["name"], f["qty"], f.get("descriptions", [])) for f in release.formats] == [
            (text(f, "name"), text(f, "qty"), items(f, "descriptions", "description"))
            for f in items(record, "formats", "format")
        ]
        assert [(t.position, t.title, t.duration) for t in release.tracklist] == [
            (text(t, "position"), text(t, "title"), text(t, "duration"))
            for t in items(record, "tracklist", "track")
        ]
        master_id = int(text(record, "master_id") or 0)
        if master_id:
            assert release.master.id == master_id
        else:
            assert release.master is None


def test_a_master_and_its_versions_show_the_dump_records_values(served: Served) -> None:
    client = client_of(served)
    masters = records(served.conninfo, "masters")
    releases = records(served.conninfo, "releases")
    with_versions = sorted(
        {int(text(r, "master_id")) for r in releases.values() if int(text(r, "master_id") or 0) in masters}
    )
    assert with_versions, "a master with a release in the sample"
    for master_id in with_versions:
        record = masters[master_id]
        master = client.master(master_id)
        assert master.title == text(record, "title")
        assert master.year == int(text(record, "year") or 0)
        assert master.genres == items(record, "genres", "genre")
        assert master.styles == items(record, "styles", "style")
        assert master.main_release.id == int(text(record, "main_release"))
        # A masters dump record carries no tracklist: the API gives its main release's.
        tracks = items(record, "tracklist", "track") or items(
            releases.get(int(text(record, "main_release"))), "tracklist", "track"
        )
        assert [(t.position, t.title, t.duration) for t in master.tracklist] == [
            (text(t, "position"), text(t, "title"), text(t, "duration")) for t in tracks
        ]
        expected = ids_of(
            served.conninfo, "SELECT id FROM releases WHERE master_id = %s ORDER BY id", master_id
        )
        versions = list(master.versions)
        assert [v.id for v in versions] == expected
        assert [v.title for v in versions] == [text(releases[i], "title") for i in expected]
        assert master.versions.count == len(expected)


def test_artists_and_their_releases_across_pages(served: Served) -> None:
    """Every sample artist with releases: their masters, then their releases outside a master,
    one a page (no sample artist has more than two such items, so a page of one crosses pages)."""
    client = client_of(served)
    named = {**records(served.conninfo, "masters"), **records(served.conninfo, "releases")}
    checked = 0
    masters_of, singles_of = (
        grouped(
            served.conninfo,
            "SELECT artist_id, master_id FROM master_artists GROUP BY 1, 2 ORDER BY 1, 2",
        ),
        grouped(
            served.conninfo,
            "SELECT DISTINCT ra.artist_id, r.id FROM releases r JOIN release_artists ra ON ra.release_id = r.id"
            " WHERE r.master_id IS NULL AND NOT ra.extra ORDER BY 1, 2",
        ),
    )
    for artist_id, record in sorted(records(served.conninfo, "artists").items()):
        masters, singles = masters_of.get(artist_id, []), singles_of.get(artist_id, [])
        if not masters and not singles and artist_id % 50:
            continue
        checked += 1
        artist = client.artist(artist_id)
        assert artist.name == text(record, "name")
        assert (artist.real_name or "") == text(record, "realname")
        assert (artist.profile or "") == text(record, "profile")
        listed = artist.releases
        found = list(walk(listed, 1))
        assert listed.count == len(masters) + len(singles)
        assert [(type(item).__name__, item.id) for item in found] == [("Master", i) for i in masters] + [
            ("Release", i) for i in singles
        ]
        assert [item.data["title"] for item in found] == [text(named[item.id], "title") for item in found]
    assert checked > 1


def test_a_label_and_its_releases_across_pages(served: Served) -> None:
    client = client_of(served)
    label_id = ids_of(
        served.conninfo,
        "SELECT label_id FROM release_labels WHERE label_id IN (SELECT id FROM labels)"
        " GROUP BY 1 ORDER BY count(DISTINCT release_id) DESC, 1 LIMIT 1",
    )[0]
    record = records(served.conninfo, "labels")[label_id]
    label = client.label(label_id)
    assert label.name == text(record, "name")
    assert label.profile == text(record, "profile")
    assert label.contact_info == text(record, "contactinfo")
    expected = ids_of(
        served.conninfo,
        "SELECT DISTINCT release_id FROM release_labels WHERE label_id = %s ORDER BY 1",
        label_id,
    )
    listed = label.releases
    listed.per_page = 2
    found = list(listed)
    assert [item.id for item in found] == expected
    releases = records(served.conninfo, "releases")
    for item in found:
        entries = [e for e in items(releases[item.id], "labels", "label") if int(e["id"]) == label_id]
        assert item.data["title"] == text(releases[item.id], "title")
        assert item.data["catno"] in {text(e, "catno") for e in entries}


def test_an_unknown_id_raises_the_clients_404(served: Served) -> None:
    client = client_of(served)
    unknown = 9_000_000_001
    for read in (
        lambda: client.release(unknown).title,
        lambda: client.master(unknown).title,
        lambda: client.artist(unknown).name,
        lambda: client.label(unknown).name,
        lambda: list(client.master(unknown).versions),
    ):
        with pytest.raises(HTTPError) as raised:
            read()
        assert raised.value.status_code == 404


# --- search ------------------------------------------------------------------------------------


def linked_names(conninfo: str, table: str) -> dict[int, str]:
    return {record_id: text(record, "name") for record_id, record in records(conninfo, table).items()}


def words_in(words: str, value: str) -> bool:
    return all(word.lower() in value.lower() for word in words.split())


def release_filter(served: Served, name: str, value: str) -> Callable[[Record], bool]:
    """Whether a release record matches ``name=value``, read from the dump's record."""
    artists = linked_names(served.conninfo, "artists")
    labels = linked_names(served.conninfo, "labels")
    tests: dict[str, Callable[[Record], bool]] = {
        "q": lambda r: words_in(value, text(r, "title")),
        "artist": lambda r: any(
            int(a["id"]) in artists and words_in(value, artists[int(a["id"])])
            for a in items(r, "artists", "artist")
        ),
        "label": lambda r: any(
            int(e["id"] or 0) in labels and words_in(value, labels[int(e["id"] or 0)])
            for e in items(r, "labels", "label")
        ),
        "genre": lambda r: value in items(r, "genres", "genre"),
        "year": lambda r: dump_year(text(r, "released")) == int(value),
        "country": lambda r: text(r, "country").lower() == value.lower(),
        "catno": lambda r: any(code(text(e, "catno")) == code(value) for e in items(r, "labels", "label")),
        "barcode": lambda r: any(
            text(e, "type") == "Barcode" and code(text(e, "value")) == code(value)
            for e in items(r, "identifiers", "identifier")
        ),
        "format": lambda r: any(
            value.lower() == text(f, "name").lower()
            or value.lower() in [d.lower() for d in items(f, "descriptions", "description")]
            for f in items(r, "formats", "format")
        ),
    }
    return tests[name]


def walk(listed: Any, per_page: int) -> Iterator[Any]:
    listed.per_page = per_page
    yield from listed


RELEASE_FILTERS = [
    ("q", "the"),
    ("artist", "persuader"),
    ("label", "records"),
    ("genre", "Electronic"),
    ("year", "1999"),
    ("country", "germany"),
    ("catno", "SK 032"),
    ("barcode", "0 74646 36282 2"),
    ("format", "vinyl"),
]


@pytest.mark.parametrize(("name", "value"), RELEASE_FILTERS, ids=[name for name, _ in RELEASE_FILTERS])
def test_a_release_search_by_each_filter_gives_exactly_the_matching_records(
    api_2020: Served, name: str, value: str
) -> None:
    client = client_of(api_2020)
    releases = records(api_2020.conninfo, "releases")
    matches = release_filter(api_2020, name, value)
    expected = [release_id for release_id, record in sorted(releases.items()) if matches(record)]
    assert expected, f"the samples have a release matching {name}={value}"
    found = list(walk(client.search(type="release", **{name: value}), 100))
    assert [(type(item).__name__, item.id) for item in found] == [("Release", i) for i in expected]
    # A search result's title is "Artists - Title", as Discogs gives it.
    for item in found:
        assert item.data["title"].endswith(" - " + text(releases[item.id], "title"))


def test_search_results_name_each_kinds_title_and_the_filters_combine(api_2020: Served) -> None:
    client = client_of(api_2020)
    releases = records(api_2020.conninfo, "releases")
    genre, country = (
        release_filter(api_2020, "genre", "Electronic"),
        release_filter(api_2020, "country", "uk"),
    )
    expected = [i for i, r in sorted(releases.items()) if genre(r) and country(r)]
    found = [item.id for item in walk(client.search(type="release", genre="Electronic", country="uk"), 50)]
    assert found == expected
    for kind, table in (("artist", "artists"), ("label", "labels"), ("master", "masters")):
        named = records(api_2020.conninfo, table)
        key = "title" if kind == "master" else "name"
        expected = [i for i, r in sorted(named.items()) if words_in("the", text(r, key))]
        found_items = list(walk(client.search("the", type=kind), 100))
        assert [item.id for item in found_items] == expected
        assert all(type(item).__name__.lower() == kind for item in found_items)


def test_paging_a_search_through_the_client_gives_every_match_once(api_2020: Served) -> None:
    client = client_of(api_2020)
    expected = ids_of(api_2020.conninfo, "SELECT id FROM releases WHERE title ILIKE %s ORDER BY id", "%the%")
    listed = client.search("the", type="release")
    found = [item.id for item in walk(listed, 9)]
    assert listed.count == len(expected)
    assert listed.pages == -(-len(expected) // 9) > 3
    assert found == expected
