"""Dump file to records: split, parse each record on its own, convert, hash.

A record that fails is skipped, counted and reported with its id or byte offset; after
``max_consecutive_failures`` failures in a row the file is declared broken. Entities are never
expanded and nothing is fetched from the network: each record is parsed by a parser with entity
resolution, DTD loading and network access off, and DOCTYPEs are refused up front.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from discogsography.errors import BrokenDumpError, RecordError
from discogsography.kinds import Kind, KindSpec
from discogsography.parsing.canonical import hash_and_line, hashed_line
from discogsography.parsing.convert import element_to_record, record_to_canonical_json
from discogsography.parsing.source import CHUNK_SIZE, DumpSource
from discogsography.parsing.splitter import Block, BlockSplitter, RawRecord, split_block

DEFAULT_MAX_CONSECUTIVE_FAILURES = 100
_MAX_REPORTED_FAILURES = 1000

_ID_HINT = re.compile(rb'^<\w+ id="(\d+)"|<id>(\d+)</id>')


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
    spec: KindSpec = kind.spec
    try:
        element = etree.fromstring(raw.xml, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"malformed XML: {exc}", offset=raw.offset, record_id=_id_hint(raw.xml)) from None
    if element.tag != spec.record_tag:
        raise RecordError(
            f"expected <{spec.record_tag}>, found <{element.tag}>", offset=raw.offset, record_id=None
        )
    written = record_to_canonical_json(element)
    if written is not None:  # the common case: JSON straight from the tree, no dicts
        record_id, body = written
        digest, line = hash_and_line(body)
        return ParsedRecord(kind, record_id, digest, line, raw.offset)
    try:
        record = element_to_record(element, id_is_attribute=spec.id_is_attribute)
    except ValueError as exc:
        raise RecordError(str(exc), offset=raw.offset, record_id=_id_hint(raw.xml)) from None
    digest, line = hashed_line(record)
    return ParsedRecord(kind, record["id"], digest, line, raw.offset)


def _id_hint(xml: bytes) -> str | None:
    match = _ID_HINT.search(xml, 0, 512)
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode()


@dataclass
class ParseStats:
    """What a parse did: records yielded, records skipped (with the first reports), timing."""

    kind: Kind | None = None
    records: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    xml_bytes: int = 0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def record_failure(self, error: RecordError) -> None:
        self.skipped += 1
        if len(self.failures) < _MAX_REPORTED_FAILURES:
            self.failures.append(str(error))


FailureHook = Callable[[RecordError], None]
# Given a raw record, a record known without parsing it (None: parse it). The extractor's refresh
# uses it to skip records whose XML is byte for byte last version's (extractor/prefilter.py).
Prefilter = Callable[[RawRecord], "ParsedRecord | None"]


class DumpParser:
    """Iterate the records of one dump file, in file order.

    ``workers`` > 1 parses in that many worker processes (see parallel.py); results still come
    back in file order. ``on_failure`` is called for every skipped record (for logging).
    ``prefilter`` (one process only) may answer for a record before it is parsed.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        workers: int = 1,
        max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES,
        on_failure: FailureHook | None = None,
        chunk_size: int = CHUNK_SIZE,
        prefilter: Prefilter | None = None,
    ) -> None:
        self.path = Path(path)
        self.prefilter = prefilter
        self.workers = workers
        self.max_consecutive_failures = max_consecutive_failures
        self.on_failure = on_failure
        self.source = DumpSource(self.path, chunk_size)
        self.kind = self.source.kind
        self.stats = ParseStats(kind=self.kind)

    def blocks(self) -> Iterator[Block]:
        """Blocks of whole raw records, in file order."""
        splitter = BlockSplitter(self.kind.spec)
        stats = self.stats
        for chunk in self.source.chunks():
            stats.xml_bytes += len(chunk)
            yield from splitter.feed(chunk)
        yield from splitter.finish()

    def __iter__(self) -> Iterator[ParsedRecord]:
        try:
            if self.workers > 1:
                from discogsography.parsing.parallel import parse_in_workers

                results = parse_in_workers(self.kind, self.blocks(), self.workers)
            else:
                results = self._parse_here()
            consecutive = 0
            for result in results:
                if isinstance(result, RecordError):
                    consecutive += 1
                    self.stats.record_failure(result)
                    if self.on_failure is not None:
                        self.on_failure(result)
                    if consecutive >= self.max_consecutive_failures:
                        raise BrokenDumpError(
                            f"{self.path}: {consecutive} records in a row failed to parse, "
                            f"the file is broken (last: {result})"
                        )
                    continue
                consecutive = 0
                self.stats.records += 1
                yield result
        finally:
            self.stats.finished = time.monotonic()
            self.source.close()

    def _parse_here(self) -> Iterator[ParsedRecord | RecordError]:
        kind = self.kind
        opening = kind.spec.record_opening
        prefilter = self.prefilter
        for block in self.blocks():
            for raw in split_block(block, opening):
                if prefilter is not None and (known := prefilter(raw)) is not None:
                    yield known
                    continue
                try:
                    yield parse_raw_record(kind, raw)
                except RecordError as error:
                    yield error
