"""Cutting the byte stream into records, wherever chunk boundaries fall."""

from __future__ import annotations

from pathlib import Path

import pytest

from discogsography.errors import DumpError
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser, splitter
from discogsography.parsing.splitter import Block, RawRecord, RecordSplitter, split_block
from tests.parsing.helpers import write_dump

LABELS = (
    b"<labels>\n"
    b'<label><id>1</id><name>Planet E</name><sublabels><label id="2">Sub</label></sublabels></label>\n'
    b'<label><id>2</id><name>Sub</name><parentLabel id="1">Planet E</parentLabel></label>'
    b"<label><id>3</id></label>\n"
    b"</labels>\n"
)


def split_all(kind: Kind, data: bytes, chunk_size: int) -> list[RawRecord]:
    feeder = RecordSplitter(kind.spec)
    blocks: list[Block] = []
    for start in range(0, len(data), chunk_size):
        blocks.extend(feeder.feed(data[start : start + chunk_size]))
    blocks.extend(feeder.finish())
    return [raw for block in blocks for raw in split_block(block)]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 16, 64, 1 << 20])
def test_records_are_found_at_any_chunk_boundary(chunk_size: int) -> None:
    records = split_all(Kind.LABELS, LABELS, chunk_size)
    assert [r.xml.strip() for r in records] == [
        b'<label><id>1</id><name>Planet E</name><sublabels><label id="2">Sub</label></sublabels></label>',
        b'<label><id>2</id><name>Sub</name><parentLabel id="1">Planet E</parentLabel></label>',
        b"<label><id>3</id></label>",
    ]
    assert [r.offset for r in records] == [LABELS.index(r.xml) for r in records]


def test_two_records_on_one_line() -> None:
    data = b'<releases>\n<release id="1"><title>a</title></release><release id="2"><title>b</title></release>\n</releases>'
    assert [r.xml.strip() for r in split_all(Kind.RELEASES, data, 5)] == [
        b'<release id="1"><title>a</title></release>',
        b'<release id="2"><title>b</title></release>',
    ]


def test_dump_without_records() -> None:
    assert split_all(Kind.ARTISTS, b"<artists>\n</artists>\n", 4) == []


def test_missing_root_close_is_truncation() -> None:
    with pytest.raises(DumpError, match="truncated"):
        split_all(Kind.RELEASES, b'<releases><release id="1"><title>a</title></release>', 8)


def test_content_after_root_is_refused() -> None:
    with pytest.raises(DumpError, match="content after"):
        split_all(Kind.ARTISTS, b"<artists><artist><id>1</id></artist></artists><extra/>", 1024)


# Records of each kind in which the record's own tag nests: with and without attributes,
# self-closing, two levels deep, next to longer names that start the same (<labels>, <released>),
# with a '>' inside an attribute value, and two records on one line.
NESTED: dict[Kind, list[bytes]] = {
    Kind.LABELS: [
        b"<label><id>1</id><name>Warp</name><sublabels><label>Arcola</label><label>Gift</label>"
        b"</sublabels></label>",
        b'<label><id>2</id><sublabels><label id="7">Sub</label><label id="8"/></sublabels></label>',
        b"<label ><id>3</id><sublabels><label><label>deep</label></label></sublabels><labels/></label>",
        b'<label\n><id>4</id><parentLabel id="1">Warp</parentLabel></label>',
        b'<label><id>5</id><sublabels><label name="a>b">x</label></sublabels></label>',
    ],
    Kind.ARTISTS: [
        b"<artist><id>1</id><aliases><artist>Alias</artist></aliases></artist>",
        b'<artist><id>2</id><members><artist id="3"><artist>x</artist></artist></members></artist>',
        b"<artist><id>3</id><artists/><artist/></artist>",
    ],
    Kind.MASTERS: [
        b'<master id="1"><title>t</title><master id="9">inner</master></master>',
        b'<master id="2" status="x>y"><masters/><master/></master>',
    ],
    Kind.RELEASES: [
        b'<release id="1"><released>1999</released><release>x<release id="2"/></release></release>',
        b'<release id="3"><title>b</title><release_date>x</release_date></release>',
        b'<release id="4"/>',
    ],
}


