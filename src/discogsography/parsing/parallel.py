"""Parsing in worker processes: the main process inflates and splits, workers parse and hash.

Raw records travel to the workers in batches and come back as JSON lines (bytes pickle cheaply,
dicts do not). At most ``workers * IN_FLIGHT_PER_WORKER`` batches are in flight, so memory stays
bounded however fast the main process reads; results are yielded in file order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing.parser import ParsedRecord, parse_raw_record
from discogsography.parsing.splitter import RawRecord

BATCH_RECORDS = 200
IN_FLIGHT_PER_WORKER = 4


def _parse_batch(kind: Kind, batch: list[RawRecord]) -> list[ParsedRecord | RecordError]:
    results: list[ParsedRecord | RecordError] = []
    for raw in batch:
        try:
            results.append(parse_raw_record(kind, raw, keep_data=False))
        except RecordError as error:
            results.append(error)
    return results


def parse_in_workers(
    kind: Kind, raw_records: Iterable[RawRecord], workers: int, keep_data: bool = False
) -> Iterator[ParsedRecord | RecordError]:
    del keep_data  # records come back as JSON lines; ParsedRecord.data decodes on demand
    iterator = iter(raw_records)
    window = workers * IN_FLIGHT_PER_WORKER
    pending: deque[Future[list[ParsedRecord | RecordError]]] = deque()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        try:
            while True:
                while len(pending) < window:
                    batch = list(islice(iterator, BATCH_RECORDS))
                    if not batch:
                        break
                    pending.append(pool.submit(_parse_batch, kind, batch))
                if not pending:
                    return
                yield from pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
