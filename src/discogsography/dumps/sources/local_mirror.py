"""file:///PATH: a local directory laid out like the bucket (``data/YYYY/``, ``YYYY/``) or flat."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from discogsography.dumps.names import ListingEntry
from discogsography.errors import DiscogsographyError

_MAX_DEPTH = 3


class LocalSourceError(DiscogsographyError):
    """A file:// source that is not a readable directory."""


def local_directory(source: str) -> Path:
    parts = urlsplit(source)
    if parts.netloc not in ("", "localhost"):
        raise LocalSourceError(f"file:// sources must be local paths, not host {parts.netloc!r}")
    return Path(unquote(parts.path))


def list_local(directory: Path) -> list[ListingEntry]:
    """Every regular file named ``discogs_*`` up to three directory levels down."""
    if not directory.is_dir():
        raise LocalSourceError(f"{directory}: not a directory")
    entries: list[ListingEntry] = []

    def walk(folder: Path, depth: int) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError as exc:
            raise LocalSourceError(f"{folder}: cannot list: {exc.strerror or exc}") from None
        for child in children:
            if child.is_dir() and not child.is_symlink() and depth < _MAX_DEPTH:
                walk(child, depth + 1)
            elif child.is_file() and child.name.startswith("discogs_"):
                entries.append(ListingEntry(child.name, str(child), child.stat().st_size))

    walk(directory, 0)
    return entries
