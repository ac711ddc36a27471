"""Progress bars on a terminal, nothing otherwise.

Bars draw on the console the log lines use (``logs.console()``): a line logged while a bar runs
is printed above it, never into it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from discogsography.runtime.logs import console


@contextlib.contextmanager
def byte_progress(enabled: bool, total: int, description: str) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(position)``: the number of bytes of the file read so far."""
    if not enabled:
        yield lambda position: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    # On stderr (stdout may be the records themselves: `parse` without --output), shared with
    # the log lines.
    with Progress(*columns, console=console(), transient=False) as bar:
        task = bar.add_task(description, total=total or None)
        yield lambda position: bar.update(task, completed=position)
