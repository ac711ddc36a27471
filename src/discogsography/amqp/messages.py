"""The message envelopes on the wire: the one place that defines them (docs/messages.md).

Three bodies travel on routing key ``discogsography.<kind>``, all JSON objects, UTF-8:

- a record message: the record itself, exactly the parser's JSON line (``id``, ``sha256`` and
  the record's fields). AMQP ``type`` property "record". Records never carry a top-level
  ``type`` key, so a body without one is a record.
- a batch message: ``{"type": "records", "data_type": KIND, "count": N, "records": [record, ...]}``.
  AMQP ``type`` property "records".
- a file-complete message: ``{"type": "file_complete", "data_type": KIND, "timestamp": ISO-8601,
  "total_processed": N, "file": NAME, "version": V, "mode": "full"|"incremental",
  "base_version": B|null, "new": N, "changed": N, "unchanged": N, "removed": N}``. AMQP ``type``
  property "file_complete".

An incremental version (only what changed since the base version's index, docs/record-index.md) adds
``"version"`` and ``"base_version"`` to every batch envelope (a single record is sent as a batch
of one, since a record body cannot carry them), and sends removed ids as deletion messages:
``{"type": "deletions", "data_type": KIND, "version": V, "base_version": B, "count": N,
"ids": [id, ...]}``. AMQP ``type`` property "deletions".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import orjson

from discogsography.kinds import Kind

RECORD_TYPE = "record"
BATCH_TYPE = "records"
FILE_COMPLETE_TYPE = "file_complete"
DELETIONS_TYPE = "deletions"
FULL_MODE = "full"
INCREMENTAL_MODE = "incremental"
CONTENT_TYPE = "application/json"


class MessageError(ValueError):
    """A body that is not one of the envelopes above; the reason says why."""


@dataclass(frozen=True, slots=True)
class Increment:
    """What an incremental message applies to: the base version's rows, to reach ``version``."""

    version: str
    base_version: str


@dataclass(frozen=True, slots=True)
class ChangeCounts:
    """Records of a file against the base version's index (full mode: every record is new)."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass(frozen=True, slots=True)
class FileComplete:
    data_type: Kind
    timestamp: str
    total_processed: int
    file: str
    version: str | None = None  # None from an extractor that predates versions
    mode: str = FULL_MODE
    increment: Increment | None = None  # set in incremental mode
    counts: ChangeCounts = ChangeCounts()


@dataclass(frozen=True, slots=True)
class Deletions:
    """Ids absent from ``increment.version``: their rows and link rows are removed."""

    data_type: Kind
    ids: list[int]
    increment: Increment


@dataclass(frozen=True, slots=True)
class RecordBatch:
    data_type: Kind | None  # None for a single record message (the routing key tells the kind)
    records: list[dict[str, Any]]
    increment: Increment | None = None


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Records left as the JSON text they came in, one bytes object each (see ``decode_raw``)."""

    data_type: Kind | None
    records: list[bytes]
    increment: Increment | None = None


Message = FileComplete | RecordBatch | Deletions


class _Head(msgspec.Struct):
    type: Any = None  # only the envelope's type is read; the rest is skipped unparsed


class _Batch(msgspec.Struct):
    records: list[msgspec.Raw]
    data_type: Any = None
    version: Any = None
    base_version: Any = None


_HEAD = msgspec.json.Decoder(_Head)
_BATCH = msgspec.json.Decoder(_Batch)


def encode_records(
    kind: Kind, record_lines: Sequence[bytes], increment: Increment | None = None
) -> tuple[str, bytes]:
    """(AMQP type, body) for records given as the parser's JSON lines: one -> record message.

    With an ``increment`` every message is a batch envelope naming it, even of one record.
    """
    if len(record_lines) == 1 and increment is None:
        return RECORD_TYPE, record_lines[0]
    versions = b""
    if increment is not None:
        versions = orjson.dumps({"version": increment.version, "base_version": increment.base_version})
        versions = versions[1:-1] + b","
    body = b"".join(
        (
            b'{"type":"records","data_type":"',
            kind.value.encode(),
            b'","count":',
            str(len(record_lines)).encode(),
            b",",
            versions,
            b'"records":[',
            b",".join(record_lines),
            b"]}",
        )
    )
    return BATCH_TYPE, body


def encode_deletions(kind: Kind, ids: Sequence[int], increment: Increment) -> tuple[str, bytes]:
    """(AMQP type, body) of a deletion message for these ids."""
    body = orjson.dumps(
        {
            "type": DELETIONS_TYPE,
            "data_type": kind.value,
            "version": increment.version,
            "base_version": increment.base_version,
            "count": len(ids),
            "ids": list(ids),
        }
    )
    return DELETIONS_TYPE, body


