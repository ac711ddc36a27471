"""What publishing one file is told (``PublishOptions``) and what it reports (``FileStats``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from discogsography.amqp.messages import ChangeCounts
from discogsography.parsing.parser import DEFAULT_MAX_SKIPPED_SHARE


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


@dataclass(frozen=True, slots=True)
class PublishOptions:
    records_per_message: int = 100
    publish_window: int = 1000
    parser_workers: int = 0
    max_skipped_share: float = DEFAULT_MAX_SKIPPED_SHARE
    show_progress: bool = False
