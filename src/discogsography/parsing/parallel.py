"""Parsing in worker processes: the main process inflates and cuts blocks, workers do the rest.

A block is about a megabyte of whole records; a worker splits it, parses, converts and hashes
each record and sends back plain tuples (id, sha256, JSON line, offset), which pickle far more
cheaply than dicts. The blocks go through the bounded, ordered map of runtime/process_pool.py, so
memory stays bounded however fast the main process reads; results come back in file order.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.records import ParsedRecord, parse_block
from discogsography.parsing.splitter import Block
from discogsography.runtime.process_pool import map_in_order

_Result = tuple[int, str, bytes, int] | RecordError


def _parse_block(kind: Kind, block: Block) -> list[_Result]:
    return [
        result if isinstance(result, RecordError) else (result.id, result.sha256, result.json, result.offset)
        for result in parse_block(kind, block)
    ]


def parse_in_workers(
    kind: Kind, blocks: Iterable[Block], workers: int
) -> Iterator[ParsedRecord | RecordError]:
    for results in map_in_order(functools.partial(_parse_block, kind), blocks, workers):
        for result in results:
            yield result if isinstance(result, RecordError) else ParsedRecord(kind, *result)
