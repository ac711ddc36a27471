"""The one bounded, ordered map over worker processes (parsing, `load`, `export`).

At most ``workers * IN_FLIGHT_PER_WORKER`` items are in flight, which bounds memory whatever the
speed of the producer or the consumer; results come back in the items' order.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

IN_FLIGHT_PER_WORKER = 3
_A = TypeVar("_A")
_R = TypeVar("_R")


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """One pool for every file of a command (starting workers is not free: docs/performance.md);
    None for ``workers`` <= 1, where items are mapped in this process."""
    if workers <= 1:
        yield None
        return
    context = start_method()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        if context.get_start_method() == "fork":
            pool.submit(int).result()  # every worker forked now, while this is the only thread
        yield pool


def start_method() -> multiprocessing.context.BaseContext:
    """fork where it is safe, forkserver otherwise.

    Forking a process that runs other threads (Python's or a library's) can copy a lock one of
    them holds. Where this process runs no other thread, on Linux, the workers are forked: they
    start with the modules already imported, touch only the pages they use, and need neither a
    fork server nor a resource tracker (the memory this saves: docs/performance.md, "Worker
    processes: fork or fork server"). The background thread of pyarrow's jemalloc does not
    count: jemalloc's own fork handlers hold its locks across the fork.
    """
    return multiprocessing.get_context("fork" if _only_thread() else "forkserver")


def _only_thread() -> bool:
    if sys.platform != "linux":
        return False
    try:
        names = [(task / "comm").read_text().strip() for task in Path("/proc/self/task").iterdir()]
    except OSError:
        return False
    return len(names) - names.count(_JEMALLOC_THREAD) == 1


_JEMALLOC_THREAD = "jemalloc_bg_thd"


def map_in_order(
    function: Callable[[_A], _R],
    items: Iterable[_A],
    workers: int,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[_R]:
    """``function`` over ``items`` in ``workers`` processes (1: in this one), results in order.

    ``pool`` is a ``worker_pool`` shared by several maps; without one the map starts its own.
    """
    if workers <= 1:
        for item in items:
            yield function(item)
        return
    if pool is None:
        with worker_pool(workers) as own:
            yield from map_in_order(function, items, workers, own)
        return
    iterator = iter(items)
    window = workers * IN_FLIGHT_PER_WORKER
    pending: deque[Future[_R]] = deque()
    failure: Exception | None = None
    try:
        while True:
            if failure is None:
                try:
                    for item in itertools.islice(iterator, window - len(pending)):
                        pending.append(pool.submit(function, item))
                except Exception as exc:  # raised again below, after the items read before it
                    # Items end in an error (a truncated file): what was read before it still comes
                    # back first, as it does when mapped in this process.
                    failure = exc
            if not pending:
                if failure is not None:
                    raise failure
                return
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
