"""Label-aware dedup: the labels the library holds its releases on, and the releases that match them.

Two sources, as the old tool had them:
- a library labels file: CSV, UTF-8, header ``artist_name,release_title,label_name`` (the old
  tool's library_labels.csv);
- the station's catalog: the label each flowsheet play names for a library release,
  ``FLOWSHEET_ENTRY_PROD.LABEL_NAME`` joined through ``LIBRARY_RELEASE`` (``ID``, ``TITLE``,
  ``LIBRARY_CODE_ID``) to ``LIBRARY_CODE.PRESENTATION_NAME``.

A release "has the library's label" when one of its main artists (or its joined credit line) and
its title give the same keys as a library entry, and one of its labels the same label key.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import psycopg
import pymysql

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.classify import release_names
from discogsography.cache.enrich import connect_catalog
from discogsography.cache.normalize import artist_key, fold, title_key
from discogsography.runtime import atomic
from discogsography.runtime.redact import redact_url

Triple = tuple[str, str, str]
HEADER = ("artist_name", "release_title", "label_name")

CATALOG_LABELS_SQL = """
SELECT DISTINCT lc.PRESENTATION_NAME, lr.TITLE, fe.LABEL_NAME
  FROM FLOWSHEET_ENTRY_PROD fe
  JOIN LIBRARY_RELEASE lr ON lr.ID = fe.LIBRARY_RELEASE_ID
  JOIN LIBRARY_CODE lc ON lc.ID = lr.LIBRARY_CODE_ID
"""


def label_key(name: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in fold(name)).split())


def _clean(triples: Iterable[Sequence[object]]) -> list[Triple]:
    out = set()
    for row in triples:
        values = [v.strip() if isinstance(v, str) else "" for v in row[:3]]
        if len(values) == 3 and all(values):
            out.add((values[0], values[1], values[2]))
    return sorted(out)


def read_labels_file(path: Path) -> list[Triple]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = tuple(next(reader, ()))
            if header != HEADER:
                raise CacheError(f"{path}: header {','.join(header)!r} is not {','.join(HEADER)!r}")
            return _clean(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise CacheError(f"{path}: cannot read the library labels: {exc}") from None


def write_labels_file(path: Path, triples: Iterable[Triple]) -> int:
    rows = sorted(set(triples))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    atomic.write_text(path, text.getvalue())
    return len(rows)


def read_catalog_labels(url: str) -> list[Triple]:
    connection = connect_catalog(url)
    try:
        with connection.cursor() as cur:
            cur.execute(CATALOG_LABELS_SQL)
            return _clean(cur.fetchall())
    except pymysql.MySQLError as exc:
        raise CacheError(
            f"{redact_url(url)}: cannot read the catalog's labels (docs/cache.md): {exc}"
        ) from None
    finally:
        connection.close()


class LabelPreferences:
    """(artist key, title key) -> the label keys the library holds that release on (pure)."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.labels: dict[tuple[str, str], set[str]] = {}
        for artist, title, label in triples:
            key = (artist_key(artist), title_key(title))
            if all(key) and label_key(label):
                self.labels.setdefault(key, set()).add(label_key(label))

    def __len__(self) -> int:
        return len(self.labels)

    def matches(self, artists: Sequence[str], title: str, labels: Sequence[str]) -> bool:
        tkey = title_key(title)
        have = {label_key(name) for name in labels}
        return any(have & self.labels.get((akey, tkey), set()) for akey in release_names(artists))


RELEASES_WITH_LABELS = """
SELECT r.id, r.title,
       coalesce((SELECT array_agg(a.artist_name ORDER BY a.ctid) FROM release_artist a
                  WHERE a.release_id = r.id AND a.extra = 0), '{}'),
       coalesce((SELECT array_agg(l.label_name) FROM release_label l WHERE l.release_id = r.id), '{}')
  FROM release r
 WHERE r.master_id IS NOT NULL
"""


def preferred_releases(
    conn: psycopg.Connection[tuple[object, ...]], preferences: LabelPreferences
) -> list[int]:
    """Ids of releases with a master that are on the label the library holds them on."""
    if not len(preferences):
        return []
    rows = conn.execute(RELEASES_WITH_LABELS).fetchall()
    return [
        int(rid)  # type: ignore[call-overload]
        for rid, title, artists, labels in rows
        if preferences.matches(list(artists), str(title), list(labels))  # type: ignore[call-overload]
    ]
