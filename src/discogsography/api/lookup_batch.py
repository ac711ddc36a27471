"""By-id lookups that arrive together share one query.

Every query through psycopg costs the server process a fixed amount (the pool, the send, the
wait on the socket, the result's bookkeeping) and PostgreSQL another (a statement, a snapshot),
both larger than reading one more row. So a kind's lookups queue here, and each of a few drains
(at most one per pooled connection) takes every id waiting, up to ``max_batch``, and asks for
them in one ``= ANY(...)`` query. A lone request goes out at once, exactly as before; only when
every drain is busy do requests wait, and then they ride together on the next query instead of
queueing for the connections one by one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Row = tuple[Any, ...]
# Reads the rows of several ids at once: each row's first column is its id.
FetchMany = Callable[[list[int]], Awaitable[Sequence[Row]]]


class LookupBatch:
    """One kind's lookups by id, answered in batches by at most ``drains`` queries at a time."""

    def __init__(self, fetch_many: FetchMany, drains: int, max_batch: int) -> None:
        self.fetch_many = fetch_many
        self.drains = drains
        self.max_batch = max_batch
        self.waiting: dict[int, list[asyncio.Future[Row | None]]] = {}
        self.running = 0
        self.tasks: set[asyncio.Task[None]] = set()  # held, or the loop may drop a running drain

    async def get(self, record_id: int) -> Row | None:
        """The row of ``record_id`` (without its id column), None when there is none."""
        future: asyncio.Future[Row | None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(record_id, []).append(future)
        if self.running < self.drains:
            self.running += 1
            task = asyncio.ensure_future(self._drain())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return await future

    def _take(self) -> dict[int, list[asyncio.Future[Row | None]]]:
        if len(self.waiting) <= self.max_batch:
            taken, self.waiting = self.waiting, {}
            return taken
        ids = list(self.waiting)[: self.max_batch]  # the oldest first: a dict keeps arrival order
        return {record_id: self.waiting.pop(record_id) for record_id in ids}

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch = self._take()
                try:
                    rows = await self.fetch_many(list(batch))
                except Exception as exc:  # each request of the batch answers it (a 503, say)
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                except BaseException:  # the server is stopping: nobody waits for these
                    for futures in batch.values():
                        for future in futures:
                            future.cancel()
                    raise
                found = {row[0]: row[1:] for row in rows}
                for record_id, futures in batch.items():
                    row = found.get(record_id)
                    for future in futures:
                        if not future.done():  # its request may have been cancelled meanwhile
                            future.set_result(row)
        finally:
            self.running -= 1
