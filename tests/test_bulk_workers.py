"""The start method of the worker processes (runtime/process_pool.py): fork only when safe."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import threading, time
from discogsography.runtime.process_pool import start_method, worker_pool
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
