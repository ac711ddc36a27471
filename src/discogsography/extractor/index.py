"""The published-records index: id -> sha256 of every record of one kind of one version.

The one place that defines its format (docs/record-index.md). One SQLite file per kind and version,
``DISCOGS_ROOT/.index_<version>_<kind>.sqlite``:

- ``records(id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL, xml BLOB)``: the id is the rowid, so
  the table is a single B-tree keyed by id with the 32 raw bytes of the hash in its leaves, and
  ``xml`` the first 16 bytes of the SHA-256 of the record's raw XML (NULL when it was not computed);
- ``meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)``: ``format`` (INDEX_FORMAT), ``kind``,
  ``version``, ``records`` (rows in ``records``), ``converter`` (CONVERTER: which code turned the
  XML into the hashed JSON), ``created_at``.

It is built while the file is published, in ``.index_<version>_<kind>.sqlite.part``, and renamed
to its real name (fsync of the file and of the directory) only once every record of the file is
confirmed by the broker: a file under its real name is always whole. Why SQLite and not sorted
fixed-width arrays or LMDB: docs/record-index.md, from bench/index_bench.py. Memory stays flat because
SQLite keeps at most ``CACHE_KIB`` of pages per attached database; the rest stays on disk.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from discogsography import __version__
from discogsography.errors import DiscogsographyError
from discogsography.kinds import Kind
from discogsography.runtime import atomic

INDEX_FORMAT = "1"
# Identical raw XML gives identical JSON only under the same conversion code: an index written by
# another release is still a base, but its XML digests are not trusted (prefilter.py).
CONVERTER = f"discogsography {__version__}"
INDEX_FILE = re.compile(
    r"\.index_(?P<version>\d{8})_(?P<kind>artists|labels|masters|releases)\.sqlite(?P<part>\.part)?"
)
# Page cache per database (the one being built and the base): what bounds the extractor's RSS.
CACHE_KIB = 4096
# PRAGMA takes no parameters: the statements are constants, written out (-KiB).
CACHE_PRAGMA = "PRAGMA cache_size = -4096"
BASE_CACHE_PRAGMA = "PRAGMA base.cache_size = -4096"
_LOOKUP = "SELECT id, sha256 FROM base.records WHERE id IN (SELECT value FROM json_each(?))"
# Ids per lookup of the base: well under SQLite's 32,766 bound variables.
LOOKUP_IDS = 2000

NEW, CHANGED, UNCHANGED = 0, 1, 2


class IndexUnusableError(DiscogsographyError):
    """An index that exists but cannot be used (the version then runs in full mode)."""


def index_path(root: Path, version: str, kind: Kind) -> Path:
    return root / f".index_{version}_{kind.value}.sqlite"


def _part_path(path: Path) -> Path:
    return path.with_name(path.name + ".part")


@dataclass(frozen=True, slots=True)
class IndexName:
    version: str
    kind: Kind
    partial: bool


def parse_index_name(name: str) -> IndexName | None:
    match = INDEX_FILE.fullmatch(name)
    if match is None:
        return None
    return IndexName(match["version"], Kind(match["kind"]), match["part"] is not None)


def read_meta(path: Path) -> dict[str, str]:
    """The meta table of a finished index; IndexUnusableError says why it cannot be used."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise IndexUnusableError(f"{path.name}: cannot open: {exc}") from None
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as exc:
        raise IndexUnusableError(f"{path.name}: not a readable index: {exc}") from None
    finally:
        conn.close()


def check_base(path: Path, kind: Kind, version: str) -> None:
    """Raise IndexUnusableError unless ``path`` is a whole index of ``kind`` in ``version``."""
    if not path.is_file():
        raise IndexUnusableError(f"{path.name}: missing")
    meta = read_meta(path)
    expected = {"format": INDEX_FORMAT, "kind": kind.value, "version": version}
    for key, value in expected.items():
        if meta.get(key) != value:
            raise IndexUnusableError(f"{path.name}: {key} is {meta.get(key)!r}, expected {value!r}")


