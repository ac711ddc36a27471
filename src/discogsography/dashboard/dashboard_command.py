"""`discogsography dashboard`: the operator's page (docs/dashboard.md)."""

from __future__ import annotations

import click

from discogsography.cli.shared_options import service_log_options


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: DASHBOARD_HOST, else 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port (default: DASHBOARD_PORT, else 8003)."
)
@service_log_options
def dashboard(host: str | None, port: int | None) -> None:
    """Serve a live page of the pipeline: services, queues, files, tables, last errors."""
    from discogsography.config.dashboard_settings import load_settings
    from discogsography.dashboard.server import run

    overrides = {"dashboard_host": host, "dashboard_port": port}
    settings = load_settings(**{key: value for key, value in overrides.items() if value is not None})
    run(settings)
