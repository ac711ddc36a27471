"""The message envelopes on the wire: the one place that defines them (docs/messages.md).

Three bodies travel on routing key ``discogsography.<kind>``, all JSON objects, UTF-8:

- a record message: the record itself, exactly the parser's JSON line (``id``, ``sha256`` and
  the record's fields). AMQP ``type`` property "record". Records never carry a top-level
  ``type`` key, so a body without one is a record.
- a batch message: ``{"type": "records", "data_type": KIND, "count": N, "records": [record, ...]}``.
  AMQP ``type`` property "records".
- a file-complete message: ``{"type": "file_complete", "data_type": KIND, "timestamp": ISO-8601,
  "total_processed": N, "file": NAME}``. AMQP ``type`` property "file_complete".
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
CONTENT_TYPE = "application/json"


class MessageError(ValueError):
    """A body that is not one of the envelopes above; the reason says why."""


@dataclass(frozen=True, slots=True)
class FileComplete:
    data_type: Kind
    timestamp: str
    total_processed: int
    file: str


@dataclass(frozen=True, slots=True)
class RecordBatch:
    data_type: Kind | None  # None for a single record message (the routing key tells the kind)
    records: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Records left as the JSON text they came in, one bytes object each (see ``decode_raw``)."""

    data_type: Kind | None
    records: list[bytes]


Message = FileComplete | RecordBatch


class _Head(msgspec.Struct):
    type: Any = None  # only the envelope's type is read; the rest is skipped unparsed


class _Batch(msgspec.Struct):
    records: list[msgspec.Raw]
    data_type: Any = None


_HEAD = msgspec.json.Decoder(_Head)
_BATCH = msgspec.json.Decoder(_Batch)


def encode_records(kind: Kind, record_lines: Sequence[bytes]) -> tuple[str, bytes]:
    """(AMQP type, body) for records given as the parser's JSON lines: one -> record message."""
    if len(record_lines) == 1:
        return RECORD_TYPE, record_lines[0]
    body = b"".join(
        (
            b'{"type":"records","data_type":"',
            kind.value.encode(),
            b'","count":',
            str(len(record_lines)).encode(),
            b',"records":[',
            b",".join(record_lines),
            b"]}",
        )
    )
    return BATCH_TYPE, body


def encode_file_complete(kind: Kind, total_processed: int, file: str, now: datetime | None = None) -> bytes:
    timestamp = (now or datetime.now(UTC)).isoformat()
    return orjson.dumps(
        {
            "type": FILE_COMPLETE_TYPE,
            "data_type": kind.value,
            "timestamp": timestamp,
            "total_processed": total_processed,
            "file": file,
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
        return RecordBatch(_kind(payload.get("data_type")), records)
    if message_type == FILE_COMPLETE_TYPE:
        total = payload.get("total_processed")
        if not isinstance(total, int):
            raise MessageError("file_complete without an integer total_processed")
        return FileComplete(
            _kind(payload.get("data_type")),
            str(payload.get("timestamp", "")),
            total,
            str(payload.get("file", "")),
        )
    raise MessageError(f"unknown message type {message_type!r}")


def decode_raw(body: bytes) -> FileComplete | RawBatch:
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
            return RawBatch(_kind(batch.data_type), [bytes(record) for record in batch.records])
    except msgspec.MsgspecError:
        pass
    decoded = decode(body)  # a file_complete, or the reason the body is refused
    if isinstance(decoded, RecordBatch):  # only reached for bodies msgspec and orjson judge alike
        return RawBatch(decoded.data_type, [orjson.dumps(record) for record in decoded.records])
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
