"""Reading values out of a parsed dump record (docs/records.md), whatever the dump's era.

Records keep the XML's shape: containers wrap their items (``{"artists": {"artist": [...]}}``),
every nested value is a string, an empty element is ``None``, an element with attributes and text
is a dict with ``"#text"``, a repeated tag is a list, and 2025+ dumps leave empty fields out. These
helpers turn all of that into plain strings, ints and lists, and never raise on an odd record.

They run a few hundred times per release answered, so they test ``dict`` and ``str`` (C-level
checks) rather than the ``Mapping`` ABC, whose isinstance costs several times more: a record
is always decoded JSON (the tables' jsonb, a parsed line), made of dicts, lists and strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Past this an int would not survive JSON readers that use doubles (one real `qty` has 64 digits).
_LARGEST_SAFE_INT = 2**53 - 1


def text(value: Any) -> str:
    """The text of a value: "" for null or absent, the "#text" of an element with attributes,
    the first item of a repeated tag."""
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, dict):
        return text(value.get("#text"))
    if isinstance(value, list):
        return text(value[0]) if value else ""
    return str(value)


def integer(value: Any, default: int = 0) -> int:
    """The int a value spells in plain digits, else ``default`` (also for ints beyond 2**53)."""
    if value.__class__ is str:
        digits = value.strip()
    elif isinstance(value, bool):
        return default
    elif isinstance(value, int):
        return value if value <= _LARGEST_SAFE_INT else default
    else:
        digits = text(value).strip()
    if not digits.isdigit() or not digits.isascii():
        return default
    number = int(digits)
    return number if number <= _LARGEST_SAFE_INT else default


def items(record: Mapping[str, Any] | None, container: str, item: str) -> list[Any]:
    """The items of a container (``record[container][item]``), nulls left out; [] when absent."""
    if not isinstance(record, dict):
        return []
    wrapper = record.get(container)
    if not isinstance(wrapper, dict):
        return []
    found = wrapper.get(item)
    if found is None:
        return []
    listed = found if isinstance(found, list) else [found]
    return [one for one in listed if one is not None]


def mappings(record: Mapping[str, Any] | None, container: str, item: str) -> list[Mapping[str, Any]]:
    """The items of a container that are elements with fields (dicts), in order."""
    return [one for one in items(record, container, item) if isinstance(one, dict)]


def texts(record: Mapping[str, Any] | None, container: str, item: str) -> list[str]:
    """The items of a container as strings (genres, styles, urls...), empty ones left out."""
    return [value for value in (text(one) for one in items(record, container, item)) if value]


def field(record: Mapping[str, Any] | None, key: str) -> str:
    """One field's text; "" when the record lacks it or it is empty."""
    if not isinstance(record, dict):
        return ""
    value = record.get(key)
    return value if value.__class__ is str else text(value)


def has_text(record: Mapping[str, Any] | None, key: str) -> bool:
    """Whether the record carries a non-empty value under ``key``."""
    return field(record, key) != ""


def record_id(record: Mapping[str, Any]) -> int:
    """The record's own id (an int in every parsed record)."""
    return integer(record.get("id"))


def year_of(date: str) -> int:
    """The year of a dump date ("1999-03-00", "1999"); 0 where unknown, as the API gives."""
    head = date.strip()[:4]
    return integer(head) if len(head) == 4 else 0
