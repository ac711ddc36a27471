"""The four kinds of Discogs dump and where each keeps its record tag and id."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ARTISTS = "artists"
    LABELS = "labels"
    MASTERS = "masters"
    RELEASES = "releases"

    @property
    def spec(self) -> KindSpec:
        return KIND_SPECS[self]


@dataclass(frozen=True, slots=True)
class KindSpec:
    root_tag: str
    record_tag: str
    # True where the id is an attribute of the record element, False where it is an <id> child.
    id_is_attribute: bool


KIND_SPECS: dict[Kind, KindSpec] = {
    Kind.ARTISTS: KindSpec("artists", "artist", id_is_attribute=False),
    Kind.LABELS: KindSpec("labels", "label", id_is_attribute=False),
    Kind.MASTERS: KindSpec("masters", "master", id_is_attribute=True),
    Kind.RELEASES: KindSpec("releases", "release", id_is_attribute=True),
}

KIND_BY_ROOT_TAG: dict[str, Kind] = {spec.root_tag: kind for kind, spec in KIND_SPECS.items()}
