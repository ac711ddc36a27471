"""A labels dump record as ``/labels/{id}`` and as a search result; a release as an item of
``/labels/{id}/releases``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from discogsography.api.answer_links import Links
from discogsography.api.answer_parts import artists_display, format_line
from discogsography.api.record_values import field, integer, mappings, record_id, texts, year_of


def label_reference(entry: Any, links: Links) -> dict[str, Any] | None:
    """A sub-label or parent label (``{"id": "N", "#text": "Name"}``). None for the older dumps'
    bare names and empty entries: without an id there is nothing to link to."""
    if not isinstance(entry, dict):
        return None
    label_id = integer(entry.get("id"))
    if not label_id:
        return None
    return {"id": label_id, "name": field(entry, "#text"), "resource_url": links.label(label_id)}


def label(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """The ``/labels/{id}`` answer (no images: the dumps' image entries have no URLs)."""
    label_id = record_id(record)
    name = field(record, "name")
    sublabels = (label_reference(entry, links) for entry in mappings(record, "sublabels", "label"))
    answer: dict[str, Any] = {
        "id": label_id,
        "name": name,
        "resource_url": links.label(label_id),
        "uri": links.uri("label", label_id, name),
        "releases_url": links.label_releases(label_id),
        "contact_info": field(record, "contactinfo"),
        "profile": field(record, "profile"),
        "data_quality": field(record, "data_quality"),
        "urls": texts(record, "urls", "url"),
        "sublabels": [entry for entry in sublabels if entry is not None],
    }
    parent = label_reference(record.get("parentLabel"), links)
    if parent is not None:
        answer["parent_label"] = parent
    return answer


def label_release(release_record: Mapping[str, Any], links: Links, label_id: int) -> dict[str, Any]:
    """One item of ``/labels/{id}/releases``; ``catno`` is the one this label gave the release
    (the first, where it appears twice), "" if it is not among the release's labels."""
    release_id = record_id(release_record)
    numbers = [
        field(entry, "catno")
        for entry in mappings(release_record, "labels", "label")
        if integer(entry.get("id")) == label_id
    ]
    return {
        "id": release_id,
        "status": field(release_record, "status"),
        "format": format_line(release_record),
        "catno": numbers[0] if numbers else "",
        "resource_url": links.release(release_id),
        "title": field(release_record, "title"),
        "year": year_of(field(release_record, "released")),
        "artist": artists_display(release_record),
    }


def search_result(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """A ``/database/search`` result of type "label"."""
    label_id = record_id(record)
    name = field(record, "name")
    return {
        "id": label_id,
        "type": "label",
        "title": name,
        "uri": links.web_path("label", label_id, name),
        "resource_url": links.label(label_id),
        "master_id": None,
        "master_url": None,
    }
