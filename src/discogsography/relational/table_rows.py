"""Record to table rows: pure functions, one per kind (docs/schema.md).

A record (the parser's dict, "sha256" included) becomes one row of its kind's table plus the
rows of its link tables, each in the column order of ddl.sql (tables.TABLES). Typed columns
are read by the rules of discogsography.fields, shared with the cache builder: a missing,
empty or oddly shaped field gives NULL, never an error, because ``data`` keeps the whole
record anyway. Only a record whose own id cannot be stored is refused (RowError). Empty lists
become NULL arrays, so that ``array_length(aliases, 1)`` and ``IS NOT NULL`` agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from discogsography.errors import DiscogsographyError
from discogsography.fields import BIGINT_MAX, items, member_ids, nested_id, text, text_id, to_id, year
from discogsography.kinds import Kind

Row = tuple[Any, ...]


class RowError(DiscogsographyError):
    """A record that can never be stored (its id does not fit the table)."""


@dataclass(slots=True)
class RecordRows:
    id: int
    hash: str
    row: Row
    links: dict[str, list[Row]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Removal:
    """A record absent from the newest version: its row and link rows are deleted."""

    id: int


def removals(ids: Iterable[int]) -> list[Removal]:
    """Removals of these ids; RowError for an id no table can hold (nothing to delete)."""
    found = []
    for record_id in ids:
        if not -BIGINT_MAX - 1 <= record_id <= BIGINT_MAX:
            raise RowError(f"id {record_id} does not fit bigint")
        found.append(Removal(record_id))
    return found


# --- field readers (the rules are in discogsography.fields) ---------------------------------


def texts(values: Iterable[Any]) -> list[str] | None:
    """The texts of a list of elements, NULL when there are none."""
    found = [t for t in (text(value) for value in values) if t]
    return found or None


def record_id(record: dict[str, Any]) -> int:
    value = record.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= BIGINT_MAX:
        raise RowError(f"record id {value!r} is not an integer that fits a bigint")
    return value


def record_hash(record: dict[str, Any]) -> str:
    value = record.get("sha256")
    if not isinstance(value, str) or not value:
        raise RowError(f"record {record.get('id')!r} has no sha256")
    return value


def record_data(record: dict[str, Any]) -> bytes:
    """The whole record as JSON text, for the ``data`` jsonb column."""
    return orjson.dumps(record)


# --- per kind ------------------------------------------------------------------------------


def label_rows(record: dict[str, Any], data: bytes) -> RecordRows:
    rid, digest = record_id(record), record_hash(record)
    row = (
        rid,
        text(record.get("name")),
        text(record.get("profile")),
        texts(items(record.get("urls"), "url")),
        nested_id(record.get("parentLabel")),
        data,
        digest,
    )
    return RecordRows(rid, digest, row)


def artist_rows(record: dict[str, Any], data: bytes) -> RecordRows:
    rid, digest = record_id(record), record_hash(record)
    aliases = items(record.get("aliases"), "name")
    row = (
        rid,
        text(record.get("name")),
        text(record.get("realname")),
        text(record.get("profile")),
        texts(items(record.get("urls"), "url")),
        texts(aliases),
        data,
        digest,
    )
    alias_rows = [(rid, pos, nested_id(alias), text(alias)) for pos, alias in enumerate(aliases) if alias]
    members = record.get("members")
    named = items(members, "name")
    if named:
        ids = member_ids(named, items(members, "id"))
        member_rows = [(rid, pos, ids[pos], text(m)) for pos, m in enumerate(named) if m]
    else:  # only bare <id> elements: ids without names
        member_rows = [(rid, pos, to_id(m), None) for pos, m in enumerate(items(members, "id")) if m]
    return RecordRows(rid, digest, row, {"artist_aliases": alias_rows, "artist_members": member_rows})


def release_rows(record: dict[str, Any], data: bytes) -> RecordRows:
    rid, digest = record_id(record), record_hash(record)
    row = (
        rid,
        text(record.get("title")),
        year(record.get("released")),
        text(record.get("country")),
        texts(items(record.get("genres"), "genre")),
        texts(items(record.get("styles"), "style")),
        text_id(record.get("master_id")),
        data,
        digest,
    )
    label_links = [
        (rid, pos, nested_id(label), text(label.get("name")), text(label.get("catno")))
        for pos, label in enumerate(items(record.get("labels"), "label"))
        if isinstance(label, dict)
    ]
    artist_links = _credit_rows(rid, items(record.get("artists"), "artist"), extra=False)
    artist_links += _credit_rows(rid, items(record.get("extraartists"), "artist"), extra=True)
    return RecordRows(rid, digest, row, {"release_labels": label_links, "release_artists": artist_links})


def _credit_rows(rid: int, credits: list[Any], *, extra: bool) -> list[Row]:
    return [
        (
            rid,
            extra,
            pos,
            nested_id(credit),
            text(credit.get("name")),
            text(credit.get("anv")),
            text(credit.get("role")),
            text(credit.get("tracks")),
        )
        for pos, credit in enumerate(credits)
        if isinstance(credit, dict)
    ]


def master_rows(record: dict[str, Any], data: bytes) -> RecordRows:
    rid, digest = record_id(record), record_hash(record)
    row = (
        rid,
        text(record.get("title")),
        year(record.get("year")),
        texts(items(record.get("genres"), "genre")),
        texts(items(record.get("styles"), "style")),
        text_id(record.get("main_release")),
        data,
        digest,
    )
    artist_links = [
        (
            rid,
            pos,
            nested_id(credit),
            text(credit.get("name")),
            text(credit.get("anv")),
            text(credit.get("role")),
        )
        for pos, credit in enumerate(items(record.get("artists"), "artist"))
        if isinstance(credit, dict)
    ]
    return RecordRows(rid, digest, row, {"master_artists": artist_links})


ROW_BUILDERS: dict[Kind, Callable[[dict[str, Any], bytes], RecordRows]] = {
    Kind.LABELS: label_rows,
    Kind.ARTISTS: artist_rows,
    Kind.RELEASES: release_rows,
    Kind.MASTERS: master_rows,
}


def build_rows(kind: Kind, record: dict[str, Any]) -> RecordRows:
    """The rows of a record given as a dict (its data is its JSON)."""
    return ROW_BUILDERS[kind](record, record_data(record))


# The top-level fields each kind's rows read; the rest of a record is only stored, in data.
READ_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.LABELS: ("name", "profile", "urls", "parentLabel"),
    Kind.ARTISTS: ("name", "realname", "profile", "urls", "aliases", "members"),
    Kind.RELEASES: (
        "title",
        "released",
        "country",
        "genres",
        "styles",
        "master_id",
        "labels",
        "artists",
        "extraartists",
    ),
    Kind.MASTERS: ("title", "year", "genres", "styles", "main_release", "artists"),
}
_FIELD_DECODERS = {
    kind: msgspec.json.Decoder(
        msgspec.defstruct(
            f"{kind.value.title()}Fields", [(name, Any, None) for name in ("id", "sha256", *fields)]
        )
    )
    for kind, fields in READ_FIELDS.items()
}


def rows_from_json(kind: Kind, raw: bytes) -> RecordRows:
    """The rows of a record given as its JSON text, which becomes ``data`` as it is.

    Only the fields in READ_FIELDS are decoded (the tracklist, images, notes... are skipped
    unparsed), which is what makes this several times cheaper than decoding the record.
    """
    try:
        fields = _FIELD_DECODERS[kind].decode(raw)
    except msgspec.ValidationError:
        raise RowError("record is not a JSON object") from None
    except msgspec.DecodeError as exc:
        raise RowError(f"record is not JSON: {exc}") from None
    try:
        raw.decode()  # PostgreSQL would refuse the whole batch
    except UnicodeDecodeError as exc:
        raise RowError(f"record is not valid UTF-8: {exc}") from None
    record = msgspec.structs.asdict(fields)
    record_id = record["id"]
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        raise RowError("record without an integer id")
    if not isinstance(record["sha256"], str):
        raise RowError(f"record {record_id} without a sha256")
    return ROW_BUILDERS[kind](record, raw)