def encode_file_complete(
    kind: Kind,
    total_processed: int,
    file: str,
    now: datetime | None = None,
    *,
    version: str | None = None,
    increment: Increment | None = None,
    counts: ChangeCounts | None = None,
) -> bytes:
    timestamp = (now or datetime.now(UTC)).isoformat()
    counts = counts or ChangeCounts(new=total_processed)
    return orjson.dumps(
        {
            "type": FILE_COMPLETE_TYPE,
            "data_type": kind.value,
            "timestamp": timestamp,
            "total_processed": total_processed,
            "file": file,
            "version": increment.version if increment is not None else version,
            "mode": FULL_MODE if increment is None else INCREMENTAL_MODE,
            "base_version": increment.base_version if increment is not None else None,
            "new": counts.new,
            "changed": counts.changed,
            "unchanged": counts.unchanged,
            "removed": counts.removed,
        }
    )


def decode(body: bytes) -> Message:
    """Parse a body into a FileComplete or a RecordBatch; MessageError says what is wrong."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MessageError(f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MessageError(f"not a JSON object but {type(payload).__name__}")
    message_type = payload.get("type")
    if message_type is None:
        _check_record(payload)
        return RecordBatch(None, [payload])
    if message_type == BATCH_TYPE:
        records = payload.get("records")
        if not isinstance(records, list):
            raise MessageError("batch without a records list")
        for record in records:
            _check_record(record)
        increment = _increment(payload.get("version"), payload.get("base_version"))
        return RecordBatch(_kind(payload.get("data_type")), records, increment)
    if message_type == DELETIONS_TYPE:
        ids = payload.get("ids")
        if not isinstance(ids, list) or not all(_is_int(value) for value in ids):
            raise MessageError("deletions without a list of integer ids")
        increment = _increment(payload.get("version"), payload.get("base_version"))
        if increment is None:
            raise MessageError("deletions without a version and a base_version")
        return Deletions(_kind(payload.get("data_type")), ids, increment)
    if message_type == FILE_COMPLETE_TYPE:
        return _file_complete(payload)
    raise MessageError(f"unknown message type {message_type!r}")


def _file_complete(payload: dict[str, Any]) -> FileComplete:
    total = payload.get("total_processed")
    if not isinstance(total, int) or isinstance(total, bool):
        raise MessageError("file_complete without an integer total_processed")
    version = payload.get("version")
    increment = None
    if payload.get("mode") == INCREMENTAL_MODE:
        increment = _increment(version, payload.get("base_version"))
        if increment is None:
            raise MessageError("incremental file_complete without a version and a base_version")
    counts = {name: payload.get(name, 0) for name in ("new", "changed", "unchanged", "removed")}
    if not all(_is_int(value) for value in counts.values()):
        raise MessageError("file_complete with a count that is not an integer")
    return FileComplete(
        _kind(payload.get("data_type")),
        str(payload.get("timestamp", "")),
        total,
        str(payload.get("file", "")),
        version=version if isinstance(version, str) else None,
        mode=INCREMENTAL_MODE if increment is not None else FULL_MODE,
        increment=increment,
        counts=ChangeCounts(**counts),
    )


def _increment(version: object, base_version: object) -> Increment | None:
    """Both given: an increment; neither: None (full mode); anything else is refused."""
    if version is None and base_version is None:
        return None
    if not isinstance(version, str) or not isinstance(base_version, str):
        raise MessageError("version and base_version must both be strings")
    return Increment(version, base_version)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_raw(body: bytes) -> FileComplete | RawBatch | Deletions:
    """Like ``decode``, but records stay JSON text and are checked by whoever reads them.

    The tableinator reads a few fields of each record and stores the rest as it came, so
    building every record as Python objects first would be wasted work. Bodies that are not
    a well-formed record or batch envelope get ``decode``'s verdict, and its reasons.
    """
    try:
        head = _HEAD.decode(body)
        if head.type is None:
            return RawBatch(None, [body])
        if head.type == BATCH_TYPE:
            batch = _BATCH.decode(body)
            return RawBatch(
                _kind(batch.data_type),
                [bytes(record) for record in batch.records],
                _increment(batch.version, batch.base_version),
            )
    except msgspec.MsgspecError:
        pass
    decoded = decode(body)  # a file_complete or deletions, or the reason the body is refused
    if isinstance(decoded, RecordBatch):  # only reached for bodies msgspec and orjson judge alike
        return RawBatch(
            decoded.data_type, [orjson.dumps(record) for record in decoded.records], decoded.increment
        )
    return decoded


def _kind(value: object) -> Kind:
    try:
        return Kind(str(value))
    except ValueError:
        raise MessageError(f"unknown data_type {value!r}") from None


def _check_record(record: object) -> None:
    if not isinstance(record, dict):
        raise MessageError("record is not a JSON object")
    record_id = record.get("id")
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        raise MessageError("record without an integer id")
    if not isinstance(record.get("sha256"), str):
        raise MessageError(f"record {record_id} without a sha256")
