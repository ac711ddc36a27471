"""convert, fix-newlines and filter over files: the CSV contract end to end (no database)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.csv_tables import RELEASE, RELEASE_ARTIST, RELEASE_TRACK, TABLES
from discogsography.cache.csvfiles import require_tables
from discogsography.cache.csvfilter import filter_directory
from discogsography.cache.dump_to_csv import convert_dump
from discogsography.cache.matching import ArtistMatcher
from discogsography.cache.newlines import fix_directory
from discogsography.errors import DumpError, TooManySkippedError
from tests.cache.cache_testdata import SAMPLE_2020, SAMPLE_2025


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("converted")
    result = convert_dump(SAMPLE_2020, out)
    assert result.releases_seen == result.releases_written == 1000
    return out


def test_convert_writes_every_table_with_the_contract_header(converted: Path) -> None:
    require_tables(converted)
    assert sorted(p.name for p in converted.iterdir()) == sorted(t.file_name for t in TABLES)
    releases = read(RELEASE.path_in(converted))
    assert len(releases) == 1000
    assert releases[0] == {
        "id": "1",
        "title": "Stockholm",
        "release_year": "1999",
        "country": "Sweden",
        "artwork_url": "",
        "master_id": "1660109",
    }
    artists = read(RELEASE_ARTIST.path_in(converted))
    assert {"release_id": "1", "artist_name": "Jesper Dahlbäck", "extra": "1"} in artists
    tracks = [t for t in read(RELEASE_TRACK.path_in(converted)) if t["release_id"] == "1"]
    assert [t["title"] for t in tracks][:2] == ["Östermalm", "Vasastaden"]


def test_convert_filters_while_streaming(tmp_path: Path) -> None:
    matcher = ArtistMatcher(["Persuader, The", "Fats Domino", "Hakan Lidbo"])
    result = convert_dump(SAMPLE_2020, tmp_path, matcher)
    releases = read(RELEASE.path_in(tmp_path))
    assert result.releases_seen == 1000
    assert result.releases_written == len(releases) > 0
    assert result.summary() == f"{len(releases)}/1,000 releases matched the library"
    kept = {r["id"] for r in releases}
    assert "1" in kept
    for row in read(RELEASE_ARTIST.path_in(tmp_path)):
        assert row["release_id"] in kept


def test_convert_2025_sample(tmp_path: Path) -> None:
    result = convert_dump(SAMPLE_2025, tmp_path)
    assert result.releases_written == len(read(RELEASE.path_in(tmp_path))) == result.releases_seen > 0


def test_convert_refuses_other_dump_kinds(tmp_path: Path) -> None:
    artists = SAMPLE_2020.with_name("discogs_20200806_artists.xml.gz")
    with pytest.raises(CacheError, match="releases dump"):
        convert_dump(artists, tmp_path / "out")
    assert not (tmp_path / "out" / "release.csv").exists()


def test_a_broken_dump_leaves_no_table_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml.gz"
    data = gzip.decompress(SAMPLE_2020.read_bytes())
    broken.write_bytes(gzip.compress(data[: len(data) // 2]))
    with pytest.raises(DumpError, match="truncated"):
        convert_dump(broken, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.csv"))


def write_tables(directory: Path, rows: dict[str, list[list[str]]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        with table.path_in(directory).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows(rows.get(table.name, []))


def test_fix_newlines_flattens_fields(tmp_path: Path) -> None:
    write_tables(
        tmp_path / "raw",
        {
            "release": [["1", "Two\nLines", "1999", "US", "", ""], ["2", "Fine", "", "", "", ""]],
            "release_track": [["1", "1", "A", "Cr\r\nLf", "1:00"]],
        },
    )
    result = fix_directory(tmp_path / "raw", tmp_path / "clean")
    assert (result.files, result.rows, result.fields_fixed) == (5, 3, 2)
    assert read(RELEASE.path_in(tmp_path / "clean"))[0]["title"] == "Two Lines"
    assert read(RELEASE_TRACK.path_in(tmp_path / "clean"))[0]["title"] == "Cr Lf"
    # in place works too, and a second pass has nothing left to fix
    again = fix_directory(tmp_path / "clean", tmp_path / "clean")
    assert again.fields_fixed == 0


def test_filter_keeps_library_releases_and_reports_counts(tmp_path: Path) -> None:
    write_tables(
        tmp_path / "in",
        {
            "release": [[str(i), f"T{i}", "", "", "", ""] for i in (1, 2, 3, 4, 5, 6, 7)],
            "release_artist": [
                ["1", "The Beatles", "0"],
                ["2", "Beatles, The", "1"],  # an extra credit only: not by the artist
                ["3", "Björk", "0"],
                ["4", "Someone", "0"],
                ["5", "Fredrik Stark", "0"],  # the joined credit line is a library entry
                ["5", "City Dreams", "0"],
                ["5", "Someone", "1"],
                ["6", "Fredrik Stark", "0"],  # one artist of the entry alone: verify decides
                ["7", "Simon", "0"],  # too plain a name to stand for "Simon & Garfunkel"
            ],
            "release_track": [["1", "1", "A", "x", ""], ["4", "1", "A", "y", ""]],
        },
    )
    matcher = ArtistMatcher(["Beatles, The", "Bjork", "Fredrik Stark & City Dreams", "Simon & Garfunkel"])
    result = filter_directory(tmp_path / "in", tmp_path / "out", matcher)
    assert (result.releases_matched, result.releases_total) == (4, 7)
    assert result.summary() == "4/7 releases matched (57.1%)"
    assert [r["id"] for r in read(RELEASE.path_in(tmp_path / "out"))] == ["1", "3", "5", "6"]
    assert [r["release_id"] for r in read(RELEASE_TRACK.path_in(tmp_path / "out"))] == ["1"]


def test_missing_or_foreign_csvs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CacheError, match=r"missing release\.csv"):
        require_tables(tmp_path)
    write_tables(tmp_path, {})
    RELEASE.path_in(tmp_path).write_text("id,name\n1,x\n")
    with pytest.raises(CacheError, match="header"):
        require_tables(tmp_path)


def test_a_malformed_record_is_counted_and_skipped(tmp_path: Path) -> None:
    xml = gzip.decompress(SAMPLE_2025.read_bytes())
    second = xml.index(b'<release id="', xml.index(b'<release id="') + 1)
    broken = xml[:second] + xml[second:].replace(b"<title>", b"<title><unclosed>", 1)
    dump = tmp_path / "discogs_releases.xml.gz"
    dump.write_bytes(gzip.compress(broken))
    # One of a dozen: far over the default share, which fails the step after the last record.
    with pytest.raises(TooManySkippedError, match="1 of 11 records skipped"):
        convert_dump(dump, tmp_path / "failed")
    result = convert_dump(dump, tmp_path / "out", max_skipped_share=0.5)
    good = xml.count(b'<release id="') - 1
    assert (result.releases_seen, result.releases_written, result.skipped_records) == (good, good, 1)
    assert "1 malformed records skipped" in result.summary()
    assert len(read(RELEASE.path_in(tmp_path / "out"))) == good


def test_a_filtered_convert_shows_progress_through_the_whole_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A library that matches nothing: the bar must still move with every release read.
    convert_dump(SAMPLE_2020, tmp_path, ArtistMatcher(["No Such Artist At All"]), progress=True)
    size_kb = f"{SAMPLE_2020.stat().st_size / 1000:.1f}/{SAMPLE_2020.stat().st_size / 1000:.1f}"
    last_frame = capsys.readouterr().err.replace("\r", "\n").split("converting")[-1]
    assert size_kb in last_frame, last_frame
