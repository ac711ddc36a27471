"""A block's records as one Arrow batch, and the bytes it travels in from a worker.

The common path builds the columns without a Python object per value:
- the typed columns from the rows the tableinator computes: its row builders, given the fields
  they read but those only its link tables need; one tuple per record, one Arrow array per column;
- every other field by Arrow's own JSON reader from the records' JSON lines, typed by the kind's
  schema.
That reader is strict: a value off its type (a number where text is expected, a text element
that gained an attribute, a repeated tag that became a list, a fourth level of sub-tracks kept
as JSON text) fails the whole block, which is then built the way it was before, record by record
from dicts through ``conform``. Both paths give the same values for any block the strict one
accepts (tests/export/test_batch.py compares them).

The batch goes to the main process as an Arrow IPC stream: a single ``bytes`` object, which
pickles as one copy, where a pickled batch rebuilds every nested array in Python.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.json as pa_json

from discogsography.export.arrow_schema import arrow_schema, rest_fields, typed_columns
from discogsography.export.conform import conform
from discogsography.kinds import Kind
from discogsography.parsing.records import ParsedRecord
from discogsography.relational.table_rows import READ_FIELDS, ROW_BUILDERS, RowError
from discogsography.relational.tables import TABLES

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError)


def parquet_row(kind: Kind, record: ParsedRecord) -> dict[str, Any]:
    """One record as a dict of every column (the path for blocks off the common shape)."""
    found = dict(zip(typed_columns(kind), typed_rows(kind, [record])[0], strict=True))
    data = record.data
    for name in rest_fields(kind):
        found[name] = data.get(name)
    return found


def _from_dicts(kind: Kind, records: list[ParsedRecord]) -> pa.RecordBatch:
    schema = arrow_schema(kind)
    rows = [parquet_row(kind, record) for record in records]
    try:
        return pa.RecordBatch.from_pylist(rows, schema=schema)
    except _ARROW_ERRORS:  # some record is off the common shape
        conformed = [
            {name: conform(row.get(name), schema.field(name).type) for name in schema.names} for row in rows
        ]
        return pa.RecordBatch.from_pylist(conformed, schema=schema)


# The fields the rows read only for their link tables, which an export has none of: they are not
# decoded (a release's credits and labels are most of what rows_from_json decodes).
# tests/export/test_batch.py checks that every sample record's row is the same without them.
LINK_ONLY_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.LABELS: (),
    Kind.ARTISTS: ("members",),
    Kind.RELEASES: ("labels", "artists", "extraartists"),
    Kind.MASTERS: ("artists",),
}
_ROW_DECODERS = {
    kind: msgspec.json.Decoder(
        msgspec.defstruct(
            f"{kind.value.title()}Columns",
            [(name, Any, None) for name in ("id", "sha256", *fields) if name not in LINK_ONLY_FIELDS[kind]],
        )
    )
    for kind, fields in READ_FIELDS.items()
}


def typed_rows(kind: Kind, records: list[ParsedRecord]) -> list[tuple[Any, ...]]:
    """Each record's table row (relational/table_rows.py), without ``data``; only id and hash when refused."""
    columns = TABLES[kind].columns
    keep = [index for index, column in enumerate(columns) if column != "data"]
    hash_at = columns.index("hash")
    decoder, build = _ROW_DECODERS[kind], ROW_BUILDERS[kind]
    rows = []
    for record in records:
        try:
            row = build(msgspec.structs.asdict(decoder.decode(record.json)), record.json).row
            rows.append(tuple(row[index] for index in keep))
        except RowError:  # an id beyond bigint
            empty: list[Any] = [None] * len(columns)
            empty[0], empty[hash_at] = record.id, record.sha256
            rows.append(tuple(empty[index] for index in keep))
    return rows


def _columnar(kind: Kind, records: list[ParsedRecord]) -> pa.RecordBatch:
    """The common path; raises an Arrow error when some record is off the schema's shape."""
    schema = arrow_schema(kind)
    rest = rest_fields(kind)
    lines = b"\n".join(record.json for record in records)
    others = pa_json.read_json(
        pa.py_buffer(lines),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=len(lines) + 1),
        parse_options=pa_json.ParseOptions(
            explicit_schema=pa.schema([schema.field(name) for name in rest]),
            unexpected_field_behavior="ignore",
        ),
    ).combine_chunks()
    typed = list(zip(*typed_rows(kind, records), strict=True))
    arrays = [pa.array(values, type=schema.field(index).type) for index, values in enumerate(typed)] + [
        others.column(name).chunk(0) for name in rest
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def to_batch(kind: Kind, records: list[ParsedRecord]) -> pa.RecordBatch:
    """The records of a block as one batch of the kind's schema."""
    if not records:
        return pa.RecordBatch.from_pylist([], schema=arrow_schema(kind))
    try:
        return _columnar(kind, records)
    except (*_ARROW_ERRORS, OverflowError):
        return _from_dicts(kind, records)


def to_ipc(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    payload: bytes = sink.getvalue().to_pybytes()
    return payload


def from_ipc(payload: bytes) -> pa.Table:
    """The batch of ``to_ipc``, its buffers pointing into ``payload`` (no copy)."""
    return pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
