"""An artists dump record as ``/artists/{id}`` and as a search result; a release or master as an
item of ``/artists/{id}/releases``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from discogsography.api.answer_links import Links
from discogsography.api.answer_parts import artists_display, format_line, label_names
from discogsography.api.record_values import (
    field,
    has_text,
    integer,
    mappings,
    record_id,
    texts,
    year_of,
)


def related_artist(entry: Mapping[str, Any], links: Links) -> dict[str, Any] | None:
    """An alias, member or group (``{"id": "26", "#text": "Name"}``); None without an id, since
    clients build an artist from every item and need its id."""
    artist_id = integer(entry.get("id"))
    if not artist_id:
        return None
    answer: dict[str, Any] = {
        "id": artist_id,
        "name": field(entry, "#text") or field(entry, "name"),
        "resource_url": links.artist(artist_id),
    }
    if "active" in entry:
        answer["active"] = field(entry, "active").strip().lower() == "true"
    return answer


def related_artists(record: Mapping[str, Any], container: str, links: Links) -> list[dict[str, Any]]:
    # Members come as `members.name[]` (2020 dumps also repeat the ids in `members.id[]`).
    found = (related_artist(entry, links) for entry in mappings(record, container, "name"))
    return [entry for entry in found if entry is not None]


def artist(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """The ``/artists/{id}`` answer (no images: the dumps' image entries have no URLs)."""
    artist_id = record_id(record)
    name = field(record, "name")
    answer: dict[str, Any] = {
        "id": artist_id,
        "name": name,
        "resource_url": links.artist(artist_id),
        "uri": links.uri("artist", artist_id, name),
        "releases_url": links.artist_releases(artist_id),
        "profile": field(record, "profile"),
        "urls": texts(record, "urls", "url"),
        "namevariations": texts(record, "namevariations", "name"),
        "aliases": related_artists(record, "aliases", links),
        "members": related_artists(record, "members", links),
        "groups": related_artists(record, "groups", links),
        "data_quality": field(record, "data_quality"),
    }
    if has_text(record, "realname"):
        answer["realname"] = field(record, "realname")
    return answer


def artist_release(record: Mapping[str, Any], kind: str, links: Links, role: str) -> dict[str, Any]:
    """One item of ``/artists/{id}/releases``: ``record`` is a release (``kind`` "release") or a
    master (``kind`` "master") record; ``role`` is the artist's part in it ("Main", "Remix",
    "Appearance", "TrackAppearance"...), which the caller knows from where the artist is credited."""
    entity_id = record_id(record)
    answer: dict[str, Any] = {
        "id": entity_id,
        "type": kind,
        "title": field(record, "title"),
        "artist": artists_display(record),
        "role": role,
        "resource_url": links.resource_url(kind, entity_id),
    }
    if kind == "master":
        answer["main_release"] = integer(record.get("main_release"))
        answer["year"] = integer(record.get("year"))
        return answer
    answer["year"] = year_of(field(record, "released"))
    answer["status"] = field(record, "status")
    answer["format"] = format_line(record)
    answer["label"] = ", ".join(label_names(record))
    return answer


def search_result(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """A ``/database/search`` result of type "artist"."""
    artist_id = record_id(record)
    name = field(record, "name")
    return {
        "id": artist_id,
        "type": "artist",
        "title": name,
        "uri": links.web_path("artist", artist_id, name),
        "resource_url": links.artist(artist_id),
        "master_id": None,
        "master_url": None,
    }
