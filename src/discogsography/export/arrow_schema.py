"""The Arrow schema of each kind's Parquet file (docs/export.md).

Two parts, both derived from definitions that exist once:
- the typed columns of the kind's table and their types, from ddl.sql (relational/tables.py),
  with the values the tableinator stores;
- every other top-level field of the record, in the record's own shape (structs and lists),
  typed from the kind's JSON Schema (src/discogsography/schemas). A field that is either text or
  an element with attributes (``named_ref``, ``master_id``) is the struct, its text under
  ``#text``; a track's sub-tracks nest one level, deeper ones are kept as their JSON text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pyarrow as pa

from discogsography.kinds import Kind
from discogsography.relational.tables import DDL_TABLES, TABLES
from discogsography.schemas import load_schema

_SQL_TO_ARROW: dict[str, pa.DataType] = {
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "text": pa.string(),
    "text[]": pa.list_(pa.string()),
    "boolean": pa.bool_(),
}
# Record fields that only say who the record is; the typed columns carry them.
_IDENTITY = ("id", "sha256")
MAX_NESTING = 2  # times one $ref may nest in itself (tracks in tracks) before it becomes JSON text


@cache
def typed_columns(kind: Kind) -> tuple[str, ...]:
    """The table columns a kind's Parquet file has: those its rows give values for but ``data``."""
    return tuple(column for column in TABLES[kind].columns if column != "data")


@cache
def rest_fields(kind: Kind) -> tuple[str, ...]:
    """The record's top-level fields kept in their own shape: every field no column is named by."""
    typed = set(typed_columns(kind))
    properties = load_schema(kind.value)["properties"]
    return tuple(name for name in properties if name not in typed and name not in _IDENTITY)


def _arrow_type(node: dict[str, Any], defs: dict[str, Any], seen: tuple[str, ...]) -> pa.DataType:
    ref = node.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[1]
        if seen.count(name) >= MAX_NESTING:
            return pa.string()
        return _arrow_type(defs[name], defs, (*seen, name))
    for key in ("oneOf", "anyOf"):
        if key in node:  # text or an element with attributes: the element's shape holds both
            variants = [_arrow_type(variant, defs, seen) for variant in node[key]]
            structs = [variant for variant in variants if pa.types.is_struct(variant)]
            return structs[0] if structs else pa.string()
    types = node.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if "object" in types:
        properties = node.get("properties", {})
        return pa.struct([pa.field(name, _arrow_type(sub, defs, seen)) for name, sub in properties.items()])
    if "array" in types:
        return pa.list_(_arrow_type(node.get("items", {}), defs, seen))
    if "integer" in types:
        return pa.int64()
    return pa.string()


@cache
def arrow_schema(kind: Kind) -> pa.Schema:
    sql_types = DDL_TABLES[TABLES[kind].table].types
    fields = [pa.field(column, _SQL_TO_ARROW[sql_types[column]]) for column in typed_columns(kind)]
    schema = load_schema(kind.value)
    defs = schema.get("$defs", {})
    fields += [
        pa.field(name, _arrow_type(schema["properties"][name], defs, ())) for name in rest_fields(kind)
    ]
    return pa.schema(fields)
