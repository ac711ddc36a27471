"""The OpenAPI 3.1 document `serve` publishes at /openapi.json: every route, parameter and answer.

The answers' schemas come from answer_models.py, the models the answer modules are tested
against, so the document cannot describe a shape the server does not give.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from discogsography import __version__
from discogsography.api.answer_models import component_schemas
from discogsography.api.paging import MAX_PER_PAGE
from discogsography.api.request_params import EXACT_FILTERS, MAX_VALUE_LENGTH, SEARCH_TYPES, TEXT_FILTERS

_KINDS = {"release": "Release", "master": "Master", "artist": "Artist", "label": "Label"}
_FILTER_HELP = {
    "q": "Words matched anywhere in titles (releases, masters) or names (artists, labels).",
    "title": "Words matched in titles or names.",
    "release_title": "Words matched in release and master titles.",
    "artist": "Words matched in the names of a release's or master's artists, or an artist's name.",
    "label": "Words matched in the names of a release's labels, or a label's name.",
    "genre": "A genre, exactly as Discogs writes it (Electronic).",
    "style": "A style, exactly as Discogs writes it (Deep House).",
    "country": "A country, any case.",
    "format": "A format name or description, any case (Vinyl, LP, CD).",
    "catno": "A catalogue number; only letters and digits are compared (SK 032 finds SK032).",
    "barcode": "A barcode; only letters and digits are compared.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {
        400: "A parameter the API cannot use.",
        404: "Not found.",
        503: "The database is unavailable or the query took too long.",
    }
    return {str(status): _json(_ref("Message"), words[status]) for status in statuses}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_PAGE = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "default": 50},
        "description": f"Items a page; more than {MAX_PER_PAGE} is served as {MAX_PER_PAGE}.",
    },
]


def _record(kind: str) -> dict[str, Any]:
    name = _KINDS[kind]
    ok = _json(_ref(name), f"The {kind}.")
    ok["headers"] = {
        "ETag": {"schema": {"type": "string"}, "description": "The record's sha256."},
        "Last-Modified": {"schema": {"type": "string"}, "description": "When the tables last stored it."},
    }
    return {
        "get": {
            "summary": f"One {kind} by id",
            "operationId": f"get_{kind}",
            "parameters": [_ID],
            "responses": {
                "200": ok,
                "304": {"description": "The client's copy is current."},
                **_errors(404, 503),
            },
        }
    }


def _list(what: str, key: str, item: str) -> dict[str, Any]:
    answer = {
        "type": "object",
        "required": ["pagination", key],
        "properties": {"pagination": _ref("Pagination"), key: {"type": "array", "items": _ref(item)}},
    }
    return {
        "get": {
            "summary": what,
            "operationId": what.lower().replace(" ", "_").replace("'", ""),
            "parameters": [_ID, *_PAGE],
            "responses": {"200": _json(answer, what), **_errors(400, 404, 503)},
        }
    }


def _search() -> dict[str, Any]:
    text = {"type": "string", "maxLength": MAX_VALUE_LENGTH}
    parameters: list[dict[str, Any]] = [
        {"name": "type", "in": "query", "schema": {"type": "string", "enum": list(SEARCH_TYPES)}},
        *(
            {"name": name, "in": "query", "schema": text, "description": _FILTER_HELP[name]}
            for name in TEXT_FILTERS
        ),
        *(
            {"name": name, "in": "query", "schema": text, "description": _FILTER_HELP[name]}
            for name in EXACT_FILTERS
        ),
        {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 9999}},
        *_PAGE,
    ]
    answer = {
        "type": "object",
        "required": ["pagination", "results"],
        "properties": {
            "pagination": _ref("Pagination"),
            "results": {"type": "array", "items": _ref("SearchResult")},
        },
    }
    return {
        "get": {
            "summary": "Search releases, masters, artists and labels",
            "operationId": "search",
            "parameters": parameters,
            "responses": {"200": _json(answer, "A page of results."), **_errors(400, 503)},
        }
    }


@cache
def document(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "discogsography: the local Discogs API",
            "version": __version__,
            "description": "The Discogs data dumps in the Discogs API's shapes (docs/api.md), read-only.",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/releases/{id}": _record("release"),
            "/masters/{id}": _record("master"),
            "/masters/{id}/versions": _list("A master's versions", "versions", "MasterVersion"),
            "/artists/{id}": _record("artist"),
            "/artists/{id}/releases": _list("An artist's releases", "releases", "ArtistRelease"),
            "/labels/{id}": _record("label"),
            "/labels/{id}/releases": _list("A label's releases", "releases", "LabelRelease"),
            "/database/search": _search(),
        },
        "components": {"schemas": component_schemas()},
    }
