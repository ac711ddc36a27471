"""XML element to record: a pure transformation, documented in docs/records.md.

Rules (one place, so every consumer sees the same shape):
- attributes become plain keys with their string values;
- a child element becomes a key named by its tag;
- children of a container element (``LIST_CONTAINERS``) are always lists, even with one item;
  any other tag that repeats becomes a list too, so nothing is ever dropped;
- an element with neither attributes nor children is its text, or ``None`` when it is empty;
- an element with attributes or children keeps its non-empty text under ``TEXT_KEY``;
- an attribute whose name a child tag also uses moves to ``"@" + name``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

TEXT_KEY = "#text"

# Elements whose children are repeated items (read off every dump era of the four kinds).
LIST_CONTAINERS = frozenset(
    {
        "aliases",
        "artists",
        "companies",
        "descriptions",
        "extraartists",
        "formats",
        "genres",
        "groups",
        "identifiers",
        "images",
        "labels",
        "members",
        "namevariations",
        "series",
        "styles",
        "sub_tracks",
        "sublabels",
        "tracklist",
        "urls",
        "videos",
    }
)

Value = Any  # str | None | dict[str, Value] | list[Value]


def element_to_value(elem: etree._Element) -> Value:
    """Convert one element and everything below it.

    This is the parser's hot loop (about 170 elements a release): leaves are handled inline
    in the parent's loop rather than by a call each, and ``items()`` is used because it is
    cheaper than the ``attrib`` proxy.
    """
    attributes = elem.items()
    if len(elem) == 0:
        if not attributes:
            return elem.text or None
        leaf: dict[str, Value] = dict(attributes)  # type: ignore[arg-type]
        if elem.text:
            leaf[TEXT_KEY] = elem.text
        return leaf
    node: dict[str, Value] = dict(attributes) if attributes else {}  # type: ignore[arg-type]
    as_list = elem.tag in LIST_CONTAINERS
    text = elem.text
    mixed_text = [text] if text and not text.isspace() else None
    for child in elem:
        # The parser drops comments and processing instructions, so every child is an element.
        tag = child.tag
        if len(child):
            value = element_to_value(child)
        else:
            child_attributes = child.items()
            if child_attributes:
                value = dict(child_attributes)
                child_text = child.text
                if child_text:
                    value[TEXT_KEY] = child_text
            else:
                value = child.text or None
        if as_list:
            items = node.get(tag)
            if items is None:
                node[tag] = [value]
            elif type(items) is list:
                items.append(value)
            else:
                _move_attribute(node, tag)
                node[tag] = [value]
        elif tag in node:
            existing = node[tag]
            if attributes and ("@" + tag) not in node and any(name == tag for name, _ in attributes):
                _move_attribute(node, tag)
                node[tag] = value
            elif type(existing) is list:
                existing.append(value)
            else:
                # A tag that is not a known container repeats: keep every value, as a list.
                node[tag] = [existing, value]
        else:
            node[tag] = value
        tail = child.tail
        if tail and not tail.isspace():
            if mixed_text is None:
                mixed_text = []
            mixed_text.append(tail)
    if mixed_text:
        node[TEXT_KEY] = "".join(mixed_text)
    return node


def _move_attribute(node: dict[str, Value], name: str) -> None:
    """An attribute named like a child element keeps its value under "@" + name."""
    node["@" + name] = node.pop(name)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """The compiled converter's entry points (_fastconvert.pyx, built by hatch_build.py)."""

    element_to_value: Callable[[etree._Element], Value]
    record_json: Callable[[etree._Element], tuple[int, bytes]]
    unsupported: type[Exception]


# Set to 1 to run the pure-Python converter even where the compiled one was built, as a machine
# without a C compiler would (the test suite runs tests/parsing once this way).
PURE_PYTHON_VARIABLE = "DISCOGSOGRAPHY_PURE_PYTHON"


def _load_compiled() -> _Compiled | None:
    if os.environ.get(PURE_PYTHON_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}:
        return None
    try:
        from discogsography.parsing import _fastconvert  # type: ignore[attr-defined]
    except ImportError:
        return None
    _fastconvert.configure(LIST_CONTAINERS, TEXT_KEY)
    return _Compiled(_fastconvert.element_to_value, _fastconvert.record_json, _fastconvert.Unsupported)


_COMPILED = _load_compiled()
COMPILED = _COMPILED is not None


def convert_element(elem: etree._Element) -> Value:
    """element_to_value, by the compiled converter where it was built and can read the element."""
    if _COMPILED is not None:
        try:
            return _COMPILED.element_to_value(elem)
        except _COMPILED.unsupported:
            pass  # a construct the dumps do not use (namespaces, entity references)
    return element_to_value(elem)


def record_to_canonical_json(elem: etree._Element) -> tuple[int, bytes] | None:
    """(id, canonical JSON) of a record element written straight from the tree, or None when the
    compiled converter is absent or leaves this record to the dict path (which decides errors).

    Equal to ``canonical_json(element_to_record(elem))``, without building the dicts: the
    parser's common path (``ParsedRecord.data`` decodes the JSON line when a caller wants it).
    """
    if _COMPILED is None:
        return None
    try:
        return _COMPILED.record_json(elem)
    except _COMPILED.unsupported:
        return None


def element_to_record(elem: etree._Element, *, id_is_attribute: bool) -> dict[str, Value]:
    """Convert a record element; its ``id`` becomes an integer. Raises ValueError without one."""
    value = convert_element(elem)
    if not isinstance(value, dict):
        raise ValueError("record has no content")
    raw_id = value.get("id")
    if not isinstance(raw_id, str):
        where = "id attribute" if id_is_attribute else "<id> element"
        raise ValueError(f"record has no usable {where}")
    stripped = raw_id.strip()
    if not stripped.isascii() or not stripped.isdigit():
        raise ValueError(f"record id {raw_id!r} is not an integer")
    value["id"] = int(stripped)
    return value
