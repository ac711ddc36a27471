"""What has happened to one published file (``FileStats``): the counts its state marker records."""

from __future__ import annotations

from dataclasses import dataclass, field

from discogsography.amqp.messages import ChangeCounts


@dataclass(slots=True)
class FileStats:
    """What has happened to one file so far; counters move on broker confirms."""

    records_read: int = 0
    records_published: int = 0  # records inside confirmed messages
    messages_published: int = 0
    batches_sent: int = 0  # confirmed messages that carried a "records" envelope
    records_skipped: int = 0
    skipped_refs: list[str] = field(default_factory=list)  # the first of them, "id 7" or "offset 90"
    # Against the base index, as read (full mode: every record is new); removed as confirmed.
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failures: int = 0
    xml_bytes: int = 0
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def counts(self) -> ChangeCounts:
        return ChangeCounts(self.new, self.changed, self.unchanged, self.removed)
