"""The local Discogs API as an ASGI app: routes, answers, errors, conditional requests.

Starlette on uvicorn: Starlette is a small, well-kept routing and response layer with no
validation or serialization of its own on the hot path (the answers are built by the pure
modules `*_answer.py` and written once by orjson); uvicorn with uvloop and httptools is the
fastest well-kept ASGI server, and runs several processes over one socket (`serve`).

Each process makes its app with ``app_from_environment`` (settings from the environment, as
`serve` left them), with its own pool of read-only connections (record_store.py).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import orjson
import psycopg
import psycopg_pool
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from discogsography.api import artist_answer, label_answer, master_answer, release_answer
from discogsography.api.answer_links import Links
from discogsography.api.api_metrics import CONTENT_TYPE, ApiMetrics
from discogsography.api.conditional import entity_tag, http_date, not_modified
from discogsography.api.paging import Page, pagination
from discogsography.api.record_store import RecordStore, Stored
from discogsography.api.request_log import RequestLog
from discogsography.api.request_params import RequestError, page_of, record_id, search_request
from discogsography.api.search_query import kind_searches
from discogsography.config.api_settings import ApiSettings, load_settings
from discogsography.runtime.collector import collect_rarely, freeze_what_is_held
from discogsography.runtime.logs import configure_logging, get_logger

log = get_logger(__name__)

JSON = "application/json"
# The base URL of answers when `serve` chose the port (API_PORT=0): set for its processes.
BASE_URL_VARIABLE = "DISCOGSOGRAPHY_API_BASE_URL"
NOT_FOUND = {
    "release": "Release not found.",
    "master": "Master Release not found.",
    "artist": "Artist not found.",
    "label": "Label not found.",
}
SEARCH_ANSWERS: dict[str, Callable[[Mapping[str, Any], Links], dict[str, Any]]] = {
    "release": release_answer.search_result,
    "master": master_answer.search_result,
    "artist": artist_answer.search_result,
    "label": label_answer.search_result,
}
Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, JSON)


def message(status: int, text: str) -> Response:
    """An error as Discogs gives it: ``{"message": "..."}``."""
    return json_response({"message": text}, status)


class Api:
    """What every route needs: the record store, the links for answers, the metrics."""

    def __init__(self, settings: ApiSettings, base_url: str) -> None:
        self.settings = settings
        self.links = Links(base_url)
        self.base_url = base_url
        self.metrics = ApiMetrics()
        self.store = RecordStore(
            settings.postgres_conninfo(),
            settings.api_pool_size,
            settings.api_max_items,
            settings.api_statement_timeout_ms,
        )

    def page_url(self, request: Request, number: int, per_page: int) -> str:
        params = [
            (key, value)
            for key, value in request.query_params.multi_items()
            if key not in ("page", "per_page")
        ]
        params += [("page", str(number)), ("per_page", str(per_page))]
        return f"{self.base_url}{request.url.path}?{urlencode(params)}"

    def paged(self, request: Request, page: Page, items: int, key: str, answers: list[Any]) -> Response:
        links = pagination(page, items, lambda number: self.page_url(request, number, page.per_page))
        return json_response({"pagination": links, key: answers})


def guarded(endpoint: Endpoint) -> Endpoint:
    """A route's failures as Discogs-style answers: 4xx for the request, 503 for the database."""

    @functools.wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except RequestError as exc:
            return message(exc.status, exc.message)
        except psycopg.errors.QueryCanceled:
            return message(503, "The query took too long: narrow it with more filters.")
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
            log.warning("⚠️ The database is unavailable", route=request.url.path)
            return message(503, "The database is unavailable; try again shortly.")
        except Exception:
            log.exception("❌ Unexpected error answering a request", route=request.url.path)
            return message(500, "Internal error.")

    return answer


def _api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


def _id(request: Request, kind: str) -> int:
    found = record_id(request.path_params["id"])
    if found is None:
        raise RequestError(404, NOT_FOUND[kind])
    return found


def record_response(
    request: Request, body: Callable[[], dict[str, Any]], stored: Stored, *hashes: str
) -> Response:
    """A record's answer with its ETag and Last-Modified, or 304 when the client's copy is current."""
    etag = entity_tag(stored.hash, *hashes)
    headers = {"ETag": etag, "Last-Modified": http_date(stored.updated_at)}
    current = not_modified(
        etag,
        stored.updated_at,
        request.headers.get("if-none-match"),
        request.headers.get("if-modified-since"),
    )
    if current:
        return Response(status_code=304, headers=headers)
    return json_response(body(), headers=headers)


