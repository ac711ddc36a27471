"""Rows encoded in the workers, picked in the writer: pure logic, no server (relational/copy_binary.py, store.py)."""

from __future__ import annotations

import struct

from psycopg import postgres

from discogsography.load.kind_store import _slices, latest
from discogsography.relational.copy_binary import ColumnTypes, EncodedRows, encode
from discogsography.relational.table_rows import RecordRows

OID = {name: postgres.types[name].oid for name in ("int8", "int4", "text", "jsonb")}
TYPES = ColumnTypes((OID["int8"], OID["text"], OID["jsonb"]), ((OID["int8"], OID["int4"], OID["text"]),))
LINKS = ("things",)


def _rows(record_id: int, name: str, links: int) -> RecordRows:
    things = [(record_id, position, f"{name}-{position}") for position in range(links)]
    return RecordRows(record_id, f"h{record_id}", (record_id, name, b'{"id":1}'), {"things": things})


def _tuples(data: bytes) -> list[list[bytes | None]]:
    """Binary COPY tuples read back: each a list of field values."""
    found, at = [], 0
    while at < len(data):
        (count,) = struct.unpack_from("!h", data, at)
        at += 2
        fields: list[bytes | None] = []
        for _ in range(count):
            (size,) = struct.unpack_from("!i", data, at)
            at += 4
            fields.append(None if size < 0 else data[at : at + size])
            at += max(size, 0)
        found.append(fields)
    return found


def test_encode_writes_one_tuple_per_row_with_the_offsets_of_each_record() -> None:
    encoded = encode([_rows(1, "a", 2), _rows(2, "b", 0), _rows(3, "c", 1)], TYPES, LINKS)
    assert encoded.ids == [1, 2, 3] and encoded.hashes == ["h1", "h2", "h3"] and len(encoded) == 3
    table = _tuples(encoded.table)
    assert [t[1] for t in table] == [b"a", b"b", b"c"]
    assert table[0][0] == struct.pack("!q", 1) and table[0][2] == b'\x01{"id":1}'  # jsonb: version 1, text
    assert _tuples(encoded.table[: encoded.table_ends[0]]) == table[:1]
    assert encoded.link_ends[0][0] == encoded.link_ends[0][1]  # record 2 has no link rows
    links = _tuples(encoded.links[0])
    assert [t[2] for t in links] == [b"a-0", b"a-1", b"c-0"]


def _picked(batch: list[EncodedRows], link: int | None) -> list[list[bytes | None]]:
    return _tuples(b"".join(_slices(batch, latest(batch).values(), link)))


def test_the_last_record_of_an_id_wins_in_first_seen_order_with_its_link_rows() -> None:
    first = encode([_rows(1, "old", 1), _rows(2, "two", 1)], TYPES, LINKS)
    second = encode([_rows(3, "three", 2), _rows(1, "new", 3)], TYPES, LINKS)
    batch = [first, second]
    assert latest(batch) == {1: (1, 1), 2: (0, 1), 3: (1, 0)}
    assert [t[1] for t in _picked(batch, None)] == [b"new", b"two", b"three"]
    assert [t[2] for t in _picked(batch, 0)] == [
        b"new-0",
        b"new-1",
        b"new-2",
        b"two-0",
        b"three-0",
        b"three-1",
    ]


def test_whole_blocks_go_as_one_slice_each() -> None:
    batch = [
        encode([_rows(i, "x", 1) for i in range(5)], TYPES, LINKS),
        encode([_rows(9, "y", 1)], TYPES, LINKS),
    ]
    slices = list(_slices(batch, latest(batch).values(), None))
    assert [bytes(s) for s in slices] == [batch[0].table, batch[1].table]
