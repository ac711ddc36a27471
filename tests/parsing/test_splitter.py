"""Cutting the byte stream into records, wherever chunk boundaries fall."""

from __future__ import annotations

import pytest

from discogsography.errors import DumpError
from discogsography.kinds import Kind
from discogsography.parsing.splitter import Block, RawRecord, RecordSplitter, split_block

LABELS = (
    b"<labels>\n"
    b'<label><id>1</id><name>Planet E</name><sublabels><label id="2">Sub</label></sublabels></label>\n'
    b'<label><id>2</id><name>Sub</name><parentLabel id="1">Planet E</parentLabel></label>'
    b"<label><id>3</id></label>\n"
    b"</labels>\n"
)


def split_all(kind: Kind, data: bytes, chunk_size: int) -> list[RawRecord]:
    splitter = RecordSplitter(kind.spec)
    blocks: list[Block] = []
    for start in range(0, len(data), chunk_size):
        blocks.extend(splitter.feed(data[start : start + chunk_size]))
    blocks.extend(splitter.finish())
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