class IndexBuilder:
    """Builds one file's index while it is read, and diffs it against a base index.

    Used by one thread at a time: the reading thread while records flow (``add``), then the
    publisher for the removed ids and the commit.
    """

    def __init__(self, root: Path, version: str, kind: Kind, base: Path | None = None) -> None:
        self.path = index_path(root, version, kind)
        self.version, self.kind = version, kind
        self.records = 0
        self._part = _part_path(self.path)
        self._part.unlink(missing_ok=True)
        self._conn = sqlite3.connect(self._part, check_same_thread=False, isolation_level=None)
        conn = self._conn
        # The .part file is thrown away on any failure, so it needs no journal and no syncs;
        # durability comes from the fsync and rename in commit().
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute(CACHE_PRAGMA)
        conn.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL, xml BLOB)")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("BEGIN")
        self.has_base = base is not None
        if base is not None:
            conn.execute("ATTACH DATABASE ? AS base", (f"{base.resolve().as_uri()}?mode=ro&immutable=1",))
            conn.execute(BASE_CACHE_PRAGMA)

    def add(
        self,
        ids: Sequence[int],
        hashes: Sequence[bytes],
        xml: Sequence[bytes | None] | None = None,
        unchanged: Sequence[bool] | None = None,
    ) -> list[int]:
        """Record these ids with their raw sha256 (and XML digest); per record NEW, CHANGED or
        UNCHANGED against the base. ``unchanged`` marks records already known to be (the
        prefilter found them in the base): they are not looked up again."""
        conn = self._conn
        conn.executemany(
            "INSERT OR REPLACE INTO records (id, sha256, xml) VALUES (?, ?, ?)",
            zip(ids, hashes, xml if xml is not None else [None] * len(ids), strict=True),
        )
        self.records += len(ids)
        if not self.has_base:
            return [NEW] * len(ids)
        asked = (
            list(ids)
            if unchanged is None
            else [i for i, known in zip(ids, unchanged, strict=True) if not known]
        )
        found: dict[int, bytes] = {}
        for start in range(0, len(asked), LOOKUP_IDS):
            part = asked[start : start + LOOKUP_IDS]
            # One parameter, the ids as a JSON array: no statement is built from the values.
            found.update(conn.execute(_LOOKUP, (json.dumps(part),)))
        states = []
        for position, (record_id, digest) in enumerate(zip(ids, hashes, strict=True)):
            if unchanged is not None and unchanged[position]:
                states.append(UNCHANGED)
                continue
            stored = found.get(record_id)
            states.append(NEW if stored is None else UNCHANGED if stored == digest else CHANGED)
        return states

    def removed(self, batch: int) -> Iterator[list[int]]:
        """Ids in the base and not in this version, ``batch`` at a time, in id order."""
        if not self.has_base:
            return
        cursor = self._conn.execute(
            "SELECT b.id FROM base.records AS b WHERE NOT EXISTS "
            "(SELECT 1 FROM main.records AS n WHERE n.id = b.id) ORDER BY b.id"
        )
        while rows := cursor.fetchmany(batch):
            yield [row[0] for row in rows]

    def commit(self) -> Path:
        """Put the index in place under its real name, whole and durable."""
        conn = self._conn
        rows = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        meta = {
            "format": INDEX_FORMAT,
            "kind": self.kind.value,
            "version": self.version,
            "records": str(rows),
            "converter": CONVERTER,
            "created_at": datetime.now(UTC).isoformat(),
        }
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        conn.execute("COMMIT")
        if self.has_base:
            conn.execute("DETACH DATABASE base")
        conn.close()
        atomic.replace(self._part, self.path)
        return self.path

    def discard(self) -> None:
        """Drop the unfinished index (an interrupted or failed file)."""
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._part.unlink(missing_ok=True)
