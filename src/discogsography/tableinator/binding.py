"""A kind consumer's binding to its queue: how it starts consuming, stops, and lets go.

Deliveries go into the consumer's inbox, in the order the broker sent them; the consumer's
worker takes them from there (consumer.py).

A consumer can stop getting deliveries while its connection stays up: the broker cancels it
(basic.cancel, say a quorum queue deleted), or closes its channel (a channel error, or the
client closing it when a basic.get timed out on a queue that lost its majority). The binding
then lets go of the channel (closing it, so that what it held unacked goes back to the queue)
and tells ``on_lost``, which attaches the kind again on a fresh channel (consume_connection.py).
A close that it asked for itself (``cancel``, ``detach``) is not a loss.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
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

# Told which kind lost its consumer, why, and how many times in a row it was lost before it
# consumed again (the caller backs off and logs the first loss only).
OnLost = Callable[[Kind, str, int], None]


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
        self._on_lost: OnLost | None = None
        self._letting_go: set[asyncio.Task[None]] = set()
        self.losses = 0  # losses since the consumer last started (or took a message)
        self.lost = False  # let go after a loss, until attached again or let go on purpose

    @property
    def consuming(self) -> bool:
        return self._channel is not None

    @property
    def channel(self) -> Any:
        """The channel it consumes on (None when let go)."""
        return self._channel

    async def attach(self, channel: Any, queue: Any, on_lost: OnLost | None = None) -> None:
        """Consume ``queue`` on ``channel`` (a channel of its own: prefetch is per consumer);
        ``on_lost`` is told when the consumer stops by the broker's doing (see the module).

        Prefetch counts messages while batches count records, so the prefetch is set from the
        first record message, taken with basic.get, and only then is the consumer started. It
        is never changed on a running consumer: RabbitMQ applies a prefetch to consumers
        started after it, and cancelling a quorum queue consumer strands the deliveries in
        transit until the channel closes, which would reorder them behind later messages.
        """
        self._channel, self._queue, self._on_lost = channel, queue, on_lost
        self.lost = False
        channel.close_callbacks.add(
            lambda _sender, exc=None: self._lost(channel, _reason(exc, "channel closed"))
        )
        underlay = await channel.get_underlay_channel()
        underlay.on_consumer_cancel_callbacks.add(lambda frame: self._cancelled(channel, frame))
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
                    self.losses = 0
                    continue
                prefetch = prefetch_for(self.batch_size, records)
                await channel.set_qos(prefetch_count=prefetch)
                self._consumer_tag = await queue.consume(self._deliver)
                self.losses = 0
                log.info(
                    "👂 Consuming", data_type=self.kind.value, prefetch=prefetch, records_per_message=records
                )
                return
            except Exception as exc:
                if channel.is_closed:  # it never opens again: a fresh channel is the way on
                    self._lost(channel, _reason(exc, "channel closed"))
                    return
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
        self.lost = False
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
        self.lost = False

    async def _deliver(self, message: Any) -> None:
        self._inbox.put_nowait(message)

    def _cancelled(self, channel: Any, frame: Any) -> None:
        """basic.cancel from the broker (the client's own cancels are answered by cancel-ok)."""
        if frame.consumer_tag is not None and frame.consumer_tag == self._consumer_tag:
            self._lost(channel, "the broker cancelled the consumer")

    def _lost(self, channel: Any, reason: str) -> None:
        """The broker stopped this channel's consumer: let go, then tell ``on_lost`` (once)."""
        if self._channel is not channel or self._stopping.is_set():
            return  # let go of on purpose, or already reported
        on_lost = self._on_lost
        self.detach()
        self.lost = True
        self.losses += 1
        task = asyncio.create_task(self._let_go(channel, reason, on_lost, self.losses))
        self._letting_go.add(task)
        task.add_done_callback(self._letting_go.discard)

    async def _let_go(self, channel: Any, reason: str, on_lost: OnLost | None, losses: int) -> None:
        # Closed first: the deliveries it held unacked go back to the queue before the kind is
        # consumed again (a cancelled quorum queue consumer keeps them until its channel closes).
        if not channel.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(channel.close(), 10)
        if on_lost is not None and self.lost:  # not attached again nor let go on purpose meanwhile
            on_lost(self.kind, reason, losses)


def _reason(exc: BaseException | None, default: str) -> str:
    return (str(exc) or type(exc).__name__) if exc is not None else default
