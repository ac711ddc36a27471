"""Per-block work of a load, in the worker processes: parse the records, build and encode their rows."""

from __future__ import annotations

from discogsography.bulk.workers import BlockResult, parsed_records
from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.splitter import Block
from discogsography.relational.copy_binary import ColumnTypes, EncodedRows, encode
from discogsography.relational.table_rows import RecordRows, RowError, rows_from_json
from discogsography.relational.tables import TABLES


def row_block(types: ColumnTypes, kind: Kind, block: Block) -> BlockResult[EncodedRows]:
    """The rows of a block's records, exactly as the tableinator builds them from a message,
    as binary COPY tuples (bound to ``types`` with functools.partial for map_blocks)."""
    outcomes, records = parsed_records(kind, block)
    built: list[RecordRows] = []
    failed: dict[int, RecordError] = {}
    for index, record in enumerate(records):
        try:
            built.append(rows_from_json(kind, record.json))
        except RowError as exc:  # an id beyond bigint: skipped like a malformed record
            failed[index] = RecordError(str(exc), offset=record.offset, record_id=str(record.id))
    if failed:
        parsed_index = -1
        for position, outcome in enumerate(outcomes):
            if outcome is None:
                parsed_index += 1
                outcomes[position] = failed.get(parsed_index)
    links = tuple(link.name for link in TABLES[kind].links)
    return BlockResult(outcomes, encode(built, types, links))
