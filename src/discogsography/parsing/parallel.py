"""Parsing in worker processes: the main process inflates and cuts blocks, workers do the rest.

A block is about a megabyte of whole records; a worker splits it, parses, converts and hashes
each record and sends back plain tuples (id, sha256, JSON line, offset), which pickle far more
cheaply than dicts. At most ``workers * IN_FLIGHT_PER_WORKER`` blocks are in flight, so memory
stays bounded however fast the main process reads; results come back in file order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.records import ParsedRecord, parse_block
from discogsography.parsing.splitter import Block

IN_FLIGHT_PER_WORKER = 3

_Result = tuple[int, str, bytes, int] | RecordError


def _parse_block(kind: Kind, block: Block) -> list[_Result]:
    return [
        result if isinstance(result, RecordError) else (result.id, result.sha256, result.json, result.offset)
        for result in parse_block(kind, block)
    ]


def parse_in_workers(
    kind: Kind, blocks: Iterable[Block], workers: int
) -> Iterator[ParsedRecord | RecordError]:
    iterator = iter(blocks)
    window = workers * IN_FLIGHT_PER_WORKER
    pending: deque[Future[list[_Result]]] = deque()
    # forkserver, not fork: services call this from processes that run threads.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        try:
            while True:
                while len(pending) < window:
                    block = next(iterator, None)
                    if block is None:
                        break
                    pending.append(pool.submit(_parse_block, kind, block))
                if not pending:
                    return
                for result in pending.popleft().result():
                    if isinstance(result, RecordError):
                        yield result
                    else:
                        yield ParsedRecord(kind, *result)
        finally:
            for future in pending:
                future.cancel()
