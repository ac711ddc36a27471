"""Bad files get one clear error; bad records are skipped, counted and reported; good ones arrive."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import pytest

from discogsography.errors import BrokenDumpError, DumpError, RecordError
from discogsography.parsing import DumpParser
from tests.conftest import SAMPLES_2020
from tests.parsing.helpers import write_dump


def ids(path: Path, **options: object) -> tuple[list[int], DumpParser]:
    # These files are tiny: any skip is far over the default share, which has tests of its own.
    options.setdefault("max_skipped_share", 1.0)
    parser = DumpParser(path, **options)  # type: ignore[arg-type]
    return [record.id for record in parser], parser


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")
    with pytest.raises(DumpError, match="empty"):
        DumpParser(path)


def test_empty_gzip(tmp_path: Path) -> None:
    with pytest.raises(DumpError, match="empty"):
        DumpParser(write_dump(tmp_path, "empty.xml.gz", b""))


def test_not_xml(tmp_path: Path) -> None:
    with pytest.raises(DumpError, match="not XML"):
        DumpParser(write_dump(tmp_path, "x.xml.gz", b"id,name\n1,foo\n"))


def test_unknown_root(tmp_path: Path) -> None:
    with pytest.raises(DumpError, match=re.escape("not a Discogs dump: root element <catalog>")):
        DumpParser(write_dump(tmp_path, "x.xml", b"<catalog><item/></catalog>", compress=False))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DumpError, match="cannot open"):
        DumpParser(tmp_path / "nope.xml.gz")


def test_truncated_gzip_fails_after_the_good_records(tmp_path: Path) -> None:
    data = (SAMPLES_2020 / "discogs_20200806_labels.xml.gz").read_bytes()
    path = tmp_path / "truncated.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    parser = DumpParser(path)
    seen: list[int] = []
    with pytest.raises(DumpError, match="truncated"):
        seen.extend(record.id for record in parser)
    # Every record that was whole before the cut arrived: all openings but the cut one.
    readable = zlib.decompressobj(31).decompress(data[: len(data) // 2])
    assert len(seen) == readable.count(b"<label>") - 1 > 100


def test_corrupt_gzip(tmp_path: Path) -> None:
    data = bytearray((SAMPLES_2020 / "discogs_20200806_labels.xml.gz").read_bytes())
    for position in range(len(data) // 2, len(data) // 2 + 64):
        data[position] ^= 0xFF
    path = tmp_path / "corrupt.xml.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DumpError, match=r"corrupt gzip|truncated|malformed|broken"):
        list(DumpParser(path))


def test_truncated_plain_xml(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path, "t.xml", b'<releases><release id="1"><title>a</title></release>', compress=False
    )
    with pytest.raises(DumpError, match="truncated"):
        list(DumpParser(path))


def test_malformed_record_is_skipped_with_its_id_and_neighbours_arrive(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path,
        "r.xml.gz",
        '<releases>\n<release id="1"><title>ok</title></release>\n'
        '<release id="2"><title>broken</titel></release>\n'
        '<release id="3"><title>ok</title></release>\n</releases>\n',
    )
    reported: list[RecordError] = []
    got, parser = ids(path, on_failure=reported.append)
    assert got == [1, 3]
    assert parser.stats.records == 2
    assert parser.stats.skipped == 1
    assert reported[0].record_id == "2"
    assert "record id 2" in parser.stats.failures[0]


def test_record_without_id_is_reported_by_byte_offset(tmp_path: Path) -> None:
    xml = b"<artists>\n<artist><id>1</id></artist>\n<artist><name>no id</name></artist>\n</artists>"
    path = write_dump(tmp_path, "a.xml", xml, compress=False)
    reported: list[RecordError] = []
    got, _ = ids(path, on_failure=reported.append)
    assert got == [1]
    assert reported[0].offset == xml.index(b"<artist><name>")
    assert f"byte offset {reported[0].offset}" in str(reported[0])


def test_invalid_utf8_skips_only_that_record(tmp_path: Path) -> None:
    xml = b'<masters>\n<master id="1"><title>\xff\xfe</title></master>\n<master id="2"><title>ok</title></master>\n</masters>'
    got, parser = ids(write_dump(tmp_path, "m.xml.gz", xml))
    assert got == [2]
    assert parser.stats.skipped == 1


def test_xml_control_characters_skip_only_that_record(tmp_path: Path) -> None:
    xml = (
        b'<masters>\n<master id="1"><title>bad \x01 char</title></master>\n'
        b'<master id="2"><title>bad &#1; ref</title></master>\n'
        b'<master id="3"><title>ok</title></master>\n</masters>'
    )
    got, parser = ids(write_dump(tmp_path, "m.xml.gz", xml))
    assert got == [3]
    assert parser.stats.skipped == 2


def test_consecutive_failures_declare_the_file_broken(tmp_path: Path) -> None:
    bad = "".join(f'<release id="{i}"><oops></release>\n' for i in range(10))
    path = write_dump(tmp_path, "r.xml.gz", f'<releases>\n<release id="0"/>\n{bad}</releases>')
    with pytest.raises(BrokenDumpError, match="5 records in a row"):
        list(DumpParser(path, max_consecutive_failures=5))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE releases [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<releases><release id="1"><title>&lol9;</title></release></releases>
"""

EXTERNAL_ENTITY = """<!DOCTYPE releases [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<releases><release id="1"><title>&xxe;</title></release></releases>
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_doctype_is_refused_before_any_expansion(tmp_path: Path, xml: str) -> None:
    with pytest.raises(DumpError, match="DOCTYPE"):
        DumpParser(write_dump(tmp_path, "evil.xml.gz", xml))


def test_entity_reference_inside_a_record_is_never_expanded(tmp_path: Path) -> None:
    # A DOCTYPE smuggled after the root element cannot define entities for the records.
    xml = (
        '<releases>\n<release id="1"><title>&xxe;</title></release>\n'
        '<release id="2"><title>&amp; &#228;</title></release>\n</releases>'
    )
    parser = DumpParser(write_dump(tmp_path, "r.xml.gz", xml), max_skipped_share=1.0)
    records = list(parser)
    assert [r.id for r in records] == [2]
    assert records[0].data["title"] == "& ä"
    assert parser.stats.skipped == 1
    assert "xxe" in parser.stats.failures[0]


def test_a_huge_record_is_parsed(tmp_path: Path) -> None:
    notes = "x" * (20 * 1024 * 1024)
    xml = f'<releases>\n<release id="1"><notes>{notes}</notes></release>\n<release id="2"/>\n</releases>'
    records = list(DumpParser(write_dump(tmp_path, "big.xml.gz", xml)))
    assert [r.id for r in records] == [1, 2]
    assert len(records[0].data["notes"]) == len(notes)


def test_gzip_with_trailing_garbage_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "g.xml.gz"
    path.write_bytes(gzip.compress(b"<labels><label><id>1</id></label></labels>") + b"garbage!")
    with pytest.raises(DumpError):
        list(DumpParser(path))
