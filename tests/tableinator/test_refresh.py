"""Refreshes in the service: deletions, the version each kind reflects, and the base-version gate."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from discogsography.amqp.messages import (
    ChangeCounts,
    Increment,
    encode_deletions,
    encode_file_complete,
    encode_records,
)
from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from tests.tableinator.tableinator_helpers import publish, queue_depth, running, service_settings, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

Conn = psycopg.Connection[tuple[Any, ...]]
Broker = tuple[Any, Topology]
A, B = "20990101", "20990201"


def _release(record_id: int, title: str, label: int) -> bytes:
    digest = f"{record_id:032x}{abs(hash(title)) % 10**31:032d}"[:64]
    record = {"id": record_id, "title": title, "labels": {"label": [{"name": f"L{label}", "id": str(label)}]}}
    return orjson.dumps({"sha256": digest, **record})


async def _send(channel: Any, topology: Topology, kind: Kind, encoded: tuple[str, bytes]) -> None:
    amqp_type, body = encoded
    await publish(channel, topology, kind, body, amqp_type)


async def _complete(
    channel: Any,
    topology: Topology,
    increment: Increment | None,
    version: str = A,
    counts: ChangeCounts | None = None,
) -> None:
    body = encode_file_complete(
        Kind.RELEASES,
        0,
        f"discogs_{version}_releases.xml.gz",
        version=version,
        increment=increment,
        counts=counts,
    )
    await publish(channel, topology, Kind.RELEASES, body, "file_complete")


def _rows(db: Conn) -> list[tuple[Any, ...]]:
    return db.execute("SELECT id, title FROM releases ORDER BY id").fetchall()


def _version(db: Conn) -> Any:
    return db.execute("SELECT version, mode FROM dump_versions WHERE kind = 'releases'").fetchone()


async def test_an_incremental_version_updates_adds_and_deletes_rows_with_their_links(
    db: Conn, pg_database: str, broker: Broker
) -> None:
    channel, topology = broker
    step = Increment(B, A)
    async with running(service_settings(pg_database, topology.prefix)) as service:
        consumer = service.consumers[Kind.RELEASES]
        full = [_release(i, f"T{i}", i) for i in range(1, 6)]
        await _send(channel, topology, Kind.RELEASES, encode_records(Kind.RELEASES, full))
        await _complete(channel, topology, None, A)
        await wait_for(lambda: _version(db) == (A, "full"), what="A stored")
        # B: release 2 changed, 6 new, 3 and 4 removed (4 twice: a redelivery), 99 never existed.
        changed = [_release(2, "T2 revised", 20), _release(6, "T6", 6)]
        await _send(channel, topology, Kind.RELEASES, encode_records(Kind.RELEASES, changed, step))
        await _send(channel, topology, Kind.RELEASES, encode_deletions(Kind.RELEASES, [3, 4, 99], step))
        await _send(channel, topology, Kind.RELEASES, encode_deletions(Kind.RELEASES, [4], step))
        await _complete(channel, topology, step, B, ChangeCounts(new=1, changed=1, unchanged=3, removed=2))
        await wait_for(lambda: _version(db) == (B, "incremental"), what="B stored")
        assert consumer.stats.removed == 2 and consumer.stats.dead_lettered == 0
        assert await queue_depth(channel, topology.queue(Kind.RELEASES)) == 0
    assert _rows(db) == [(1, "T1"), (2, "T2 revised"), (5, "T5"), (6, "T6")]
    links = db.execute("SELECT release_id, label_id FROM release_labels ORDER BY release_id").fetchall()
    assert links == [(1, 1), (2, 20), (5, 5), (6, 6)]


async def test_an_incremental_message_for_another_base_is_refused_and_stays_queued(
    db: Conn, pg_database: str, broker: Broker
) -> None:
    channel, topology = broker
    settings = service_settings(pg_database, topology.prefix, queue_check_interval=0.5)
    async with running(settings) as service:
        assert service.health is not None
        url = f"http://127.0.0.1:{service.health.port}/health"
        await _send(channel, topology, Kind.RELEASES, encode_records(Kind.RELEASES, [_release(1, "T1", 1)]))
        await _complete(channel, topology, None, A)
        await wait_for(lambda: _version(db) == (A, "full"), what="A stored")
        # A refresh from a version this database never had: never applied, never lost.
        wrong = Increment("20990301", "20990201")
        await _send(channel, topology, Kind.RELEASES, encode_deletions(Kind.RELEASES, [1], wrong))
        await _send(channel, topology, Kind.RELEASES, encode_deletions(Kind.RELEASES, [1], wrong))
        consumer = service.consumers[Kind.RELEASES]
        await wait_for(lambda: consumer.refused is not None, what="refused")
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
            assert response.status_code == 503
            reason = response.json()["refused"]["releases"]
            assert "base 20990201" in reason and f"version {A}" in reason
            await wait_for(lambda: not consumer.consuming, what="channel let go")
            assert await _depth_while_let_go(consumer, channel, topology) == 2
            assert _rows(db) == [(1, "T1")]
            # The queue check tries again: refused again, and still nothing lost. Counted, not
            # watched: attaching and being refused again can both fall between two polls.
            refusals = _count_refusals(consumer)
            await wait_for(lambda: refusals[0] >= 1, what="refused again")
            assert (await client.get(url)).status_code == 503
            assert await _depth_while_let_go(consumer, channel, topology) == 2
    assert _version(db) == (A, "full") and _rows(db) == [(1, "T1")]


async def _depth_while_let_go(consumer: Any, channel: Any, topology: Topology) -> int:
    """The queue's depth once the refused messages are back in it.

    The broker requeues what the closed channel held a moment after the close; the queue check
    may attach again meanwhile (holding them unacked): look while the channel is let go.
    """
    depths = []
    for _ in range(200):
        if not consumer.consuming:
            depths.append(await queue_depth(channel, topology.queue(Kind.RELEASES)))
            if depths[-1] == 2:
                break
        await asyncio.sleep(0.05)
    assert depths, "the consumer never let its channel go"
    return depths[-1]


def _count_refusals(consumer: Any) -> list[int]:
    """From now on, how many times the consumer refuses a message (in a one-item list)."""
    count = [0]
    refuse = consumer._refuse

    async def counted(reason: str) -> None:
        count[0] += 1
        await refuse(reason)

    consumer._refuse = counted
    return count
