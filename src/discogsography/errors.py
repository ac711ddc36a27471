"""Errors the user sees as one clear line; the CLI turns them into a message and an exit code."""

from __future__ import annotations


class DiscogsographyError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(DiscogsographyError):
    """A setting or a path the user must fix before anything starts: a plain `error: ...` line,
    even from a service that logs JSON lines (nothing has run that a log would be about)."""


class DumpError(DiscogsographyError):
    """A dump file that cannot be read as a whole: empty, truncated, corrupt, not a Discogs dump."""


class BrokenDumpError(DumpError):
    """Too many consecutive records failed: the file is declared broken."""


class TooManySkippedError(DumpError):
    """More of a file's records were skipped than the allowed share: the file is not complete."""


class VersionFailedError(DiscogsographyError):
    """A dump version that cannot be fetched or extracted this cycle (download, checksum, publishing)."""


class OutputError(DiscogsographyError):
    """An output file that cannot be written (a missing folder, no permission, a full disk)."""


class RecordError(DiscogsographyError):
    """One record that cannot be turned into a record: malformed XML, no usable id."""

    def __init__(self, reason: str, *, offset: int, record_id: str | None = None) -> None:
        self.reason = reason
        self.offset = offset
        self.record_id = record_id
        where = f"record id {record_id}" if record_id is not None else f"byte offset {offset}"
        super().__init__(f"{where}: {reason}")

    @property
    def ref(self) -> str:
        """How the skipped record is named: "id 7", or "offset 90" where its id is unknown."""
        return f"id {self.record_id}" if self.record_id is not None else f"offset {self.offset}"

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries in the parallel parser.
        return (_rebuild_record_error, (self.reason, self.offset, self.record_id))


def _rebuild_record_error(reason: str, offset: int, record_id: str | None) -> RecordError:
    return RecordError(reason, offset=offset, record_id=record_id)
