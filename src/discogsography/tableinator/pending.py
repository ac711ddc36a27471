"""What a kind consumer holds between delivery and settlement: its counters, the batch being
collected, the batches being written, and the count of records a message carries."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from discogsography.amqp.messages import Deletions, FileComplete, MessageError, decode_raw
from discogsography.relational.copy_writer import Item
from discogsography.tableinator.batch_store import KindStore


@dataclass(slots=True)
class KindStats:
    records: int = 0  # records committed (after dedupe within their batch)
    changed: int = 0  # rows inserted or updated
    removed: int = 0  # rows deleted by deletion messages
    messages: int = 0  # messages acked after their commit
    dead_lettered: int = 0
    batches: int = 0
    last_message_at: float | None = None  # wall clock of the last delivery


@dataclass(slots=True)
class Pending:
    """A batch: its messages and, per message, the rows of its records."""

    messages: list[Any] = field(default_factory=list)
    rows: list[list[Item]] = field(default_factory=list)
    count: int = 0
    oldest_at: float | None = None  # monotonic

    def add(self, message: Any, rows: list[Item]) -> None:
        if self.oldest_at is None:
            self.oldest_at = time.monotonic()
        self.messages.append(message)
        self.rows.append(rows)
        self.count += len(rows)

    def ids(self) -> set[int]:
        return {row.id for rows in self.rows for row in rows}


@dataclass(slots=True)
class Writing:
    """A batch handed to a writer: settled after it and every batch submitted before it."""

    pending: Pending
    ids: set[int]
    task: asyncio.Task[bool]
    store: KindStore


def records_in(body: bytes) -> int:
    """Records a message carries (0 for file_complete or a body that does not decode)."""
    try:
        decoded = decode_raw(body)
    except MessageError:
        return 0
    if isinstance(decoded, FileComplete):
        return 0
    return len(decoded.ids) if isinstance(decoded, Deletions) else len(decoded.records)
