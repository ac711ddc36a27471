"""One parsed release record -> the rows of the cache tables (pure; see csv_tables.py for the columns).

Choices (documented in docs/cache.md); fields are read by the rules of discogsography.fields,
shared with the tableinator:
- release_year is the year "released" starts with ("1999-03-00" -> 1999); 0, "19990" or none -> NULL.
- master_id is the id in the text of <master_id>; 0 or absent -> NULL. Dumps carry no image URLs,
  so artwork_url is always NULL (left for consumers that call the Discogs API).
- release_artist: <artists> with extra=0, <extraartists> with extra=1, names as credited in
  the dump (with any Discogs " (N)" suffix), in dump order, duplicates kept.
- release_track: every <track> of the tracklist in document order, numbered from 1; a track with
  <sub_tracks> yields its own row followed by one row per sub-track. Position, title and duration
  are text exactly as in the dump.
- release_track_artist: the <artists> of each track (main credits only).
- release.title and release_track.title are NOT NULL in the contract: a missing title is "" (the
  row is kept).
- Text fields have CR/LF replaced by a space: a cache row is one line, and the fix-newlines step
  applies the same function to CSVs made by other tools.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from discogsography.fields import items, text, text_id, year

Row = tuple[object, ...]


@dataclass
class ReleaseRows:
    release: Row
    artists: list[Row] = field(default_factory=list)
    labels: list[Row] = field(default_factory=list)
    tracks: list[Row] = field(default_factory=list)
    track_artists: list[Row] = field(default_factory=list)

    def main_artist_names(self) -> list[str]:
        return [str(row[1]) for row in self.artists if row[2] == 0]


def one_line(text: str | None) -> str | None:
    """CR/LF (and CRLF) inside a field become one space; None and "" stay NULL-ish."""
    if not text:
        return None
    if "\n" in text or "\r" in text:
        text = " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return text


def _text(value: object) -> str | None:
    # A plain string, the common case, skips a call: one_line gives "" the None text() gives it.
    return one_line(value) if isinstance(value, str) else one_line(text(value))


def _flatten_tracks(tracklist: object) -> Iterator[Mapping[str, Any]]:
    for track in items(tracklist, "track"):
        if not isinstance(track, dict):
            continue
        yield track
        yield from _flatten_tracks(track.get("sub_tracks"))


def release_rows(record: Mapping[str, Any]) -> ReleaseRows:
    """The rows one release contributes; raises nothing for missing or odd fields."""
    release_id = int(record["id"])
    out = ReleaseRows(
        release=(
            release_id,
            _text(record.get("title")) or "",
            year(record.get("released")),
            _text(record.get("country")),
            None,
            text_id(record.get("master_id")),
        )
    )
    for container, extra in (("artists", 0), ("extraartists", 1)):
        for artist in items(record.get(container), "artist"):
            name = _text(artist.get("name")) if isinstance(artist, dict) else None
            if name:
                out.artists.append((release_id, name, extra))
    for label in items(record.get("labels"), "label"):
        if isinstance(label, dict):
            name = _text(label.get("name"))
            if name:
                out.labels.append((release_id, name, _text(label.get("catno"))))
    for sequence, track in enumerate(_flatten_tracks(record.get("tracklist")), start=1):
        out.tracks.append(
            (
                release_id,
                sequence,
                _text(track.get("position")),
                _text(track.get("title")) or "",
                _text(track.get("duration")),
            )
        )
        for artist in items(track.get("artists"), "artist"):
            name = _text(artist.get("name")) if isinstance(artist, dict) else None
            if name:
                out.track_artists.append((release_id, sequence, name))
    return out


def main_artist_names(record: Mapping[str, Any]) -> list[str]:
    """The names of <artists> (not extraartists): what the library filter looks at."""
    names = (
        text(artist.get("name"))
        for artist in items(record.get("artists"), "artist")
        if isinstance(artist, dict)
    )
    return [name for name in names if name is not None]


def credit_line(record: Mapping[str, Any]) -> str | None:
    """The main artists as one credit, with their joins: "Simon & Garfunkel"-style library entries."""
    parts: list[str] = []
    artists = items(record.get("artists"), "artist")
    if len(artists) < 2:
        return None
    for artist in artists:
        name = text(artist.get("name")) if isinstance(artist, dict) else None
        if name is None:
            return None
        parts.append(name)
        join = text(artist.get("join"))
        if join and join.strip() and join.strip() != ",":
            parts.append(join.strip())
        elif artist is not artists[-1]:
            parts.append(",")
    return " ".join(parts).replace(" ,", ",")
