"""Records a refresh need not parse: XML byte for byte the same as in the base version.

Parsing and converting a record costs far more than hashing its raw XML, and most records of a
month are unchanged (figures: docs/performance.md, "Monthly refresh"). The index keeps a 16-byte
digest (truncated SHA-256) of every record's raw XML, so before parsing a record the
reading thread hashes its XML, reads its id with a regular expression and looks the
id up in the base index: the same digest means the same record, whose sha256 the base already
has, and the parser is skipped. Anything else (a different digest, no id found, an id found
wrongly) is parsed as usual: a hit needs the base to hold these very bytes for that id, and the
bytes name their own id, so a hit is never wrong. Only used when the base index was written by
the same conversion code (``CONVERTER``), and in the reading thread (PARSER_WORKERS=0).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

from discogsography.extractor.index import CACHE_PRAGMA, CONVERTER, read_meta
from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.parsing.splitter import RawRecord

_ID = re.compile(rb'^<\w+ id="(\d+)"|<id>(\d+)</id>')
_ID_WITHIN = 16384  # bytes: the own id comes first (an attribute, or <id> after the images of old dumps)


def xml_digest(xml: bytes) -> bytes:
    """16 bytes of the SHA-256 of the raw XML: twice as fast here as BLAKE2b (SHA extensions)."""
    return hashlib.sha256(xml).digest()[:16]


class KnownRecords:
    """The prefilter for one file: notes every record's XML digest (for the new index) and, with
    a base, answers for the records whose XML the base has."""

    def __init__(self, kind: Kind, base: Path | None = None) -> None:
        self.kind = kind
        self._conn: sqlite3.Connection | None = None
        if base is not None:
            self._conn = sqlite3.connect(
                f"{base.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            self._conn.execute(CACHE_PRAGMA)
        self.hits = 0
        # Digests of the records handed to the parser, by the id read from their XML; the
        # reading loop takes each one back when its record comes out of the parser.
        self.digests: dict[int, bytes] = {}

    @classmethod
    def open(cls, kind: Kind, base: Path | None) -> KnownRecords:
        """A base written by other conversion code is not asked: its XML digests prove nothing."""
        if base is not None and read_meta(base).get("converter") != CONVERTER:
            base = None
        return cls(kind, base)

    def __call__(self, raw: RawRecord) -> ParsedRecord | None:
        match = _ID.search(raw.xml, 0, _ID_WITHIN)
        if match is None:
            return None
        record_id = int(match.group(1) or match.group(2))
        digest = self.digests[record_id] = xml_digest(raw.xml)
        if self._conn is None:
            return None
        row = self._conn.execute("SELECT sha256, xml FROM records WHERE id = ?", (record_id,)).fetchone()
        if row is not None and row[1] == digest:
            self.hits += 1
            return ParsedRecord(self.kind, record_id, row[0].hex(), b"", raw.offset)
        return None

    def take(self, record_id: int) -> bytes | None:
        """The XML digest of a record the parser produced (None if it was not noted)."""
        return self.digests.pop(record_id, None)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
