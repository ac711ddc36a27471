"""enrich: library.db -> library_artists.txt, plus names from the MySQL catalog (real MariaDB)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from discogsography.cache.enrich import Catalog, catalog_names, enrich
from discogsography.cache.errors import CacheError
from discogsography.cache.library import read_artist_list
from tests.cache.cache_testdata import make_library_db

CATALOG = Catalog(
    artists={1: "Ice-T", 2: "Body Count", 3: "Prince", 4: "Unrelated Band", 5: "Various Artists", 6: "Björk"},
    alternate_names=[(3, "The Artist Formerly Known As Prince"), (3, "Symbol"), (4, "UB"), (6, "Bjork")],
    cross_references=[(1, 2), (5, 4)],
)


def test_catalog_names_for_library_artists() -> None:
    added = catalog_names(["Ice T", "Prince", "Bjork"], CATALOG)
    assert added == {
        "Ice-T",
        "Body Count",
        "Prince",
        "The Artist Formerly Known As Prince",
        "Symbol",
        "Björk",
        "Bjork",
    }


def test_cross_references_work_in_both_directions() -> None:
    assert "Ice-T" in catalog_names(["Body Count"], CATALOG)
    # A compilation is no artist: cross-referencing it brings nothing in
    assert catalog_names(["Various Artists"], CATALOG) == set()


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
def catalog_url(mysql_catalog: Callable[[Catalog], str]) -> str:
    return mysql_catalog(CATALOG)


@pytest.mark.mysql
def test_enrich_from_the_mariadb_catalog(tmp_path: Path, catalog_url: str) -> None:
    library = make_library_db(tmp_path / "library.db", [("Ice T", "Power"), ("Prince", "Purple Rain")])
    output = tmp_path / "library_artists.txt"
    result = enrich(library, output, catalog_url)
    assert read_artist_list(output) == [
        "Body Count",
        "Ice T",
        "Prince",
        "Symbol",
        "The Artist Formerly Known As Prince",
    ]
    assert result.catalog_added == 3  # "Ice-T" and "Prince" are spellings already listed


@pytest.mark.mysql
def test_a_catalog_without_the_tables_is_a_clear_error(tmp_path: Path, catalog_url: str) -> None:
    library = make_library_db(tmp_path / "library.db", [("Prince", "Purple Rain")])
    url = catalog_url.rsplit("/", 1)[0] + "/mysql"
    with pytest.raises(CacheError, match="cannot read the catalog tables"):
        enrich(library, tmp_path / "out.txt", url)
    with pytest.raises(CacheError, match="must be mysql://"):
        enrich(library, tmp_path / "out.txt", "postgresql://x/y")
