"""How a file's records become messages: which records to send, how many per message, and what
each message's confirm will count. Pure: lines and states in, messages out (publisher.py sends them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from discogsography.amqp.messages import BATCH_TYPE, Increment, encode_deletions, encode_records
from discogsography.extractor.index import CHANGED, NEW, UNCHANGED
from discogsography.kinds import Kind

# Records per hand-over from the reading thread (a whole number of messages).
CHUNK_TARGET_RECORDS = 1_000
PROGRESS_EVERY_RECORDS = 5_000


@dataclass(frozen=True, slots=True)
class Packed:
    """One message and what its confirm counts: records published, ids removed."""

    amqp_type: str
    body: bytes
    records: int = 0
    removed: int = 0

    @property
    def batch(self) -> bool:
        return self.amqp_type == BATCH_TYPE

    @property
    def size(self) -> int:
        return len(self.body)


@dataclass(frozen=True, slots=True)
class Selection:
    """A chunk's records to publish, and how its records compare with the base version."""

    lines: list[bytes]
    new: int
    changed: int = 0
    unchanged: int = 0


def chunk_records(per_message: int) -> int:
    """Records per chunk read: about CHUNK_TARGET_RECORDS, a whole number of messages."""
    return max(per_message, (CHUNK_TARGET_RECORDS // per_message) * per_message)


def next_progress_at(records_read: int) -> int:
    """The count of records read at which progress is reported next."""
    return (records_read // PROGRESS_EVERY_RECORDS + 1) * PROGRESS_EVERY_RECORDS


def select_changed(lines: Sequence[bytes], states: Sequence[int]) -> Selection:
    """In incremental mode: the records that are new or changed (``states`` from the index)."""
    kept = [line for line, state in zip(lines, states, strict=True) if state != UNCHANGED]
    return Selection(
        kept, new=states.count(NEW), changed=states.count(CHANGED), unchanged=len(states) - len(kept)
    )


def fill_messages(
    carry: list[bytes], lines: Sequence[bytes], per_message: int
) -> tuple[list[list[bytes]], list[bytes]]:
    """The whole messages of ``per_message`` lines that ``carry`` then ``lines`` make, and the
    lines left over for the next chunk (in incremental mode a chunk keeps only a few records, so
    messages are filled across chunks rather than sent one per chunk)."""
    pending = [*carry, *lines]
    whole = len(pending) - len(pending) % per_message
    return [pending[start : start + per_message] for start in range(0, whole, per_message)], pending[whole:]


def pack_records(kind: Kind, lines: Sequence[bytes], increment: Increment | None) -> Packed:
    amqp_type, body = encode_records(kind, lines, increment)
    return Packed(amqp_type, body, records=len(lines))


def pack_deletions(kind: Kind, ids: Sequence[int], increment: Increment) -> Packed:
    amqp_type, body = encode_deletions(kind, ids, increment)
    return Packed(amqp_type, body, removed=len(ids))
