"""The one retry mechanism and the one stop signal (pure logic; servers in the suites)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable

import psycopg
from tenacity import AsyncRetrying, RetryCallState

from discogsography.runtime import retry
from discogsography.runtime.stop_signal import StopSignal


def _delay_after(attempt: int, *, initial: float, cap: float) -> float:
    state = RetryCallState(retry_object=AsyncRetrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    return float(retry.backoff(initial=initial, cap=cap)(state))


def test_backoff_grows_and_is_capped() -> None:
    delays = [_delay_after(n, initial=1, cap=30) for n in range(1, 12)]
    assert delays[0] < delays[3] < delays[5]
    assert max(delays) == 30


def test_a_stop_signal_ends_a_sleep_at_once() -> None:
    async def run() -> tuple[bool, bool]:
        stop = StopSignal()
        slept = await stop.sleep(0.01)
        asyncio.get_running_loop().call_later(0.01, stop.set)
        stopped = await stop.sleep(30)
        return slept, stopped

    assert asyncio.run(asyncio.wait_for(run(), 5)) == (False, True)


def _retry(
    outcomes: list[BaseException | str], stop: StopSignal | None = None, **options: object
) -> tuple[object, int, list[float]]:
    """Run retry_transient over a call that raises or returns ``outcomes`` in turn."""
    calls = 0
    delays: list[float] = []

    async def call() -> str:
        nonlocal calls
        outcome = outcomes[min(calls, len(outcomes) - 1)]
        calls += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def run() -> object:
        try:
            return await retry.retry_transient(
                call,
                stop=stop or StopSignal(),
                retry_on=(ConnectionError, psycopg.OperationalError),
                on_retry=lambda _error, delay: delays.append(delay),
                initial=0.01,
                cap=0.05,
                **options,  # type: ignore[arg-type]
            )
        except Exception as exc:
            return exc

    return asyncio.run(asyncio.wait_for(run(), 10)), calls, delays


def test_retry_transient_retries_outages_with_the_capped_backoff() -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    result, calls, delays = _retry([refused, refused, refused, refused, "stored"])
    assert (result, calls) == ("stored", 5)
    assert len(delays) == 4 and all(0.0 < delay <= 0.05 for delay in delays)


def test_retry_transient_raises_a_permanent_failure_at_once() -> None:
    missing = psycopg.OperationalError('connection failed: FATAL:  database "x" does not exist')
    result, calls, delays = _retry([missing, "stored"])
    assert (result, calls, delays) == (missing, 1, [])


def test_retry_transient_raises_what_it_is_not_told_to_retry_at_once() -> None:
    bug = KeyError("no such key")
    result, calls, _ = _retry([bug, "stored"])
    assert (result, calls) == (bug, 1)


def test_retry_transient_stops_trying_once_stopped() -> None:
    stop = StopSignal()
    stop.set()
    refused = ConnectionRefusedError(111, "Connection refused")
    result, calls, _ = _retry([refused], stop)
    assert isinstance(result, retry.Stopped) and calls == 0
    # With tries left for after the stop (a final flush): those, then the last error.
    result, calls, _ = _retry([refused], stop, tries_after_stop=3)
    assert result is refused and calls == 3


def test_a_stop_from_another_thread_wakes_a_waiting_coroutine() -> None:
    async def run() -> bool:
        stop = StopSignal()
        threading.Timer(0.01, stop.set).start()
        return await stop.sleep(30)

    assert asyncio.run(asyncio.wait_for(run(), 5)) is True


def test_a_stop_signal_serves_one_event_loop_after_another() -> None:
    stop = StopSignal()
    assert asyncio.run(stop.sleep(0)) is False
    stop.set()
    assert asyncio.run(asyncio.wait_for(stop.sleep(30), 5)) is True


def test_retry_transient_awaits_what_a_plain_callable_returns() -> None:
    async def stored() -> str:
        return "stored"

    def later() -> Awaitable[str]:  # not a coroutine function: it returns one's awaitable
        return stored()

    async def run() -> str:
        return await retry.retry_transient(later, stop=StopSignal(), retry_on=(ConnectionError,))

    assert asyncio.run(asyncio.wait_for(run(), 5)) == "stored"
