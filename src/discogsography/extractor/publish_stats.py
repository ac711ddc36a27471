"""What publishing one file is told (``PublishOptions``); what it reports is ``dumps.file_stats``."""

from __future__ import annotations

from dataclasses import dataclass

from discogsography.parsing.skip_guard import DEFAULT_MAX_SKIPPED_SHARE


@dataclass(frozen=True, slots=True)
class PublishOptions:
    records_per_message: int = 100
    publish_window: int = 1000
    parser_workers: int = 0
    max_skipped_share: float = DEFAULT_MAX_SKIPPED_SHARE
    show_progress: bool = False
