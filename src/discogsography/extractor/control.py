"""How the extractor's units stop, retry and fail: one stop signal, one retryer, one failure type.

``Stop`` is set by SIGINT/SIGTERM (or ``Extractor.request_stop``). Threads (reading, copying)
poll its ``event``; coroutines sleep with ``sleep``, which returns at once when a stop comes.
``retrying`` is tenacity with the shared capped backoff (``failures.backoff``), sleeping through
``Stop`` so that a stop never waits out a backoff.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_never

from discogsography.runtime.failures import backoff, wait_or_stop

# The longest wait between two tries (file publishing, the broker at the start of a cycle).
MAX_BACKOFF_SECONDS = 60.0


class Stop:
    """A stop request, seen by threads (``event``) and by coroutines (``sleep``)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._waiter: asyncio.Event | None = None

    def bind(self) -> None:
        """Make the waiter for the running event loop (call at the start of each run)."""
        self._waiter = asyncio.Event()
        if self.event.is_set():
            self._waiter.set()

    def set(self) -> None:
        self.event.set()
        if self._waiter is not None:
            self._waiter.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    async def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) when a stop is requested."""
        if self._waiter is None:
            self.bind()
        assert self._waiter is not None
        return await wait_or_stop(self._waiter, seconds)


def retrying(
    stop: Stop,
    *,
    attempts: int | None,
    initial: float,
    worth_retrying: Callable[[BaseException], bool],
    before_sleep: Callable[[RetryCallState], None] | None = None,
) -> AsyncRetrying:
    """Tries with the shared backoff (``attempts`` None: until it works or a stop comes).

    The last error is raised as itself once the tries are used up, a stop is requested, or
    ``worth_retrying`` says no.
    """

    async def sleep(seconds: float) -> None:
        await stop.sleep(seconds)

    return AsyncRetrying(
        stop=stop_never if attempts is None else stop_after_attempt(attempts),
        wait=backoff(initial=initial, cap=MAX_BACKOFF_SECONDS),
        retry=retry_if_exception(lambda exc: not stop.is_set() and worth_retrying(exc)),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )


def upcoming_error(state: RetryCallState) -> BaseException | None:
    """The error a retry is about to answer (for ``before_sleep`` callbacks)."""
    return state.outcome.exception() if state.outcome is not None else None
