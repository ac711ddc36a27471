"""The service against the real RabbitMQ and PostgreSQL: lossless, idempotent, acked after commit."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import psycopg
import pytest

from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.relational.tables import TABLES
from tests.tableinator.tableinator_helpers import (
    publish,
    publish_file_complete,
    publish_records,
    queue_depth,
    running,
    service_settings,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

Conn = psycopg.Connection[tuple[Any, ...]]
Broker = tuple[Any, Topology]


def _count(db: Conn, table: str) -> int:
    row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


async def test_every_sample_record_is_stored_once_and_republishing_changes_nothing(
    db: Conn, pg_database: str, broker: Broker, all_samples: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    expected = {kind: {p.id: p.data for p in parsed} for kind, parsed in all_samples.items()}
    published = dict.fromkeys(Kind, 0)

    def all_acked(service: Any) -> bool:
        return all(service.consumers[k].stats.messages == published[k] for k in Kind)

    async with running(service_settings(pg_database, topology.prefix)) as service:
        for kind, parsed in all_samples.items():
            lines = [p.json for p in parsed]
            published[kind] += await publish_records(channel, topology, kind, lines[:25], per_message=1)
            published[kind] += await publish_records(channel, topology, kind, lines, per_message=37)
        await wait_for(lambda: all_acked(service), what="first pass acked")
        for kind in Kind:
            assert _count(db, TABLES[kind].table) == len(expected[kind])
        first_pass = {kind: service.consumers[kind].stats.changed for kind in Kind}
        # The stored versions again (a redelivery or a republished dump): no row changes.
        for kind, parsed in all_samples.items():
            final_lines = list({p.id: p.json for p in parsed}.values())
            published[kind] += await publish_records(channel, topology, kind, final_lines, per_message=100)
        await wait_for(lambda: all_acked(service), what="second pass acked")
        assert {kind: service.consumers[kind].stats.changed for kind in Kind} == first_pass
    for kind in Kind:
        tables = TABLES[kind]
        stored: dict[Any, Any] = dict(db.execute(f"SELECT id, data FROM {tables.table}").fetchall())
        assert stored == expected[kind]
        assert _count(db, tables.table) == len(expected[kind])
        assert await queue_depth(channel, topology.queue(kind)) == 0
        assert await queue_depth(channel, topology.dead_letter_queue(kind)) == 0


async def test_a_changed_record_updates_its_row_and_link_rows(
    db: Conn, pg_database: str, broker: Broker
) -> None:
    channel, topology = broker
    old = {"id": 9, "sha256": "1" * 64, "title": "Old", "labels": {"label": [{"name": "A", "id": "1"}]}}
    new = {"id": 9, "sha256": "2" * 64, "title": "New", "labels": {"label": [{"name": "B", "id": "2"}]}}
    async with running(service_settings(pg_database, topology.prefix)):
        await publish(channel, topology, Kind.RELEASES, orjson.dumps(old))
        await wait_for(lambda: _count(db, "releases") == 1, what="first version")
        await publish(channel, topology, Kind.RELEASES, orjson.dumps(new))
        await wait_for(
            lambda: db.execute("SELECT title FROM releases WHERE id = 9").fetchone() == ("New",),
            what="update",
        )
    assert db.execute("SELECT label_id, label_name FROM release_labels").fetchall() == [(2, "B")]


async def test_messages_that_can_never_be_stored_go_to_the_dead_letter_queue(
    db: Conn, pg_database: str, broker: Broker
) -> None:
    channel, topology = broker
    good = [orjson.dumps({"id": n, "sha256": f"h{n}", "name": f"label {n}"}) for n in range(1, 6)]
    bad_bodies = [
        b"this is not json",
        b"[1, 2, 3]",
        orjson.dumps({"sha256": "x", "name": "no id"}),
        orjson.dumps({"id": 2**63, "sha256": "x"}),  # no bigint holds it
        orjson.dumps({"id": 99, "sha256": "x", "name": "NUL \u0000 cannot be stored"}),
        orjson.dumps({"type": "records", "data_type": "artists", "count": 1, "records": []}),  # wrong queue
        orjson.dumps({"type": "records", "data_type": "labels", "count": 1, "records": [{"id": "7"}]}),
    ]
    async with running(service_settings(pg_database, topology.prefix, postgres_batch_size=100)) as service:
        # Bad messages between good ones, all in one batch: only the bad ones are refused.
        for good_body, bad_body in zip(good, bad_bodies, strict=False):
            await publish(channel, topology, Kind.LABELS, good_body)
            await publish(channel, topology, Kind.LABELS, bad_body)
        for bad_body in bad_bodies[len(good) :]:
            await publish(channel, topology, Kind.LABELS, bad_body)
        await wait_for(lambda: _count(db, "labels") == len(good), what="good rows")

        async def all_dead_lettered() -> bool:
            return await queue_depth(channel, topology.dead_letter_queue(Kind.LABELS)) == len(bad_bodies)

        await wait_for(all_dead_lettered, what="dead letters")
        stats = service.consumers[Kind.LABELS].stats
        assert stats.dead_lettered == len(bad_bodies)
    dlq = await channel.get_queue(topology.dead_letter_queue(Kind.LABELS))
    dead = []
    while (message := await dlq.get(fail=False)) is not None:
        dead.append(message.body)
        await message.ack()
    assert sorted(dead) == sorted(bad_bodies)
    assert sorted(r[0] for r in db.execute("SELECT id FROM labels")) == [1, 2, 3, 4, 5]


async def test_file_complete_flushes_cancels_and_all_four_close_the_connection(
    db: Conn, pg_database: str, broker: Broker, samples_2025: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    settings = service_settings(
        pg_database,
        topology.prefix,
        postgres_batch_size=10_000,
        postgres_batch_flush_interval=600,  # only file_complete can flush
        consumer_cancel_delay=0.3,
        queue_check_interval=0.5,
    )
    async with running(settings) as service:
        artists = [p.json for p in samples_2025[Kind.ARTISTS]]
        await publish_records(channel, topology, Kind.ARTISTS, artists, per_message=5)
        await publish_file_complete(channel, topology, Kind.ARTISTS, len(artists))
        await wait_for(lambda: Kind.ARTISTS in service.completed, what="artists complete")
        assert _count(db, "artists") == len(artists)  # flushed before the completion was taken
        await wait_for(lambda: not service.consumers[Kind.ARTISTS].consuming, what="consumer cancelled")
        assert service.consumers[Kind.LABELS].consuming
        # New messages on a cancelled queue are found by the queue check and consumed.
        await publish_records(channel, topology, Kind.ARTISTS, artists[:3], per_message=3)
        await wait_for(lambda: service.consumers[Kind.ARTISTS].consuming, what="artists resumed")
        assert Kind.ARTISTS not in service.completed
        for kind in Kind:
            lines = [p.json for p in samples_2025[kind]]
            if kind != Kind.ARTISTS:
                await publish_records(channel, topology, kind, lines, per_message=4)
            await publish_file_complete(channel, topology, kind, len(lines))
        await wait_for(lambda: service.completed == set(Kind), what="all complete")
        await wait_for(lambda: service.health_report()[1]["broker"] == "idle", what="connection closed")
        healthy, body = service.health_report()
        assert healthy and body["completed_kinds"] == sorted(kind.value for kind in Kind)
        for kind in Kind:
            assert _count(db, TABLES[kind].table) == len(samples_2025[kind])
        # Idle: the periodic check reconnects when a new dump arrives.
        await publish_records(channel, topology, Kind.LABELS, [p.json for p in samples_2025[Kind.LABELS]][:2])
        await wait_for(lambda: service.health_report()[1]["broker"] == "connected", what="reconnected")
        await wait_for(lambda: Kind.LABELS not in service.completed, what="labels active again")


async def test_health_endpoint_reports_counts_last_message_and_completed_kinds(
    db: Conn, pg_database: str, broker: Broker, samples_2025: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    async with running(service_settings(pg_database, topology.prefix)) as service:
        assert service.health is not None
        url = f"http://127.0.0.1:{service.health.port}/health"
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
            assert response.status_code == 200
            assert response.json()["last_message_time"] is None
            masters = [p.json for p in samples_2025[Kind.MASTERS]]
            await publish_records(channel, topology, Kind.MASTERS, masters, per_message=2)
            await publish_file_complete(channel, topology, Kind.MASTERS, len(masters))
            await wait_for(lambda: Kind.MASTERS in service.completed, what="masters complete")
            response = await client.get(url)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "healthy"
    assert body["counts"]["masters"]["records"] == len(masters)
    assert body["counts"]["masters"]["messages"] == (len(masters) + 1) // 2
    assert body["last_message_time"] is not None
    assert body["completed_kinds"] == ["masters"]
    assert body["database"] == "ok" and body["broker"] == "connected"


async def test_per_message_mode_stores_each_message_in_its_own_transaction(
    db: Conn, pg_database: str, broker: Broker, samples_2025: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    releases = [p.json for p in samples_2025[Kind.RELEASES]]
    settings = service_settings(
        pg_database, topology.prefix, postgres_batch_mode=False, postgres_batch_flush_interval=600
    )
    async with running(settings) as service:
        await publish_records(channel, topology, Kind.RELEASES, releases, per_message=1)
        await wait_for(lambda: _count(db, "releases") == len(releases), what="releases")
        stats = service.consumers[Kind.RELEASES].stats  # counted after the acks, after the commits
        await wait_for(lambda: stats.batches >= len(releases), what="every batch counted")
        assert stats.batches == len(releases)


async def test_with_batches_written_concurrently_the_last_version_of_a_record_wins(
    db: Conn, pg_database: str, broker: Broker
) -> None:
    channel, topology = broker
    versions = 30
    async with running(service_settings(pg_database, topology.prefix, postgres_batch_size=20)) as service:
        for version in range(versions):
            lines = [
                orjson.dumps({"id": n, "sha256": f"v{version}-{n}", "name": f"version {version}"})
                for n in range(1, 21)
            ]
            await publish_records(channel, topology, Kind.LABELS, lines, per_message=20)
        await wait_for(lambda: service.consumers[Kind.LABELS].stats.messages == versions, what="all acked")
        assert service.consumers[Kind.LABELS].stats.batches == versions
    assert set(db.execute("SELECT name FROM labels").fetchall()) == {(f"version {versions - 1}",)}
    assert _count(db, "labels") == 20


async def test_a_batch_that_does_not_fill_is_flushed_after_the_interval(
    db: Conn, pg_database: str, broker: Broker, samples_2025: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    labels = [p.json for p in samples_2025[Kind.LABELS]]
    settings = service_settings(
        pg_database, topology.prefix, postgres_batch_size=10_000, postgres_batch_flush_interval=2.0
    )
    async with running(settings) as service:
        await publish_records(channel, topology, Kind.LABELS, labels, per_message=3)
        await wait_for(
            lambda: service.consumers[Kind.LABELS].pending_records == len(labels), what="delivered"
        )
        assert _count(db, "labels") == 0  # far from 10,000 records: waiting for the interval
        await wait_for(lambda: _count(db, "labels") == len(labels), timeout=10, what="time-triggered flush")
        # The batch is counted after its messages are acked, a moment after the commit shows.
        stats = service.consumers[Kind.LABELS].stats
        await wait_for(lambda: stats.batches >= 1, timeout=10, what="the batch counted")
        assert stats.batches == 1
