"""`discogsography export` on the real samples of both eras, read back with DuckDB and csv."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import pytest

from discogsography.cli import main
from discogsography.export.arrow_schema import rest_fields, typed_columns
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser, ParsedRecord
from discogsography.relational.table_rows import build_rows
from discogsography.relational.tables import TABLES
from tests.conftest import SAMPLES_2020, SAMPLES_2025

FOLDERS = {"2020": SAMPLES_2020, "2025": SAMPLES_2025}


def rows_of(query: str) -> list[tuple[Any, ...]]:
    relation = duckdb.sql(query)
    assert relation is not None
    return relation.fetchall()


def parsed(folder: Path) -> dict[Kind, list[ParsedRecord]]:
    found = {}
    for path in sorted(folder.glob("*.xml.gz")):
        parser = DumpParser(path)
        found[parser.kind] = list(parser)
    return found


def without_nulls(value: Any) -> Any:
    """Parquet has no "absent": a missing key and a null read back alike, so both are dropped."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


@pytest.fixture(scope="module", params=sorted(FOLDERS))
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[Kind, list[ParsedRecord]]]:
    folder = FOLDERS[request.param]
    out = tmp_path_factory.mktemp(f"export-{request.param}")
    for fmt, workers in (("parquet", "2"), ("jsonl", "1"), ("csv", "1")):
        main(
            [
                "export",
                str(folder),
                "--format",
                fmt,
                "--output",
                str(out),
                "--workers",
                workers,
                "--no-progress",
            ]
        )
    return out, parsed(folder)


def test_parquet_counts_and_ids_match_the_parser(
    exported: tuple[Path, dict[Kind, list[ParsedRecord]]],
) -> None:
    out, records = exported
    for kind, expected in records.items():
        rows = rows_of(f"SELECT id, hash FROM '{out / kind.value}/*.parquet'")
        assert rows == [(r.id, r.sha256) for r in expected], kind


def test_parquet_typed_columns_are_the_tables_values(
    exported: tuple[Path, dict[Kind, list[ParsedRecord]]],
) -> None:
    out, records = exported
    for kind, expected in records.items():
        columns = typed_columns(kind)
        query = f"SELECT {', '.join(columns)} FROM '{out / kind.value}/*.parquet'"
        got = rows_of(query)
        wanted = []
        for record in expected:
            row = dict(zip(TABLES[kind].columns, build_rows(kind, record.data).row, strict=True))
            wanted.append(tuple(row[c] for c in columns))
        assert got == wanted, kind


def test_parquet_keeps_every_other_field_in_the_records_shape(
    exported: tuple[Path, dict[Kind, list[ParsedRecord]]],
) -> None:
    out, records = exported
    checked = 0
    for kind, expected in records.items():
        fields = rest_fields(kind)
        quoted = ", ".join(f'"{name}"' for name in fields)
        stored = rows_of(f"SELECT {quoted} FROM '{out / kind.value}/*.parquet'")
        for record, row in zip(expected, stored, strict=True):
            for name, value in zip(fields, row, strict=True):
                assert without_nulls(value) == without_nulls(record.data.get(name)), (kind, record.id, name)
                checked += value is not None
    assert checked > sum(len(found) for found in records.values())  # most fields are present


def test_jsonl_is_the_parsers_output(exported: tuple[Path, dict[Kind, list[ParsedRecord]]]) -> None:
    out, records = exported
    for kind, expected in records.items():
        assert (out / f"{kind.value}.jsonl").read_bytes() == b"".join(r.json + b"\n" for r in expected)


def test_csv_has_one_row_per_record_with_the_typed_columns(
    exported: tuple[Path, dict[Kind, list[ParsedRecord]]],
) -> None:
    out, records = exported
    for kind, expected in records.items():
        with (out / f"{kind.value}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == list(typed_columns(kind))
        assert [(int(r[0]), r[-1]) for r in rows[1:]] == [(r.id, r.sha256) for r in expected]
