"""Blocks of records mapped by a function in worker processes, results back in file order.

The main process inflates and cuts the file into blocks (DumpParser.blocks); each block goes to a
worker (runtime/process_pool.py) that parses its records and turns them into whatever the command
writes (rows, Arrow batches, lines), so the main process only writes.

Every block function returns a BlockResult; its ``outcomes`` (one per record, None when the
record parsed, its RecordError otherwise) let the parser's guard (parsing/skip_guard.py) apply
the limits on skipped records exactly as DumpParser does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.records import ParsedRecord, parse_block
from discogsography.parsing.splitter import Block
from discogsography.runtime.process_pool import map_in_order

T = TypeVar("T")


@dataclass(slots=True)
class BlockResult(Generic[T]):
    outcomes: list[RecordError | None]
    payload: T


def parsed_records(kind: Kind, block: Block) -> tuple[list[RecordError | None], list[ParsedRecord]]:
    """Parse a block: the outcome of each record and the records that parsed."""
    outcomes: list[RecordError | None] = []
    records: list[ParsedRecord] = []
    for result in parse_block(kind, block):
        if isinstance(result, RecordError):
            outcomes.append(result)
        else:
            outcomes.append(None)
            records.append(result)
    return outcomes, records


def map_blocks(
    function: Callable[[Kind, Block], BlockResult[T]],
    kind: Kind,
    blocks: Iterable[Block],
    workers: int,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[BlockResult[T]]:
    """``function`` over the blocks, in ``workers`` processes (1: in this one), in order."""
    return map_in_order(functools.partial(function, kind), blocks, workers, pool)
