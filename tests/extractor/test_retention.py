from __future__ import annotations

from discogsography.extractor.retention import files_to_remove
from discogsography.kinds import Kind


def _set(version: str) -> list[str]:
    return [f"discogs_{version}_{kind.value}.xml.gz" for kind in Kind] + [f"discogs_{version}_CHECKSUM.txt"]


NAMES = [
    *_set("20260101"),
    *_set("20260201"),
    *_set("20260301"),
    *_set("20260401"),  # newer than the completed version: never touched
    ".extraction_status_20260101.json",
    "notes.txt",
    "discogs_20250101_releases.xml.gz.bak",
]


def test_keeps_the_newest_versions_up_to_the_completed_one() -> None:
    assert files_to_remove(NAMES, "20260301", 2) == sorted(_set("20260101"))
    assert files_to_remove(NAMES, "20260301", 1) == sorted(_set("20260101") + _set("20260201"))
    assert files_to_remove(NAMES, "20260301", 3) == []


def test_zero_keeps_everything() -> None:
    assert files_to_remove(NAMES, "20260301", 0) == []
