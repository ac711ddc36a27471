"""Pieces several answers share: artist credits, videos, tracklists, formats, display titles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from discogsography.api.answer_links import Links
from discogsography.api.record_values import field, integer, mappings, text, texts

# Discogs tells same-named artists apart with " (2)", " (3)"...; displayed titles leave it out.
_NAME_NUMBER = re.compile(r"\s\(\d+\)$")


def credit(artist: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """An artist credit (release or master artists, extraartists, a track's credits).

    Empty and absent fields are "" as the API gives them; a credit without an id (2025+ dumps
    have a few) gets id 0 and no resource URL rather than being dropped, so the list keeps its
    order and length.
    """
    # The hottest function of a release's answer (a dozen credits each): plain strings, the
    # common case, are taken as they are without a call.
    get = artist.get
    artist_id = integer(get("id"))
    name, anv, join, role, tracks = get("name"), get("anv"), get("join"), get("role"), get("tracks")
    return {
        "name": name if name.__class__ is str else text(name),
        "anv": anv if anv.__class__ is str else text(anv),
        "join": join if join.__class__ is str else text(join),
        "role": role if role.__class__ is str else text(role),
        "tracks": tracks if tracks.__class__ is str else text(tracks),
        "id": artist_id,
        "resource_url": links.artist(artist_id) if artist_id else "",
    }


def credits(record: Mapping[str, Any] | None, container: str, links: Links) -> list[dict[str, Any]]:
    """The credits under ``container`` ("artists" or "extraartists"), in dump order."""
    return [credit(artist, links) for artist in mappings(record, container, "artist")]


def display_name(name: str) -> str:
    """A name as titles show it: without the " (2)" that tells same-named artists apart."""
    return _NAME_NUMBER.sub("", name)


def artists_display(record: Mapping[str, Any] | None, *, use_anv: bool = True) -> str:
    """The credited artists as one line, joined by their join words: "A & B", "A, B"."""
    line = ""
    artists = mappings(record, "artists", "artist")
    for position, artist in enumerate(artists):
        shown = field(artist, "anv") if use_anv else ""
        line += shown or display_name(field(artist, "name"))
        join = field(artist, "join").strip()
        if position < len(artists) - 1:
            line += ", " if join in {"", ","} else f" {join} "
    return line


def artists_sort(record: Mapping[str, Any] | None) -> str:
    """The API's ``artists_sort``: the artists' names (not their variations) with joins."""
    return artists_display(record, use_anv=False)


def full_title(record: Mapping[str, Any]) -> str:
    """ "Artist - Title", as search results and the web site's slugs use it."""
    artists = artists_display(record)
    title = field(record, "title")
    return f"{artists} - {title}" if artists else title


def video(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A video: the dump's ``src`` is the API's ``uri``; duration int, embed bool."""
    return {
        "uri": field(entry, "src"),
        "title": field(entry, "title"),
        "description": field(entry, "description"),
        "duration": integer(entry.get("duration")),
        "embed": field(entry, "embed").strip().lower() == "true",
    }


def videos(record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [video(entry) for entry in mappings(record, "videos", "video")]


def track_type(track: Mapping[str, Any]) -> str:
    """The API's ``type_``: the dumps do not say it, the shape does."""
    return _type_of(
        field(track, "position"), field(track, "duration"), bool(mappings(track, "sub_tracks", "track"))
    )


def _type_of(position: str, duration: str, has_sub_tracks: bool) -> str:
    # An index track holds sub-tracks; a heading has neither position nor duration.
    if has_sub_tracks:
        return "index"
    if not position.strip() and not duration.strip():
        return "heading"
    return "track"


def track(entry: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """One tracklist entry; artists, extraartists and sub_tracks only where the dump has them."""
    get = entry.get
    position, duration = text(get("position")), text(get("duration"))
    sub_tracks = mappings(entry, "sub_tracks", "track") if "sub_tracks" in entry else []
    answer: dict[str, Any] = {
        "position": position,
        "type_": _type_of(position, duration, bool(sub_tracks)),
        "title": text(get("title")),
        "duration": duration,
    }
    for container in ("artists", "extraartists"):
        if container in entry:  # most tracks have neither: no call for them
            found = credits(entry, container, links)
            if found:
                answer[container] = found
    if sub_tracks:
        answer["sub_tracks"] = [track(sub_track, links) for sub_track in sub_tracks]
    return answer


def tracklist(record: Mapping[str, Any] | None, links: Links) -> list[dict[str, Any]]:
    return [track(entry, links) for entry in mappings(record, "tracklist", "track")]


def release_format(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A format; ``descriptions`` and ``text`` only where the dump has them, as the API does."""
    answer: dict[str, Any] = {"name": field(entry, "name"), "qty": field(entry, "qty")}
    descriptions = texts(entry, "descriptions", "description")
    if descriptions:
        answer["descriptions"] = descriptions
    if field(entry, "text"):
        answer["text"] = field(entry, "text")
    return answer


def release_formats(record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [release_format(entry) for entry in mappings(record, "formats", "format")]


def format_quantity(record: Mapping[str, Any] | None) -> int:
    """The number of items of all formats together (the API's ``format_quantity``)."""
    return sum(integer(entry.get("qty")) for entry in mappings(record, "formats", "format"))


def format_words(record: Mapping[str, Any] | None) -> list[str]:
    """Each format's name, descriptions and free text in order: the search result's ``format``."""
    words: list[str] = []
    for entry in mappings(record, "formats", "format"):
        words += [field(entry, "name"), *texts(entry, "descriptions", "description"), field(entry, "text")]
    return [word for word in words if word]


def format_line(record: Mapping[str, Any] | None) -> str:
    """Formats as artist and label release lists show them: "2xVinyl, 12\", Album + CD"."""
    parts = []
    for entry in mappings(record, "formats", "format"):
        quantity = integer(entry.get("qty"))
        name = field(entry, "name")
        head = f"{quantity}x{name}" if quantity > 1 else name
        words = [head, *texts(entry, "descriptions", "description"), field(entry, "text")]
        parts.append(", ".join(word for word in words if word))
    return " + ".join(part for part in parts if part)


def description_line(record: Mapping[str, Any] | None) -> str:
    """Formats as master versions show them: descriptions and free text only ("12\", W/Lbl")."""
    words: list[str] = []
    for entry in mappings(record, "formats", "format"):
        words += [*texts(entry, "descriptions", "description"), field(entry, "text")]
    return ", ".join(word for word in words if word)


def label_names(record: Mapping[str, Any] | None) -> list[str]:
    return [field(label, "name") for label in mappings(record, "labels", "label")]


def first_label_field(record: Mapping[str, Any] | None, key: str) -> str:
    labels = mappings(record, "labels", "label")
    return field(labels[0], key) if labels else ""


def master_id_of(release: Mapping[str, Any]) -> int:
    """The master of a release (``master_id`` is ``{"#text": id, "is_main_release": ...}``); 0 if none."""
    return integer(text(release.get("master_id")))
