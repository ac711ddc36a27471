"""The SQL type of every column of the tableinator's tables, read from ddl.sql itself.

ddl.sql is the one definition of the tables; exports that mirror the typed columns read the
types from it rather than keeping a second list.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.DOTALL)
_COLUMN = re.compile(r"^\s+(\w+) ([a-z]+(?:\[\])?)", re.MULTILINE)


@cache
def column_types() -> dict[str, dict[str, str]]:
    """table -> column -> SQL type (``bigint``, ``text``, ``text[]``, ``jsonb``, ...)."""
    text = files("discogsography.tableinator").joinpath("ddl.sql").read_text(encoding="utf-8")
    return {
        table: {
            column: sql_type
            for column, sql_type in _COLUMN.findall(body)
            if column not in {"PRIMARY", "UNIQUE"}
        }
        for table, body in _TABLE.findall(text)
    }
