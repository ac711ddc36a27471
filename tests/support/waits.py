"""Waiting with an upper limit: for a condition, a subprocess or a coroutine. A wait that passes
its limit fails the test, naming what was awaited; the limit is never the claim under test."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


async def wait_for_async(
    predicate: Callable[[], Awaitable[bool]] | Callable[[], bool],
    timeout: float = 20.0,
    what: str = "",
    interval: float = 0.05,
) -> None:
    """``wait_for`` in async code; the predicate may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        await asyncio.sleep(interval)


def run_within(
    args: Sequence[str | Path], limit: float, what: str, **kwargs: Any
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` with an upper limit on the wait: the test fails once ``limit`` passes
    (the process is killed), naming what was awaited. The exit status is the caller's to check."""
    try:
        return subprocess.run([str(arg) for arg in args], timeout=limit, check=False, **kwargs)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{what} did not end within its {limit:.0f} s wait limit") from None


async def within(awaitable: Awaitable[T], limit: float, what: str) -> T:
    """``awaitable``'s result, with an upper limit on the wait: the test fails once ``limit``
    passes, naming what was awaited (an exception the awaitable raises passes through)."""
    try:
        return await asyncio.wait_for(awaitable, limit)
    except TimeoutError:
        raise AssertionError(f"{what} did not return within its {limit:.0f} s wait limit") from None
