"""`discogsography export`: dump files to Parquet (a directory of parts per kind), JSON Lines or CSV."""

import os

# Arrow's C++ code (the Parquet writer, IPC reading, the JSON reader) allocates from Arrow's
# default pool, which is jemalloc unless this is set before pyarrow loads; jemalloc kept the freed
# pages of each row group, and the main process peaked at 157 to 159 MB where the system allocator
# gives 123 to 126, on the 100,000-release dump. pa.set_memory_pool() would only reach the
# allocations pyarrow's Python side makes. Every module of this package that imports pyarrow is
# imported after this one.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
