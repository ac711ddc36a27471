"""A kind consumer's binding to its queue: how it starts consuming, stops, and lets go.

Deliveries go into the consumer's inbox, in the order the broker sent them; the consumer's
worker takes them from there (consumer.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from discogsography.kinds import Kind
from discogsography.runtime.logs import get_logger
from discogsography.runtime.stop_signal import StopSignal
from discogsography.tableinator.batching import prefetch_for
from discogsography.tableinator.pending import records_in

log = get_logger("discogsography.tableinator")

# How often an attached consumer looks for its first record message while its queue is empty:
# from the first to the second value, doubling.
START_POLL_SECONDS = (0.05, 1.0)


class QueueBinding:
    def __init__(self, kind: Kind, inbox: asyncio.Queue[Any], stopping: StopSignal, batch_size: int) -> None:
        self.kind = kind
        self.batch_size = batch_size
        self._inbox = inbox
        self._stopping = stopping
        self._queue: Any = None
        self._channel: Any = None
        self._consumer_tag: str | None = None
        self._starting: asyncio.Task[None] | None = None

    @property
    def consuming(self) -> bool:
        return self._channel is not None

    async def attach(self, channel: Any, queue: Any) -> None:
        """Consume ``queue`` on ``channel`` (a channel of its own: prefetch is per consumer).

        Prefetch counts messages while batches count records, so the prefetch is set from the
        first record message, taken with basic.get, and only then is the consumer started. It
        is never changed on a running consumer: RabbitMQ applies a prefetch to consumers
        started after it, and cancelling a quorum queue consumer strands the deliveries in
        transit until the channel closes, which would reorder them behind later messages.
        """
        self._channel, self._queue = channel, queue
        self._starting = asyncio.create_task(self._start(channel, queue))

    async def _start(self, channel: Any, queue: Any) -> None:
        poll = START_POLL_SECONDS[0]
        records = 0
        while self._channel is channel and not self._stopping.is_set():
            try:
                if not records:
                    message = await queue.get(no_ack=False, fail=False)
                    if message is None:
                        await self._stopping.sleep(poll)
                        poll = min(poll * 2, START_POLL_SECONDS[1])
                        continue
                    self._inbox.put_nowait(message)
                    records = records_in(message.body)
                    continue
                prefetch = prefetch_for(self.batch_size, records)
                await channel.set_qos(prefetch_count=prefetch)
                self._consumer_tag = await queue.consume(self._deliver)
                log.info(
                    "👂 Consuming", data_type=self.kind.value, prefetch=prefetch, records_per_message=records
                )
                return
            except Exception as exc:  # a channel closing under it: try again until detached
                log.debug("consumer start failed, retrying", data_type=self.kind.value, error=str(exc))
                await self._stopping.sleep(START_POLL_SECONDS[1])

    async def stop_deliveries(self) -> None:
        """basic.cancel only: what was delivered is still processed and settled (shutdown)."""
        starting, self._starting = self._starting, None
        if starting is not None:
            starting.cancel()
            with contextlib.suppress(BaseException):
                await starting
        tag, self._consumer_tag = self._consumer_tag, None
        if tag is not None and self._queue is not None:
            try:
                await self._queue.cancel(tag)
            except Exception as exc:
                log.debug("consumer cancel failed", data_type=self.kind.value, error=str(exc))

    async def cancel(self) -> None:
        """Stop deliveries and close the channel.

        Deliveries in transit to a cancelled quorum queue consumer stay unacked on its channel;
        closing the channel hands them back to the queue for the next consumer.
        """
        await self.stop_deliveries()
        channel, self._channel, self._queue = self._channel, None, None
        if channel is not None:
            with contextlib.suppress(Exception):
                await channel.close()

    def detach(self) -> None:
        """Forget the channel (the connection is closed or being closed)."""
        starting, self._starting = self._starting, None
        if starting is not None:
            starting.cancel()
        self._consumer_tag = None
        self._channel = self._queue = None

    async def _deliver(self, message: Any) -> None:
        self._inbox.put_nowait(message)
