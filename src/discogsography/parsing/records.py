"""One raw record to a parsed record: parse its XML, convert it by the rules, hash it.

Shared by the in-process parser and the worker processes (``parse_block``). Entities are never
expanded and nothing is fetched from the network: each record is parsed by a parser with entity
resolution, DTD loading and network access off (DOCTYPEs are refused up front by source.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from lxml import etree

from discogsography.errors import RecordError
from discogsography.kinds import Kind, KindSpec
from discogsography.parsing.canonical import hash_and_line, hashed_line
from discogsography.parsing.convert import element_to_record, record_to_canonical_json
from discogsography.parsing.splitter import Block, RawRecord, record_tag, split_after_opening, split_block

_ID_HINT = re.compile(rb'^<\w+ id="(\d+)"|<id>(\d+)</id>')
T = TypeVar("T")


def _new_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,  # a single record can hold tens of MB of text
        collect_ids=False,
    )


_XML_PARSER = _new_xml_parser()


@dataclass(slots=True)
class ParsedRecord:
    """One record: its id, its hash and its JSON line (the record with "sha256" first)."""

    kind: Kind
    id: int
    sha256: str
    json: bytes
    offset: int
    _data: dict[str, Any] | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The record as a dict, with its "sha256" key."""
        if self._data is None:
            self._data = orjson.loads(self.json)
        return self._data


def parse_raw_record(kind: Kind, raw: RawRecord) -> ParsedRecord:
    """Parse one raw record. Raises RecordError when it cannot be parsed or has no id."""
    element = _record_element(kind.spec, raw)
    written = record_to_canonical_json(element)
    if written is not None:  # the common case: JSON straight from the tree, no dicts
        record_id, body = written
        digest, line = hash_and_line(body)
        return ParsedRecord(kind, record_id, digest, line, raw.offset)
    record = _element_record(kind.spec, raw, element)
    digest, line = hashed_line(record)
    return ParsedRecord(kind, record["id"], digest, line, raw.offset)


def parse_raw_dict(kind: Kind, raw: RawRecord) -> dict[str, Any]:
    """Parse one raw record to the converter's dict (its id an int, no "sha256"): what
    ``parse_raw_record(...).data`` holds but its hash, with no JSON written, decoded or hashed.
    Raises RecordError as parse_raw_record does."""
    return _element_record(kind.spec, raw, _record_element(kind.spec, raw))


def _record_element(spec: KindSpec, raw: RawRecord) -> etree._Element:
    try:
        element = etree.fromstring(raw.xml, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"malformed XML: {exc}", offset=raw.offset, record_id=_id_hint(raw.xml)) from None
    if element.tag != spec.record_tag:
        raise RecordError(
            f"expected <{spec.record_tag}>, found <{element.tag}>", offset=raw.offset, record_id=None
        )
    return element


def _element_record(spec: KindSpec, raw: RawRecord, element: etree._Element) -> dict[str, Any]:
    try:
        return element_to_record(element, id_is_attribute=spec.id_is_attribute)
    except ValueError as exc:
        raise RecordError(str(exc), offset=raw.offset, record_id=_id_hint(raw.xml)) from None


def _id_hint(xml: bytes) -> str | None:
    match = _ID_HINT.search(xml, 0, 512)
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode()


# Given a raw record, a record known without parsing it (None: parse it). The extractor's refresh
# uses it to skip records whose XML is byte for byte last version's (extractor/prefilter.py).
Prefilter = Callable[[RawRecord], "ParsedRecord | None"]


def parse_block(
    kind: Kind, block: Block, prefilter: Prefilter | None = None
) -> Iterator[ParsedRecord | RecordError]:
    """The records of a block, in order; a record that cannot be parsed is yielded as its error."""
    return parse_block_with(parse_raw_record, kind, block, prefilter)


def parse_block_with(
    parse: Callable[[Kind, RawRecord], T],
    kind: Kind,
    block: Block,
    prefilter: Callable[[RawRecord], T | None] | None = None,
) -> Iterator[T | RecordError]:
    """parse_block with another parse of each record (``parse_raw_dict``: the records as dicts)."""
    for raw in split_block(block):
        if prefilter is not None and (known := prefilter(raw)) is not None:
            yield known
            continue
        try:
            yield parse(kind, raw)
        except RecordError as error:
            yield from _recover(parse, kind, raw, error)


def _recover(
    parse: Callable[[Kind, RawRecord], T], kind: Kind, raw: RawRecord, error: RecordError
) -> list[T | RecordError]:
    """A span that failed may be a record whose closing tag is missing, holding its neighbours.

    It is re-cut after its opening; when any later piece parses (recovering its own broken pieces
    the same way), those pieces are what the span yields. Otherwise, as for a record with nested
    same-name elements that is broken in itself, the span stays one skipped record.
    """
    pieces = split_after_opening(raw, record_tag(kind.spec.record_tag))
    if len(pieces) == 1:
        return [error]
    results: list[T | RecordError] = [_parsed(parse, kind, pieces[0])]
    for piece in pieces[1:]:
        result = _parsed(parse, kind, piece)
        results.extend(_recover(parse, kind, piece, result) if isinstance(result, RecordError) else [result])
    if any(not isinstance(result, RecordError) for result in results[1:]):
        return results
    return [error]


def _parsed(parse: Callable[[Kind, RawRecord], T], kind: Kind, raw: RawRecord) -> T | RecordError:
    try:
        return parse(kind, raw)
    except RecordError as error:
        return error
