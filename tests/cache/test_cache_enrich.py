"""enrich: library.db -> library_artists.txt, plus names from the station's MySQL catalog (real MariaDB)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.enrich import Catalog, catalog_names, enrich, new_names
from discogsography.cache.library import read_artist_list
from tests.cache.cache_testdata import make_library_db

# The catalog as the station's MySQL holds it: artists in LIBRARY_CODE, an alternate name per
# release, artist cross-references both ways, release cross-references; NULLs and empty strings.
CATALOG_ROWS = [
    "INSERT INTO LIBRARY_CODE VALUES (1, 'Ice-T'), (2, 'Body Count'), (3, 'RZA'), (4, 'Eric Bachmann'),"
    " (5, 'Crooked Fingers'), (6, 'Various Artists'), (7, NULL), (8, ''), (9, 'Ghostface Killah'),"
    " (10, 'Björk'), (11, 'Sugarcubes, The'), (12, '   ')",
    "INSERT INTO LIBRARY_RELEASE VALUES (100, 1, 'Power', NULL), (101, 1, 'Body Count', 'Body Count'),"
    " (102, 3, 'Bobby Digital In Stereo', 'Bobby Digital'), (103, 3, 'Digi Snacks', 'Bobby Digital'),"
    " (104, 10, 'Debut', ''), (105, 10, 'Post', '  '), (106, 6, 'Nuggets', 'Various Artists'),"
    " (107, NULL, NULL, 'Ice T')",
    # Eric Bachmann references Crooked Fingers; Sugarcubes is referenced by Björk; dangling ids
    "INSERT INTO LIBRARY_CODE_CROSS_REFERENCE (CROSS_REFERENCING_ARTIST_ID, CROSS_REFERENCED_LIBRARY_CODE_ID)"
    " VALUES (4, 5), (10, 11), (7, 8), (NULL, 2), (999, NULL), (12, 6)",
    "INSERT INTO RELEASE_CROSS_REFERENCE (CROSS_REFERENCING_ARTIST_ID, CROSS_REFERENCED_RELEASE_ID)"
    " VALUES (9, 102), (NULL, 103), (8, 104), (404, 105)",
]

CATALOG = Catalog(
    library_codes={
        1: "Ice-T",
        2: "Body Count",
        4: "Eric Bachmann",
        5: "Crooked Fingers",
        6: "Various",
        7: None,
    },
    alternate_names=["Body Count", None, "", "  ", "Bobby Digital", "Various Artists"],
    code_cross_references=[(4, 5), (None, 2), (7, 6), (999, None)],
    release_cross_references=[1, None, 404],
)


def test_catalog_names_per_source() -> None:
    names = catalog_names(CATALOG)
    assert names.alternate == ["Body Count", "Bobby Digital"]
    assert names.cross_referenced == ["Eric Bachmann", "Crooked Fingers", "Body Count"]
    assert names.release_cross_referenced == ["Ice-T"]


def test_new_names_skip_spellings_already_listed() -> None:
    assert new_names(["Ice T", "Bjork"], ["Ice-T", "Björk", "Body Count", "BODY COUNT"]) == ["Body Count"]


def test_enrich_without_catalog_writes_library_artists(tmp_path: Path) -> None:
    library = make_library_db(
        tmp_path / "library.db",
        [
            ("Prince", "Purple Rain"),
            ("Prince", "1999"),
            ("Various Artists - Rock", "X"),
            ("  ", "Y"),
            (None, "Z"),
        ],
    )
    result = enrich(library, tmp_path / "out" / "library_artists.txt")
    assert read_artist_list(tmp_path / "out" / "library_artists.txt") == ["Prince"]
    assert (result.library_artists, result.catalog_added, result.written) == (1, 0, 1)


@pytest.fixture
def catalog_url(mysql_catalog: Callable[[list[str]], str]) -> str:
    return mysql_catalog(CATALOG_ROWS)


@pytest.mark.mysql
def test_enrich_from_the_station_catalog_on_mariadb(tmp_path: Path, catalog_url: str) -> None:
    library = make_library_db(tmp_path / "library.db", [("Ice T", "Power"), ("Bjork", "Debut")])
    output = tmp_path / "library_artists.txt"
    result = enrich(library, output, catalog_url)
    assert read_artist_list(output) == [
        "Bjork",
        "Bobby Digital",  # LIBRARY_RELEASE.ALTERNATE_ARTIST_NAME
        "Body Count",  # alternate name (and a cross-reference target without referrer)
        "Crooked Fingers",  # referenced by Eric Bachmann
        "Eric Bachmann",  # referencing Crooked Fingers
        "Ghostface Killah",  # RELEASE_CROSS_REFERENCE
        "Ice T",
        "Sugarcubes, The",  # referenced by Björk, who is listed as "Bjork" already
    ]
    assert result.added == {
        "alternate names": 2,
        "artist cross-references": 3,
        "release cross-references": 1,
    }
    assert "8 artists written (2 from library.db, 2 from alternate names" in result.summary()


@pytest.mark.mysql
def test_a_catalog_without_the_tables_is_a_clear_error(tmp_path: Path, catalog_url: str) -> None:
    library = make_library_db(tmp_path / "library.db", [("Prince", "Purple Rain")])
    url = catalog_url.rsplit("/", 1)[0] + "/mysql"
    with pytest.raises(CacheError, match="cannot read the catalog tables"):
        enrich(library, tmp_path / "out.txt", url)
    with pytest.raises(CacheError, match="must be mysql://"):
        enrich(library, tmp_path / "out.txt", "postgresql://x/y")
