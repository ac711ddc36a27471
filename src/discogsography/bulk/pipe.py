"""A bounded queue between the thread that gathers batches and the thread that writes them.

Parsing (in the worker processes, gathered by the main thread, which also inflates and splits
the file) and writing (COPY, which waits on the server, or Parquet encoding, both with the GIL
released) run at the same time; the queue holds at most ``depth`` items, so memory stays
bounded when either side is slower.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class WriterThread(Generic[T]):
    def __init__(self, write: Callable[[T], None], depth: int = 2, name: str = "bulk-writer") -> None:
        self._write = write
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._write(item)  # type: ignore[arg-type]
                except BaseException as exc:  # handed to the main thread by put() or close()
                    self._error = exc

    def put(self, item: T) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self) -> None:
        """Wait for every batch put to be written; raises the writer's error, if any."""
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error
