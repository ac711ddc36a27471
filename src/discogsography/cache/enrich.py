"""Step 2.5, enrich: library.db -> library_artists.txt, plus names from a MySQL catalog.

The catalog tables read (documented in docs/cache.md)::

    catalog_artist (id INT PRIMARY KEY, name VARCHAR NOT NULL)
    catalog_artist_alternate_name (artist_id INT NOT NULL, name VARCHAR NOT NULL)
    catalog_artist_cross_reference (artist_id INT NOT NULL, related_artist_id INT NOT NULL)

A catalog artist is "in the library" when its name or one of its alternate names has the same
artist_key as a library.db artist. For those, the enriched list gains their catalog name, their
alternate names, and the names and alternate names of the artists cross-referenced with them in
either direction ("Body Count" filed under Ice-T). Compilation names are never artists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymysql

from discogsography.cache.errors import CacheError
from discogsography.cache.library import read_library_artists, write_artist_list
from discogsography.cache.normalize import artist_key, is_compilation
from discogsography.redact import redact_url


@dataclass
class Catalog:
    artists: dict[int, str] = field(default_factory=dict)
    alternate_names: list[tuple[int, str]] = field(default_factory=list)
    cross_references: list[tuple[int, int]] = field(default_factory=list)


def catalog_names(library_artists: Iterable[str], catalog: Catalog) -> set[str]:
    """Names the catalog adds for the library's artists (pure)."""
    library_keys = {artist_key(name) for name in library_artists if not is_compilation(name)}
    names_of: dict[int, set[str]] = defaultdict(set)
    for artist_id, name in catalog.artists.items():
        names_of[artist_id].add(name)
    for artist_id, name in catalog.alternate_names:
        names_of[artist_id].add(name)
    in_library = {
        artist_id
        for artist_id, names in names_of.items()
        if any(artist_key(n) in library_keys for n in names)
    }
    related = set(in_library)
    for a, b in catalog.cross_references:
        if a in in_library:
            related.add(b)
        if b in in_library:
            related.add(a)
    added = {name.strip() for artist_id in related for name in names_of.get(artist_id, ())}
    return {name for name in added if name and not is_compilation(name)}


def read_catalog(url: str) -> Catalog:
    parts = urlsplit(url)
    if parts.scheme not in {"mysql", "mariadb", "mysql+pymysql"}:
        raise CacheError(f"--wxyc-db-url must be mysql://user:pass@host:port/database, not {redact_url(url)}")
    try:
        connection = pymysql.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.lstrip("/")) or None,
            charset="utf8mb4",
        )
    except pymysql.MySQLError as exc:
        raise CacheError(f"cannot connect to {redact_url(url)}: {exc}") from None
    catalog = Catalog()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT id, name FROM catalog_artist WHERE name IS NOT NULL")
            catalog.artists = {int(i): str(n) for i, n in cur.fetchall()}
            cur.execute("SELECT artist_id, name FROM catalog_artist_alternate_name WHERE name IS NOT NULL")
            catalog.alternate_names = [(int(i), str(n)) for i, n in cur.fetchall()]
            cur.execute("SELECT artist_id, related_artist_id FROM catalog_artist_cross_reference")
            catalog.cross_references = [(int(a), int(b)) for a, b in cur.fetchall()]
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
    catalog_added: int
    written: int

    def summary(self) -> str:
        return (
            f"{self.written:,} artists written ({self.library_artists:,} from library.db,"
            f" {self.catalog_added:,} more from the catalog)"
        )


def enrich(library_db: Path, output: Path, wxyc_db_url: str | None = None) -> EnrichResult:
    artists = [name for name in read_library_artists(library_db) if not is_compilation(name)]
    extra: set[str] = set()
    if wxyc_db_url:
        known = {artist_key(name) for name in artists}
        added = catalog_names(artists, read_catalog(wxyc_db_url))
        extra = {name for name in added if artist_key(name) not in known}
    written = write_artist_list(output, [*artists, *extra])
    return EnrichResult(len(artists), len(extra), written)
