"""The tables, read from ddl.sql's CREATE TABLE statements: ddl.sql is their one definition.

Everything that names a table or its columns (the row builders' column order, the COPY
writers, the export's typed columns, the pipeline's counts) takes them from here, parsed once
at import. Which tables a kind fills follows from their names: a kind's own table is named
after the kind (``releases``), its link tables start with the kind's singular and an
underscore (``release_labels``), their first column holding the record's id. The columns a row
gives values for are the table's columns in ddl.sql's order, except those PostgreSQL fills
itself: ``GENERATED ALWAYS AS`` (computed from ``data``) and those with a ``DEFAULT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files

from discogsography.kinds import Kind

_TABLE = re.compile(r"^CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.DOTALL | re.MULTILINE)
_COLUMN = re.compile(r"^\s+(\w+) (\w+(?:\[\])?)(.*?),?$", re.MULTILINE)
_CONSTRAINTS = {"PRIMARY", "UNIQUE", "CHECK", "CONSTRAINT", "FOREIGN", "EXCLUDE"}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    sql_type: str  # as ddl.sql spells it: bigint, text, text[], jsonb, ...
    generated: bool  # GENERATED ALWAYS AS (...) STORED
    default: bool  # has a DEFAULT

    @property
    def written(self) -> bool:
        """True when rows give its value (PostgreSQL fills the others)."""
        return not (self.generated or self.default)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def written(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.written)

    @property
    def types(self) -> dict[str, str]:
        return {column.name: column.sql_type for column in self.columns}


@dataclass(frozen=True, slots=True)
class LinkTable:
    name: str
    columns: tuple[str, ...]  # the first column holds the record's id

    @property
    def parent_column(self) -> str:
        return self.columns[0]


@dataclass(frozen=True, slots=True)
class KindTables:
    """Where one kind is stored: its table with the column order of its rows, its link tables.

    ``generated`` columns are computed by PostgreSQL from ``data`` (see ddl.sql), so a large
    list such as a tracklist is parsed once, as part of ``data``, and never disagrees with it.
    """

    table: str
    columns: tuple[str, ...]
    links: tuple[LinkTable, ...]
    generated: tuple[str, ...] = ()

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns + self.generated


def parse_tables(ddl: str) -> dict[str, Table]:
    """Every CREATE TABLE of a DDL text, in its order, with its columns in theirs."""
    found = {}
    for name, body in _TABLE.findall(ddl):
        columns = tuple(
            Column(column, sql_type, "GENERATED ALWAYS" in rest, " DEFAULT " in f" {rest} ")
            for column, sql_type, rest in _COLUMN.findall(body)
            if column not in _CONSTRAINTS
        )
        found[name] = Table(name, columns)
    return found


def kind_tables(tables: dict[str, Table]) -> dict[Kind, KindTables]:
    """The tables each kind fills, by the naming rule of this module's docstring."""
    found = {}
    for kind in Kind:
        table = tables[kind.value]
        prefix = f"{kind.spec.record_tag}_"
        links = tuple(LinkTable(t.name, t.written) for t in tables.values() if t.name.startswith(prefix))
        generated = tuple(column.name for column in table.columns if column.generated)
        found[kind] = KindTables(table.name, table.written, links, generated)
    return found


def ddl_text() -> str:
    return files("discogsography.relational").joinpath("ddl.sql").read_text(encoding="utf-8")


DDL_TABLES: dict[str, Table] = parse_tables(ddl_text())
TABLES: dict[Kind, KindTables] = kind_tables(DDL_TABLES)
# Table names by role, in ddl.sql's order: the kinds' own tables and their link tables.
RECORD_TABLES: tuple[str, ...] = tuple(
    name for name in DDL_TABLES if name in {t.table for t in TABLES.values()}
)
LINK_TABLES: tuple[str, ...] = tuple(
    name for name in DDL_TABLES if name in {link.name for t in TABLES.values() for link in t.links}
)
