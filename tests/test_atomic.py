"""Atomic writes: the whole new content or the old one, durable, and no temporary file left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from unittest import mock

import pytest

from discogsography.runtime import atomic


def test_write_replaces_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / ".marker.json"
    atomic.write_text(target, "old")
    atomic.write_bytes(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == [".marker.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_syncs_file_and_directory_before_and_after_the_rename(tmp_path: Path) -> None:
    target = tmp_path / "list.txt"
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, Path.replace

    def fsync(descriptor: int) -> None:
        calls.append("dir" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file")
        real_fsync(descriptor)

    def replace(self: Path, other: Path) -> Path:
        calls.append("rename")
        return real_replace(self, other)

    with mock.patch("os.fsync", fsync), mock.patch.object(Path, "replace", replace):
        atomic.write_text(target, "x")
    assert calls == ["file", "rename", "dir"]

    calls.clear()
    part = tmp_path / "big.csv.part"
    part.write_text("streamed")
    with mock.patch("os.fsync", fsync), mock.patch.object(Path, "replace", replace):
        atomic.replace(part, tmp_path / "big.csv")
    assert calls == ["file", "rename", "dir"]
    assert (tmp_path / "big.csv").read_text() == "streamed" and not part.exists()


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic.write_text(target, "old")
    with mock.patch("os.fsync", side_effect=OSError(28, "No space left on device")), pytest.raises(OSError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
