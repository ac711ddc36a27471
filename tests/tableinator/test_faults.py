"""Outages on the real servers: nothing acked before commit, nothing lost, recovery by itself.

PostgreSQL is made unreachable for the run's own database only (connections refused and the
service's sessions terminated); RabbitMQ drops the service's connection by ``rabbitmqctl``.
Neither shared server is stopped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.relational.migrations import ensure_schema
from discogsography.runtime.metrics import ServiceMetrics
from tests.tableinator.tableinator_helpers import (
    AMQP_URL,
    NEEDS_RABBITMQCTL,
    PG_ADDRESS,
    PG_USER,
    publish_file_complete,
    publish_records,
    queue_depth,
    running,
    service_settings,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.faults]

Broker = tuple[Any, Topology]


@pytest.fixture
def own_database() -> Iterator[str]:
    """A database of this test alone, since the test cuts it off."""
    from tests.tableinator.conftest import admin_conninfo, create_database, drop_database

    name = create_database("dgtest_tbl_fault_")
    try:
        with psycopg.connect(admin_conninfo(name)) as conn:
            ensure_schema(conn)
        yield name
    finally:
        _allow_connections(name, True)
        drop_database(name)


def _allow_connections(name: str, allowed: bool) -> None:
    from tests.tableinator.conftest import admin_conninfo

    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allowed else "false"}')
        if not allowed:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


def _stored_ids(name: str, table: str) -> list[int]:
    from tests.tableinator.conftest import admin_conninfo

    with psycopg.connect(admin_conninfo(name)) as conn:
        return [row[0] for row in conn.execute(f"SELECT id FROM {table} ORDER BY id")]


@pytest.fixture
def counted_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every error the service counts (its metrics), by name, as it counts it."""
    errors: list[str] = []
    real = ServiceMetrics.count_error

    def count_error(self: ServiceMetrics, error: str, times: int = 1) -> None:
        errors.extend([error] * times)
        real(self, error, times)

    monkeypatch.setattr(ServiceMetrics, "count_error", count_error)
    return errors


async def test_database_outage_keeps_messages_unacked_and_the_service_recovers_by_itself(
    own_database: str,
    broker: Broker,
    samples_2020: dict[Kind, list[ParsedRecord]],
    counted_errors: list[str],
) -> None:
    channel, topology = broker
    labels = samples_2020[Kind.LABELS][:300]
    async with running(service_settings(own_database, topology.prefix, postgres_batch_size=100)) as service:
        _allow_connections(own_database, False)
        await publish_records(channel, topology, Kind.LABELS, [p.json for p in labels], per_message=10)
        await wait_for(lambda: service.health_report()[1]["database"] == "unavailable", what="outage seen")
        healthy, body = service.health_report()
        assert not healthy and body["status"] == "unhealthy"
        await wait_for(
            lambda: counted_errors.count("database_unavailable") >= 3,
            what="three tries refused while the database is away",
        )
        stats = service.consumers[Kind.LABELS].stats
        assert stats.messages == 0 and stats.records == 0  # nothing acked before a commit
        _allow_connections(own_database, True)
        await wait_for(lambda: stats.messages == 30, timeout=30, what="recovery")
        assert service.health_report()[0]
    assert _stored_ids(own_database, "labels") == sorted(p.id for p in labels)
    assert await queue_depth(channel, topology.queue(Kind.LABELS)) == 0


