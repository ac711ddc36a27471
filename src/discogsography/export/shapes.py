"""Per-block conversions for each export format; they run in the worker processes.

Each takes the parsed records of one block and returns what the main process writes as it is:
an Arrow batch as IPC bytes (Parquet), JSON Lines bytes, or CSV text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from discogsography.bulk.workers import BlockResult, parsed_records
from discogsography.export.arrow_schema import typed_columns
from discogsography.export.batch import to_batch, to_ipc, typed_rows
from discogsography.kinds import Kind
from discogsography.parsing.records import ParsedRecord
from discogsography.parsing.splitter import Block


def typed_values(kind: Kind, record: ParsedRecord) -> dict[str, Any]:
    """The typed columns of a record, as the tableinator computes them (relational/table_rows.py)."""
    return dict(zip(typed_columns(kind), typed_rows(kind, [record])[0], strict=True))


def parquet_block(kind: Kind, block: Block) -> BlockResult[bytes]:
    """A block's records as one Arrow batch, in the IPC stream format (batch.py)."""
    outcomes, records = parsed_records(kind, block)
    return BlockResult(outcomes, to_ipc(to_batch(kind, records)))


def jsonl_block(kind: Kind, block: Block) -> BlockResult[bytes]:
    outcomes, records = parsed_records(kind, block)
    return BlockResult(outcomes, b"".join(record.json + b"\n" for record in records))


def csv_header(kind: Kind) -> list[str]:
    return list(typed_columns(kind))


def _csv_cell(value: Any) -> Any:
    # Lists (genres, urls, aliases) as JSON arrays: unambiguous, and spreadsheets show them.
    return orjson.dumps(value).decode() if isinstance(value, list) else value


def csv_block(kind: Kind, block: Block) -> BlockResult[str]:
    outcomes, records = parsed_records(kind, block)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = csv_header(kind)
    for record in records:
        values = typed_values(kind, record)
        writer.writerow([_csv_cell(values.get(column)) for column in columns])
    return BlockResult(outcomes, out.getvalue())
