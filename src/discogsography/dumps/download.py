"""HTTP fetching and downloading: retries with backoff, Retry-After, resume, hash on the way.

A download streams to ``.<name>.part`` in the destination directory while its sha256 is computed,
and is renamed to its final name only once complete and (when a hash is expected) verified, so a
file under its real name is always whole. A server that answers a ``Range`` request with 206 is
resumed; one that answers 200 (data.discogs.com ignores ``Range``) is restarted from zero.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
from tenacity import AsyncRetrying, RetryCallState

from discogsography.dumps.names import destination
from discogsography.errors import DiscogsographyError
from discogsography.runtime import atomic, metrics
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url
from discogsography.runtime.retry import backoff, retrying, upcoming_error

log = get_logger(__name__)

CHUNK_BYTES = 1 << 20
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class DownloadError(DiscogsographyError):
    """A file that could not be fetched after every retry, or a permanent HTTP error."""


class ChecksumMismatchError(DownloadError):
    """A downloaded file whose sha256 is not the one CHECKSUM lists."""


class DownloadInterruptedError(DiscogsographyError):
    """The service was asked to stop while a download was running (the partial file is kept)."""


class RetryableStatusError(Exception):
    """A status worth retrying; carries the server's Retry-After, when it sent one."""

    def __init__(self, url: str, status: int, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"HTTP {status} from {redact_url(url)}")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0
    max_retry_after_seconds: float = 3600.0

    def wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gave one (a 429, a 503; capped), the shared backoff otherwise."""
        error = upcoming_error(state)
        if isinstance(error, RetryableStatusError) and error.retry_after is not None:
            return float(min(error.retry_after, self.max_retry_after_seconds))
        return float(backoff(initial=self.backoff_seconds, cap=self.max_backoff_seconds)(state))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, (RetryableStatusError, httpx.TransportError, _IncompleteBodyError))


class _IncompleteBodyError(Exception):
    """The body ended before Content-Length bytes: the connection dropped."""


def _check_status(response: httpx.Response, url: str) -> None:
    if response.status_code in RETRY_STATUSES:
        raise RetryableStatusError(
            url, response.status_code, parse_retry_after(response.headers.get("retry-after"))
        )
    if response.status_code >= 400:
        metrics.current().count_error("download_failed")  # not retried
        raise DownloadError(f"HTTP {response.status_code} from {redact_url(url)}")


def _retrying(policy: RetryPolicy, what: str) -> AsyncRetrying:
    def before_sleep(state: RetryCallState) -> None:
        error = upcoming_error(state)
        metrics.current().count_error("download_failed")  # an attempt failed
        log.warning(
            "⚠️ Retrying after an error",
            what=what,
            attempt=state.attempt_number,
            error=str(error) or type(error).__name__,
            wait_seconds=round(state.upcoming_sleep, 1),
        )

    return retrying(
        None,
        worth_retrying=_is_retryable,
        attempts=policy.attempts,
        wait=policy.wait,
        before_sleep=before_sleep,
    )


async def fetch_bytes(client: httpx.AsyncClient, url: str, policy: RetryPolicy) -> bytes:
    """A small document (a listing page), with the same retry rules as downloads."""
    try:
        async for attempt in _retrying(policy, redact_url(url)):
            with attempt:
                response = await client.get(url)
                _check_status(response, url)
                return response.content
    except (RetryableStatusError, httpx.TransportError) as exc:
        metrics.current().count_error("download_failed")
        raise DownloadError(f"cannot fetch {redact_url(url)}: {exc}") from None
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    path: Path
    size: int
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _content_range_start(value: str | None) -> int | None:
    # "bytes 100-199/200"
    if not value or not value.startswith("bytes "):
        return None
    start = value[6:].split("-", 1)[0]
    return int(start) if start.isdigit() else None


async def download(
    client: httpx.AsyncClient,
    location: str,
    name: str,
    root: Path,
    policy: RetryPolicy,
    *,
    expected_sha256: str | None = None,
    stop: threading.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> DownloadedFile:
    """Fetch ``location`` (http(s) URL or local path) into ``root/name``, verified if a hash is given."""
    final = destination(root, name)
    partial = final.with_name(f".{name}.part")
    if location.startswith(("http://", "https://")):
        size, digest = await _download_http(client, location, partial, policy, stop, on_bytes)
    else:
        size, digest = _copy_local(Path(location), partial, stop, on_bytes)
    if expected_sha256 is not None and digest != expected_sha256:
        partial.unlink(missing_ok=True)
        raise ChecksumMismatchError(f"{name}: sha256 {digest} does not match CHECKSUM {expected_sha256}")
    atomic.replace(partial, final)
    return DownloadedFile(final, size, digest)


def _copy_local(
    source: Path, partial: Path, stop: threading.Event | None, on_bytes: Callable[[int], None] | None
) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as reader, partial.open("wb") as writer:
            while chunk := reader.read(CHUNK_BYTES):
                if stop is not None and stop.is_set():
                    raise DownloadInterruptedError(f"stopped while copying {source.name}")
                writer.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if on_bytes is not None:
                    on_bytes(size)
            writer.flush()
            os.fsync(writer.fileno())
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DownloadError(f"cannot copy {source}: {exc.strerror or exc}") from None
    return size, digest.hexdigest()


async def _download_http(
    client: httpx.AsyncClient,
    url: str,
    partial: Path,
    policy: RetryPolicy,
    stop: threading.Event | None,
    on_bytes: Callable[[int], None] | None,
) -> tuple[int, str]:
    shown = redact_url(url)
    try:
        async for attempt in _retrying(policy, shown):
            with attempt:
                return await _download_attempt(client, url, partial, stop, on_bytes)
    except (RetryableStatusError, httpx.TransportError, _IncompleteBodyError) as exc:
        metrics.current().count_error("download_failed")
        raise DownloadError(f"cannot download {shown}: {exc or type(exc).__name__}") from None
    raise AssertionError("unreachable")


async def _download_attempt(
    client: httpx.AsyncClient,
    url: str,
    partial: Path,
    stop: threading.Event | None,
    on_bytes: Callable[[int], None] | None,
) -> tuple[int, str]:
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 416:
            partial.unlink(missing_ok=True)  # our partial file is no prefix of theirs: start over
            raise RetryableStatusError(url, 416, 0.0)
        _check_status(response, url)
        digest = hashlib.sha256()
        resumed = (
            response.status_code == 206
            and _content_range_start(response.headers.get("content-range")) == have
        )
        if resumed:
            with partial.open("rb") as existing:
                while chunk := existing.read(CHUNK_BYTES):
                    digest.update(chunk)
            size = have
            log.info("🔄 Resuming download", file=partial.name[1:-5], from_byte=have)
        else:
            size = 0
        expected_body = response.headers.get("content-length")
        received = 0
        with partial.open("ab" if resumed else "wb") as writer:
            async for chunk in response.aiter_raw():  # the bytes as stored, never decoded
                if stop is not None and stop.is_set():
                    raise DownloadInterruptedError(f"stopped while downloading {partial.name[1:-5]}")
                writer.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                size += len(chunk)
                if on_bytes is not None:
                    on_bytes(size)
            writer.flush()
            os.fsync(writer.fileno())
        if expected_body is not None and expected_body.isdigit() and received != int(expected_body):
            raise _IncompleteBodyError(f"body ended after {received} of {expected_body} bytes")
        return size, digest.hexdigest()


def remove_partial(root: Path, name: str) -> None:
    destination(root, name).with_name(f".{name}.part").unlink(missing_ok=True)


def same_file(location: str, target: Path) -> bool:
    """True when a local source file is the target itself (a file:// source inside DISCOGS_ROOT)."""
    if location.startswith(("http://", "https://")):
        return False
    try:
        return Path(location).resolve() == target.resolve()
    except OSError:
        return False


__all__ = [
    "ChecksumMismatchError",
    "DownloadError",
    "DownloadInterruptedError",
    "DownloadedFile",
    "RetryPolicy",
    "download",
    "fetch_bytes",
    "parse_retry_after",
    "remove_partial",
    "same_file",
    "sha256_of",
]
