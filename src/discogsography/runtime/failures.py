"""Failures of the servers we talk to: which ones heal by themselves, and one line naming each.

A *permanent* failure will be the same on every try until somebody changes a setting: a refused
login, an unknown virtual host or database, a missing permission. A *transient* one may heal: a
refused or reset connection, a server restarting, a timeout. One-shot commands exit 1 with
``summary`` on a permanent failure; long-running services retry only transient ones.

How they are retried is retry.py's.
"""

from __future__ import annotations

from discogsography.errors import DiscogsographyError
from discogsography.runtime.redact import redact_text


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
