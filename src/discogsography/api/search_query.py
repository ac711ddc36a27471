"""`/database/search` as SQL: for each kind a search can return, its condition and parameters.

Pure: psycopg ``sql`` composition, values always as parameters. Each filter is served by an
index the tables have (ddl.sql, migrations 2 and 6; migration 7 enlarges the sample the planner
estimates names and titles from): names and titles by the trigram indexes
(each word matched anywhere, case-insensitively; a filter with no word of three characters
matches the whole name or title, which the trigram index serves too), genres and styles by their GIN indexes,
country, format, catalogue number and barcode by expression indexes, year by its btree. A
filter a kind does not have (a barcode on an artist) leaves that kind out of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from discogsography.api.list_query import IdList
from discogsography.api.request_params import SearchRequest, TextFilter

# The order kinds come in when a search names no type (Discogs mixes them by relevance; this
# serves them one kind after another, each by id, so every page is a cheap index range).
KIND_ORDER = ("release", "master", "artist", "label")
TABLES = {"release": "releases", "master": "masters", "artist": "artists", "label": "labels"}
_NAME_COLUMN = {"release": "title", "master": "title", "artist": "name", "label": "name"}
# Which text filters match a kind's own name or title.
_OWN_TEXT = {
    "release": ("q", "title", "release_title"),
    "master": ("q", "title", "release_title"),
    "artist": ("q", "title", "artist"),
    "label": ("q", "title", "label"),
}
_EXACT = {
    "release": {"genre", "style", "country", "format", "catno", "barcode"},
    "master": {"genre", "style"},
}

_RELEASES_BY_ARTIST = sql.SQL(
    "t.id IN (SELECT ra.release_id FROM release_artists ra JOIN artists a ON a.id = ra.artist_id"
    " WHERE NOT ra.extra AND {})"
)
_MASTERS_BY_ARTIST = sql.SQL(
    "t.id IN (SELECT ma.master_id FROM master_artists ma JOIN artists a ON a.id = ma.artist_id WHERE {})"
)
_RELEASES_BY_LABEL = sql.SQL(
    "t.id IN (SELECT rl.release_id FROM release_labels rl JOIN labels l ON l.id = rl.label_id WHERE {})"
)
_EXACT_CONDITIONS = {
    "genre": sql.SQL("t.genres @> ARRAY[%s]::text[]"),
    "style": sql.SQL("t.styles @> ARRAY[%s]::text[]"),
    "country": sql.SQL("lower(t.country) = lower(%s)"),
    "format": sql.SQL("discogs_format_words(t.formats) @> ARRAY[lower(%s)]"),
    "catno": sql.SQL(
        "t.id IN (SELECT rl.release_id FROM release_labels rl"
        " WHERE discogs_code(rl.catno) = discogs_code(%s))"
    ),
    "barcode": sql.SQL("discogs_barcodes(t.data) @> ARRAY[discogs_code(%s)]"),
}
_IDS = sql.SQL("SELECT t.id FROM {} t WHERE {} ORDER BY t.id")


def literal(value: str) -> str:
    """``value`` as a LIKE pattern that matches only itself (any case with ILIKE)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(word: str) -> str:
    """``word`` anywhere, literally: LIKE's wildcards and escape character in it are escaped."""
    return f"%{literal(word)}%"


@dataclass(frozen=True, slots=True)
class KindSearch:
    """One kind's share of a search: its table, the condition and its parameters."""

    kind: str
    condition: sql.Composable
    params: tuple[Any, ...]

    def matches(self) -> IdList:
        """The ids of the kind's records that match, in id order."""
        table = TABLES[self.kind]
        return IdList(_IDS.format(sql.Identifier(table), self.condition), self.params, table)


def _words_match(column: sql.Composable, text: TextFilter) -> tuple[sql.Composable, list[str]]:
    condition = sql.SQL(" AND ").join(sql.SQL("{} ILIKE %s").format(column) for _ in text.words)
    if text.whole:
        return condition, [literal(word) for word in text.words]
    return condition, [like_pattern(word) for word in text.words]


def kind_search(request: SearchRequest, kind: str) -> KindSearch | None:
    """The condition for ``kind``, or None when a filter given is one this kind does not have."""
    exact = _EXACT.get(kind, set())
    if any(name not in exact for name in request.exact):
        return None
    if request.year is not None and kind not in ("release", "master"):
        return None
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    name_column = sql.SQL("t.{}").format(sql.Identifier(_NAME_COLUMN[kind]))
    for name, text in request.text.items():
        if name in _OWN_TEXT[kind]:
            condition, patterns = _words_match(name_column, text)
        elif name == "artist" and kind in ("release", "master"):
            inner, patterns = _words_match(sql.SQL("a.name"), text)
            condition = (_RELEASES_BY_ARTIST if kind == "release" else _MASTERS_BY_ARTIST).format(inner)
        elif name == "label" and kind == "release":
            inner, patterns = _words_match(sql.SQL("l.name"), text)
            condition = _RELEASES_BY_LABEL.format(inner)
        else:
            return None
        conditions.append(condition)
        params.extend(patterns)
    for name, value in request.exact.items():
        conditions.append(_EXACT_CONDITIONS[name])
        params.append(value)
    if request.year is not None:
        conditions.append(sql.SQL("t.year = %s"))
        params.append(request.year)
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
    return KindSearch(kind, where, tuple(params))


def kind_searches(request: SearchRequest) -> list[KindSearch]:
    """The kinds the request can return, in the order they are served."""
    kinds = (request.type,) if request.type else KIND_ORDER
    return [found for kind in kinds if (found := kind_search(request, kind)) is not None]
