"""Atomic, durable file writes: the one place that puts a file in place under its real name.

A file is written to a temporary file in the same directory, flushed to disk (fsync), renamed over
the old one, and the directory is fsynced so that the rename itself survives a crash. A reader
sees the old file or the new one, never half of one. ``write_bytes``/``write_text`` do all of it
for content held in memory; ``replace`` finishes a temporary file the caller streamed itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

DEFAULT_MODE = 0o644  # mkstemp makes files 0600; operators read markers, lists and state files


def fsync_directory(directory: Path) -> None:
    """Make renames and creations in ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def replace(temporary: Path, final: Path) -> None:
    """Put a finished ``temporary`` (same directory) in place of ``final``: fsync, rename, fsync dir."""
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    temporary.replace(final)
    fsync_directory(final.parent)


def replace_directory(temporary: Path, final: Path) -> None:
    """Put a finished directory of files ``temporary`` (same parent) in place of ``final``.

    Every file and the directory are fsynced first. Whatever stood at ``final`` is moved aside,
    then removed once the new directory is in place: a reader finds the old one or the new one
    (or, after a crash between the two renames, neither, and the old one under its hidden name).
    """
    for path in temporary.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    fsync_directory(temporary)
    aside = final.with_name(f".{final.name}.{os.getpid()}.old")
    remove(aside)  # left by a run killed between the two renames, with this process id
    if final.exists() or final.is_symlink():
        final.replace(aside)
    temporary.replace(final)
    fsync_directory(final.parent)
    remove(aside)


def remove(path: Path) -> None:
    """Remove a file, a symlink or a whole directory; nothing when ``path`` does not exist."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes, *, mode: int = DEFAULT_MODE) -> None:
    """Write ``data`` to ``path`` atomically and durably (the directory must exist)."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name.lstrip('.')}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def write_text(path: Path, text: str, *, encoding: str = "utf-8", mode: int = DEFAULT_MODE) -> None:
    """``write_bytes`` for text."""
    write_bytes(path, text.encode(encoding), mode=mode)


__all__ = ["fsync_directory", "remove", "replace", "replace_directory", "write_bytes", "write_text"]
