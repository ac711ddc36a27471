"""A releases dump record as the API's ``/releases/{id}`` answer and as a search result."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from discogsography.api.answer_links import Links
from discogsography.api.answer_parts import (
    artists_sort,
    credits,
    first_label_field,
    format_quantity,
    format_words,
    full_title,
    label_names,
    master_id_of,
    release_formats,
    tracklist,
    videos,
)
from discogsography.api.record_values import (
    field,
    has_text,
    integer,
    mappings,
    record_id,
    texts,
    year_of,
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DUMP_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

# entity_type codes the API gives to a release's labels and series (companies carry their own).
_LABEL_ENTITY = ("1", "Label")
_SERIES_ENTITY = ("22", "Series")


def released_formatted(released: str) -> str:
    """The API's ``released_formatted``: "1999-03-00" -> "Mar 1999", "1999-03-15" ->
    "15 Mar 1999", "1999" -> "1999"; anything else as it is."""
    match = _DUMP_DATE.fullmatch(released.strip())
    if match is None:
        return released
    year, month, day = match.group(1), integer(match.group(2)), integer(match.group(3))
    if not 1 <= month <= 12:
        return year
    if day:
        return f"{day:02d} {_MONTHS[month - 1]} {year}"
    return f"{_MONTHS[month - 1]} {year}"


def catalog_entry(entry: Mapping[str, Any], links: Links, entity: tuple[str, str]) -> dict[str, Any]:
    """A label, series or company of a release, as the API lists them."""
    entity_id = integer(entry.get("id"))
    return {
        "name": field(entry, "name"),
        "catno": field(entry, "catno"),
        "entity_type": field(entry, "entity_type") or entity[0],
        "entity_type_name": field(entry, "entity_type_name") or entity[1],
        "id": entity_id,
        # The dump's company resource_url points at api.discogs.com; ours points here.
        "resource_url": links.label(entity_id) if entity_id else "",
    }


def identifier(entry: Mapping[str, Any]) -> dict[str, Any]:
    answer = {"type": field(entry, "type"), "value": field(entry, "value")}
    if has_text(entry, "description"):
        answer["description"] = field(entry, "description")
    return answer


def release(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """The full ``/releases/{id}`` answer of one release record.

    Leaves out what the dumps do not carry (community, images, thumb, prices, dates added and
    changed, estimated weight). ``notes``, ``released`` and the master's fields only where the
    record has them, as the API does.
    """
    release_id = record_id(record)
    released = field(record, "released")
    answer: dict[str, Any] = {
        "id": release_id,
        "status": field(record, "status"),
        "year": year_of(released),
        "resource_url": links.release(release_id),
        "uri": links.uri("release", release_id, full_title(record)),
        "artists": credits(record, "artists", links),
        "artists_sort": artists_sort(record),
        "labels": [catalog_entry(e, links, _LABEL_ENTITY) for e in mappings(record, "labels", "label")],
        "series": [catalog_entry(e, links, _SERIES_ENTITY) for e in mappings(record, "series", "series")],
        "companies": [catalog_entry(e, links, ("", "")) for e in mappings(record, "companies", "company")],
        "formats": release_formats(record),
        "data_quality": field(record, "data_quality"),
        "format_quantity": format_quantity(record),
        "title": field(record, "title"),
        "country": field(record, "country"),
        "identifiers": [identifier(e) for e in mappings(record, "identifiers", "identifier")],
        "videos": videos(record),
        "genres": texts(record, "genres", "genre"),
        "styles": texts(record, "styles", "style"),
        "tracklist": tracklist(record, links),
        "extraartists": credits(record, "extraartists", links),
    }
    master_id = master_id_of(record)
    if master_id:
        answer["master_id"] = master_id
        answer["master_url"] = links.master(master_id)
    if released:
        answer["released"] = released
        answer["released_formatted"] = released_formatted(released)
    if has_text(record, "notes"):
        answer["notes"] = field(record, "notes")
    return answer


def search_result(record: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """A ``/database/search`` result of type "release". ``year`` is a string there, and absent
    where unknown; ``master_id`` is 0 with a null ``master_url`` for a release without master."""
    release_id = record_id(record)
    title = full_title(record)
    master_id = master_id_of(record)
    answer: dict[str, Any] = {
        "id": release_id,
        "type": "release",
        "title": title,
        "uri": links.web_path("release", release_id, title),
        "resource_url": links.release(release_id),
        "country": field(record, "country"),
        "format": format_words(record),
        "label": label_names(record),
        "genre": texts(record, "genres", "genre"),
        "style": texts(record, "styles", "style"),
        "barcode": [
            field(entry, "value")
            for entry in mappings(record, "identifiers", "identifier")
            if field(entry, "type") == "Barcode"
        ],
        "catno": first_label_field(record, "catno"),
        "master_id": master_id,
        "master_url": links.master(master_id) if master_id else None,
        "format_quantity": format_quantity(record),
        "formats": release_formats(record),
    }
    year = year_of(field(record, "released"))
    if year:
        answer["year"] = str(year)
    return answer
