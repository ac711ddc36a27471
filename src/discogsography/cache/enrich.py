"""Step 2.5, enrich: library.db -> library_artists.txt, plus names from the station's MySQL catalog.

The catalog tables read (documented in docs/cache.md)::

    LIBRARY_CODE (ID, PRESENTATION_NAME)                  -- the catalog's artists
    LIBRARY_RELEASE (ALTERNATE_ARTIST_NAME)                -- a release filed under one artist but
                                                           -- credited to another ("Body Count")
    LIBRARY_CODE_CROSS_REFERENCE (CROSS_REFERENCING_ARTIST_ID, CROSS_REFERENCED_LIBRARY_CODE_ID)
                                                           -- related artists, both -> LIBRARY_CODE.ID
    RELEASE_CROSS_REFERENCE (CROSS_REFERENCING_ARTIST_ID)  -- an artist linked to a release filed
                                                           -- under another, -> LIBRARY_CODE.ID

The list gains every alternate name, the artists on both sides of every artist cross-reference and
the artists of every release cross-reference. NULLs, empty or blank names, ids that point at no
LIBRARY_CODE row, compilation names and names whose artist key is already listed add nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymysql

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.library import read_library_artists, write_artist_list
from discogsography.cache.normalize import artist_key, is_compilation
from discogsography.runtime.redact import redact_url

CATALOG_QUERIES = {
    "alternate": "SELECT ALTERNATE_ARTIST_NAME FROM LIBRARY_RELEASE",
    "codes": "SELECT ID, PRESENTATION_NAME FROM LIBRARY_CODE",
    "code_cross_references": (
        "SELECT CROSS_REFERENCING_ARTIST_ID, CROSS_REFERENCED_LIBRARY_CODE_ID"
        " FROM LIBRARY_CODE_CROSS_REFERENCE"
    ),
    "release_cross_references": "SELECT CROSS_REFERENCING_ARTIST_ID FROM RELEASE_CROSS_REFERENCE",
}


@dataclass
class Catalog:
    """The catalog rows enrich reads, NULLs kept (the pure part decides what they add)."""

    library_codes: dict[int, str | None] = field(default_factory=dict)
    alternate_names: list[str | None] = field(default_factory=list)
    code_cross_references: list[tuple[int | None, int | None]] = field(default_factory=list)
    release_cross_references: list[int | None] = field(default_factory=list)


@dataclass
class CatalogNames:
    alternate: list[str] = field(default_factory=list)
    cross_referenced: list[str] = field(default_factory=list)
    release_cross_referenced: list[str] = field(default_factory=list)


def _clean(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip() or is_compilation(name):
        return None
    return name.strip()


def catalog_names(catalog: Catalog) -> CatalogNames:
    """The names each catalog source contributes (pure)."""

    def code_name(code: int | None) -> str | None:
        return _clean(catalog.library_codes.get(code)) if code is not None else None

    names = CatalogNames()
    names.alternate = [n for n in map(_clean, catalog.alternate_names) if n]
    for referencing, referenced in catalog.code_cross_references:
        names.cross_referenced += [n for n in (code_name(referencing), code_name(referenced)) if n]
    names.release_cross_referenced = [n for n in map(code_name, catalog.release_cross_references) if n]
    return names


def new_names(known: Iterable[str], candidates: Iterable[str]) -> list[str]:
    """Candidates whose artist key is not known yet, the first spelling of each key."""
    seen = {artist_key(name) for name in known}
    added = []
    for name in candidates:
        key = artist_key(name)
        if key and key not in seen:
            seen.add(key)
            added.append(name)
    return added


def connect_catalog(url: str) -> pymysql.connections.Connection[pymysql.cursors.Cursor]:
    parts = urlsplit(url)
    if parts.scheme not in {"mysql", "mariadb", "mysql+pymysql"}:
        raise CacheError(f"--wxyc-db-url must be mysql://user:pass@host:port/database, not {redact_url(url)}")
    try:
        return pymysql.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.lstrip("/")) or None,
            charset="utf8mb4",
        )
    except pymysql.MySQLError as exc:
        raise CacheError(f"cannot connect to {redact_url(url)}: {exc}") from None


def _id(value: object) -> int | None:
    return int(value) if isinstance(value, int) else None


def read_catalog(url: str) -> Catalog:
    connection = connect_catalog(url)
    catalog = Catalog()
    try:
        with connection.cursor() as cur:
            cur.execute(CATALOG_QUERIES["codes"])
            catalog.library_codes = {
                int(code): name if isinstance(name, str) else None
                for code, name in cur.fetchall()
                if code is not None
            }
            cur.execute(CATALOG_QUERIES["alternate"])
            catalog.alternate_names = [n if isinstance(n, str) else None for (n,) in cur.fetchall()]
            cur.execute(CATALOG_QUERIES["code_cross_references"])
            catalog.code_cross_references = [(_id(a), _id(b)) for a, b in cur.fetchall()]
            cur.execute(CATALOG_QUERIES["release_cross_references"])
            catalog.release_cross_references = [_id(a) for (a,) in cur.fetchall()]
    except pymysql.MySQLError as exc:
        raise CacheError(
            f"{redact_url(url)}: cannot read the catalog tables (docs/cache.md): {exc}"
        ) from None
    finally:
        connection.close()
    return catalog


@dataclass
class EnrichResult:
    library_artists: int
    written: int
    added: dict[str, int] = field(default_factory=dict)

    @property
    def catalog_added(self) -> int:
        return sum(self.added.values())

    def summary(self) -> str:
        sources = "".join(f", {count:,} from {source}" for source, count in self.added.items())
        return f"{self.written:,} artists written ({self.library_artists:,} from library.db{sources})"


def enrich(library_db: Path, output: Path, wxyc_db_url: str | None = None) -> EnrichResult:
    artists = [name for name in read_library_artists(library_db) if not is_compilation(name)]
    listed = list(artists)
    added: dict[str, int] = {}
    if wxyc_db_url:
        names = catalog_names(read_catalog(wxyc_db_url))
        for source, candidates in (
            ("alternate names", names.alternate),
            ("artist cross-references", names.cross_referenced),
            ("release cross-references", names.release_cross_referenced),
        ):
            fresh = new_names(listed, sorted(set(candidates)))
            listed += fresh
            added[source] = len(fresh)
    written = write_artist_list(output, listed)
    return EnrichResult(len(artists), written, added)
