"""Typed fields read from a record: the one place the reading rules live.

The tableinator's typed columns (relational/table_rows.py) and the cache builder's rows (cache/cache_rows.py)
read through these functions only, so a record gives the same year, id or name in both. Records
keep every value as the dump's string (docs/records.md); these rules say what such a string means.
Every reader is total: a missing, empty or oddly shaped value gives None, never an error.

- **Empty is missing.** An empty element (``null``), an omitted one (2025+ dumps drop empty
  ``anv``, ``join``, ``role``, ``tracks``) and an empty attribute (``catno=""``) all read as None.
  The dumps give an empty text no meaning of its own, and older and newer dumps write the same
  "nothing" in these three ways, so a query must not tell them apart (``data`` still does).
  Whitespace is text: ``" "`` is kept, as the record keeps it.
- **Names and other texts** are an element's text, whether it has attributes (``"#text"``) or not:
  an element that gains an attribute keeps its name. A tag that repeats (a list) is no single text.
- **A child that may be single or a list** reads as a list: one child is a one-item list, so
  nothing present is dropped. The parser always writes a container's children as a list; the
  single form comes from other writers of records, and ``discogs_items`` in relational/ddl.sql agrees.
- **Ids** (nested: ``<label id="5">``, ``<master_id>``, member ``<id>``) are the number their
  ASCII digits spell, when positive and within a bigint; otherwise None. ``"0"`` meant "no id" in
  older dumps, which is why 0 is no id. Surrounding whitespace and leading zeros do not change the
  number; a value outside bigint cannot be stored, and other scripts' digits are not Discogs ids.
  An element's id is its ``id`` attribute (or ``<id>`` child); the text of an element without
  one is a name, never an id: ``<parentLabel>0282</parentLabel>`` (2017 and earlier) is the label
  named "0282", and an alias named "808" is no artist 808.
- **Members of 2017 and earlier** (``<members><id>26</id><name>Alexi Delano</name>…``) are bare
  ids next to names without ids, in the same order: they are paired by position when the counts
  agree (``member_ids``).
- **A year** (``released`` of a release, ``year`` of a master) is exactly four ASCII digits at
  the start (after any whitespace), followed by a non-digit or the end: ``1999-03-00``, ``1999``
  and ``1999-00-00`` give 1999. ``19990`` gives None: it is a five-digit number, not the year 1999
  followed by noise, and reading a year out of it would be a guess. ``0000`` and ``0`` mean
  unknown, so None, never 0.
"""

from __future__ import annotations

import re
from typing import Any

BIGINT_MAX = 2**63 - 1
_BIGINT_DIGITS = len(str(BIGINT_MAX))
# [0-9]: int() would also accept other scripts' digits; (?!\d): no digit of any script may follow.
_YEAR = re.compile(r"\s*([0-9]{4})(?!\d)")


def items(container: Any, item_tag: str) -> list[Any]:
    """The children of a container element ({"url": [...]}) as a list; [] when absent."""
    if isinstance(container, dict):
        found = container.get(item_tag)
        if isinstance(found, list):
            return found
        if found is not None:
            return [found]
    return []


def text(value: Any) -> str | None:
    """An element's text: the string itself, or "#text" of an element with attributes; "" is None."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        inner = value.get("#text")
        return (inner or None) if isinstance(inner, str) else None
    return None


def to_id(value: Any) -> int | None:
    """An id given as digits ("123") or an int, when positive and within bigint; else None."""
    if isinstance(value, str):
        digits = value.strip()
        if not (digits.isascii() and digits.isdigit()):
            return None
        if len(digits) > _BIGINT_DIGITS:  # leading zeros do not make a number larger
            digits = digits.lstrip("0") or "0"
            if len(digits) > _BIGINT_DIGITS:
                return None
        number = int(digits)
        return number if 0 < number <= BIGINT_MAX else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= BIGINT_MAX else None
    return None


def nested_id(value: Any) -> int | None:
    """The id of an element: its ``id`` attribute or child ({"id": "5", ...}); a plain text is a name."""
    if isinstance(value, dict):
        return to_id(value.get("id"))
    return None


def member_ids(names: list[Any], bare_ids: list[Any]) -> list[int | None]:
    """The id of each member name: its own ``id``, or (2017 and earlier, names without ids) the
    bare ``<id>`` at the same position, when there is one per name."""
    ids = [nested_id(name) for name in names]
    if len(bare_ids) == len(names) and not any(ids):
        return [to_id(bare) for bare in bare_ids]
    return ids


def text_id(value: Any) -> int | None:
    """An id written as an element's text (<master_id>, <main_release>), attributes or not."""
    if isinstance(value, dict):
        value = value.get("#text")
    return to_id(value)


def year(value: Any) -> int | None:
    """The year a date or year text starts with ("1999-03-00" -> 1999); None if unknown or not one."""
    raw = text(value)
    if raw is None:
        return None
    match = _YEAR.match(raw)
    if match is None:
        return None
    return int(match.group(1)) or None
