"""Delete the exchanges and queues of one name prefix (benchmarks and tests clean up with it)."""

from __future__ import annotations

import asyncio
import sys

import aio_pika

from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind


async def delete(prefix: str, url: str = "amqp://guest:guest@127.0.0.1:5672/") -> None:
    topology = Topology(prefix)
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for kind in Kind:
            await channel.queue_delete(topology.queue(kind))
            await channel.queue_delete(topology.dead_letter_queue(kind))
        await channel.exchange_delete(topology.exchange)
        await channel.exchange_delete(topology.dead_letter_exchange)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1]:
        raise SystemExit("usage: delete_queues.py PREFIX (a non-empty prefix: never the production names)")
    asyncio.run(delete(sys.argv[1]))
