"""Settling deliveries with the broker after their commit: acks and dead-letter rejects.

Nothing here decides; it only tells the broker, and a settlement that fails (a channel closed
since) is logged and left to the broker, which redelivers: the writes are idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from discogsography.kinds import Kind
from discogsography.runtime import metrics
from discogsography.runtime.logs import get_logger

log = get_logger("discogsography.tableinator")


async def ack_after_commit(messages: Sequence[Any], kind: Kind) -> None:
    """One ``multiple`` ack per channel, on its last delivery."""
    last_per_channel: dict[int, Any] = {}
    per_channel: dict[int, int] = {}
    for message in messages:
        key = open_channel_id(message)
        if key is None:
            continue  # delivered on a channel that has closed since: the broker redelivers it
        per_channel[key] = per_channel.get(key, 0) + 1
        current = last_per_channel.get(key)
        if current is None or message.delivery_tag > current.delivery_tag:
            last_per_channel[key] = message
    for key, message in last_per_channel.items():
        try:
            await message.ack(multiple=True)
            metrics.current().count_messages(kind, "acked", per_channel[key])
        except Exception as exc:
            log.warning(
                "⚠️ Ack failed, the broker will redeliver (the write is idempotent)",
                data_type=kind.value,
                error=str(exc),
            )


async def reject_to_dead_letters(message: Any, kind: Kind) -> None:
    """Reject without requeue: the queue dead-letters it to ``<kind>.dlq``."""
    try:
        await message.reject(requeue=False)
    except Exception as exc:
        log.warning("⚠️ Reject failed, the broker will redeliver", data_type=kind.value, error=str(exc))


def open_channel_id(message: Any) -> int | None:
    """Identity of the channel a message came on, None once that channel is closed."""
    try:
        return id(message.channel)
    except Exception:  # aio-pika raises ChannelInvalidStateError for a closed one
        return None