async def test_stopping_during_an_outage_leaves_every_message_for_redelivery(
    own_database: str, broker: Broker, samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    artists = samples_2020[Kind.ARTISTS][:200]
    settings = service_settings(own_database, topology.prefix, postgres_batch_size=50)
    async with running(settings) as service:
        _allow_connections(own_database, False)
        await publish_records(channel, topology, Kind.ARTISTS, [p.json for p in artists], per_message=20)
        await wait_for(lambda: service.health_report()[1]["database"] == "unavailable", what="outage seen")

    # Stopped while the database was away: the broker holds all ten messages again.
    async def all_back() -> bool:
        return await queue_depth(channel, topology.queue(Kind.ARTISTS)) == 10

    await wait_for(all_back, what="messages requeued")
    _allow_connections(own_database, True)
    async with running(settings) as service:
        await wait_for(lambda: service.consumers[Kind.ARTISTS].stats.messages == 10, what="redelivered")
    assert _stored_ids(own_database, "artists") == sorted(p.id for p in artists)


def _close_broker_connections(name_part: str) -> int:
    listing = subprocess.run(
        ["rabbitmqctl", "list_connections", "pid", "client_properties", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    closed = 0
    for line in listing.splitlines():
        if name_part in line:
            pid = line.split("\t", 1)[0].strip()
            subprocess.run(
                ["rabbitmqctl", "close_connection", pid, "test: simulated broker outage"],
                capture_output=True,
                timeout=60,
                check=True,
            )
            closed += 1
    return closed


@NEEDS_RABBITMQCTL
async def test_broker_connection_loss_reconnects_and_redelivered_messages_are_stored_once(
    pg_database: str, db: Any, broker: Broker, samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    masters = samples_2020[Kind.MASTERS][:120]
    settings = service_settings(
        pg_database, topology.prefix, postgres_batch_size=10_000, postgres_batch_flush_interval=600
    )
    async with running(settings) as service:
        consumer = service.consumers[Kind.MASTERS]
        await publish_records(channel, topology, Kind.MASTERS, [p.json for p in masters], per_message=12)
        await wait_for(lambda: consumer.pending_records == 120, what="delivered, pending")
        # The consuming connection only (the queue-depth watcher has one of its own).
        consuming = f"discogsography-tableinator {topology.prefix}"
        assert await asyncio.to_thread(_close_broker_connections, consuming) == 1
        # The service connects again (broker.py) and the broker redelivers the ten unacked messages.
        await wait_for(lambda: consumer.pending_records == 240, timeout=30, what="redelivery")
        await publish_file_complete(channel, topology, Kind.MASTERS, len(masters))
        await wait_for(lambda: Kind.MASTERS in service.completed, timeout=30, what="complete")
        assert service.health_report()[1]["broker"] == "connected"
    assert sorted(r[0] for r in db.execute("SELECT id FROM masters")) == sorted(p.id for p in masters)
    assert await queue_depth(channel, topology.queue(Kind.MASTERS)) == 0


async def test_sigterm_flushes_the_pending_batch_and_exits_zero(
    pg_database: str, db: Any, broker: Broker, samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    releases = samples_2020[Kind.RELEASES][:40]
    host_env = {
        "POSTGRES_ADDRESS": PG_ADDRESS,
        "POSTGRES_USERNAME": PG_USER,
        "POSTGRES_DATABASE": pg_database,
        "AMQP_CONNECTION": AMQP_URL,
        "AMQP_QUEUE_PREFIX": topology.prefix,
        "HEALTH_CHECK_PORT": "0",
        "POSTGRES_BATCH_SIZE": "10000",
        "POSTGRES_BATCH_FLUSH_INTERVAL": "600",
    }
    command = [str(Path(sys.executable).parent / "discogsography"), "tableinator"]
    await publish_records(channel, topology, Kind.RELEASES, [p.json for p in releases], per_message=8)
    process = subprocess.Popen(
        command, env={**os.environ, **host_env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:

        async def all_delivered() -> bool:
            return await queue_depth(channel, topology.queue(Kind.RELEASES)) == 0

        await wait_for(all_delivered, what="delivered")
        await asyncio.sleep(0.5)
        assert db.execute("SELECT count(*) FROM releases").fetchone() == (0,)  # still pending
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output.decode()
    assert "Tableinator stopped" in output.decode()
    assert db.execute("SELECT count(*) FROM releases").fetchone() == (len(releases),)
    assert await queue_depth(channel, topology.queue(Kind.RELEASES)) == 0


@NEEDS_RABBITMQCTL
async def test_the_prefetch_is_sized_from_the_first_record_message_and_order_is_kept(
    pg_database: str, db: Any, broker: Broker, samples_2020: dict[Kind, list[ParsedRecord]]
) -> None:
    channel, topology = broker
    releases = [p.json for p in samples_2020[Kind.RELEASES][:150]]
    settings = service_settings(pg_database, topology.prefix, postgres_batch_size=1000)
    async with running(settings) as service:
        await publish_records(channel, topology, Kind.RELEASES, releases, per_message=50)
        await publish_file_complete(channel, topology, Kind.RELEASES, len(releases))
        await wait_for(lambda: Kind.RELEASES in service.completed, what="complete")
        # Completion came after every record: nothing was reordered behind the file_complete.
        assert service.consumers[Kind.RELEASES].stats.records == len(releases)
        listing = await asyncio.to_thread(
            subprocess.run,
            ["rabbitmqctl", "list_consumers", "queue_name", "prefetch_count", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    prefetch = [
        line.split("\t")[1].strip()
        for line in listing.stdout.splitlines()
        if line.split("\t")[0] == topology.queue(Kind.RELEASES)
    ]
    assert prefetch == ["40"]  # 2 x 1000 records per batch / 50 records per message
