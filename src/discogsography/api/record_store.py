"""The API's reads from the tableinator's tables: one pool of read-only connections per process.

Every query here is fixed text with parameters (the search's conditions are composed in
search_query.py); lists are counted only up to the API's item cap, so a label with millions of
releases costs no more to page than one with ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool

from discogsography.api.list_query import IdList, PageWalk
from discogsography.api.lookup_batch import FetchMany, LookupBatch
from discogsography.api.paging import Page
from discogsography.api.search_query import KindSearch
from discogsography.relational.connect import CONNECT_TIMEOUT

Record = dict[str, Any]

# By id, for a batch of ids at once (lookup_batch.py); each row starts with its id.
_RELEASES = "SELECT id, data, hash, updated_at FROM releases WHERE id = ANY(%s::bigint[])"
_ARTISTS = "SELECT id, data, hash, updated_at FROM artists WHERE id = ANY(%s::bigint[])"
_LABELS = "SELECT id, data, hash, updated_at FROM labels WHERE id = ANY(%s::bigint[])"
_MASTERS = (
    "SELECT m.id, m.data, m.hash, m.updated_at, r.data, r.hash FROM masters m"
    " LEFT JOIN releases r ON r.id = m.main_release WHERE m.id = ANY(%s::bigint[])"
)
# Ids one query asks for at most: 64 releases are about 256 KB of JSON.
MAX_BATCH = 64
_EXISTS = {
    "master": "SELECT EXISTS (SELECT 1 FROM masters WHERE id = %s)",
    "artist": "SELECT EXISTS (SELECT 1 FROM artists WHERE id = %s)",
    "label": "SELECT EXISTS (SELECT 1 FROM labels WHERE id = %s)",
}
# The lists, as the ordered ids of their records (list_query.py reads a page and the count).
_MASTER_VERSIONS = sql.SQL("SELECT id FROM releases WHERE master_id = %s ORDER BY id")
_LABEL_RELEASES = sql.SQL(
    "SELECT DISTINCT release_id AS id FROM release_labels WHERE label_id = %s ORDER BY release_id"
)
# An artist's releases as Discogs lists them: their masters, then their releases outside a
# master (main credits; extra artists' credits are not in this list).
_ARTIST_MASTERS = sql.SQL(
    "SELECT DISTINCT master_id AS id FROM master_artists WHERE artist_id = %s ORDER BY master_id"
)
# From the artist's credits in release order, each checked for a master by an index-only lookup:
# a prolific artist ("Various") is read only up to the cap, never by scanning every release
# without a master.
_ARTIST_SINGLES = sql.SQL(
    "SELECT DISTINCT ra.release_id AS id FROM release_artists ra WHERE ra.artist_id = %s AND NOT ra.extra"
    " AND EXISTS (SELECT 1 FROM releases s WHERE s.id = ra.release_id AND s.master_id IS NULL)"
    " ORDER BY ra.release_id"
)
_SCHEMA_VERSION = "SELECT coalesce(max(version), 0) FROM schema_version"


@dataclass(frozen=True, slots=True)
class Stored:
    """A record as the tables hold it: its data, its sha256 and when it was last stored."""

    data: Record
    hash: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredMaster:
    master: Stored
    main_release: Record | None
    main_release_hash: str | None


def read_only_conninfo(conninfo: str, statement_timeout_ms: int) -> str:
    """The conninfo with read-only transactions and the statement timeout added to its options."""
    options = str(conninfo_to_dict(conninfo).get("options") or "")
    added = f"-c default_transaction_read_only=on -c statement_timeout={statement_timeout_ms}"
    return make_conninfo(conninfo, options=f"{options} {added}".strip())


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(orjson.loads, conn)  # jsonb straight to dicts, several times faster than json


class RecordStore:
    """Reads records, pages of lists and searches; every method returns plain records."""

    def __init__(self, conninfo: str, pool_size: int, max_items: int, statement_timeout_ms: int) -> None:
        self.max_items = max_items
        self.pool = AsyncConnectionPool(
            read_only_conninfo(conninfo, statement_timeout_ms),
            min_size=pool_size,
            max_size=pool_size,
            open=False,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            configure=_configure,
            timeout=statement_timeout_ms / 1000,
            name="discogsography-api",
        )
        self.lookups = {
            kind: LookupBatch(self._fetcher(query), pool_size, MAX_BATCH)
            for kind, query in (
                ("release", _RELEASES),
                ("artist", _ARTISTS),
                ("label", _LABELS),
                ("master", _MASTERS),
            )
        }

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    def _fetcher(self, query: str) -> FetchMany:
        async def fetch_many(ids: list[int]) -> list[tuple[Any, ...]]:
            async with self.pool.connection() as conn:
                # Prepared from the first call: skips psycopg's bookkeeping of when to prepare
                # (docs/performance.md, "Local Discogs API").
                cursor = await conn.execute(query, (ids,), prepare=True)
                return await cursor.fetchall()

        return fetch_many

    async def _one(self, query: str, record_id: int) -> tuple[Any, ...] | None:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(query, (record_id,), prepare=True)
            return await cursor.fetchone()

    async def _count(self, query: Any, params: tuple[Any, ...]) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(query, params)
            row = await cursor.fetchone()
            return int(row[0]) if row else 0

    async def _stored(self, kind: str, record_id: int) -> Stored | None:
        row = await self.lookups[kind].get(record_id)
        return None if row is None else Stored(row[0], row[1], row[2])

    async def release(self, release_id: int) -> Stored | None:
        return await self._stored("release", release_id)

    async def artist(self, artist_id: int) -> Stored | None:
        return await self._stored("artist", artist_id)

    async def label(self, label_id: int) -> Stored | None:
        return await self._stored("label", label_id)

    async def master(self, master_id: int) -> StoredMaster | None:
        row = await self.lookups["master"].get(master_id)
        if row is None:
            return None
        return StoredMaster(Stored(row[0], row[1], row[2]), row[3], row[4])

    async def exists(self, kind: str, record_id: int) -> bool:
        """Whether the table of ``kind`` (master, artist, label) holds the record."""
        row = await self._one(_EXISTS[kind], record_id)
        return bool(row and row[0])

    async def master_versions(self, master_id: int, page: Page) -> tuple[int, list[Record]]:
        items, found = await self._walk([IdList(_MASTER_VERSIONS, (master_id,), "releases")], page)
        return items, [record for _, record in found]

    async def label_releases(self, label_id: int, page: Page) -> tuple[int, list[Record]]:
        items, found = await self._walk([IdList(_LABEL_RELEASES, (label_id,), "releases")], page)
        return items, [record for _, record in found]

    async def artist_releases(self, artist_id: int, page: Page) -> tuple[int, list[tuple[str, Record]]]:
        """The artist's masters, then their releases outside a master: (kind, record) each."""
        lists = [
            IdList(_ARTIST_MASTERS, (artist_id,), "masters"),
            IdList(_ARTIST_SINGLES, (artist_id,), "releases"),
        ]
        items, found = await self._walk(lists, page)
        return items, [("master" if index == 0 else "release", record) for index, record in found]

    async def search(self, searches: list[KindSearch], page: Page) -> tuple[int, list[tuple[str, Record]]]:
        """A search over one kind or several served one after another: (kind, record) each."""
        items, found = await self._walk([search.matches() for search in searches], page)
        return items, [(searches[index].kind, record) for index, record in found]

    async def _walk(self, lists: list[IdList], page: Page) -> tuple[int, list[tuple[int, Record]]]:
        """A page out of ``lists`` served one after another: the count and (list, record) each."""
        walk = PageWalk(page.offset, page.per_page, self.max_items)
        found: list[tuple[int, Record]] = []
        for index, ids in enumerate(lists):
            asked = walk.ask()
            if asked is None:
                break
            limit, offset, cap = asked
            count, records = await self._list_page(ids, limit, offset, cap)
            walk.took(count, len(records))
            found += [(index, record) for record in records]
        return walk.total, found

    async def _list_page(self, ids: IdList, limit: int, offset: int, cap: int) -> tuple[int, list[Record]]:
        if limit > 0:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(*ids.page(limit, offset, cap))
                rows = await cursor.fetchall()
            if rows:
                return int(rows[0][1]), [row[0] for row in rows]
        return await self._count(*ids.count(cap)), []

    async def schema_version(self) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(_SCHEMA_VERSION)
            row = await cursor.fetchone()
            return int(row[0]) if row else 0
