"""The reference for `serve`'s by-id rate: the least a Python API on the same stack can do.

    python bench/reference_api.py PORT PROCESSES      (DATABASE_URL names the database)

Starlette on uvicorn (uvloop, httptools, PROCESSES workers over one socket), psycopg's async
pool (API_POOL_SIZE connections a process, jsonb decoded by orjson), and one route,
/releases/{id}: the record's row by a prepared query, a few of its fields renamed and its
artists' names joined, written by orjson. No Discogs shape, no ETag, no log line, no metrics,
no batching. bench/api_bench.py --reference runs it beside `serve`, alternating, so the cost
of the whole Discogs shape is a ratio measured in one run rather than a figure from another day.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import uvicorn
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

QUERY = "SELECT data, hash, updated_at FROM releases WHERE id = %s"


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    set_json_loads(orjson.loads, conn)


def _items(record: dict[str, Any], container: str, item: str) -> list[Any]:
    """A repeated element as a list (the record holds one as an object, several as a list)."""
    found = (record.get(container) or {}).get(item)
    return found if isinstance(found, list) else [] if found is None else [found]


def make_app() -> Starlette:
    pool = AsyncConnectionPool(
        os.environ["DATABASE_URL"],
        min_size=int(os.environ.get("API_POOL_SIZE", "4")),
        max_size=int(os.environ.get("API_POOL_SIZE", "4")),
        open=False,
        kwargs={"autocommit": True, "prepare_threshold": 0},
        configure=_configure,
    )

    async def release(request: Request) -> Response:
        async with pool.connection() as conn:
            cursor = await conn.execute(QUERY, (int(request.path_params["id"]),))
            row = await cursor.fetchone()
        if row is None:
            return Response(b'{"message": "Release not found."}', 404, media_type="application/json")
        data = row[0]
        artists = _items(data, "artists", "artist")
        body = {
            "id": data.get("id"),
            "title": data.get("title"),
            "artists_sort": ", ".join(str(artist.get("name", "")) for artist in artists),
            "artists": artists,
            "labels": _items(data, "labels", "label"),
            "formats": _items(data, "formats", "format"),
            "genres": _items(data, "genres", "genre"),
            "styles": _items(data, "styles", "style"),
            "tracklist": _items(data, "tracklist", "track"),
            "released": data.get("released"),
        }
        return Response(orjson.dumps(body), media_type="application/json")

    async def health(request: Request) -> Response:
        body = orjson.dumps({"status": "healthy", "pid": os.getpid()})
        return Response(body, media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.open()
        try:
            yield
        finally:
            await pool.close()

    return Starlette(routes=[Route("/releases/{id}", release), Route("/health", health)], lifespan=lifespan)


def main() -> None:
    port, processes = int(sys.argv[1]), int(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # the workers import this module
    uvicorn.run(
        "reference_api:make_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=processes,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
