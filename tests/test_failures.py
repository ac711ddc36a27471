"""Which failures are permanent, and the one line each gets (pure logic; servers in the suites)."""

from __future__ import annotations

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
