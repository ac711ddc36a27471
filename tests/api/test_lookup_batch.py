"""LookupBatch: lookups that arrive together share a query; each gets its own row, or None."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from discogsography.api.lookup_batch import LookupBatch, Row


class Table:
    """A stand-in for the database: rows by id, every query's ids recorded, each held until
    ``release`` so that the test decides what arrives while a query is out."""

    def __init__(self, ids: range) -> None:
        self.rows = {i: (i, f"record {i}") for i in ids}
        self.queries: list[list[int]] = []
        self.gate = asyncio.Event()
        self.failure: Exception | None = None

    async def fetch_many(self, ids: list[int]) -> Sequence[Row]:
        self.queries.append(ids)
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return [self.rows[i] for i in ids if i in self.rows]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_lookup_goes_out_at_once_and_gets_its_row() -> None:
    table = Table(range(1, 10))
    table.gate.set()
    batch = LookupBatch(table.fetch_many, drains=2, max_batch=64)
    assert await batch.get(3) == ("record 3",)
    assert table.queries == [[3]]
    assert batch.running == 0


async def test_lookups_waiting_while_every_drain_is_busy_share_the_next_query() -> None:
    table = Table(range(1, 100))
    batch = LookupBatch(table.fetch_many, drains=1, max_batch=64)
    first = asyncio.ensure_future(batch.get(1))
    await settle()
    waiting = [asyncio.ensure_future(batch.get(i)) for i in (5, 6, 7, 6)]
    await settle()
    assert table.queries == [[1]]  # the one drain is out with the first id
    table.gate.set()
    assert await first == ("record 1",)
    assert [await w for w in waiting] == [("record 5",), ("record 6",), ("record 7",), ("record 6",)]
    assert table.queries == [[1], [5, 6, 7]]  # one query for the rest, a repeated id asked once


async def test_an_id_without_a_row_is_none_and_the_others_are_unaffected() -> None:
    table = Table(range(1, 5))
    batch = LookupBatch(table.fetch_many, drains=1, max_batch=64)
    held = asyncio.ensure_future(batch.get(1))
    await settle()
    found, missing = asyncio.ensure_future(batch.get(2)), asyncio.ensure_future(batch.get(99))
    table.gate.set()
    assert (await held, await found, await missing) == (("record 1",), ("record 2",), None)


async def test_no_query_asks_for_more_than_max_batch_ids_and_the_oldest_go_first() -> None:
    table = Table(range(1, 100))
    batch = LookupBatch(table.fetch_many, drains=1, max_batch=3)
    first = asyncio.ensure_future(batch.get(1))
    await settle()
    rest = [asyncio.ensure_future(batch.get(i)) for i in range(2, 9)]
    table.gate.set()
    await asyncio.gather(first, *rest)
    assert table.queries == [[1], [2, 3, 4], [5, 6, 7], [8]]


async def test_at_most_drains_queries_are_out_at_once() -> None:
    table = Table(range(1, 100))
    batch = LookupBatch(table.fetch_many, drains=2, max_batch=64)
    lookups = []
    for i in range(1, 6):
        lookups.append(asyncio.ensure_future(batch.get(i)))
        await settle()
    assert table.queries == [[1], [2]]
    table.gate.set()
    await asyncio.gather(*lookups)
    assert sorted(i for query in table.queries for i in query) == [1, 2, 3, 4, 5]
    assert len(table.queries) <= 4 and batch.running == 0


async def test_a_failed_query_fails_every_lookup_of_its_batch_and_the_next_batch_goes_on() -> None:
    table = Table(range(1, 100))
    batch = LookupBatch(table.fetch_many, drains=1, max_batch=64)
    first = asyncio.ensure_future(batch.get(1))
    await settle()
    table.failure = ConnectionError("the database went away")
    table.gate.set()
    with pytest.raises(ConnectionError):
        await first
    table.failure = None
    assert await batch.get(2) == ("record 2",)


async def test_a_cancelled_lookup_leaves_the_others_of_its_batch_their_rows() -> None:
    table = Table(range(1, 100))
    batch = LookupBatch(table.fetch_many, drains=1, max_batch=64)
    first = asyncio.ensure_future(batch.get(1))
    await settle()
    gone, kept = asyncio.ensure_future(batch.get(2)), asyncio.ensure_future(batch.get(2))
    await settle()
    gone.cancel()
    table.gate.set()
    assert await first == ("record 1",)
    assert await kept == ("record 2",)
    assert gone.cancelled()
