"""Canonical JSON and the content hash of a record (docs/records.md, "The sha256").

canonical JSON = keys sorted, no whitespace, UTF-8, non-ASCII written as is;
sha256 = hex digest of the canonical JSON of the record without its "sha256" key.
The stdlib equivalent, which the tests check against, is
json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode().
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

HASH_KEY = "sha256"


def canonical_json(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def record_sha256(record: dict[str, Any]) -> str:
    """The hash of a record, ignoring a "sha256" key it may already carry."""
    if HASH_KEY in record:
        record = {k: v for k, v in record.items() if k != HASH_KEY}
    return hashlib.sha256(canonical_json(record)).hexdigest()


def hashed_line(record: dict[str, Any]) -> tuple[str, bytes]:
    """Hash a record (without a "sha256" key) and return (sha256, JSON with "sha256" first).

    The line is the canonical JSON with the hash spliced in as the first key, so the record
    is serialised once; every record has at least an id, so the object is never empty.
    """
    return hash_and_line(canonical_json(record))


def hash_and_line(body: bytes) -> tuple[str, bytes]:
    """(sha256, line) of a record's canonical JSON, as hashed_line gives them."""
    digest = hashlib.sha256(body).hexdigest()
    return digest, b'{"sha256":"' + digest.encode() + b'",' + body[1:]
