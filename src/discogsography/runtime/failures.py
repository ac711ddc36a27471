"""Failures of the servers we talk to: which ones heal by themselves, and one line naming each.

A *permanent* failure will be the same on every try until somebody changes a setting: a refused
login, an unknown virtual host or database, a missing permission. A *transient* one may heal: a
refused or reset connection, a server restarting, a timeout. One-shot commands exit 1 with
``summary`` on a permanent failure; long-running services retry only transient ones.

Also here: ``wait_or_stop``, the one stop-aware sleep, ``backoff``, the one capped backoff, and
``retry_transient``, the services' one retry loop built from both (on tenacity).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import tenacity

from discogsography.errors import DiscogsographyError
from discogsography.runtime.redact import redact_text

_T = TypeVar("_T")


class PermanentFailure(DiscogsographyError):
    """A failure that retrying cannot heal; its message is the one line to show."""


# Words in a PostgreSQL connection error that no retry can change.
_POSTGRES_PERMANENT_WORDS = (
    "does not exist",
    "password authentication failed",
    "no pg_hba.conf entry",
    "permission denied",
    "authentication failed",
    "is not permitted to log in",
    "invalid dsn",
    "invalid connection option",
    "invalid integer value",
    "invalid sslmode",
)
# SQLSTATE classes that are permanent: 28 authorization, 3D unknown catalog, 42501 privilege.
_POSTGRES_PERMANENT_SQLSTATES = ("28", "3D", "42501")
# AMQP reply codes: 403 ACCESS_REFUSED, 530 NOT_ALLOWED (an unknown or forbidden vhost).
_AMQP_PERMANENT_CODES = (403, 530)


def summary(exc: BaseException) -> str:
    """The first non-empty line of an error, secrets redacted; the class name if it says nothing."""
    for line in str(exc).splitlines():
        if line.strip():
            return redact_text(line.strip())
    return type(exc).__name__


def is_permanent(exc: BaseException) -> bool:
    """True when retrying ``exc`` cannot help; everything unknown counts as transient."""
    if isinstance(exc, PermanentFailure):
        return True
    module = type(exc).__module__
    if module.startswith(("aiormq", "aio_pika", "pamqp")):
        return _amqp_is_permanent(exc)
    if module.startswith("psycopg"):
        return _postgres_is_permanent(exc)
    return False


def _amqp_is_permanent(exc: BaseException) -> bool:
    name = type(exc).__name__
    if name in ("ProbableAuthenticationError", "AuthenticationError", "ChannelAccessRefused"):
        return True
    text = str(exc)
    if "ACCESS_REFUSED" in text or "NOT_ALLOWED" in text:
        return True
    # TLS that cannot agree (amqps:// to a plain port, a certificate refused) fails every time.
    if "[SSL:" in text:
        return True
    # The broker answers an unknown or forbidden virtual host with Connection.Close in place of
    # Connection.OpenOk; aiormq reports that as an invalid frame.
    if name == "InvalidFrameError" and "Connection.Close" in text:
        return True
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    return code in _AMQP_PERMANENT_CODES


def _postgres_is_permanent(exc: BaseException) -> bool:
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate and sqlstate.startswith(_POSTGRES_PERMANENT_SQLSTATES):
        return True
    if type(exc).__name__ == "ProgrammingError" and "invalid" in str(exc).lower():
        return True  # a malformed DSN
    text = str(exc).lower()
    return any(words in text for words in _POSTGRES_PERMANENT_WORDS)


def amqp_summary(exc: BaseException, url: str) -> str:
    """One line for a broker failure; an unknown vhost is named instead of aiormq's object repr."""
    if type(exc).__name__ == "InvalidFrameError" and "Connection.Close" in str(exc):
        vhost = url.rsplit("/", 1)[-1].split("?", 1)[0] if url.count("/") >= 3 else ""
        return (
            f"the broker refused to open virtual host {vhost or '/'!r}: "
            "it does not exist or the user may not use it"
        )
    if type(exc).__name__ == "ProbableAuthenticationError":
        return "the broker refused the login (ACCESS_REFUSED): check the user name and password"
    return summary(exc)


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; return True at once if ``stop`` is set (now or while waiting)."""
    if stop.is_set():
        return True
    try:
        await asyncio.wait_for(stop.wait(), timeout=max(0.0, seconds))
    except TimeoutError:
        return False
    return True


def backoff(*, initial: float = 1.0, cap: float = 30.0) -> Any:
    """The one capped exponential backoff (with jitter), as a tenacity wait strategy.

    Call it with a tenacity ``RetryCallState`` or use it as ``wait=`` in tenacity's retryers.
    """
    return tenacity.wait_exponential_jitter(multiplier=initial, max=cap, jitter=initial)


def delay_for_attempt(attempt: int, *, initial: float = 1.0, cap: float = 30.0) -> float:
    """The backoff's delay before try ``attempt + 1`` (attempt counts from 1), for hand-run loops."""
    state = tenacity.RetryCallState(retry_object=tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = max(1, attempt)
    return float(backoff(initial=initial, cap=cap)(state))


class Stopped(Exception):
    """``retry_transient`` gave up because a stop was requested (not a failure of the server)."""


async def retry_transient(
    attempt: Callable[[], Awaitable[_T]],
    *,
    stop: asyncio.Event,
    retry_on: tuple[type[BaseException], ...],
    on_retry: Callable[[BaseException, float], None] | None = None,
    initial: float = 1.0,
    cap: float = 30.0,
    tries_after_stop: int = 0,
) -> _T:
    """Await ``attempt()`` until it succeeds: the one retry loop of the long-running services.

    Errors of ``retry_on`` that are not permanent are retried with ``backoff``; ``on_retry(error,
    delay)`` runs before each wait (the caller logs changes of state there, not every try). Any
    other error, permanent ones included, is raised at once. Waits end early when ``stop`` is set;
    from then on at most ``tries_after_stop`` more tries start (with waits of a second at most),
    after which the last error is raised, or ``Stopped`` when no try was left to make.
    """
    tries_left = tries_after_stop

    async def one_try() -> _T:
        nonlocal tries_left
        if stop.is_set():
            if tries_left <= 0:
                raise Stopped
            tries_left -= 1
        return await attempt()

    async def pause(seconds: float) -> None:
        if stop.is_set():
            await asyncio.sleep(min(seconds, 1.0))
        else:
            await wait_or_stop(stop, seconds)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None and state.next_action is not None:
            error = state.outcome.exception()
            if error is not None:
                on_retry(error, state.next_action.sleep)

    def retriable(exc: BaseException) -> bool:
        return isinstance(exc, retry_on) and not isinstance(exc, Stopped) and not is_permanent(exc)

    retrying = tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(retriable),
        wait=backoff(initial=initial, cap=cap),
        stop=lambda _state: stop.is_set() and tries_left <= 0,
        sleep=pause,
        before_sleep=before_sleep,
        reraise=True,
    )
    return await retrying(one_try)
