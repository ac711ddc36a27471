"""Arrow's C++ allocations in `export` come from the system allocator (export/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys

# Writes a small Parquet file through the export's own output, then reports the backend of
# Arrow's default pool and the most jemalloc's pool ever held: none when the C++ code (the Parquet
# writer, IPC) allocated elsewhere.
PROBE = """
import tempfile
from pathlib import Path
from discogsography.export.outputs import ParquetOutput
import pyarrow as pa
from discogsography.export.batch import to_ipc
schema = pa.schema([("id", pa.int64())])
with tempfile.TemporaryDirectory() as tmp:
    out = ParquetOutput(Path(tmp) / "t", schema)
    out.write(to_ipc(pa.record_batch([pa.array(range(1000))], schema=schema)))
    out.close()
print(pa.default_memory_pool().backend_name, pa.jemalloc_memory_pool().max_memory())
"""


def _probe(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=environment,
    )
    return out.stdout.strip()


def test_the_system_allocator_serves_arrow_in_export() -> None:
    assert _probe() == "system 0"


def test_a_pool_the_user_chose_is_kept() -> None:
    assert _probe(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc 0"
