"""Fidelity checked path by path: what the XML says, read independently, against the JSON record.

Both sides become a multiset of ``(element path, name, value)`` triples:

- XML, read with the standard library's ElementTree: each attribute of the element at path
  ``p`` gives ``(p, attribute, value)`` (``"@" + attribute`` when the element also has a child of
  that name, as the record format writes it); a leaf element ``p/c`` without attributes gives
  ``(p, c, text)``; the text of an element with attributes (or mixed content) gives
  ``(p, "#text", text)``. The record's id is whatever sits at ``id``: an attribute or a child,
  taken from the XML itself.
- JSON: a string (or the top-level integer id) under key ``k`` of the object at path ``p`` gives
  ``(p, k, value)``; lists repeat their key; objects nest.

A value under the wrong key, or at the wrong depth, changes its triple, so the comparison fails
where separate comparisons of values and of paths would not. The record format writes an
attribute and a leaf child alike (docs/records.md), so that is the one distinction a triple does
not draw.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from typing import Any

Triple = tuple[str, str, str]


def xml_triples(element: ET.Element, path: str = "") -> Iterator[Triple]:
    child_tags = {child.tag for child in element}
    for name, value in element.attrib.items():
        yield path, f"@{name}" if name in child_tags else name, value
    if len(element):
        mixed = "".join([element.text or ""] + [child.tail or "" for child in element])
        if mixed.strip():
            yield path, "#text", mixed
    elif element.attrib and element.text:
        yield path, "#text", element.text
    for child in element:
        if len(child) == 0 and not child.attrib:
            if child.text:
                yield path, child.tag, child.text
        else:
            yield from xml_triples(child, f"{path}/{child.tag}")


def record_triples(value: dict[str, Any], path: str = "") -> Iterator[Triple]:
    for key, item in value.items():
        if key == "sha256" and not path:
            continue
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, dict):
                yield from record_triples(one, f"{path}/{key}")
            elif isinstance(one, str):
                yield path, key, one
            elif isinstance(one, int) and not isinstance(one, bool) and not path:
                yield path, key, str(one)
            elif one is not None:
                raise AssertionError(f"unexpected value at {path}/{key}: {one!r}")


def triples_differ(element: ET.Element, record: dict[str, Any]) -> Counter[Triple]:
    """What one side has that the other lacks (empty when the record is faithful)."""
    want, got = Counter(xml_triples(element)), Counter(record_triples(record))
    return (want - got) + (got - want)
