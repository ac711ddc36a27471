"""`discogsography serve`: the local Discogs API over the tableinator's tables (docs/api.md)."""

from __future__ import annotations

import os
import socket
import tempfile
from typing import TYPE_CHECKING

import click

from discogsography.cli.shared_options import service_log_options

if TYPE_CHECKING:
    from discogsography.config.api_settings import ApiSettings


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: API_HOST, else 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port (default: API_PORT, else 8080)."
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes, each with its own connection pool (default: API_PROCESSES, else 2).",
)
@service_log_options
def serve(host: str | None, port: int | None, processes: int | None) -> None:
    """Serve the tables in the Discogs API's own shapes (read-only), for Discogs API clients."""
    from discogsography.config.api_settings import load_settings

    overrides = {"api_host": host, "api_port": port, "api_processes": processes}
    settings = load_settings(**{key: value for key, value in overrides.items() if value is not None})
    _check_database(settings.postgres_conninfo(), settings.postgres_target())
    listener = _listen(settings.api_host, settings.api_port)
    _run(settings, listener)


def _check_database(conninfo: str, target: str) -> None:
    """The tables are there, at the schema this version reads (migrations 6 and 7: the API's
    indexes and the statistics its searches are planned from)."""
    import psycopg

    from discogsography.errors import DiscogsographyError
    from discogsography.relational.connect import connect
    from discogsography.relational.migrations import migrations, schema_version
    from discogsography.runtime.failures import summary

    needed = migrations()[-1].version
    try:
        with connect(conninfo, autocommit=True) as conn:
            found = schema_version(conn)
    except psycopg.Error as exc:
        raise DiscogsographyError(f"PostgreSQL at {target}: {summary(exc)}") from None
    if found < needed:
        what = "holds no tables" if found == 0 else f"is at schema version {found}, serve reads {needed}"
        raise DiscogsographyError(
            f"PostgreSQL at {target} {what}: fill it with `discogsography load` or the pipeline, "
            "or run `discogsography db init` to bring its schema up to date"
        )


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a taken port is one line and port 0 gets a real port."""
    from discogsography.errors import DiscogsographyError

    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(info[0], socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(info[4])
        listener.listen(2048)
    except OSError as exc:
        raise DiscogsographyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    listener.set_inheritable(True)
    return listener


def _run(settings: ApiSettings, listener: socket.socket) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from discogsography.api.api_app import BASE_URL_VARIABLE
    from discogsography.runtime.logs import current_level, get_logger

    port = int(listener.getsockname()[1])
    base_url = settings.public_url(port)
    # The server processes read their settings from the environment: hand them this command's.
    os.environ.update(
        {
            "API_HOST": settings.api_host,
            "API_PORT": str(port),
            "API_PROCESSES": str(settings.api_processes),
            "LOG_LEVEL": current_level(),
            BASE_URL_VARIABLE: base_url,
        }
    )
    config = uvicorn.Config(
        "discogsography.api.api_app:app_from_environment",
        factory=True,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,  # the processes log through discogsography's own setup
        access_log=False,  # one line per request comes from request_log.py instead
        server_header=False,
        workers=settings.api_processes,
        timeout_graceful_shutdown=5,
    )
    get_logger(__name__).info(
        "🚀 Serving the Discogs API",
        url=base_url,
        processes=settings.api_processes,
        database=settings.postgres_target(),
    )
    if settings.api_processes == 1:
        uvicorn.Server(config).run(sockets=[listener])
        return
    with tempfile.TemporaryDirectory(prefix="discogsography-api-metrics-") as shared:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared  # the processes' counts, summed on /metrics
        Multiprocess(config, sockets=[listener]).run()
