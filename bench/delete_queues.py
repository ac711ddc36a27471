"""Delete the exchanges and queues of one name prefix (benchmarks clean up with it)."""

from __future__ import annotations

import asyncio
import sys

from discogsography.amqp.topology import remove_prefix

if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1]:
        raise SystemExit("usage: delete_queues.py PREFIX (a non-empty prefix: never the production names)")
    asyncio.run(remove_prefix("amqp://guest:guest@127.0.0.1:5672/", sys.argv[1]))
