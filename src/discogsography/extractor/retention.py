"""Which old dump files to delete from DISCOGS_ROOT once a newer version is fully extracted.

A 2026 dump is about 12 GB; a service running for years would fill its disk. After a version
completes, the files of versions older than the ``keep_versions`` newest (the completed one
included) are removed. Only names that match the Discogs patterns exactly are ever touched;
state markers stay as history, and versions newer than the completed one are never removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from discogsography.dumps.names import UnsafeFileNameError, destination, parse_file_name
from discogsography.extractor.index import parse_index_name
from discogsography.runtime.logs import get_logger

log = get_logger(__name__)


def files_to_remove(names: Iterable[str], completed_version: str, keep_versions: int) -> list[str]:
    """Names to delete; ``keep_versions`` 0 keeps everything."""
    if keep_versions <= 0:
        return []
    by_version: dict[str, list[str]] = {}
    for name in names:
        try:
            parsed = parse_file_name(name)
        except UnsafeFileNameError:
            continue
        by_version.setdefault(parsed.version, []).append(name)
    older = sorted((v for v in by_version if v < completed_version), reverse=True)
    doomed = older[keep_versions - 1 :]
    return sorted(name for version in doomed for name in by_version[version])


def indexes_to_remove(names: Iterable[str], completed_version: str, keep_versions: int) -> list[str]:
    """Index files to delete: those of versions dump files are removed for, and unfinished ones.

    The completed version's index is always kept: it is the base of the next refresh.
    """
    found = [(name, parse_index_name(name)) for name in names]
    indexes = [(name, parsed) for name, parsed in found if parsed is not None]
    doomed = {name for name, parsed in indexes if parsed.partial and parsed.version != completed_version}
    if keep_versions > 0:
        older = sorted({p.version for _, p in indexes if p.version < completed_version}, reverse=True)
        dropped = set(older[keep_versions - 1 :])
        doomed |= {name for name, parsed in indexes if parsed.version in dropped}
    return sorted(doomed)


def remove_old_versions(root: Path, completed_version: str, keep_versions: int) -> None:
    """Delete what ``files_to_remove`` and ``indexes_to_remove`` name; a failure is only logged."""
    names = [path.name for path in root.iterdir() if path.is_file()]
    files = files_to_remove(names, completed_version, keep_versions)
    indexes = indexes_to_remove(names, completed_version, keep_versions)
    doomed = [(destination(root, name), "a file", name) for name in files]
    doomed += [(root / name, "an index", name) for name in indexes]
    for path, what, name in doomed:
        try:
            path.unlink()
            log.info(f"🧹 Removed {what} of an older dump version", file=name)
        except OSError as exc:
            log.warning(f"⚠️ Could not remove {what} of an older dump version", file=name, error=str(exc))
