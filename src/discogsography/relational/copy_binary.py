"""A block's rows as binary COPY tuples, built in the worker that parsed them.

The worker that builds a record's rows also formats them as PostgreSQL's binary COPY does
(psycopg's own formatter, with the types of the table's columns and ``data`` as the JSON text):
the main process then sends those bytes as they are. A block travels as a few byte strings and
the offset where each record's tuples end, which pickle as plain copies, where the rows
themselves (tuples of texts and lists, one object per value) cost more to pickle and unpickle,
and to format on the writer thread, than the worker spends building them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import psycopg

# psycopg's row formatter (its C version when psycopg's binary package is installed); it has no
# public name: Copy.write_row() calls it with the Transformer that set_types() prepares.
from psycopg._copy_base import format_row_binary
from psycopg.abc import Transformer as RowTransformer
from psycopg.adapt import AdaptersMap, Transformer
from psycopg.pq import Format

from discogsography.relational.copy_writer import JsonTextDumper
from discogsography.relational.table_rows import RecordRows

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # header, no flags
TRAILER = b"\xff\xff"


@dataclass(frozen=True, slots=True)
class ColumnTypes:
    """The type oids of a kind's table columns and of each of its link tables' (the catalog's)."""

    table: tuple[int, ...]
    links: tuple[tuple[int, ...], ...]  # in the order of KindTables.links


@dataclass(slots=True)
class EncodedRows:
    """The rows of a block's records: record i's tuples end at ``table_ends[i]`` in ``table``."""

    ids: list[int]
    hashes: list[str]
    table: bytes
    table_ends: list[int]
    links: list[bytes]  # per link table, every record's link tuples
    link_ends: list[list[int]]

    def __len__(self) -> int:
        return len(self.ids)


@cache
def _transformer(types: tuple[int, ...]) -> RowTransformer:
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_dumper(bytes, JsonTextDumper)  # data: the JSON text, as the tableinator sends it
    transformer = Transformer(adapters)
    transformer.set_dumper_types(list(types), Format.BINARY)
    return transformer


def encode(built: list[RecordRows], types: ColumnTypes, link_names: tuple[str, ...]) -> EncodedRows:
    """The binary COPY tuples of these records' rows, in order."""
    table_tx = _transformer(types.table)
    link_tx = [_transformer(link_types) for link_types in types.links]
    table = bytearray()
    table_ends: list[int] = []
    links = [bytearray() for _ in link_names]
    link_ends: list[list[int]] = [[] for _ in link_names]
    for record_rows in built:
        format_row_binary(record_rows.row, table_tx, table)
        table_ends.append(len(table))
        for index, name in enumerate(link_names):
            out = links[index]
            for link_row in record_rows.links.get(name, ()):
                format_row_binary(link_row, link_tx[index], out)
            link_ends[index].append(len(out))
    return EncodedRows(
        [r.id for r in built],
        [r.hash for r in built],
        bytes(table),
        table_ends,
        [bytes(out) for out in links],
        link_ends,
    )
