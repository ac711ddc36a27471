"""`pipeline`'s progress on a terminal: per kind, records stored by the tableinator of those read.

The services run with their stderr in a pipe (no bars of their own); this draws one bar per kind
on the console the log lines use, from the two /health answers the pipeline polls.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from discogsography.kinds import Kind
from discogsography.runtime.logs import console

Health = dict[str, Any] | None  # a /health answer, None when there was none
Update = Callable[[Health, Health], None]


def _counts(extractor: Health, tableinator: Health, kind: str) -> tuple[int, int]:
    read = int(((extractor or {}).get("progress") or {}).get("per_kind", {}).get(kind, 0) or 0)
    stored = int(((tableinator or {}).get("counts") or {}).get(kind, {}).get("records", 0) or 0)
    return read, stored


@contextlib.contextmanager
def run_progress(enabled: bool) -> Iterator[Update]:
    """Yields ``update(extractor_health, tableinator_health)``; a no-op when not enabled."""
    if not enabled:
        yield lambda extractor, tableinator: None
        return
    columns = (TextColumn("{task.description:>8} stored"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console(), transient=False) as bars:
        tasks: dict[str, TaskID] = {kind.value: bars.add_task(kind.value, total=None) for kind in Kind}
        read_so_far = dict.fromkeys(tasks, 0)  # kept once the extractor has exited

        def update(extractor: Health, tableinator: Health) -> None:
            for kind, task in tasks.items():
                read, stored = _counts(extractor, tableinator, kind)
                read_so_far[kind] = max(read_so_far[kind], read)
                bars.update(task, completed=stored, total=max(read_so_far[kind], stored) or None)

        yield update
