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
    """Convert one element and everything below it."""
    attrib = elem.attrib
    text = elem.text
    if len(elem) == 0:
        if not attrib:
            return text if text else None
        node: dict[str, Value] = dict(attrib)  # type: ignore[arg-type]
        if text:
            node[TEXT_KEY] = text
        return node
    node = dict(attrib) if attrib else {}  # type: ignore[arg-type]
    as_list = elem.tag in LIST_CONTAINERS
    repeated: set[str] | None = None
    mixed_text = [text] if text and not text.isspace() else None
    for child in elem:
        tag = child.tag
        if attrib and tag in attrib and tag in node and ("@" + tag) not in node:
            node["@" + tag] = node.pop(tag)
        value = element_to_value(child)
        if as_list:
            items = node.get(tag)
            if items is None:
                node[tag] = [value]
            else:
                items.append(value)
        elif tag in node:
            if repeated is None:
                repeated = set()
            if tag in repeated:
                node[tag].append(value)
            else:
                node[tag] = [node[tag], value]
                repeated.add(tag)
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


def element_to_record(elem: etree._Element, *, id_is_attribute: bool) -> dict[str, Value]:
    """Convert a record element; its ``id`` becomes an integer. Raises ValueError without one."""
    value = element_to_value(elem)
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
