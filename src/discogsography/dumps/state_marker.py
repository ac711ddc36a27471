"""The state marker: one JSON file per dump version recording every phase of its extraction.

Written to ``DISCOGS_ROOT/.extraction_status_<version>.json`` (docs/state-marker.md). The
extractor calls, in this order: ``start_download``, then per file ``start_file_download`` and
``file_downloaded`` (cached files get ``file_downloaded`` only), ``complete_download``,
``start_processing``, then per file ``start_file_processing``, ``update_file_progress`` every
5,000 records and ``complete_file_processing``, and finally ``complete_extraction``. Aggregates
(bytes, records, messages, batches) are always recomputed from the per-file entries, so they can
never drift from them. A marker written by an older version that lacks newer fields loads with
their defaults; unknown fields are kept out of the way and ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from discogsography.amqp.messages import ChangeCounts
from discogsography.dumps.names import kind_of_dump_file
from discogsography.errors import DiscogsographyError
from discogsography.runtime import atomic, metrics

MARKER_FORMAT_VERSION = "1.0"
# The marker's file name, as StateMarker.path_for spells it.
# The file statuses of /metrics (runtime/metrics.FILE_STATUSES) from the marker's phases.
_PROCESSING_STATUS = {"in_progress": "processing", "completed": "completed", "failed": "failed"}
_DOWNLOAD_STATUS = {"in_progress": "downloading", "completed": "downloaded", "failed": "failed"}
_MARKER_NAME = re.compile(r"\.extraction_status_(?P<version>\d{8})\.json")


def marker_version(path: Path) -> str | None:
    """The version a marker file is named for; None when ``path`` is not named as a marker."""
    match = _MARKER_NAME.fullmatch(path.name)
    return match["version"] if match is not None else None


def marker_paths(discogs_root: Path) -> list[Path]:
    """Every marker file in ``discogs_root``, oldest version first."""
    return sorted(path for path in discogs_root.glob(".extraction_status_*") if marker_version(path))


class StateMarkerError(DiscogsographyError):
    """A state marker file that exists but cannot be read."""


class PhaseStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)


class FileDownloadStatus(_Model):
    status: PhaseStatus = PhaseStatus.PENDING
    bytes_downloaded: int = 0
    started_at: datetime | None = None
    completed_at: datetime | None = None


class DownloadPhase(_Model):
    status: PhaseStatus = PhaseStatus.PENDING
    started_at: datetime | None = None
    completed_at: datetime | None = None
    files_downloaded: int = 0
    files_total: int = 0
    bytes_downloaded: int = 0
    downloads_by_file: dict[str, FileDownloadStatus] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)


class FileProcessingStatus(_Model):
    status: PhaseStatus = PhaseStatus.PENDING
    records_extracted: int = 0
    messages_published: int = 0
    batches_sent: int = 0
    records_skipped: int = 0
    # The first skipped records (MAX_NAMED_SKIPS of them), by id or byte offset: "id 7", "offset 90".
    skipped_records: list[str] = Field(default_factory=list)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # True once the file_complete message for this file has been confirmed by the broker.
    completion_sent: bool = False
    # "full" (every record published) or "incremental" (only what changed since base_version).
    mode: str | None = None
    base_version: str | None = None
    # Records against the base version's index (full mode: all new); removed: ids it lacks.
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def counts(self) -> ChangeCounts:
        return ChangeCounts(self.new, self.changed, self.unchanged, self.removed)


class ProcessingPhase(_Model):
    status: PhaseStatus = PhaseStatus.PENDING
    started_at: datetime | None = None
    completed_at: datetime | None = None
    files_processed: int = 0
    files_total: int = 0
    records_extracted: int = 0
    current_file: str | None = None
    progress_by_file: dict[str, FileProcessingStatus] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)
    # Set by FORCE_REPROCESS: every file of this version is published in full, after a restart too.
    force_reprocess: bool = False


class PublishingPhase(_Model):
    status: PhaseStatus = PhaseStatus.PENDING
    messages_published: int = 0
    batches_sent: int = 0
    errors: list[str] = Field(default_factory=list)
    last_amqp_heartbeat: datetime | None = None


class ExtractionSummary(_Model):
    overall_status: PhaseStatus = PhaseStatus.PENDING
    total_duration_seconds: float | None = None
    files_by_type: dict[str, PhaseStatus] = Field(default_factory=dict)


def _kind_of(file_name: str) -> str | None:
    kind = kind_of_dump_file(file_name)
    return kind.value if kind is not None else None


class StateMarker(_Model):
    metadata_version: str = MARKER_FORMAT_VERSION
    last_updated: datetime = Field(default_factory=_now)
    current_version: str = ""
    download_phase: DownloadPhase = Field(default_factory=DownloadPhase)
    processing_phase: ProcessingPhase = Field(default_factory=ProcessingPhase)
    publishing_phase: PublishingPhase = Field(default_factory=PublishingPhase)
    summary: ExtractionSummary = Field(default_factory=ExtractionSummary)

    # --- files -------------------------------------------------------------------------------

    @staticmethod
    def path_for(discogs_root: Path, version: str) -> Path:
        """Where the marker of ``version`` lives in ``discogs_root``."""
        return discogs_root / f".extraction_status_{version}.json"

    @classmethod
    def load(cls, path: Path) -> StateMarker | None:
        """The marker at ``path``, or None when there is none. A corrupt one is a clear error."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateMarkerError(f"{path}: cannot read the state marker: {exc}") from None
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise StateMarkerError(
                f"{path}: not a valid state marker ({where}: {first['msg']}); move it away to start over"
            ) from None

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same directory, fsync, rename over the old one."""
        self.last_updated = _now()
        atomic.write_bytes(path, self.model_dump_json(indent=2).encode())
        self.report_to(metrics.current())  # the per-file gauges follow what was saved

    def report_to(self, sink: metrics.ServiceMetrics) -> None:
        """Each file's status, records and downloaded bytes, as the /metrics gauges show them."""
        downloads = self.download_phase.downloads_by_file
        processing = self.processing_phase.progress_by_file
        for name in {*downloads, *processing}:
            kind = kind_of_dump_file(name)
            if kind is None:
                continue
            entry, download = processing.get(name), downloads.get(name)
            status = _PROCESSING_STATUS.get(str(entry.status) if entry is not None else "") or (
                _DOWNLOAD_STATUS.get(str(download.status) if download is not None else "", "pending")
            )
            completed = download is not None and str(download.status) == "completed"
            sink.observe_file(
                kind.value,
                status,
                entry.records_extracted if entry is not None else 0,
                download.bytes_downloaded if download is not None and completed else None,
            )

    # --- download phase ----------------------------------------------------------------------

    def start_download(self, files_total: int) -> None:
        phase = self.download_phase
        phase.status = PhaseStatus.IN_PROGRESS
        phase.started_at = phase.started_at or _now()
        phase.completed_at = None
        phase.files_total = files_total

    def start_file_download(self, file_name: str) -> None:
        self.download_phase.downloads_by_file[file_name] = FileDownloadStatus(
            status=PhaseStatus.IN_PROGRESS, started_at=_now()
        )

    def file_downloaded(self, file_name: str, bytes_count: int) -> None:
        """A file is on disk and verified (downloaded now, or found cached with the right hash)."""
        now = _now()
        entry = self.download_phase.downloads_by_file.setdefault(
            file_name, FileDownloadStatus(started_at=now)
        )
        entry.status = PhaseStatus.COMPLETED
        entry.bytes_downloaded = bytes_count
        entry.completed_at = now
        self._recount_downloads()

    def fail_file_download(self, file_name: str, error: str) -> None:
        entry = self.download_phase.downloads_by_file.setdefault(file_name, FileDownloadStatus())
        entry.status = PhaseStatus.FAILED
        self.fail_download(f"{file_name}: {error}")

    def complete_download(self) -> None:
        self.download_phase.status = PhaseStatus.COMPLETED
        self.download_phase.completed_at = _now()

    def fail_download(self, error: str) -> None:
        self.download_phase.status = PhaseStatus.FAILED
        self.download_phase.errors.append(error)
        self.summary.overall_status = PhaseStatus.FAILED

    def _recount_downloads(self) -> None:
        files = self.download_phase.downloads_by_file.values()
        self.download_phase.bytes_downloaded = sum(entry.bytes_downloaded for entry in files)
        self.download_phase.files_downloaded = sum(entry.status == PhaseStatus.COMPLETED for entry in files)

    # --- processing phase --------------------------------------------------------------------

    def start_processing(self, files_total: int) -> None:
        phase = self.processing_phase
        phase.status = PhaseStatus.IN_PROGRESS
        phase.started_at = phase.started_at or _now()
        phase.completed_at = None
        phase.files_total = files_total
        self.summary.overall_status = PhaseStatus.IN_PROGRESS

    def start_file_processing(self, file_name: str) -> None:
        """(Re)start a file from its first record: an interrupted file is processed again whole."""
        self.processing_phase.current_file = file_name
        self.processing_phase.progress_by_file[file_name] = FileProcessingStatus(
            status=PhaseStatus.IN_PROGRESS, started_at=_now()
        )
        kind = _kind_of(file_name)
        if kind is not None:
            self.summary.files_by_type[kind] = PhaseStatus.IN_PROGRESS
        self._recount_processing()

    def update_file_progress(
        self,
        file_name: str,
        records: int,
        messages: int,
        batches: int = 0,
        skipped: int = 0,
        skipped_records: list[str] | None = None,
    ) -> None:
        entry = self.processing_phase.progress_by_file.setdefault(
            file_name, FileProcessingStatus(status=PhaseStatus.IN_PROGRESS, started_at=_now())
        )
        entry.records_extracted = records
        entry.messages_published = messages
        entry.batches_sent = batches
        entry.records_skipped = skipped
        entry.skipped_records = list(skipped_records or [])
        self._recount_processing()
        if self.publishing_phase.messages_published > 0:
            self.publishing_phase.status = PhaseStatus.IN_PROGRESS
        self.publishing_phase.last_amqp_heartbeat = _now()

    def record_file_changes(
        self, file_name: str, mode: str, base_version: str | None, counts: ChangeCounts
    ) -> None:
        """The file's mode and its new / changed / unchanged / removed counts so far."""
        entry = self.processing_phase.progress_by_file.setdefault(file_name, FileProcessingStatus())
        entry.mode, entry.base_version = mode, base_version
        entry.new, entry.changed = counts.new, counts.changed
        entry.unchanged, entry.removed = counts.unchanged, counts.removed

    def complete_file_processing(self, file_name: str, records: int) -> None:
        entry = self.processing_phase.progress_by_file.setdefault(file_name, FileProcessingStatus())
        entry.status = PhaseStatus.COMPLETED
        entry.records_extracted = records
        entry.completed_at = _now()
        if self.processing_phase.current_file == file_name:
            self.processing_phase.current_file = None
        kind = _kind_of(file_name)
        if kind is not None:
            self.summary.files_by_type[kind] = PhaseStatus.COMPLETED
        self._recount_processing()

    def file_completion_sent(self, file_name: str) -> None:
        self.processing_phase.progress_by_file.setdefault(
            file_name, FileProcessingStatus()
        ).completion_sent = True

    def fail_file_processing(self, file_name: str, error: str) -> None:
        entry = self.processing_phase.progress_by_file.setdefault(file_name, FileProcessingStatus())
        entry.status = PhaseStatus.FAILED
        kind = _kind_of(file_name)
        if kind is not None:
            self.summary.files_by_type[kind] = PhaseStatus.FAILED
        self.processing_phase.status = PhaseStatus.FAILED
        self.processing_phase.errors.append(f"{file_name}: {error}")
        self.summary.overall_status = PhaseStatus.FAILED

    def file_is_completed(self, file_name: str) -> bool:
        entry = self.processing_phase.progress_by_file.get(file_name)
        return entry is not None and entry.status == PhaseStatus.COMPLETED

    def _recount_processing(self) -> None:
        files = self.processing_phase.progress_by_file.values()
        self.processing_phase.records_extracted = sum(entry.records_extracted for entry in files)
        self.processing_phase.files_processed = sum(entry.status == PhaseStatus.COMPLETED for entry in files)
        self.publishing_phase.messages_published = sum(entry.messages_published for entry in files)
        self.publishing_phase.batches_sent = sum(entry.batches_sent for entry in files)

    def complete_processing(self) -> None:
        self.processing_phase.status = PhaseStatus.COMPLETED
        self.processing_phase.completed_at = _now()
        self.processing_phase.current_file = None

    def complete_extraction(self) -> None:
        self.publishing_phase.status = PhaseStatus.COMPLETED
        self.summary.overall_status = PhaseStatus.COMPLETED
        started = self.download_phase.started_at or self.processing_phase.started_at
        finished = self.processing_phase.completed_at or _now()
        if started is not None:
            self.summary.total_duration_seconds = round((finished - started).total_seconds(), 3)

    @property
    def is_complete(self) -> bool:
        return self.summary.overall_status == PhaseStatus.COMPLETED


def new_marker(version: str) -> StateMarker:
    return StateMarker(current_version=version)
