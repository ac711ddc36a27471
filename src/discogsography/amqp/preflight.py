"""Is the broker there and does it let us in? One connection, opened and closed, before long work.

A one-shot command calls ``check_broker`` first, so that a wrong URL, password or virtual host
costs seconds and one line (``failures.amqp_summary``), not a download or a parse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import aio_pika

from discogsography.errors import DiscogsographyError
from discogsography.failures import PermanentFailure, amqp_summary, is_permanent
from discogsography.redact import redact_url

CONNECT_TIMEOUT = 10


async def check_broker(url: str, *, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raises PermanentFailure (refused for good) or DiscogsographyError (unreachable) in one line."""
    try:
        with _quiet_driver():
            connection = await aio_pika.connect(url, timeout=timeout)
            await connection.close()
    except (TimeoutError, aio_pika.exceptions.AMQPError, OSError) as exc:
        line = f"RabbitMQ at {redact_url(url)}: {amqp_summary(exc, url)}"
        if is_permanent(exc):
            raise PermanentFailure(line) from None
        raise DiscogsographyError(line) from None


def check_broker_now(url: str) -> None:
    """``check_broker`` from synchronous code."""
    asyncio.run(check_broker(url))


@contextlib.contextmanager
def _quiet_driver() -> Iterator[None]:
    """aiormq logs a failed connection itself; the caller says it once, in its own line."""
    logger = logging.getLogger("aiormq")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
