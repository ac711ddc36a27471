"""Per-block work of a load, in the worker processes: parse the records, build their rows."""

from __future__ import annotations

from discogsography.bulk.workers import BlockResult, parsed_records
from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.splitter import Block
from discogsography.tableinator.rows import RecordRows, RowError, rows_from_json


def row_block(kind: Kind, block: Block) -> BlockResult[list[RecordRows]]:
    """The rows of a block's records, exactly as the tableinator builds them from a message."""
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
    return BlockResult(outcomes, built)
