"""The one stop signal: a request to stop that threads and coroutines both see.

Threads (reading, copying, downloading) poll ``is_set``; coroutines ``wait`` for it or ``sleep``,
which returns at once when a stop comes. ``set`` may be called from a signal handler, a
coroutine or another thread.
"""

from __future__ import annotations

import asyncio
import threading


class StopSignal:
    """A stop request: set once, seen everywhere, never cleared."""

    def __init__(self) -> None:
        self.event = threading.Event()
        # asyncio's event belongs to one loop; it is made for the loop that first waits on it
        # (and again for a later loop, as when a service is run twice in tests).
        self._waiter: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def set(self) -> None:
        self.event.set()
        waiter, loop = self._waiter, self._loop
        if waiter is None or loop is None or loop.is_closed():
            return
        if _running_loop() is loop:
            waiter.set()
        else:
            loop.call_soon_threadsafe(waiter.set)

    def is_set(self) -> bool:
        return self.event.is_set()

    async def wait(self) -> None:
        """Return once a stop is requested."""
        await self._waiter_here().wait()

    async def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) when a stop is requested, now or meanwhile."""
        if self.is_set():
            return True
        try:
            await asyncio.wait_for(self._waiter_here().wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return False
        return True

    def _waiter_here(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        waiter = self._waiter
        if waiter is None or self._loop is not loop:
            waiter = asyncio.Event()
            self._waiter, self._loop = waiter, loop
            # After publishing the waiter: a ``set`` from another thread either sees it or
            # has already set the event read here.
            if self.event.is_set():
                waiter.set()
        return waiter


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
