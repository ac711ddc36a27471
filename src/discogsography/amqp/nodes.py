"""The RabbitMQ nodes one ``AMQP_CONNECTION`` names, and the one a service is on.

``AMQP_CONNECTION`` is one URL, or several separated by commas, one per node of a cluster. Every
connection a service opens goes through its one ``BrokerNodes``: it tries the node it was last on
first, then the others in the order given, and takes the first that lets it in. So a service
stays on its node while that node answers (a connection closed by the broker, say a queue
that lost its majority, is opened again on the same node), and moves only when the node is gone
(a node that was killed or stopped refuses at once). Arriving on a node other than the last one
is a failover: logged once (``🔀 RabbitMQ failover``) and shown by /health (``broker_node``)
and /metrics (``discogsography_broker_node``).

A permanent refusal (a wrong password, an unknown virtual host) is raised at once: the nodes of a
cluster share their users and virtual hosts, so another node would refuse the same way.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection

from discogsography.config.amqp_settings import split_urls
from discogsography.runtime import metrics
from discogsography.runtime.failures import amqp_summary, is_permanent
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url

log = get_logger(__name__)

# What a failed connection attempt raises when a node is down, refuses, or does not answer in time.
CONNECT_ERRORS = (TimeoutError, aio_pika.exceptions.AMQPError, OSError)


def node_name(url: str) -> str:
    """``host:port`` of a node's URL: how logs, /health and /metrics name a node (no credentials)."""
    parts = urllib.parse.urlsplit(url)
    default = 5671 if parts.scheme == "amqps" else 5672
    return f"{parts.hostname}:{parts.port or default}"


class BrokerNodes:
    """The nodes of one AMQP_CONNECTION, the one last connected to, and connecting to one of them."""

    def __init__(self, connection: str, *, report: bool = True) -> None:
        self.urls = split_urls(connection)
        self.report = report  # whether arriving on a node is the service's /metrics' to show
        self.current: str | None = None  # the URL of the node last connected to
        self._first = 0  # where the next connection starts trying

    @classmethod
    def of(cls, nodes: BrokerNodes | str) -> BrokerNodes:
        """The service's nodes as they are, or a one-off for a URL (a probe; not in /metrics)."""
        return nodes if isinstance(nodes, BrokerNodes) else cls(nodes, report=False)

    @property
    def node(self) -> str | None:
        """``host:port`` of the node the service is on (last connected to); None before that."""
        return node_name(self.current) if self.current is not None else None

    def describe(self) -> str:
        """Every node's URL, password hidden, for logs and errors."""
        return ", ".join(redact_url(url) for url in self.urls)

    def in_order(self) -> list[str]:
        """The URLs in the order the next connection tries them."""
        return self.urls[self._first :] + self.urls[: self._first]

    async def connect(self, *, timeout: float, **options: Any) -> AbstractConnection:
        """A connection to the first node that lets us in; raises what the last one said when
        none does (a permanent refusal at once)."""
        failure: BaseException | None = None
        for url in self.in_order():
            try:
                connection: AbstractConnection = await aio_pika.connect(url, timeout=timeout, **options)
            except CONNECT_ERRORS as exc:
                if is_permanent(exc):
                    raise
                failure = exc
                continue
            self.arrived(url)
            return connection
        assert failure is not None  # there is at least one URL
        raise failure

    def arrived(self, url: str) -> None:
        """Connected to ``url``: it is tried first from now on; a change of node is a failover."""
        previous, self.current = self.current, url
        self._first = self.urls.index(url)
        if previous is not None and previous != url:
            log.warning("🔀 RabbitMQ failover", from_node=node_name(previous), to_node=node_name(url))
        if self.report:
            metrics.current().on_broker_node(node_name(url), [node_name(u) for u in self.urls])


async def check_each(
    nodes: BrokerNodes, check: Callable[[str], Awaitable[None]]
) -> list[tuple[str, BaseException]]:
    """``check(url)`` on every node; returns the nodes that failed with their errors, once at
    least one passed. When none passes, raises the first permanent refusal, else the first
    node's error."""
    failed: list[tuple[str, BaseException]] = []
    for url in nodes.urls:
        try:
            await check(url)
        except CONNECT_ERRORS as exc:
            failed.append((url, exc))
    if len(failed) == len(nodes.urls):
        permanent = [exc for _, exc in failed if is_permanent(exc)]
        raise permanent[0] if permanent else failed[0][1]
    return failed


def missing_nodes(failed: list[tuple[str, BaseException]]) -> dict[str, str]:
    """``host:port`` of each node that did not answer, and why, in one line each (for a warning)."""
    return {node_name(url): amqp_summary(exc, url) for url, exc in failed}
