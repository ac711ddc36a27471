"""The envelopes of incremental versions, and that full mode's stay as they were."""

from __future__ import annotations

import orjson
import pytest

from discogsography.amqp.messages import (
    ChangeCounts,
    Deletions,
    FileComplete,
    Increment,
    MessageError,
    RawBatch,
    RecordBatch,
    decode,
    decode_raw,
    encode_deletions,
    encode_file_complete,
    encode_records,
)
from discogsography.kinds import Kind

LINE = b'{"sha256":"' + b"a" * 64 + b'","id":7,"name":"x"}'
STEP = Increment("20990201", "20990101")


def test_full_mode_bodies_are_unchanged() -> None:
    assert encode_records(Kind.LABELS, [LINE]) == ("record", LINE)
    amqp_type, body = encode_records(Kind.LABELS, [LINE, LINE])
    assert amqp_type == "records" and b"version" not in body


def test_an_incremental_batch_names_its_base_even_for_one_record() -> None:
    amqp_type, body = encode_records(Kind.LABELS, [LINE], STEP)
    assert amqp_type == "records"
    assert orjson.loads(body)["base_version"] == "20990101"
    raw = decode_raw(body)
    assert isinstance(raw, RawBatch) and raw.increment == STEP and raw.records == [LINE]
    parsed = decode(body)
    assert isinstance(parsed, RecordBatch) and parsed.increment == STEP and parsed.records[0]["id"] == 7


def test_deletions_round_trip_and_need_their_versions() -> None:
    amqp_type, body = encode_deletions(Kind.RELEASES, [3, 4], STEP)
    assert amqp_type == "deletions"
    decoded = decode_raw(body)
    assert decoded == Deletions(Kind.RELEASES, [3, 4], STEP)
    with pytest.raises(MessageError, match="version"):
        decode(b'{"type":"deletions","data_type":"releases","ids":[1]}')
    with pytest.raises(MessageError, match="integer ids"):
        decode(b'{"type":"deletions","data_type":"releases","version":"1","base_version":"0","ids":["1"]}')


def test_file_complete_keeps_its_fields_and_adds_mode_and_counts() -> None:
    body = encode_file_complete(
        Kind.LABELS, 5, "discogs_20990201_labels.xml.gz", increment=STEP, counts=ChangeCounts(2, 3, 90, 4)
    )
    payload = orjson.loads(body)
    assert {"type", "data_type", "timestamp", "total_processed", "file"} <= payload.keys()
    assert (
        payload["mode"],
        payload["new"],
        payload["changed"],
        payload["unchanged"],
        payload["removed"],
    ) == (
        "incremental",
        2,
        3,
        90,
        4,
    )
    decoded = decode(body)
    assert isinstance(decoded, FileComplete) and decoded.increment == STEP and decoded.version == "20990201"
    # An extractor from before versions: full mode, no version (the file name still tells it).
    old = decode(
        b'{"type":"file_complete","data_type":"labels","timestamp":"t","total_processed":1,"file":"f"}'
    )
    assert isinstance(old, FileComplete) and old.mode == "full" and old.version is None
