"""Queue depths as the broker reports them.

A passive declare counts the *ready* messages only: a message delivered and not yet settled is
in neither its queue's count nor its dead-letter queue's, and a rejected message reaches the
dead-letter queue a moment after the reject (quorum queues dead-letter asynchronously). So a
count read while a consumer is attached, or right after rejects, is not final; ``QueueState``
carries the consumer count with it for the callers that must know.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

import aio_pika

from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind


class QueueState(NamedTuple):
    ready: int  # -1: no such queue
    consumers: int


async def queue_state(channel: Any, name: str) -> QueueState:
    queue = await channel.declare_queue(name, passive=True)
    result = queue.declaration_result
    return QueueState(int(result.message_count or 0), int(result.consumer_count or 0))


async def queue_depth(channel: Any, name: str) -> int:
    """Ready messages in queue ``name`` (which must exist)."""
    return (await queue_state(channel, name)).ready


async def read_queue_states(amqp_url: str, topology: Topology) -> dict[str, QueueState]:
    """Every queue and dead-letter queue of a topology."""
    connection = await BrokerNodes(amqp_url).connect(timeout=10)  # any node of a cluster
    async with connection:
        channel = await connection.channel()
        states = {}
        for kind in Kind:
            for name in (topology.queue(kind), topology.dead_letter_queue(kind)):
                try:
                    states[name] = await queue_state(channel, name)
                except aio_pika.exceptions.ChannelClosed:
                    channel = await connection.channel()
                    states[name] = QueueState(-1, 0)
        return states


async def read_queue_depths(amqp_url: str, topology: Topology) -> dict[str, int]:
    """Ready messages in each queue and dead-letter queue of a topology (-1: no such queue)."""
    return {name: state.ready for name, state in (await read_queue_states(amqp_url, topology)).items()}


def queue_depths(amqp_url: str, topology: Topology) -> dict[str, int]:
    return asyncio.run(read_queue_depths(amqp_url, topology))