def record_route(
    kind: str,
    read: Callable[[RecordStore, int], Awaitable[Stored | None]],
    answer: Callable[[Mapping[str, Any], Links], dict[str, Any]],
) -> Endpoint:
    """The route of one record by id: its answer, 304, or Discogs' 404."""

    @guarded
    async def one_record(request: Request) -> Response:
        api = _api(request)
        stored = await read(api.store, _id(request, kind))
        if stored is None:
            return message(404, NOT_FOUND[kind])
        return record_response(request, lambda: answer(stored.data, api.links), stored)

    return one_record


def list_route(
    kind: str,
    key: str,
    read: Callable[[RecordStore, int, Page], Awaitable[tuple[int, list[Any]]]],
    answer: Callable[[Any, Links, int], dict[str, Any]],
) -> Endpoint:
    """The route of a record's paged list (a master's versions, an artist's or label's releases)."""

    @guarded
    async def record_list(request: Request) -> Response:
        api = _api(request)
        record_id = _id(request, kind)
        page = page_of(request.query_params, api.settings.api_max_items)
        if not await api.store.exists(kind, record_id):
            return message(404, NOT_FOUND[kind])
        items, found = await read(api.store, record_id, page)
        answers = [answer(one, api.links, record_id) for one in found]
        return api.paged(request, page, items, key, answers)

    return record_list


release = record_route("release", RecordStore.release, release_answer.release)
artist = record_route("artist", RecordStore.artist, artist_answer.artist)
label = record_route("label", RecordStore.label, label_answer.label)
master_versions = list_route(
    "master",
    "versions",
    RecordStore.master_versions,
    lambda record, links, _: master_answer.version(record, links),
)
artist_releases = list_route(
    "artist",
    "releases",
    RecordStore.artist_releases,
    lambda found, links, _: artist_answer.artist_release(found[1], found[0], links, "Main"),
)
label_releases = list_route("label", "releases", RecordStore.label_releases, label_answer.label_release)


@guarded
async def master(request: Request) -> Response:
    """A master's answer takes its main release's tracklist, so its ETag takes that release's hash."""
    api = _api(request)
    found = await api.store.master(_id(request, "master"))
    if found is None:
        return message(404, NOT_FOUND["master"])
    return record_response(
        request,
        lambda: master_answer.master(found.master.data, api.links, found.main_release),
        found.master,
        found.main_release_hash or "",
    )


@guarded
async def search(request: Request) -> Response:
    api = _api(request)
    page = page_of(request.query_params, api.settings.api_max_items)
    searches = kind_searches(search_request(request.query_params))
    items, found = await api.store.search(searches, page)
    results = [SEARCH_ANSWERS[kind](record, api.links) for kind, record in found]
    return api.paged(request, page, items, "results", results)


async def health(request: Request) -> Response:
    api = _api(request)
    body: dict[str, Any] = {
        "service": "serve",
        "database": api.settings.postgres_target(),
        "pid": os.getpid(),
    }
    try:
        body["schema_version"] = await api.store.schema_version()
    except (psycopg.Error, psycopg_pool.PoolTimeout):
        return json_response({**body, "status": "unhealthy", "problem": "the database does not answer"}, 503)
    return json_response({**body, "status": "healthy"})


async def metrics(request: Request) -> Response:
    return Response(_api(request).metrics.render(), media_type=CONTENT_TYPE)


async def openapi(request: Request) -> Response:
    from discogsography.api.openapi_document import document

    return json_response(document(_api(request).base_url))


async def _not_found(request: Request, exc: Exception) -> Response:
    return message(404, "The requested resource was not found.")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return message(status, "Method not allowed." if status == 405 else "Bad request.")


ROUTES = [
    Route("/releases/{id}", release),
    Route("/masters/{id}", master),
    Route("/masters/{id}/versions", master_versions),
    Route("/artists/{id}", artist),
    Route("/artists/{id}/releases", artist_releases),
    Route("/labels/{id}", label),
    Route("/labels/{id}/releases", label_releases),
    Route("/database/search", search),
    Route("/health", health),
    Route("/metrics", metrics),
    Route("/openapi.json", openapi),
]


def make_app(settings: ApiSettings, base_url: str) -> RequestLog:
    api = Api(settings, base_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await api.store.open()
        # A full collection at the default thresholds, every few hundred requests, walked the
        # whole process and held every request in flight (docs/performance.md).
        freeze_what_is_held()
        collect_rarely()
        try:
            yield
        finally:
            await api.store.close()

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _http_error, 400: _http_error},
    )
    app.state.api = api
    return RequestLog(app, api.metrics)


def app_from_environment() -> RequestLog:
    """The app of one server process (uvicorn's factory): settings from the environment."""
    settings = load_settings()
    configure_logging("serve", settings.log_level)
    return make_app(settings, os.environ.get(BASE_URL_VARIABLE) or settings.public_url())
