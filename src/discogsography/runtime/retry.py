"""The one retry mechanism: tenacity with the shared capped backoff, sleeping through a stop.

``retrying`` is the policy every retry loop uses (the extractor's files and broker check, the
tableinator's database and broker, downloads, the queue depth gauges); ``retry_transient`` is
that policy over one call, retrying outages of the servers and nothing else (failures.py says
which failures are outages).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import tenacity
from tenacity import AsyncRetrying, RetryCallState

from discogsography.runtime.failures import is_permanent
from discogsography.runtime.stop_signal import StopSignal

_T = TypeVar("_T")

# The longest wait between two tries, unless the caller says otherwise.
MAX_BACKOFF_SECONDS = 60.0
# Once a stop is requested, the tries still allowed (``tries_after_stop``) wait this long at most.
WAIT_AFTER_STOP_SECONDS = 1.0


class Stopped(Exception):
    """A retry ended because a stop was requested before the next try (not a server failure)."""


def backoff(*, initial: float = 1.0, cap: float = MAX_BACKOFF_SECONDS) -> Any:
    """The one capped exponential backoff (with jitter), as a tenacity wait strategy."""
    return tenacity.wait_exponential_jitter(multiplier=initial, max=cap, jitter=initial)


def upcoming_error(state: RetryCallState) -> BaseException | None:
    """The error a retry is about to answer (for ``before_sleep`` callbacks)."""
    return state.outcome.exception() if state.outcome is not None else None


def retrying(
    stop: StopSignal | None,
    *,
    worth_retrying: Callable[[BaseException], bool],
    attempts: int | None = None,
    initial: float = 1.0,
    cap: float = MAX_BACKOFF_SECONDS,
    wait: Callable[[RetryCallState], float] | None = None,
    before_sleep: Callable[[RetryCallState], None] | None = None,
    tries_after_stop: int = 0,
) -> AsyncRetrying:
    """Tries until one works, with the shared backoff (or ``wait``) between them.

    An error ``worth_retrying`` rejects is raised at once, as itself; so is the last error once
    ``attempts`` tries (None: no limit) are used up. A stop (``stop`` set) ends the wait at once;
    from then on at most ``tries_after_stop`` more tries start (waiting a second at most), after
    which the last error is raised, or ``Stopped`` when the stop came before a try was due.
    """
    left_after_stop = tries_after_stop

    def before(state: RetryCallState) -> None:
        nonlocal left_after_stop
        if stop is not None and stop.is_set():
            if left_after_stop <= 0:
                raise Stopped
            left_after_stop -= 1

    def give_up(state: RetryCallState) -> bool:
        if attempts is not None and state.attempt_number >= attempts:
            return True
        return stop is not None and stop.is_set() and left_after_stop <= 0

    async def pause(seconds: float) -> None:
        if stop is None:
            await asyncio.sleep(seconds)
        elif stop.is_set():
            await asyncio.sleep(min(seconds, WAIT_AFTER_STOP_SECONDS))
        else:
            await stop.sleep(seconds)

    return AsyncRetrying(
        retry=tenacity.retry_if_exception(worth_retrying),
        stop=give_up,
        wait=wait or backoff(initial=initial, cap=cap),
        sleep=pause,
        before=before,
        before_sleep=before_sleep,
        reraise=True,
    )


async def retry_transient(
    attempt: Callable[[], Awaitable[_T]],
    *,
    stop: StopSignal,
    retry_on: tuple[type[BaseException], ...],
    on_retry: Callable[[BaseException, float], None] | None = None,
    initial: float = 1.0,
    cap: float = MAX_BACKOFF_SECONDS,
    tries_after_stop: int = 0,
) -> _T:
    """Await ``attempt()`` until it succeeds, retrying the outages among errors of ``retry_on``.

    Any other error, permanent failures included, is raised at once. ``on_retry(error, delay)``
    runs before each wait (the caller logs changes of state there, not every try). Stops as
    ``retrying`` does.
    """

    def before_sleep(state: RetryCallState) -> None:
        error = upcoming_error(state)
        if on_retry is not None and error is not None and state.next_action is not None:
            on_retry(error, state.next_action.sleep)

    async def one_try() -> _T:  # tenacity awaits only what a coroutine function returns
        return await attempt()

    policy = retrying(
        stop,
        worth_retrying=lambda exc: isinstance(exc, retry_on) and not is_permanent(exc),
        initial=initial,
        cap=cap,
        before_sleep=before_sleep,
        tries_after_stop=tries_after_stop,
    )
    return await policy(one_try)
