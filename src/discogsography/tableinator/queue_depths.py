"""The depth of every queue the tableinator consumes, and of their dead-letter queues, for /metrics.

Every DEPTH_REFRESH_SECONDS it declares each queue passively on a connection of its own and
sets ``discogsography_queue_depth{queue}`` from the declaration's message count: the messages
ready, as the consumer sees them (unacked deliveries are not counted). While the broker is
away the gauges keep their last values and it tries again after the shared capped backoff
(runtime/retry.py, up to MAX_WAIT_SECONDS); it never declares a queue that does not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aio_pika

from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from discogsography.runtime import metrics
from discogsography.runtime.logs import get_logger
from discogsography.runtime.retry import retrying

log = get_logger("discogsography.tableinator")

DEPTH_REFRESH_SECONDS = 5.0
MAX_WAIT_SECONDS = 60.0
RETRIABLE = (TimeoutError, aio_pika.exceptions.AMQPError, OSError)


def queue_names(topology: Topology) -> list[str]:
    return [name for kind in Kind for name in (topology.queue(kind), topology.dead_letter_queue(kind))]


async def read_depths(connection: Any, names: list[str]) -> list[tuple[str, int]]:
    """Ready messages of each existing queue (a missing one is left out)."""
    depths = []
    channel = await connection.channel()
    try:
        for name in names:
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:  # no such queue (yet): the channel closed
                channel = await connection.channel()
                continue
            depths.append((name, int(queue.declaration_result.message_count or 0)))
    finally:
        with contextlib.suppress(Exception):
            await channel.close()
    return depths


async def watch_queue_depths(
    amqp_url: str | BrokerNodes, topology: Topology, interval: float = DEPTH_REFRESH_SECONDS
) -> None:
    """Refresh the queue depth gauges until cancelled."""
    sink = metrics.current()
    nodes = BrokerNodes.of(amqp_url)
    names = queue_names(topology)
    connection: Any = None

    async def refresh() -> None:
        nonlocal connection
        try:
            if connection is None or connection.is_closed:
                connection = await nodes.connect(
                    timeout=10,
                    client_properties={"connection_name": f"discogsography-queue-depths {topology.prefix}"},
                )
            sink.set_queue_depths(await read_depths(connection, names))
        except RETRIABLE as exc:
            # The service's own connection reports the broker's state; this stays quiet.
            log.debug("queue depth refresh failed", error=str(exc) or type(exc).__name__)
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close()
            connection = None
            raise

    try:
        while True:
            await retrying(
                None,
                worth_retrying=lambda exc: isinstance(exc, RETRIABLE),
                initial=interval,
                cap=MAX_WAIT_SECONDS,
            )(refresh)
            await asyncio.sleep(interval)
    finally:
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)
