"""A refresh through the real tables, under a running `serve`: `load` of the 2020-08-06 releases,
then of a newer version (made from them) in which one release is retitled and one is gone.

Afterwards the changed release has a new ETag and the new title, an unchanged one keeps its
ETag, the removed one answers 404, and conditional requests with the old validators say so.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.api.conftest import Served, load_dump, new_database, start_server, stop_server
from tests.conftest import SAMPLES_2020
from tests.support.servers import SHARED

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

RELEASES = SAMPLES_2020 / "discogs_20200806_releases.xml.gz"
NEW_TITLE = "Stockholm (Refreshed)"


def newer_version(folder: Path) -> tuple[int, int, int]:
    """The sample releases as the 2020-09-01 dump: release 1 retitled, the last release gone,
    every other record byte for byte as it was (edited as text: re-serializing the XML would
    change every record's bytes, so every sha256). Returns (changed, unchanged, removed) ids."""
    text = gzip.decompress(RELEASES.read_bytes()).decode()
    starts = [match.start() for match in re.finditer(r'<release id="', text)]
    ids = [int(re.match(r'<release id="(\d+)"', text[start:]).group(1)) for start in starts]  # type: ignore[union-attr]
    first = text[starts[0] : starts[1]]
    assert first.count("<title>Stockholm</title>") == 1
    end = text.index("</release>", starts[-1]) + len("</release>")
    newer = (
        text[: starts[0]]
        + first.replace("<title>Stockholm</title>", f"<title>{NEW_TITLE}</title>")
        + text[starts[1] : starts[-1]]
        + text[end:]
    )
    folder.mkdir()
    (folder / "discogs_20200901_releases.xml.gz").write_bytes(gzip.compress(newer.encode()))
    return ids[0], ids[1], ids[-1]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("refresh")
    older = tmp / "discogs_20200806"
    older.mkdir()
    shutil.copy(RELEASES, older)
    changed, unchanged, removed = newer_version(tmp / "discogs_20200901")
    database = new_database("refresh")
    try:
        load_dump(database.name, older)
        served = start_server(database.name, tmp / "serve.log", "--processes", "1")
        try:
            before = {}
            for release_id in (changed, unchanged, removed):
                status, headers, body = served.get(f"/releases/{release_id}")
                assert status == 200
                before[release_id] = (headers["etag"], headers["last-modified"], json.loads(body)["title"])
            load_dump(database.name, tmp / "discogs_20200901")  # the refresh, while serve runs
            yield served, {"changed": changed, "unchanged": unchanged, "removed": removed, "before": before}
        finally:
            assert stop_server(served) == 0
    finally:
        SHARED.drop_database(database.name)


def test_the_changed_release_has_a_new_etag_and_its_new_title(
    refreshed: tuple[Served, dict[str, object]],
) -> None:
    served, ids = refreshed
    changed, before = ids["changed"], ids["before"]
    assert isinstance(before, dict)
    status, headers, body = served.get(f"/releases/{changed}")
    assert status == 200
    assert json.loads(body)["title"] == NEW_TITLE
    assert before[changed][2] != NEW_TITLE
    assert headers["etag"] != before[changed][0]
    assert parsedate_to_datetime(headers["last-modified"]) >= parsedate_to_datetime(before[changed][1])


def test_an_unchanged_release_keeps_its_etag(refreshed: tuple[Served, dict[str, object]]) -> None:
    served, ids = refreshed
    unchanged, before = ids["unchanged"], ids["before"]
    assert isinstance(before, dict)
    status, headers, body = served.get(f"/releases/{unchanged}")
    assert status == 200
    assert headers["etag"] == before[unchanged][0]
    assert json.loads(body)["title"] == before[unchanged][2]


def test_the_removed_release_answers_404(refreshed: tuple[Served, dict[str, object]]) -> None:
    served, ids = refreshed
    status, _, body = served.get(f"/releases/{ids['removed']}")
    assert status == 404
    assert json.loads(body) == {"message": "Release not found."}


def test_if_none_match_with_the_old_etag(refreshed: tuple[Served, dict[str, object]]) -> None:
    served, ids = refreshed
    before = ids["before"]
    assert isinstance(before, dict)
    changed, unchanged = ids["changed"], ids["unchanged"]
    status, _, body = served.get(f"/releases/{changed}", {"If-None-Match": before[changed][0]})
    assert status == 200
    assert json.loads(body)["title"] == NEW_TITLE
    status, headers, body = served.get(f"/releases/{unchanged}", {"If-None-Match": before[unchanged][0]})
    assert status == 304
    assert body == b""
    assert headers["etag"] == before[unchanged][0]


def test_if_modified_since(refreshed: tuple[Served, dict[str, object]]) -> None:
    served, ids = refreshed
    for release_id in (ids["changed"], ids["unchanged"]):
        _, headers, _ = served.get(f"/releases/{release_id}")
        modified = headers["last-modified"]
        assert served.get(f"/releases/{release_id}", {"If-Modified-Since": modified})[0] == 304
        earlier = "Thu, 01 Jan 1970 00:00:00 GMT"
        assert served.get(f"/releases/{release_id}", {"If-Modified-Since": earlier})[0] == 200
        assert served.get(f"/releases/{release_id}", {"If-Modified-Since": "not a date"})[0] == 200
