"""Per-block conversions for each export format; they run in the worker processes.

Each takes the parsed records of one block and returns what the main process writes as it is:
an Arrow record batch (Parquet), JSON Lines bytes, or CSV text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import orjson
import pyarrow as pa

from discogsography.bulk.workers import BlockResult, parsed_records
from discogsography.export.arrow_schema import arrow_schema, rest_fields, typed_columns
from discogsography.export.conform import conform
from discogsography.kinds import Kind
from discogsography.parsing.records import ParsedRecord
from discogsography.parsing.splitter import Block
from discogsography.tableinator.rows import ROW_BUILDERS, RecordRows, RowError, rows_from_json
from discogsography.tableinator.tables import TABLES


def _typed(kind: Kind, build: Callable[[], RecordRows], record: ParsedRecord) -> dict[str, Any]:
    try:
        row = build().row
    except RowError:  # an id beyond bigint: the columns stay empty, the id is kept
        return {"id": record.id, "hash": record.sha256}
    columns = TABLES[kind].columns
    return {column: value for column, value in zip(columns, row, strict=True) if column != "data"}


def typed_values(kind: Kind, record: ParsedRecord) -> dict[str, Any]:
    """The typed columns of a record, as the tableinator computes them (rows.py)."""
    return _typed(kind, lambda: rows_from_json(kind, record.json), record)


def parquet_row(kind: Kind, record: ParsedRecord) -> dict[str, Any]:
    data = record.data  # decoded once, for the typed columns and the rest alike
    row = _typed(kind, lambda: ROW_BUILDERS[kind](data, record.json), record)
    for name in rest_fields(kind):
        row[name] = data.get(name)
    return row


def _conformed(kind: Kind, row: dict[str, Any]) -> dict[str, Any]:
    schema = arrow_schema(kind)
    return {name: conform(row.get(name), schema.field(name).type) for name in schema.names}


def to_batch(kind: Kind, rows: list[dict[str, Any]]) -> pa.RecordBatch:
    schema = arrow_schema(kind)
    try:
        return pa.RecordBatch.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # some record is off the common shape
        return pa.RecordBatch.from_pylist([_conformed(kind, row) for row in rows], schema=schema)


def parquet_block(kind: Kind, block: Block) -> BlockResult[pa.RecordBatch]:
    outcomes, records = parsed_records(kind, block)
    return BlockResult(outcomes, to_batch(kind, [parquet_row(kind, record) for record in records]))


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
