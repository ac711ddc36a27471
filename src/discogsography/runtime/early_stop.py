"""A SIGTERM that comes while a service is still starting (importing, before its own handlers).

It is a clean stop: the handler raises SystemExit(0). If that exception is swallowed (raised
inside a finaliser, say, where Python only reports it), the request is still remembered, and the
service, once its own handlers are in place, asks ``requested()`` and stops at once.
"""

from __future__ import annotations

import signal

from discogsography.runtime.stop_signal import StopSignal

_requested = StopSignal()


def _stop_while_starting(signum: int, frame: object) -> None:
    _requested.set()
    raise SystemExit(0)


def install() -> None:
    signal.signal(signal.SIGTERM, _stop_while_starting)


def requested() -> bool:
    return _requested.is_set()
