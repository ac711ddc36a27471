"""The dump files a bulk command reads: files as given, or the newest version in a directory.

Discogs names its files ``discogs_YYYYMMDD_<kind>.xml.gz``; the version is that date. Files named
otherwise are taken as they are, unversioned (their kind comes from their root element).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from discogsography.dumps.names import DUMP_SUFFIXES, version_of_dump_file
from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind
from discogsography.parsing.source import DumpSource


@dataclass(frozen=True, slots=True)
class DumpFile:
    path: Path
    kind: Kind
    version: str | None  # YYYYMMDD from the file name, None when it is not named by Discogs' rule


def _dump_files_in(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(DUMP_SUFFIXES))
    versions = {version_of_dump_file(p.name) for p in found} - {None}
    if versions:  # the newest version only: older ones may sit beside it (KEEP_VERSIONS)
        newest = max(v for v in versions if v is not None)
        found = [p for p in found if version_of_dump_file(p.name) == newest]
    if not found:
        raise DiscogsographyError(f"{folder}: no dump files (*.xml.gz) in this directory")
    return found


def _kind_of(path: Path) -> Kind:
    source = DumpSource(path)
    try:
        return source.kind
    finally:
        source.close()


def find_dump_files(paths: Iterable[Path]) -> list[DumpFile]:
    """The dump files named by ``paths`` (files or directories), one per kind, in kind order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += _dump_files_in(path)
        elif path.is_file():
            files.append(path)
        else:
            raise DiscogsographyError(f"{path}: no such file or directory")
    by_kind: dict[Kind, DumpFile] = {}
    for path in files:
        dump = DumpFile(path, _kind_of(path), version_of_dump_file(path.name))
        if dump.kind in by_kind:
            raise DiscogsographyError(f"two {dump.kind} files given: {by_kind[dump.kind].path} and {path}")
        by_kind[dump.kind] = dump
    if not by_kind:
        raise DiscogsographyError("no dump files given")
    return [by_kind[kind] for kind in Kind if kind in by_kind]
