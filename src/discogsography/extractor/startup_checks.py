"""Checks before a cycle downloads or parses: the broker takes us (DISCOGS_ROOT: dumps/fetching.py).

The broker is checked by connecting and declaring the exchanges and queues exactly as publishing
will (``broker.check_broker``). A permanent refusal (wrong password, unknown virtual host,
missing permission) is a ``PermanentFailure`` with one line at once; a transient one (refused
connection, broker restarting, timeout) is retried with the shared capped backoff, logged once
per change of what is wrong, and reported through ``on_change`` (the service's /health).
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import RetryCallState

from discogsography.amqp.nodes import BrokerNodes, missing_nodes
from discogsography.amqp.topology import Topology
from discogsography.config.amqp_settings import BadNodeList, split_urls
from discogsography.errors import VersionFailedError
from discogsography.extractor.publish_channel import check_broker
from discogsography.runtime.failures import PermanentFailure, amqp_summary, is_permanent
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url
from discogsography.runtime.retry import Stopped, retrying, upcoming_error
from discogsography.runtime.stop_signal import StopSignal

log = get_logger(__name__)


def check_url(amqp_url: str) -> None:
    """A URL the AMQP client cannot even read (a port out of range) is permanent, not retried."""
    try:
        split_urls(amqp_url)
    except BadNodeList as exc:
        raise PermanentFailure(f"AMQP_CONNECTION: {exc}") from None


def broker_problem(exc: BaseException, amqp_url: str) -> str:
    """One line naming what the broker at ``amqp_url`` did wrong (no password in it)."""
    return f"broker {redact_url(amqp_url)}: {amqp_summary(exc, amqp_url)}"


async def wait_for_broker(
    nodes: BrokerNodes | str,
    topology: Topology,
    stop: StopSignal,
    *,
    attempts: int | None,
    initial: float,
    on_change: Callable[[str | None], None] = lambda problem: None,
) -> bool:
    """True once the broker takes us (one node of a cluster is enough: the others that did not
    answer are named in a warning); False when a stop came first.

    A permanent failure raises ``PermanentFailure``; a transient one that outlasts ``attempts``
    tries (None: no limit) raises ``VersionFailedError``. Both carry the one line.
    """
    if isinstance(nodes, str):
        check_url(nodes)
    nodes = BrokerNodes.of(nodes)
    amqp_url = ",".join(nodes.urls)
    current: list[str | None] = [None]
    failed: list[tuple[str, BaseException]] = []

    def before_sleep(state: RetryCallState) -> None:
        error = upcoming_error(state)
        problem = broker_problem(error, amqp_url) if error is not None else "unknown"
        if problem != current[0]:  # once per change of state, not once per try
            current[0] = problem
            log.warning("⏳ Broker unavailable, retrying", error=problem)
            on_change(problem)

    try:
        async for attempt in retrying(
            stop,
            attempts=attempts,
            initial=initial,
            worth_retrying=lambda exc: not is_permanent(exc),
            before_sleep=before_sleep,
        ):
            with attempt:
                failed = await check_broker(nodes, topology)
    except Stopped:
        return False
    except Exception as exc:
        problem = broker_problem(exc, amqp_url)
        if is_permanent(exc):
            raise PermanentFailure(problem) from None
        if stop.is_set():
            return False
        raise VersionFailedError(problem) from None
    if current[0] is not None:
        log.info("✅ Broker available again", broker=redact_url(amqp_url))
        on_change(None)
    if failed:
        log.warning("⚠️ RabbitMQ nodes not answering; going on with the others", nodes=missing_nodes(failed))
    return True
