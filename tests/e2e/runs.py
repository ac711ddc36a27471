"""One `discogsography pipeline` run as a user starts it: a subprocess, configured by environment
variables, into a PostgreSQL database and a queue prefix of its own on the shared servers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from discogsography.amqp.topology import remove_prefix
from tests.support.servers import SHARED
from tests.support.waits import run_within


def run_pipeline(
    source: Path,
    root: Path,
    database: str,
    prefix: str,
    *,
    check: bool = True,
    timeout: float = 300,
    wait_limit: float = 600,
    overrides: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the pipeline on the dump folder ``source``; fails the test unless it exits 0 (``check``).

    ``timeout`` is the pipeline's own --timeout; ``wait_limit`` the test's upper limit on the wait
    for the process to end (the test fails once it passes). ``overrides`` are environment
    variables set on top ({"AMQP_CONNECTION": ...}, say)."""
    env = {
        **SHARED.service_env(source=source, root=root, database=database, prefix=prefix),
        "CONSUMER_CANCEL_DELAY": "1",
        "POSTGRES_BATCH_FLUSH_INTERVAL": "0.5",
        **(overrides or {}),
    }
    result: subprocess.CompletedProcess[str] = run_within(
        [sys.executable, "-m", "discogsography", "pipeline", "--timeout", str(timeout)],
        wait_limit,
        "discogsography pipeline",
        env=env,
        capture_output=True,
        text=True,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def delete_queues(prefix: str) -> None:
    """Remove the exchange and queues a run declared under ``prefix``."""
    asyncio.run(remove_prefix(SHARED.amqp_url, prefix))
