"""Exchange, queues and dead-letter paths: declared identically by every service.

``discogsography-exchange`` (topic) routes ``discogsography.<kind>`` to a durable quorum queue
named after the kind. Each queue dead-letters to ``discogsography-dlx`` (topic) with its own
routing key, which lands in ``<kind>.dlq``. A ``prefix`` (tests use one per run) is put in front
of every name so that runs never share queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika

from discogsography.amqp.nodes import BrokerNodes
from discogsography.kinds import Kind

EXCHANGE = "discogsography-exchange"
DEAD_LETTER_EXCHANGE = "discogsography-dlx"


@dataclass(frozen=True, slots=True)
class Topology:
    prefix: str = ""

    @property
    def exchange(self) -> str:
        return self.prefix + EXCHANGE

    @property
    def dead_letter_exchange(self) -> str:
        return self.prefix + DEAD_LETTER_EXCHANGE

    def routing_key(self, kind: Kind) -> str:
        return f"discogsography.{kind.value}"

    def queue(self, kind: Kind) -> str:
        return self.prefix + kind.value

    def dead_letter_queue(self, kind: Kind) -> str:
        return f"{self.prefix}{kind.value}.dlq"

    def queue_arguments(self, kind: Kind) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": self.routing_key(kind),
        }


async def declare(channel: Any, topology: Topology) -> None:
    """Declare everything on an aio-pika channel; idempotent, so every service calls it at start."""
    exchange = await channel.declare_exchange(topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    dead_letters = await channel.declare_exchange(
        topology.dead_letter_exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    for kind in Kind:
        queue = await channel.declare_queue(
            topology.queue(kind), durable=True, arguments=topology.queue_arguments(kind)
        )
        await queue.bind(exchange, routing_key=topology.routing_key(kind))
        dead_letter_queue = await channel.declare_queue(
            topology.dead_letter_queue(kind), durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dead_letter_queue.bind(dead_letters, routing_key=topology.routing_key(kind))


async def remove(channel: Any, topology: Topology) -> None:
    """Delete everything `declare` made (tests and benchmarks clean up their prefix with it)."""
    for kind in Kind:
        await channel.queue_delete(topology.queue(kind))
        await channel.queue_delete(topology.dead_letter_queue(kind))
    await channel.exchange_delete(topology.exchange)
    await channel.exchange_delete(topology.dead_letter_exchange)


async def remove_prefix(amqp_url: str, prefix: str) -> None:
    """Connect and delete one prefix's exchanges and queues; refuses the empty (production) prefix."""
    if not prefix:
        raise ValueError("refusing to delete the unprefixed production exchanges and queues")
    connection = await BrokerNodes(amqp_url, report=False).connect(timeout=30)
    async with connection:
        await remove(await connection.channel(), Topology(prefix))
