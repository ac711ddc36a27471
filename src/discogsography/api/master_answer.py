"""A masters dump record as ``/masters/{id}``, a release as an item of ``/masters/{id}/versions``,
and a master as a search result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from discogsography.api.answer_links import Links
from discogsography.api.answer_parts import (
    credits,
    description_line,
    first_label_field,
    full_title,
    tracklist,
    videos,
)
from discogsography.api.record_values import field, has_text, integer, mappings, record_id, texts


def master(record: Mapping[str, Any], links: Links, main_release: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``/masters/{id}`` answer. The masters dump has no tracklist: the API's is the main
    release's, so it is taken from ``main_release`` when the caller has it (else [])."""
    master_id = record_id(record)
    main_release_id = integer(record.get("main_release"))
    answer: dict[str, Any] = {
        "id": master_id,
        "main_release": main_release_id,
        "main_release_url": links.release(main_release_id),
        "resource_url": links.master(master_id),
        "uri": links.uri("master", master_id, full_title(record)),
        "versions_url": links.master_versions(master_id),
        "artists": credits(record, "artists", links),
        "genres": texts(record, "genres", "genre"),
        "styles": texts(record, "styles", "style"),
        "year": integer(record.get("year")),
        "title": field(record, "title"),
        "data_quality": field(record, "data_quality"),
        "videos": videos(record),
        "tracklist": tracklist(main_release, links) if main_release is not None else [],
    }
    if has_text(record, "notes"):
        answer["notes"] = field(record, "notes")
    return answer


def version(release_record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """One item of ``/masters/{id}/versions``: a release of the master, in brief."""
    release_id = record_id(release_record)
    format_names = [field(entry, "name") for entry in mappings(release_record, "formats", "format")]
    return {
        "id": release_id,
        "label": first_label_field(release_record, "name"),
        "country": field(release_record, "country"),
        "title": field(release_record, "title"),
        # Each format name once, in order: "Vinyl", "CD"...
        "major_formats": [
            name for n, name in enumerate(format_names) if name and name not in format_names[:n]
        ],
        "format": description_line(release_record),
        "catno": first_label_field(release_record, "catno"),
        "released": field(release_record, "released"),
        "status": field(release_record, "status"),
        "resource_url": links.release(release_id),
    }


def search_result(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """A ``/database/search`` result of type "master" (what the masters dump alone can give)."""
    master_id = record_id(record)
    title = full_title(record)
    answer: dict[str, Any] = {
        "id": master_id,
        "type": "master",
        "title": title,
        "uri": links.web_path("master", master_id, title),
        "resource_url": links.master(master_id),
        "genre": texts(record, "genres", "genre"),
        "style": texts(record, "styles", "style"),
        "master_id": master_id,
        "master_url": links.master(master_id),
    }
    year = integer(record.get("year"))
    if year:
        answer["year"] = str(year)
    return answer
