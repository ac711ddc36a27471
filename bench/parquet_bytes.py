"""Parquet bytes per kind, ours against discogskit's, and what typing our strings would save.

    uv run python bench/parquet_bytes.py OURS_DIR KIT_DIR     # two exports of the same dump

OURS_DIR is an `export -f parquet` output, KIT_DIR a `discogskit convert -f parquet` output of
the same dump (both one directory per kind). Printed per kind: each side's bytes, ours by
top-level field and discogskit's by table; then our files rewritten, row group by row group with
the same writer settings (zstd), with
  - hash: the sha256 as 32 bytes (fixed_size_binary) instead of 64 hex characters;
  - ids: nested ids (`artists.artist[].id`, `labels.label[].id`, `members.id[]`, ...) as int64;
  - nums: nested counts and sizes (`images.image[].width/height`, `formats.format[].qty`,
    `videos.video[].duration`, `companies.company[].entity_type`) as int32;
each checked to read back to exactly the strings it replaces (the canonical decimal form only).
Nothing here changes the export; it measures a proposal.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KINDS = ("artists", "labels", "masters", "releases")
IDS = frozenset({"id"})
NUMS = frozenset({"width", "height", "qty", "duration", "entity_type"})
VARIANTS = ("hash", "ids", "hash+ids", "hash+ids+nums")


def retyped(t: pa.DataType, names: frozenset[str], target: pa.DataType, nested: bool) -> pa.DataType:
    """``t`` with every nested string field (or list of strings) named in ``names`` as ``target``."""
    if pa.types.is_struct(t):
        # A track's duration is "4:18", not a number: only a video's duration is seconds.
        here = names - {"duration"} if "position" in t.names else names
        fields = []
        for f in t:
            if nested and f.name in here and pa.types.is_string(f.type):
                fields.append(pa.field(f.name, target, f.nullable))
            elif (
                nested
                and f.name in here
                and pa.types.is_list(f.type)
                and pa.types.is_string(f.type.value_type)
            ):
                fields.append(pa.field(f.name, pa.list_(target), f.nullable))
            else:
                fields.append(pa.field(f.name, retyped(f.type, names, target, True), f.nullable))
        return pa.struct(fields)
    if pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, retyped(t.value_type, names, target, True)))
    return t


def variant(schema: pa.Schema, how: str) -> pa.Schema:
    fields = []
    for f in schema:
        t = f.type
        if "hash" in how and f.name == "hash":
            t = pa.binary(32)
        if "ids" in how:
            t = retyped(t, IDS, pa.int64(), False)
        if "nums" in how:
            t = retyped(t, NUMS, pa.int32(), False)
        fields.append(pa.field(f.name, t, f.nullable))
    return pa.schema(fields)


def hex_to_bytes(column: pa.ChunkedArray) -> pa.Array:
    raw = b"".join(bytes.fromhex(value) for value in column.to_pylist())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), len(column), [None, pa.py_buffer(raw)])


def converted(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for f in schema:
        column = table[f.name]
        columns.append(hex_to_bytes(column) if f.type == pa.binary(32) else column.cast(f.type))
    out = pa.table(columns, schema=schema)
    for f in schema:  # back to strings: exactly the values written now
        back = out[f.name]
        if f.type == pa.binary(32):
            back = pa.chunked_array([pa.array([value.hex() for value in back.to_pylist()])])
        elif back.type != table[f.name].type:
            back = pc.cast(back, table[f.name].type)
        if back.to_pylist() != table[f.name].to_pylist():
            raise SystemExit(f"{f.name} does not read back exactly as {f.type}")
    return out


def rewritten_size(directory: Path, how: str, scratch: Path) -> int:
    total = 0
    for part in sorted(directory.glob("*.parquet")):
        source = pq.ParquetFile(part)
        schema = variant(source.schema_arrow, how)
        target = scratch / f"{directory.name}-{how}-{part.name}"
        with pq.ParquetWriter(target, schema, compression="zstd") as writer:
            for group in range(source.num_row_groups):
                writer.write_table(converted(source.read_row_group(group), schema), row_group_size=1 << 30)
        total += target.stat().st_size
        target.unlink()
    return total


def column_bytes(files: list[Path], by_file: bool) -> collections.Counter[str]:
    sizes: collections.Counter[str] = collections.Counter()
    for path in files:
        metadata = pq.ParquetFile(path).metadata
        for group in range(metadata.num_row_groups):
            row_group = metadata.row_group(group)
            for index in range(row_group.num_columns):
                column = row_group.column(index)
                key = path.stem if by_file else column.path_in_schema.split(".")[0]
                sizes[key] += column.total_compressed_size
    return sizes


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("ours", type=Path)
    options.add_argument("kit", type=Path)
    args = options.parse_args()
    scratch = args.ours.parent / f".{args.ours.name}-rewrites"
    scratch.mkdir(exist_ok=True)
    try:
        print("| kind | ours, bytes | discogskit, bytes | ours / discogskit | " + " | ".join(VARIANTS) + " |")
        print("|---" * (4 + len(VARIANTS)) + "|")
        details = []
        for kind in KINDS:
            ours = sorted((args.ours / kind).glob("*.parquet"))
            kit = sorted((args.kit / kind).glob("*.parquet"))
            mine, theirs = sum(p.stat().st_size for p in ours), sum(p.stat().st_size for p in kit)
            savings = []
            for how in VARIANTS:
                size = rewritten_size(args.ours / kind, how, scratch)
                savings.append(f"{size:,} ({(size - mine) / mine * 100:+.1f} %)")
            print(f"| {kind} | {mine:,} | {theirs:,} | {mine / theirs:.2f} | " + " | ".join(savings) + " |")
            details.append((kind, column_bytes(ours, False), column_bytes(kit, True)))
        for kind, mine_by_field, theirs_by_table in details:
            print(
                f"\n{kind}, ours by top-level field (compressed bytes): {dict(mine_by_field.most_common())}"
            )
            print(f"{kind}, discogskit by table: {dict(theirs_by_table.most_common())}")
    finally:
        for leftover in scratch.glob("*"):
            leftover.unlink()
        scratch.rmdir()


if __name__ == "__main__":
    main()
