"""The one ordered process map (runtime/process_pool.py): fork only when safe, items read before an error all mapped."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from discogsography.errors import DumpError
from discogsography.runtime.process_pool import map_in_order

PROBE = """
import threading, time
from discogsography.runtime.process_pool import start_method, worker_pool
import discogsography.export  # as `export` does, before pyarrow (and numpy, where installed)
import pyarrow  # starts jemalloc's background thread, which does not count
print(start_method().get_start_method())
with worker_pool(2) as pool:
    print(sorted(pool.map(abs, [-1, -2, 3])))
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
print(start_method().get_start_method())
with worker_pool(2) as pool:
    print(sorted(pool.map(abs, [-1, -2, 3])))
stop.set()
"""


def test_workers_are_forked_only_while_no_other_thread_runs() -> None:
    # A process of its own: the test runner may run threads of its own.
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split("\n")[:4] == ["fork", "[1, 2, 3]", "forkserver", "[1, 2, 3]"]


def _items_then_error(count: int) -> Iterator[int]:
    yield from range(count)
    raise DumpError("the file is truncated")


@pytest.mark.parametrize("workers", [1, 2])
def test_every_item_read_before_an_error_is_mapped_before_the_error_is_raised(workers: int) -> None:
    mapped: list[int] = []
    with pytest.raises(DumpError, match="truncated"):
        for result in map_in_order(abs, _items_then_error(20), workers):
            mapped.append(result)
    assert mapped == list(range(20))
