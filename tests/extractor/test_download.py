from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from discogsography.dumps.download import (
    ChecksumMismatchError,
    DownloadError,
    RetryPolicy,
    download,
    parse_retry_after,
)
from discogsography.dumps.names import UnsafeFileNameError
from tests.extractor.helpers import FakeDiscogs, serve_fake_discogs

NAME = "discogs_20991201_releases.xml.gz"
BODY = bytes(range(256)) * 4096  # 1 MiB
DIGEST = hashlib.sha256(BODY).hexdigest()
FAST = RetryPolicy(attempts=4, backoff_seconds=0.01, max_retry_after_seconds=5)


def _url(base: str) -> str:
    return f"{base}?download=data%2F2099%2F{NAME}"


async def _get(base: str, root: Path, policy: RetryPolicy = FAST, expected: str | None = DIGEST) -> Path:
    async with httpx.AsyncClient() as client:
        result = await download(client, _url(base), NAME, root, policy, expected_sha256=expected)
    return result.path


async def test_plain_download_is_verified_and_renamed(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}})
    with serve_fake_discogs(fake) as base:
        path = await _get(base, tmp_path)
    assert path == tmp_path / NAME
    assert path.read_bytes() == BODY
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]


async def test_429_waits_for_retry_after(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}}, too_many_requests={NAME: 1}, retry_after="1")
    with serve_fake_discogs(fake) as base, structlog.testing.capture_logs() as logs:
        path = await _get(base, tmp_path)
    assert path.read_bytes() == BODY
    (first_at, _, first_status), (second_at, _, second_status) = fake.downloads_of(NAME)
    assert (first_status, second_status) == (429, 200)
    assert _waits(logs) == [1.0]  # Retry-After, not the 0.01 s backoff
    # ... and it was waited: the server saw the retry no sooner than that (a lower bound only).
    assert second_at - first_at >= 0.9


def _waits(logs: list[MutableMapping[str, Any]]) -> list[Any]:
    """The waits the retrier chose before each retry, as its log lines say."""
    return [line["wait_seconds"] for line in logs if line["event"] == "⚠️ Retrying after an error"]


async def test_retry_after_is_capped(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}}, too_many_requests={NAME: 2}, retry_after="3600")
    policy = RetryPolicy(attempts=4, backoff_seconds=0.01, max_retry_after_seconds=0.2)
    with serve_fake_discogs(fake) as base, structlog.testing.capture_logs() as logs:
        path = await _get(base, tmp_path, policy)
    assert path.read_bytes() == BODY
    assert [status for _, _, status in fake.downloads_of(NAME)] == [429, 429, 200]
    assert _waits(logs) == [0.2, 0.2]  # the cap, not the server's 3600 s


async def test_too_many_429s_is_a_clear_error(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}}, too_many_requests={NAME: 10}, retry_after="0")
    with serve_fake_discogs(fake) as base, pytest.raises(DownloadError, match="429"):
        await _get(base, tmp_path)
    assert not (tmp_path / NAME).exists()


async def test_dropped_connection_resumes_with_range(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}}, drop_mid_file={NAME: 1}, honour_range=True)
    with serve_fake_discogs(fake) as base:
        path = await _get(base, tmp_path)
    assert path.read_bytes() == BODY
    requests = fake.downloads_of(NAME)
    assert [status for _, _, status in requests] == [200, 206]
    assert requests[1][1] == f"bytes={len(BODY) // 2}-"


async def test_dropped_connection_restarts_when_range_is_ignored(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}}, drop_mid_file={NAME: 1}, honour_range=False)
    with serve_fake_discogs(fake) as base:
        path = await _get(base, tmp_path)
    assert path.read_bytes() == BODY
    requests = fake.downloads_of(NAME)
    assert [status for _, _, status in requests] == [200, 200]
    assert requests[1][1] is not None  # it asked to resume, the server sent everything again


async def test_wrong_checksum_leaves_nothing_under_the_real_name(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {NAME: BODY}}, corrupt={NAME: 1})
    with serve_fake_discogs(fake) as base:
        with pytest.raises(ChecksumMismatchError):
            await _get(base, tmp_path)
        assert list(tmp_path.iterdir()) == []
        assert (await _get(base, tmp_path)).read_bytes() == BODY  # the next attempt gets the good file


async def test_404_is_not_retried(tmp_path: Path) -> None:
    fake = FakeDiscogs({"2099": {}})
    with serve_fake_discogs(fake) as base, pytest.raises(DownloadError, match="404"):
        await _get(base, tmp_path)
    assert len(fake.downloads_of(NAME)) == 1


async def test_names_are_validated_before_anything_is_written(tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(UnsafeFileNameError):
            await download(client, "http://127.0.0.1:9/x", "../evil.xml.gz", tmp_path / "root", FAST)
    assert list(tmp_path.iterdir()) == []


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now) == 60
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
