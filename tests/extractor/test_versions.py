from __future__ import annotations

from pathlib import Path

import pytest

from discogsography.dumps.names import (
    ListingEntry,
    UnsafeFileNameError,
    choose_newest_complete,
    destination,
    parse_file_name,
)
from discogsography.dumps.sources.discogs_web import parse_index, parse_year_page
from discogsography.dumps.sources.s3_bucket import entries_from_keys, parse_list_objects, s3_location
from discogsography.kinds import Kind
from tests.extractor.helpers import LISTINGS, index_page


def _entries(*names: str) -> list[ListingEntry]:
    return [ListingEntry(name, f"http://x/{name}") for name in names]


def _full(version: str) -> list[str]:
    return [f"discogs_{version}_{kind.value}.xml.gz" for kind in Kind] + [f"discogs_{version}_CHECKSUM.txt"]


def test_real_s3_capture_newest_complete_version_and_skipped_irregular_sets() -> None:
    page = parse_list_objects((LISTINGS / "s3_list_objects_v1_discogs-data_2021.xml").read_bytes())
    assert len(page.keys) == 710
    assert page.next_marker is None
    location = s3_location("s3://discogs-data", None, "us-west-2")
    choice = choose_newest_complete(entries_from_keys(location, page.keys))
    assert choice.chosen is not None
    assert choice.chosen.version == "20210601"
    assert choice.chosen.files[Kind.RELEASES].location == (
        "https://discogs-data.s3.us-west-2.amazonaws.com/data/2021/discogs_20210601_releases.xml.gz"
    )
    skipped = {version.version: version.missing for version in choice.skipped}
    # 2008 sets had artists, labels and releases only: no masters until 2011.
    assert skipped["20080309"] == ["masters"]
    assert all(version < "20210601" for version in skipped)
    assert choice.refused == []


def test_real_data_discogs_com_year_page() -> None:
    url = "https://data.discogs.com/?prefix=data%2F2026%2F"
    entries = parse_year_page((LISTINGS / "data_discogs_com_2026.html").read_text(), url)
    assert len(entries) == 50
    choice = choose_newest_complete(entries)
    assert choice.chosen is not None
    assert choice.chosen.version == "20261001"
    assert choice.chosen.checksum is not None
    assert choice.chosen.checksum.location == (
        "https://data.discogs.com/?download=data%2F2026%2Fdiscogs_20261001_CHECKSUM.txt"
    )
    assert choice.skipped == []


def test_index_page_years_newest_first() -> None:
    years, folders = parse_index(index_page(["2025", "2026", "2024"]), "https://data.discogs.com/")
    assert [year for year, _ in years] == ["2026", "2025", "2024"]
    assert years[0][1] == "https://data.discogs.com/?prefix=data%2F2026%2F"
    assert folders == []
    years, folders = parse_index('<a href="?prefix=data%2F">data/</a>', "https://data.discogs.com/")
    assert years == [] and folders == ["https://data.discogs.com/?prefix=data%2F"]


def test_incomplete_newer_version_is_skipped_for_older_complete_one() -> None:
    names = [*_full("20260101"), "discogs_20260201_labels.xml.gz", "discogs_20260201_artists.xml.gz"]
    choice = choose_newest_complete(_entries(*names))
    assert choice.chosen is not None and choice.chosen.version == "20260101"
    assert [v.version for v in choice.skipped] == ["20260201"]
    assert choice.skipped[0].missing == ["masters", "releases", "CHECKSUM"]


def test_no_complete_version() -> None:
    choice = choose_newest_complete(_entries("discogs_20260101_labels.xml.gz", "index.html"))
    assert choice.chosen is None
    assert [v.version for v in choice.skipped] == ["20260101"]


def test_dump_like_names_that_fail_validation_are_refused() -> None:
    names = [*_full("20260101"), "discogs_20260101_releases.xml.gz.exe", "discogs_../../etc/passwd"]
    choice = choose_newest_complete(_entries(*names))
    assert choice.chosen is not None
    assert sorted(choice.refused) == sorted(names[-2:])


@pytest.mark.parametrize(
    "name",
    [
        "../discogs_20260101_artists.xml.gz",
        "discogs_20260101_artists.xml.gz/../../x",
        "/etc/discogs_20260101_artists.xml.gz",
        "discogs_2026010_artists.xml.gz",
        "discogs_20260101_images.xml.gz",
        "discogs_20260101_CHECKSUM.txt\n",
        "",
        ".",
    ],
)
def test_file_name_validation(name: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileNameError):
        parse_file_name(name)
    with pytest.raises(UnsafeFileNameError):
        destination(tmp_path, name)


def test_valid_file_names(tmp_path: Path) -> None:
    parsed = parse_file_name("discogs_20260101_masters.xml.gz")
    assert (parsed.version, parsed.kind) == ("20260101", Kind.MASTERS)
    assert parse_file_name("discogs_20260101_CHECKSUM.txt").kind is None
    assert (
        destination(tmp_path, "discogs_20260101_CHECKSUM.txt") == tmp_path / "discogs_20260101_CHECKSUM.txt"
    )


def test_s3_location_forms() -> None:
    aws = s3_location("s3://discogs-data-dumps", None, "us-west-2")
    assert aws.prefix == "data/"
    assert aws.list_url("data/", delimiter=True) == (
        "https://discogs-data-dumps.s3.us-west-2.amazonaws.com/?prefix=data%2F&delimiter=%2F"
    )
    mirror = s3_location("s3://mirror/dumps", "http://127.0.0.1:9000/", "us-west-2")
    assert mirror.prefix == "dumps/"
    assert mirror.object_url("dumps/a b.gz") == "http://127.0.0.1:9000/mirror/dumps/a%20b.gz"


def test_truncated_listing_continues_from_next_marker_or_last_key() -> None:
    body = b"""<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>
    <Contents><Key>data/2026/a</Key><Size>1</Size></Contents><Contents><Key>data/2026/b</Key></Contents>
    </ListBucketResult>"""
    page = parse_list_objects(body)
    assert page.next_marker == "data/2026/b"
    assert page.keys == [("data/2026/a", 1), ("data/2026/b", None)]
