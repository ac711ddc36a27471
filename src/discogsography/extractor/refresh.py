"""Full or incremental: how one file of a version is published, decided before it starts.

Incremental (the default once an index exists) needs the index of the same kind in the newest
older version whose state marker says the whole extraction completed: an interrupted version
never becomes a base. FORCE_REPROCESS, no completed older version, or an index that is missing
or unreadable give full mode, which publishes every record as the spec describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from discogsography.amqp.messages import FULL_MODE, INCREMENTAL_MODE, Increment
from discogsography.dumps.state_marker import StateMarker, StateMarkerError, marker_paths, marker_version
from discogsography.extractor.index import IndexUnusableError, check_base, index_path
from discogsography.kinds import Kind


@dataclass(frozen=True, slots=True)
class FilePlan:
    mode: str
    increment: Increment | None = None  # set in incremental mode
    base_index: Path | None = None
    reason: str = ""  # why full mode, for the log


def previous_completed_version(root: Path, version: str) -> str | None:
    """The newest version older than ``version`` whose extraction completed."""
    older = [found for path in marker_paths(root) if (found := marker_version(path)) and found < version]
    for candidate in sorted(older, reverse=True):
        try:
            marker = StateMarker.load(StateMarker.path_for(root, candidate))
        except StateMarkerError:
            continue
        if marker is not None and marker.is_complete:
            return candidate
    return None


def plan_file(root: Path, version: str, kind: Kind, base_version: str | None, *, force: bool) -> FilePlan:
    if force:
        return FilePlan(FULL_MODE, reason="FORCE_REPROCESS")
    if base_version is None:
        return FilePlan(FULL_MODE, reason="no completed older version")
    path = index_path(root, base_version, kind)
    try:
        check_base(path, kind, base_version)
    except IndexUnusableError as exc:
        return FilePlan(FULL_MODE, reason=str(exc))
    return FilePlan(INCREMENTAL_MODE, Increment(version, base_version), path)
