"""`discogsography export`: dump files to Parquet, JSON Lines or CSV, one file per kind."""

import os

# Arrow's C++ code (the Parquet writer, IPC reading, the JSON reader) allocates from Arrow's
# default pool, which is jemalloc unless this is set before pyarrow loads; jemalloc kept the freed
# pages of each row group, and the main process grew file to file (177 MB peak where the system
# allocator gives 144, on the 100,000-release dump). pa.set_memory_pool() would only reach the
# allocations pyarrow's Python side makes. Every module of this package that imports pyarrow is
# imported after this one.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
