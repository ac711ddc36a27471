"""ddl.sql is the one definition of the tables: the rows fit its columns, and its parse is the catalog's."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.relational.table_rows import RecordRows, build_rows
from discogsography.relational.tables import (
    DDL_TABLES,
    LINK_TABLES,
    RECORD_TABLES,
    TABLES,
    KindTables,
    Table,
    ddl_text,
    kind_tables,
    parse_tables,
)

# The Python value each SQL type takes in a row (None, NULL, fits every column).
PYTHON_TYPES: dict[str, type] = {
    "bigint": int,
    "integer": int,
    "text": str,
    "text[]": list,
    "jsonb": bytes,
    "boolean": bool,
}


def shape_errors(
    tables: dict[Kind, KindTables], ddl: dict[str, Table], kind: Kind, built: RecordRows
) -> list[str]:
    """Where a record's rows do not fit the tables: a value count or a value type off its column."""
    errors: list[str] = []

    def check(table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> None:
        if len(row) != len(columns):
            errors.append(f"{table}: {len(row)} values for the columns {columns}")
            return
        types = ddl[table].types
        for column, value in zip(columns, row, strict=True):
            expected = PYTHON_TYPES[types[column]]
            wrong_bool = isinstance(value, bool) and expected is not bool
            if value is not None and (wrong_bool or not isinstance(value, expected)):
                errors.append(f"{table}.{column} ({types[column]}): {value!r}")

    check(tables[kind].table, tables[kind].columns, built.row)
    names = {link.name for link in tables[kind].links}
    if set(built.links) != names:
        errors.append(f"{kind}: rows for the link tables {sorted(built.links)}, ddl.sql has {sorted(names)}")
    for link in tables[kind].links:
        for link_row in built.links.get(link.name, ()):
            check(link.name, link.columns, link_row)
    return errors


def _richest(records: list[ParsedRecord], kind: Kind) -> dict[str, Any]:
    """The sample record with the most link rows, so that every link table of the kind gets some."""
    return max(
        (parsed.data for parsed in records),
        key=lambda data: sum(map(len, build_rows(kind, data).links.values())),
    )


def test_every_sample_record_gives_a_value_of_the_right_type_for_every_column(
    all_samples: dict[Kind, list[ParsedRecord]],
) -> None:
    link_rows = dict.fromkeys(LINK_TABLES, 0)
    for kind, records in all_samples.items():
        for parsed in records:
            built = build_rows(kind, parsed.data)
            assert shape_errors(TABLES, DDL_TABLES, kind, built) == [], parsed.id
            for name, rows in built.links.items():
                link_rows[name] += len(rows)
    assert all(count > 0 for count in link_rows.values()), link_rows  # every link table was checked


@pytest.mark.parametrize("table", [*RECORD_TABLES, *LINK_TABLES])
def test_a_column_added_to_ddl_sql_and_not_given_by_the_rows_is_caught(
    table: str, all_samples: dict[Kind, list[ParsedRecord]]
) -> None:
    opening = f"CREATE TABLE IF NOT EXISTS {table} (\n"
    text = ddl_text()
    assert text.count(opening) == 1
    ddl = parse_tables(text.replace(opening, opening + "    added_column text,\n"))
    tables = kind_tables(ddl)
    kind = next(
        kind for kind, found in tables.items() if table in {found.table, *(link.name for link in found.links)}
    )
    built = build_rows(kind, _richest(all_samples[kind], kind))
    assert built.links.get(table, [()]) != []  # the record gives the table rows to check
    errors = shape_errors(tables, ddl, kind, built)
    assert errors and all(error.startswith(f"{table}: ") for error in errors), errors


def test_columns_postgresql_fills_are_not_expected_from_the_rows() -> None:
    opening = "CREATE TABLE IF NOT EXISTS labels (\n"
    added = "    seen_at timestamptz DEFAULT now(),\n    name_length integer GENERATED ALWAYS AS (length(name)) STORED,\n"
    ddl = parse_tables(ddl_text().replace(opening, opening + added))
    labels = kind_tables(ddl)[Kind.LABELS]
    assert labels.columns == TABLES[Kind.LABELS].columns
    assert labels.generated == ("name_length",)


def test_every_table_of_ddl_sql_belongs_to_a_kind_but_the_bookkeeping() -> None:
    claimed = {
        name for tables in TABLES.values() for name in (tables.table, *(link.name for link in tables.links))
    }
    assert set(DDL_TABLES) - claimed == {"dump_versions"}
    assert set(RECORD_TABLES) == {kind.value for kind in Kind}
    for tables in TABLES.values():
        for link in tables.links:
            assert link.parent_column.endswith("_id")


def test_the_parse_of_ddl_sql_is_what_postgresql_made_of_it(pg_conninfo: str) -> None:
    with psycopg.connect(pg_conninfo) as conn:
        for table in DDL_TABLES.values():
            catalog = conn.execute(
                "SELECT column_name, is_generated = 'ALWAYS', column_default IS NOT NULL"
                " FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table.name,),
            ).fetchall()
            parsed = [(column.name, column.generated, column.default) for column in table.columns]
            assert parsed == [tuple(row) for row in catalog], table.name
