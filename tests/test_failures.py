"""Which failures are permanent, and the one line each gets (pure logic; servers in the suites)."""

from __future__ import annotations

import asyncio

import aiormq.exceptions
import psycopg
import pytest

from discogsography import failures


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
