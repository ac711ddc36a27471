"""The extractor's side of the broker: a connection with the topology declared, file_complete.

``open_exchange`` is how every publishing connection starts (confirms on, returns raised, the
exchange and queues declared as every service declares them); the preflight check opens one the
same way, so a broker that would refuse publishing refuses the check. ``send_file_complete`` is
the entry point for a completion message sent on its own (one that was never confirmed).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractExchange

from discogsography.amqp.messages import (
    CONTENT_TYPE,
    FILE_COMPLETE_TYPE,
    ChangeCounts,
    Increment,
    encode_file_complete,
)
from discogsography.amqp.nodes import BrokerNodes, check_each
from discogsography.amqp.topology import Topology, declare
from discogsography.kinds import Kind

PUBLISH_TIMEOUT_SECONDS = 120.0
CONNECT_TIMEOUT_SECONDS = 30.0


def persistent_message(body: bytes, amqp_type: str) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        content_type=CONTENT_TYPE,
        type=amqp_type,
    )


async def open_exchange(
    nodes: BrokerNodes | str, topology: Topology
) -> tuple[AbstractConnection, AbstractExchange]:
    """Connect to a node that answers (amqp/nodes.py), open a confirming channel, declare the
    topology; the caller closes the connection."""
    connection = await BrokerNodes.of(nodes).connect(timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await declare(channel, topology)
        exchange = await channel.get_exchange(topology.exchange, ensure=False)
    except BaseException:
        with contextlib.suppress(Exception):
            await connection.close()
        raise
    return connection, exchange


async def check_broker(nodes: BrokerNodes | str, topology: Topology) -> list[tuple[str, BaseException]]:
    """Connect to every node and declare as publishing will. Returns the nodes that failed (with
    their errors) once one passed; raises what the broker said when none did."""

    async def check(url: str) -> None:
        connection, _ = await open_exchange(url, topology)
        with contextlib.suppress(Exception):
            await connection.close()

    return await check_each(BrokerNodes.of(nodes), check)


@dataclass(frozen=True, slots=True)
class Completion:
    """What a ``file_complete`` message says about one file."""

    kind: Kind
    file_name: str
    total_processed: int
    version: str | None = None
    increment: Increment | None = None
    counts: ChangeCounts | None = None

    def encode(self) -> bytes:
        return encode_file_complete(
            self.kind,
            self.total_processed,
            self.file_name,
            version=self.version,
            increment=self.increment,
            counts=self.counts,
        )


async def publish_file_complete(
    exchange: AbstractExchange, topology: Topology, completion: Completion
) -> None:
    """Publish one file's ``file_complete`` and wait for its confirm."""
    await exchange.publish(
        persistent_message(completion.encode(), FILE_COMPLETE_TYPE),
        topology.routing_key(completion.kind),
        mandatory=True,
        timeout=PUBLISH_TIMEOUT_SECONDS,
    )


async def send_file_complete(nodes: BrokerNodes | str, topology: Topology, completion: Completion) -> None:
    """``publish_file_complete`` over a connection of its own."""
    connection, exchange = await open_exchange(nodes, topology)
    try:
        await publish_file_complete(exchange, topology, completion)
    finally:
        with contextlib.suppress(Exception):
            await connection.close()
