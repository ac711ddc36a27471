"""Which failures are permanent, and the one line each gets (pure logic; servers in the suites)."""

from __future__ import annotations

import asyncio

import aiormq.exceptions
import psycopg
import pytest

from discogsography.runtime import failures


@pytest.mark.parametrize(
    "exc",
    [
        aiormq.exceptions.ProbableAuthenticationError("ACCESS_REFUSED - Login was refused"),
        aiormq.exceptions.InvalidFrameError(
            "Expected one of ['Connection.OpenOk'], got <Connection.Close object at 0x7f>"
        ),
        aiormq.exceptions.ChannelAccessRefused("ACCESS_REFUSED - access to queue denied"),
        aiormq.exceptions.AMQPConnectionError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
        aiormq.exceptions.AMQPConnectionError(
            1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
        ),
        psycopg.OperationalError('connection failed: FATAL:  database "x" does not exist'),
        psycopg.OperationalError('connection failed: FATAL:  password authentication failed for user "u"'),
        psycopg.OperationalError('connection failed: FATAL:  role "nobody" does not exist'),
        failures.PermanentFailure("told so"),
    ],
)
def test_permanent_failures(exc: BaseException) -> None:
    assert failures.is_permanent(exc)


@pytest.mark.parametrize(
    "exc",
    [
        aiormq.exceptions.AMQPConnectionError(111, "Connect call failed ('127.0.0.1', 5679)"),
        aiormq.exceptions.ConnectionChannelError("connection reset"),
        psycopg.OperationalError("connection failed: port 5439 failed: Connection refused"),
        psycopg.OperationalError("terminating connection due to administrator command"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
    ],
)
def test_transient_failures(exc: BaseException) -> None:
    assert not failures.is_permanent(exc)


def test_summary_is_the_first_line_without_secrets() -> None:
    exc = RuntimeError("\n  cannot reach amqp://guest:secret@host/  \nsecond line")
    assert failures.summary(exc) == "cannot reach amqp://guest:***@host/"
    assert failures.summary(KeyError()) == "KeyError"


def test_an_unknown_vhost_is_named_not_shown_as_an_object() -> None:
    exc = aiormq.exceptions.InvalidFrameError("got <Connection.Close object at 0x7f>")
    line = failures.amqp_summary(exc, "amqp://guest:guest@127.0.0.1:5672/novhost")
    assert "'novhost'" in line and "object at" not in line


def test_backoff_grows_and_is_capped() -> None:
    delays = [failures.delay_for_attempt(n, initial=1, cap=30) for n in range(1, 12)]
    assert delays[0] < delays[3] < delays[5]
    assert max(delays) == 30


def test_wait_or_stop_returns_at_once_when_stopped() -> None:
    async def run() -> tuple[bool, bool]:
        stop = asyncio.Event()
        slept = await failures.wait_or_stop(stop, 0.01)
        asyncio.get_running_loop().call_later(0.01, stop.set)
        stopped = await failures.wait_or_stop(stop, 30)
        return slept, stopped

    assert asyncio.run(asyncio.wait_for(run(), 5)) == (False, True)


@pytest.mark.parametrize(
    "exc",
    [
        psycopg.OperationalError(
            'connection failed: FATAL:  database "x" is not currently accepting connections'
        ),
        psycopg.OperationalError("connection failed: FATAL:  the database system is starting up"),
        aiormq.exceptions.ConnectionClosed(320, "CONNECTION_FORCED - broker forced connection closure"),
    ],
)
def test_a_server_on_its_way_down_or_up_is_transient(exc: BaseException) -> None:
    assert not failures.is_permanent(exc)


def _retry(
    outcomes: list[BaseException | str], stop: asyncio.Event | None = None, **options: object
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
            return await failures.retry_transient(
                call,
                stop=stop or asyncio.Event(),
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
    stop = asyncio.Event()
    stop.set()
    refused = ConnectionRefusedError(111, "Connection refused")
    result, calls, _ = _retry([refused], stop)
    assert isinstance(result, failures.Stopped) and calls == 0
    # With tries left for after the stop (a final flush): those, then the last error.
    result, calls, _ = _retry([refused], stop, tries_after_stop=3)
    assert result is refused and calls == 3
