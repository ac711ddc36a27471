"""Dump file names and dump versions: which listing entries form the newest complete dump.

Pure: listing entries in, a choice out. A version is complete when it has the four kinds and a
CHECKSUM file (Discogs writes CHECKSUM last). Anything else in a listing is ignored; names that
look like dump files but do not match the patterns exactly are refused, so a listing can never
make the extractor write outside its directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind

_KINDS = "|".join(kind.value for kind in Kind)
# discogs_YYYYMMDD_<kind>.xml.gz as Discogs publishes it; .xml once a user has inflated it.
DATA_FILE = re.compile(rf"discogs_(?P<version>\d{{8}})_(?P<kind>{_KINDS})\.xml(?P<gz>\.gz)?")
CHECKSUM_FILE = re.compile(r"discogs_(?P<version>\d{8})_CHECKSUM\.txt")
DUMP_SUFFIXES = (".xml.gz", ".xml")


class UnsafeFileNameError(DiscogsographyError):
    """A file name from a listing that is not a Discogs dump file name."""


@dataclass(frozen=True, slots=True)
class DumpFileName:
    name: str
    version: str
    kind: Kind | None  # None for the CHECKSUM file


def data_file_name(name: str) -> DumpFileName | None:
    """The version and kind of a data file's name (compressed or not); None for any other name."""
    match = DATA_FILE.fullmatch(name)
    return DumpFileName(name, match["version"], Kind(match["kind"])) if match is not None else None


def kind_of_dump_file(name: str) -> Kind | None:
    """The kind of a data file named by Discogs' rule; None for any other name."""
    parsed = data_file_name(name)
    return parsed.kind if parsed is not None else None


def version_of_dump_file(name: str) -> str | None:
    """The version (YYYYMMDD) of a data file named by Discogs' rule; None for any other name."""
    parsed = data_file_name(name)
    return parsed.version if parsed is not None else None


def parse_file_name(name: str) -> DumpFileName:
    """The version and kind of a file a source lists (``.xml.gz`` or CHECKSUM only);
    UnsafeFileNameError for anything else."""
    match = DATA_FILE.fullmatch(name)
    if match is not None and match["gz"]:
        return DumpFileName(name, match["version"], Kind(match["kind"]))
    match = CHECKSUM_FILE.fullmatch(name)
    if match is not None:
        return DumpFileName(name, match["version"], None)
    raise UnsafeFileNameError(f"not a Discogs dump file name: {name[:200]!r}")


def destination(root: Path, name: str) -> Path:
    """Where ``name`` goes inside ``root``: validated, and checked to stay inside it."""
    parse_file_name(name)
    path = root / name
    if path.resolve().parent != root.resolve():
        raise UnsafeFileNameError(f"{name!r} would be written outside {root}")
    return path


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One file as a source lists it: its name and where to fetch it (URL or local path)."""

    name: str
    location: str
    size: int | None = None


@dataclass(slots=True)
class DumpVersion:
    version: str
    files: dict[Kind, ListingEntry] = field(default_factory=dict)
    checksum: ListingEntry | None = None

    @property
    def missing(self) -> list[str]:
        missing = [kind.value for kind in Kind if kind not in self.files]
        if self.checksum is None:
            missing.append("CHECKSUM")
        return missing

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(slots=True)
class VersionChoice:
    chosen: DumpVersion | None
    skipped: list[DumpVersion]  # incomplete versions, newest first
    refused: list[str]  # dump-like names that failed validation


def group_versions(entries: Iterable[ListingEntry]) -> tuple[dict[str, DumpVersion], list[str]]:
    versions: dict[str, DumpVersion] = {}
    refused: list[str] = []
    for entry in entries:
        if not entry.name.startswith("discogs_"):
            continue  # index.html, list.js, .well-known/...: not ours to judge
        try:
            parsed = parse_file_name(entry.name)
        except UnsafeFileNameError:
            refused.append(entry.name)
            continue
        version = versions.setdefault(parsed.version, DumpVersion(parsed.version))
        if parsed.kind is None:
            version.checksum = entry
        else:
            version.files[parsed.kind] = entry
    return versions, refused


def choose_newest_complete(entries: Iterable[ListingEntry]) -> VersionChoice:
    versions, refused = group_versions(entries)
    skipped: list[DumpVersion] = []
    for name in sorted(versions, reverse=True):
        version = versions[name]
        if version.complete:
            older_incomplete = [v for n, v in versions.items() if n < name and not v.complete]
            skipped.extend(sorted(older_incomplete, key=lambda v: v.version, reverse=True))
            return VersionChoice(version, skipped, refused)
        skipped.append(version)
    return VersionChoice(None, skipped, refused)
