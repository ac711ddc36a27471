"""Is the broker there and does it let us in? One connection, opened and closed, before long work.

A one-shot command calls ``check_broker`` first, so that a wrong URL, password or virtual host
costs seconds and one line (``failures.amqp_summary``), not a download or a parse.
"""

from __future__ import annotations

import asyncio
import logging

import aio_pika

from discogsography.amqp.nodes import CONNECT_ERRORS, BrokerNodes, check_each, missing_nodes
from discogsography.errors import DiscogsographyError
from discogsography.runtime.failures import PermanentFailure, amqp_summary, is_permanent
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url

log = get_logger(__name__)

CONNECT_TIMEOUT = 10


async def check_broker(url: str, *, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raises PermanentFailure (refused for good) or DiscogsographyError (unreachable) in one line.

    ``url`` may name several nodes (a cluster): one that lets us in is enough; the others are
    named in a warning.
    """
    drop_driver_connect_errors()

    async def check(node_url: str) -> None:
        connection = await aio_pika.connect(node_url, timeout=timeout)
        await connection.close()

    try:
        failed = await check_each(BrokerNodes(url, report=False), check)
    except CONNECT_ERRORS as exc:
        line = f"RabbitMQ at {redact_url(url)}: {amqp_summary(exc, url)}"
        if is_permanent(exc):
            raise PermanentFailure(line) from None
        raise DiscogsographyError(line) from None
    if failed:
        log.warning(
            "⚠️ RabbitMQ nodes not answering; going on with the others",
            nodes=missing_nodes(failed),
        )


def check_broker_now(url: str) -> None:
    """``check_broker`` from synchronous code."""
    asyncio.run(check_broker(url))


class _TransportErrors(logging.Filter):
    """aiormq logs every failed connection attempt itself; the caller names it once, its own way."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error when creating transport")


_FILTER = _TransportErrors()


def drop_driver_connect_errors() -> None:
    """Install the filter on aiormq's connection logger (once; calling again changes nothing)."""
    logger = logging.getLogger("aiormq.connection")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