def nested_dump(kind: Kind) -> tuple[bytes, list[bytes]]:
    records = NESTED[kind]
    root = kind.spec.root_tag.encode()
    # The last two records share a line; the others end with a newline.
    body = b"".join(record + b"\n" for record in records[:-2]) + records[-2] + records[-1] + b"\n"
    return b"<" + root + b">\n" + body + b"</" + root + b">\n", records


@pytest.mark.parametrize("kind", list(NESTED), ids=str)
def test_nested_record_tags_split_correctly_at_every_boundary_position(kind: Kind) -> None:
    data, expected = nested_dump(kind)
    for cut in range(1, len(data)):
        feeder = RecordSplitter(kind.spec)
        blocks = [*feeder.feed(data[:cut]), *feeder.feed(data[cut:]), *feeder.finish()]
        records = [raw for block in blocks for raw in split_block(block)]
        assert [r.xml.strip() for r in records] == expected, f"cut at {cut}"
        assert [r.offset for r in records] == [data.index(record) for record in expected]


@pytest.mark.parametrize("kind", list(NESTED), ids=str)
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 8, 13])
def test_nested_record_tags_split_correctly_in_small_chunks(kind: Kind, chunk_size: int) -> None:
    data, expected = nested_dump(kind)
    assert [r.xml.strip() for r in split_all(kind, data, chunk_size)] == expected


@pytest.mark.parametrize("kind", list(NESTED), ids=str)
def test_nested_records_parse_whole(tmp_path: Path, kind: Kind) -> None:
    data, expected = nested_dump(kind)
    path = write_dump(tmp_path, f"{kind}.xml", data, compress=False)
    parser = DumpParser(path, chunk_size=7)
    records = list(parser)
    assert parser.stats.skipped == 0
    assert len(records) == len(expected)
    if kind is Kind.LABELS:
        assert records[0].data["sublabels"] == {"label": ["Arcola", "Gift"]}


def test_a_record_missing_its_closing_tag_does_not_take_its_neighbours(tmp_path: Path) -> None:
    xml = (
        b"<labels>\n<label><id>1</id><sublabels><label>A</label></sublabels></label>\n"
        b"<label><id>2</id><name>no close</name>\n"
        b"<label><id>3</id><sublabels><label>B</label></sublabels></label>\n"
        b"<label><id>4</id></label>\n</labels>\n"
    )
    parser = DumpParser(write_dump(tmp_path, "l.xml", xml, compress=False), max_skipped_share=1.0)
    assert [record.id for record in parser] == [1, 3, 4]
    assert parser.stats.skipped_refs == ["id 2"]


def test_an_unbalanced_record_is_abandoned_past_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A missing closing tag would otherwise hold the rest of the file in memory.
    monkeypatch.setattr(splitter, "MAX_OPEN_RECORD", 200)
    good = b"".join(b"<label><id>%d</id><name>%s</name></label>\n" % (i, b"x" * 40) for i in range(2, 40))
    xml = b"<labels>\n<label><id>1</id><sublabels>\n" + good + b"</labels>\n"
    feeder = RecordSplitter(Kind.LABELS.spec)
    largest = 0
    blocks: list[Block] = []
    for start in range(0, len(xml), 64):
        blocks.extend(feeder.feed(xml[start : start + 64]))
        largest = max(largest, len(feeder._buffer))
    blocks.extend(feeder.finish())
    assert largest < 600
    parser = DumpParser(
        write_dump(tmp_path, "l.xml", xml, compress=False), max_skipped_share=1.0, chunk_size=64
    )
    assert [record.id for record in parser] == list(range(2, 40))
    assert parser.stats.skipped_refs == ["id 1"]
