"""The tableinator's one connection to RabbitMQ: connect, declare, attach the kind consumers, and
connect again after a loss.

Transient failures (a refused connection, a broker restarting, a timeout) are retried with the
shared capped backoff (``retry.retry_transient``) and logged once when the broker goes away
and once when it is back. A permanent one (a refused login, an unknown virtual host, a missing
permission) is raised as PermanentFailure, named in one line by ``failures.amqp_summary``:
retrying cannot heal it, so the service stops and exits 1.

A kind whose consumer the broker stopped while the connection stayed up (binding.py: a
basic.cancel, a channel closed) is attached again on a fresh channel, after a backoff when it
keeps being lost (a queue without its majority closes the channel of every basic.get that
times out). Attaching is one step at a time: the reconnection, the queue check and these
re-attachments never attach a kind twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import aio_pika

from discogsography.amqp.broker_check import drop_driver_connect_errors
from discogsography.amqp.nodes import BrokerNodes
from discogsography.amqp.topology import Topology, declare
from discogsography.kinds import Kind
from discogsography.runtime import metrics
from discogsography.runtime.failures import PermanentFailure, amqp_summary, is_permanent
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url
from discogsography.runtime.retry import Stopped, retry_transient
from discogsography.runtime.stop_signal import StopSignal
from discogsography.tableinator.consumer import KindConsumer
from discogsography.tableinator.queue_depths import read_depths
from discogsography.tableinator.status import ServerState

log = get_logger("discogsography.tableinator")

# Failures of a connection attempt worth another try (unless failures.is_permanent says not).
RETRIABLE = (TimeoutError, aio_pika.exceptions.AMQPError, OSError)
CONNECT_TIMEOUT = 10


class BrokerLink:
    def __init__(
        self,
        url: str | BrokerNodes,
        topology: Topology,
        consumers: Mapping[Kind, KindConsumer],
        *,
        stop: StopSignal,
        on_permanent: Callable[[PermanentFailure], None],
        max_backoff: float = 30.0,
    ) -> None:
        # The service's nodes: its other connections (queue checks, depth gauges) use them too.
        self.nodes = url if isinstance(url, BrokerNodes) else BrokerNodes(url)
        self.url = ",".join(self.nodes.urls)
        self.topology = topology
        self.consumers = consumers
        self.state = ServerState("RabbitMQ")
        self._stop = stop
        self._on_permanent = on_permanent
        self._max_backoff = max_backoff
        self._connection: Any = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._reattaching: asyncio.Task[None] | None = None
        self._attaching = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    def state_name(self, all_complete: bool) -> str:
        """What /health says: connected, connecting, reconnecting, disconnected, or idle (all
        files stored, connection closed until the next queue check)."""
        if self.connected:  # connected once every kind asked for is attached
            return "connected" if self.state.ok else "connecting"
        if self._reconnecting is not None and not self._reconnecting.done():
            return "reconnecting"
        return "idle" if all_complete and self.state.ok is not False else "disconnected"

    async def resume(self, kinds: list[Kind], *, back: str | None = None) -> None:
        """Connect when needed and consume these kinds, retrying outages until it works or a stop.

        Raises PermanentFailure when the broker refuses for good. ``back`` is the line logged
        when this ends an outage.
        """
        try:
            await retry_transient(
                lambda: self._consume(kinds),
                stop=self._stop,
                retry_on=RETRIABLE,
                on_retry=self._failed,
                initial=0.5,
                cap=self._max_backoff,
            )
        except Stopped:
            await self.close()
            return
        except RETRIABLE as exc:
            await self.close()
            if self._stop.is_set():
                return
            if is_permanent(exc):
                raise PermanentFailure(
                    f"RabbitMQ at {redact_url(self.url)}: {amqp_summary(exc, self.url)}"
                ) from None
            raise
        self.state.up(back)

    async def close(self) -> None:
        """Close the connection on purpose; the consumers forget their channels."""
        connection, self._connection = self._connection, None
        for consumer in self.consumers.values():
            consumer.detach()
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 10)

    async def shutdown(self) -> None:
        for task in (self._reconnecting, self._reattaching):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._reconnecting = self._reattaching = None
        await self.close()

    async def queue_depths(self, kinds: list[Kind]) -> dict[Kind, int]:
        """A brief connection of its own: how many messages wait in these queues."""
        connection = await self.nodes.connect(timeout=CONNECT_TIMEOUT)
        try:
            found = dict(await read_depths(connection, [self.topology.queue(kind) for kind in kinds]))
        finally:
            await connection.close()
        return {kind: found.get(self.topology.queue(kind), 0) for kind in kinds}

    # --- inside ----------------------------------------------------------------------------

    def _failed(self, error: BaseException, delay: float) -> None:
        metrics.current().count_error("broker_unavailable")
        self.state.down(amqp_summary(error, self.url), retry_in=delay)

    async def _consume(self, kinds: list[Kind]) -> None:
        async with self._attaching:
            if not self.connected:
                await self.close()
                try:
                    await self._connect()
                except BaseException:
                    await self.close()
                    raise
            for kind in kinds:
                consumer = self.consumers[kind]
                if consumer.consuming:
                    continue
                channel = await self._connection.channel()
                queue = await channel.get_queue(self.topology.queue(kind), ensure=True)
                await consumer.attach(channel, queue, on_lost=self._consumer_lost)
                log.info("🔗 Attached", data_type=kind.value, queue=self.topology.queue(kind))

    async def _connect(self) -> None:
        drop_driver_connect_errors()  # each try would log a line; the state changes are logged here
        self._connection = await self.nodes.connect(
            timeout=CONNECT_TIMEOUT,
            client_properties={
                "connection_name": f"discogsography-tableinator {self.topology.prefix}".strip()
            },
        )
        self._connection.close_callbacks.add(self._lost)
        setup = await self._connection.channel()
        await declare(setup, self.topology)
        await setup.close()
        log.info("🐰 Connected to RabbitMQ", node=self.nodes.node, queue_prefix=self.topology.prefix)

    def _lost(self, sender: Any, error: BaseException | None = None) -> None:
        """The connection closed. Unless on purpose: the consumers that were attached come back."""
        if sender is not self._connection or getattr(sender, "close_called", False) or self._stop.is_set():
            return
        # A consumer let go just before (its channel closed with the connection) comes back too.
        kinds = [kind for kind, consumer in self.consumers.items() if consumer.consuming or consumer.lost]
        self._connection = None
        for consumer in self.consumers.values():
            consumer.detach()  # unacked deliveries go back to the queue with the connection
        reason = amqp_summary(error, self.url) if error is not None else "the connection closed"
        metrics.current().count_error("broker_unavailable")
        self.state.down(reason, message="⚠️ RabbitMQ connection lost, reconnecting")
        if kinds and (self._reconnecting is None or self._reconnecting.done()):
            self._reconnecting = asyncio.create_task(self._reconnect(kinds))

    async def _reconnect(self, kinds: list[Kind]) -> None:
        try:
            await self.resume(kinds, back="🐰 Reconnected to RabbitMQ; unacked messages will be redelivered")
        except PermanentFailure as failure:
            self._on_permanent(failure)

    def _consumer_lost(self, kind: Kind, reason: str, losses: int) -> None:
        """The broker stopped a kind's consumer (binding.py): attach it again."""
        if self._stop.is_set():
            return
        if losses == 1 and self.connected:  # once per outage; a lost connection is logged as such
            log.warning("⚠️ RabbitMQ stopped a consumer, consuming again", data_type=kind.value, reason=reason)
        if self._reattaching is None or self._reattaching.done():
            self._reattaching = asyncio.create_task(self._reattach())

    async def _reattach(self) -> None:
        """Attach every lost kind again, backing off while the same kinds keep being lost."""
        while lost := [kind for kind, consumer in self.consumers.items() if consumer.lost]:
            losses = max(self.consumers[kind].binding.losses for kind in lost)
            if await self._stop.sleep(min(0.5 * 2 ** (losses - 1), self._max_backoff) if losses > 1 else 0):
                return
            try:
                await self.resume(lost)
            except PermanentFailure as failure:
                self._on_permanent(failure)
                return
