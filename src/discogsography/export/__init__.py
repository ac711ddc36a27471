"""`discogsography export`: dump files to Parquet (a directory of parts per kind), JSON Lines or CSV."""

import os

# Arrow's C++ code (the Parquet writer, IPC reading, the JSON reader) allocates from Arrow's
# default pool, jemalloc unless this is set before pyarrow loads; jemalloc keeps the pages each row
# group freed, so the main process grows (figures: docs/performance.md, "What got there").
# pa.set_memory_pool() would only reach the allocations pyarrow's Python side makes. Every module
# of this package that imports pyarrow is imported after this one.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# pyarrow imports numpy where it is installed, and numpy's OpenBLAS starts a thread per extra
# core at import. Nothing here uses BLAS, and that thread would make the bulk workers start from a
# fork server instead of being forked (runtime/process_pool.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
