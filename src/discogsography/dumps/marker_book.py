"""The state marker's bookkeeping: one version's marker and its file, saved by every change.

``MarkerBook`` is the only writer of a marker while the extractor runs. Each method makes one
change (``state_marker.StateMarker`` knows how) and saves the marker at once, atomically, so what
is on disk is always what the extractor last did. The units that download and publish tell the
book what happened; none of them saves the marker or passes its path around.
"""

from __future__ import annotations

from pathlib import Path

from discogsography.dumps.file_stats import FileStats
from discogsography.dumps.state_marker import FileProcessingStatus, StateMarker, new_marker


class MarkerBook:
    def __init__(self, marker: StateMarker, path: Path) -> None:
        self.marker = marker
        self.path = path

    @classmethod
    def open(cls, root: Path, version: str, *, fresh: bool = False) -> MarkerBook:
        """The version's marker as saved (``fresh``: a new one, whatever was saved)."""
        path = StateMarker.path_for(root, version)
        marker = None if fresh else StateMarker.load(path)
        return cls(marker or new_marker(version), path)

    def _save(self) -> None:
        self.marker.save(self.path)

    # --- reading -----------------------------------------------------------------------------

    @property
    def version(self) -> str:
        return self.marker.current_version

    @property
    def is_complete(self) -> bool:
        return self.marker.is_complete

    @property
    def force_reprocess(self) -> bool:
        return self.marker.processing_phase.force_reprocess

    def file_is_completed(self, name: str) -> bool:
        return self.marker.file_is_completed(name)

    def entry(self, name: str) -> FileProcessingStatus:
        return self.marker.processing_phase.progress_by_file[name]

    # --- download ----------------------------------------------------------------------------

    def start_download(self, files_total: int) -> None:
        self.marker.start_download(files_total)
        self._save()

    def start_file_download(self, name: str) -> None:
        self.marker.start_file_download(name)
        self._save()

    def file_downloaded(self, name: str, size: int) -> None:
        self.marker.file_downloaded(name, size)
        self._save()

    def fail_file_download(self, name: str, error: str) -> None:
        self.marker.fail_file_download(name, error)
        self._save()

    def fail_download(self, error: str) -> None:
        self.marker.fail_download(error)
        self._save()

    def complete_download(self) -> None:
        self.marker.complete_download()
        self._save()

    # --- processing --------------------------------------------------------------------------

    def set_force_reprocess(self) -> None:
        """Every file of this version is published in full, after a restart too (not saved yet)."""
        self.marker.processing_phase.force_reprocess = True

    def start_processing(self, files_total: int) -> None:
        self.marker.start_processing(files_total)
        self._save()

    def start_file(self, name: str, mode: str, base_version: str | None) -> None:
        """(Re)start a file from its first record, in ``mode`` against ``base_version``."""
        self.marker.start_file_processing(name)
        self.marker.record_file_changes(name, mode, base_version, FileStats().counts)
        self._save()

    def file_progress(self, name: str, mode: str, base_version: str | None, stats: FileStats) -> None:
        self.marker.update_file_progress(
            name,
            stats.records_read,
            stats.messages_published,
            stats.batches_sent,
            stats.records_skipped,
            stats.skipped_refs,
        )
        self.marker.record_file_changes(name, mode, base_version, stats.counts)
        self._save()

    def complete_file(self, name: str, mode: str, base_version: str | None, stats: FileStats) -> None:
        self.marker.record_file_changes(name, mode, base_version, stats.counts)
        self.marker.complete_file_processing(name, stats.records_published)
        self._save()

    def completion_sent(self, name: str) -> None:
        self.marker.file_completion_sent(name)
        self._save()

    def fail_file(self, name: str, error: str) -> None:
        self.marker.fail_file_processing(name, error)
        self._save()

    def complete_extraction(self) -> None:
        self.marker.complete_processing()
        self.marker.complete_extraction()
        self._save()
