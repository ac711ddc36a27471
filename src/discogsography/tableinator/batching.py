"""Batch decisions, kept pure: when to flush, how many messages to prefetch, how long to wait.

The backoff of retries is the shared one (``discogsography.runtime.retry.backoff``)."""

from __future__ import annotations

import math

# Prefetch is counted in messages, batches in records: with a batch envelope of R records, a
# prefetch of 2 * batch_size / R messages keeps one batch being written and one arriving.
MIN_PREFETCH = 2
MAX_PREFETCH = 2000


def prefetch_for(batch_size: int, records_per_message: int) -> int:
    wanted = math.ceil(2 * batch_size / max(1, records_per_message))
    return max(MIN_PREFETCH, min(MAX_PREFETCH, wanted))


def should_flush(pending_records: int, batch_size: int, batch_mode: bool) -> bool:
    """Size trigger: the batch is full (per-message mode: any record flushes at once)."""
    if not batch_mode:
        return pending_records > 0
    return pending_records >= batch_size


def seconds_until_flush(oldest_pending_at: float | None, interval: float, now: float) -> float | None:
    """Time trigger: how long the oldest pending record may still wait (None: nothing waits)."""
    if oldest_pending_at is None:
        return None
    return max(0.0, oldest_pending_at + interval - now)
