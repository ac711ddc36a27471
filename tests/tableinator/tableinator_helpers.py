"""Helpers for the tableinator tests: publishing, waiting, running the service in-process."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aio_pika
import pytest

from discogsography.amqp.messages import encode_file_complete, encode_records
from discogsography.amqp.topology import Topology
from discogsography.config.tableinator_settings import TableinatorSettings, load_settings
from discogsography.kinds import Kind
from discogsography.tableinator.tableinator_service import Tableinator
from tests.support.amqp import queue_depth
from tests.support.ci import under_ci
from tests.support.servers import AMQP_URL, PG_ADDRESS, PG_USER
from tests.support.waits import wait_for_async as wait_for

# Re-exported for the tableinator tests, which import them from here.
__all__ = ["AMQP_URL", "PG_ADDRESS", "PG_USER", "queue_depth", "wait_for"]

# Skipped on a laptop without the broker's tools; under CI=true their absence is a failure.
NEEDS_RABBITMQCTL = pytest.mark.skipif(
    shutil.which("rabbitmqctl") is None and not under_ci(), reason="needs rabbitmqctl"
)


async def publish(
    channel: Any, topology: Topology, kind: Kind, body: bytes, amqp_type: str = "record"
) -> None:
    exchange = await channel.get_exchange(topology.exchange)
    await exchange.publish(
        aio_pika.Message(body, type=amqp_type, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
        routing_key=topology.routing_key(kind),
    )


async def publish_records(
    channel: Any, topology: Topology, kind: Kind, lines: Sequence[bytes], per_message: int = 50
) -> int:
    """Publish record lines as envelopes of ``per_message`` records; returns the message count."""
    messages = 0
    pending = []
    for start in range(0, len(lines), per_message):
        amqp_type, body = encode_records(kind, lines[start : start + per_message])
        pending.append(publish(channel, topology, kind, body, amqp_type))
        messages += 1
    await asyncio.gather(*pending)
    return messages


async def publish_file_complete(channel: Any, topology: Topology, kind: Kind, total: int) -> None:
    await publish(
        channel, topology, kind, encode_file_complete(kind, total, f"{kind}.xml.gz"), "file_complete"
    )


def service_settings(database: str, prefix: str, **overrides: Any) -> TableinatorSettings:
    options: dict[str, Any] = {
        "postgres_address": PG_ADDRESS,
        "postgres_username": PG_USER,
        "postgres_database": database,
        "amqp_connection": AMQP_URL,
        "health_check_port": 0,
        "amqp_queue_prefix": prefix,
        "postgres_batch_size": 200,
        "postgres_batch_flush_interval": 0.2,
        "consumer_cancel_delay": 300,
        "queue_check_interval": 3600,
    }
    options.update(overrides)
    return load_settings(**options)


@contextlib.asynccontextmanager
async def running(
    settings: TableinatorSettings, *, wait_ready: bool = True, **options: Any
) -> AsyncIterator[Tableinator]:
    """The service in-process; stopped (as by SIGTERM) and awaited on exit."""
    service = Tableinator(
        settings, health_host="127.0.0.1", install_signal_handlers=False, max_backoff=0.5, **options
    )
    task = asyncio.create_task(service.run())
    try:
        await wait_for(
            lambda: task.done() or not wait_ready or all(c.consuming for c in service.consumers.values()),
            what="service start",
        )
        if task.done():
            task.result()
        yield service
    finally:
        service.request_stop()
        await asyncio.wait_for(task, 30)
