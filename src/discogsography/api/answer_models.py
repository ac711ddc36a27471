"""Pydantic models of the answers (the mapping modules' output) and their JSON Schemas for the
OpenAPI document's ``components.schemas``.

Fields the mapping emits only where the dump has them are optional here; every field it emits is
declared (the tests check that a validated answer dumps back equal to itself, which an
undeclared field, being ignored, would break).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

REF_TEMPLATE = "#/components/schemas/{model}"


class _Answer(BaseModel):
    """Base of the answer models: fields not declared are ignored, as pydantic does by default."""


class ArtistCredit(_Answer):
    """An artist credited on a release, master or track ("" where the dump has nothing)."""

    name: str
    anv: str
    join: str
    role: str
    tracks: str
    id: int
    resource_url: str


class CatalogEntry(_Answer):
    """A label, series or company of a release."""

    name: str
    catno: str
    entity_type: str
    entity_type_name: str
    id: int
    resource_url: str


class ReleaseFormat(_Answer):
    name: str
    qty: str
    descriptions: list[str] | None = None
    text: str | None = None


class Identifier(_Answer):
    type: str
    value: str
    description: str | None = None


class Video(_Answer):
    uri: str
    title: str
    description: str
    duration: int
    embed: bool


class Track(_Answer):
    position: str
    type_: str
    title: str
    duration: str
    artists: list[ArtistCredit] | None = None
    extraartists: list[ArtistCredit] | None = None
    sub_tracks: list[Track] | None = None


class Release(_Answer):
    """``GET /releases/{id}``."""

    id: int
    status: str
    year: int
    resource_url: str
    uri: str
    artists: list[ArtistCredit]
    artists_sort: str
    labels: list[CatalogEntry]
    series: list[CatalogEntry]
    companies: list[CatalogEntry]
    formats: list[ReleaseFormat]
    data_quality: str
    format_quantity: int
    title: str
    country: str
    identifiers: list[Identifier]
    videos: list[Video]
    genres: list[str]
    styles: list[str]
    tracklist: list[Track]
    extraartists: list[ArtistCredit]
    master_id: int | None = None
    master_url: str | None = None
    released: str | None = None
    released_formatted: str | None = None
    notes: str | None = None


class Master(_Answer):
    """``GET /masters/{id}``."""

    id: int
    main_release: int
    main_release_url: str
    resource_url: str
    uri: str
    versions_url: str
    artists: list[ArtistCredit]
    genres: list[str]
    styles: list[str]
    year: int
    title: str
    data_quality: str
    videos: list[Video]
    tracklist: list[Track]
    notes: str | None = None


class MasterVersion(_Answer):
    """An item of ``GET /masters/{id}/versions``."""

    id: int
    label: str
    country: str
    title: str
    major_formats: list[str]
    format: str
    catno: str
    released: str
    status: str
    resource_url: str


class RelatedArtist(_Answer):
    """An alias, member or group of an artist."""

    id: int
    name: str
    resource_url: str
    active: bool | None = None


class Artist(_Answer):
    """``GET /artists/{id}``."""

    id: int
    name: str
    resource_url: str
    uri: str
    releases_url: str
    profile: str
    urls: list[str]
    namevariations: list[str]
    aliases: list[RelatedArtist]
    members: list[RelatedArtist]
    groups: list[RelatedArtist]
    data_quality: str
    realname: str | None = None


class ArtistRelease(_Answer):
    """An item of ``GET /artists/{id}/releases``: a release or a master."""

    id: int
    type: str
    title: str
    artist: str
    role: str
    resource_url: str
    year: int
    main_release: int | None = None
    status: str | None = None
    format: str | None = None
    label: str | None = None


class LabelReference(_Answer):
    """A sub-label or the parent label of a label."""

    id: int
    name: str
    resource_url: str


class Label(_Answer):
    """``GET /labels/{id}``."""

    id: int
    name: str
    resource_url: str
    uri: str
    releases_url: str
    contact_info: str
    profile: str
    data_quality: str
    urls: list[str]
    sublabels: list[LabelReference]
    parent_label: LabelReference | None = None


class LabelRelease(_Answer):
    """An item of ``GET /labels/{id}/releases``."""

    id: int
    status: str
    format: str
    catno: str
    resource_url: str
    title: str
    year: int
    artist: str


class SearchResult(_Answer):
    """An item of ``GET /database/search``, of any ``type`` (release, master, artist, label);
    ``uri`` is the web site's path there, and ``year`` a string."""

    id: int
    type: str
    title: str
    uri: str
    resource_url: str
    master_id: int | None = None
    master_url: str | None = None
    year: str | None = None
    country: str | None = None
    format: list[str] | None = None
    label: list[str] | None = None
    genre: list[str] | None = None
    style: list[str] | None = None
    barcode: list[str] | None = None
    catno: str | None = None
    format_quantity: int | None = None
    formats: list[ReleaseFormat] | None = None


class PaginationUrls(_Answer):
    first: str | None = None
    prev: str | None = None
    next: str | None = None
    last: str | None = None


class Pagination(_Answer):
    """The ``pagination`` object of every list answer."""

    page: int
    pages: int
    per_page: int
    items: int
    urls: PaginationUrls


class Message(_Answer):
    """An error answer: ``{"message": "Release not found."}``."""

    message: str


# The models the OpenAPI document names; the parts they use come along as their own components.
ANSWER_MODELS: tuple[type[BaseModel], ...] = (
    Release,
    Master,
    MasterVersion,
    Artist,
    ArtistRelease,
    Label,
    LabelRelease,
    SearchResult,
    Pagination,
    Message,
)


def component_schemas() -> dict[str, Any]:
    """JSON Schemas (draft 2020-12) of the answers, keyed by model name, referring to each other
    as ``#/components/schemas/Name``: OpenAPI 3.1's ``components.schemas``."""
    components: dict[str, Any] = {}
    for model in ANSWER_MODELS:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components
