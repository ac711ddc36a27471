"""`discogsography tableinator` (the service) and `discogsography db init` (the schema)."""

from __future__ import annotations

import click
import psycopg

from discogsography.cli.shared_options import database_url_option, log_options, service_log_options
from discogsography.config.tableinator_settings import load_settings
from discogsography.errors import DiscogsographyError
from discogsography.runtime.failures import summary


@click.command()
@service_log_options
def tableinator() -> None:
    """Consume the four queues into PostgreSQL tables (configured by environment variables)."""
    from discogsography.tableinator.tableinator_service import run_service

    run_service(load_settings())


@click.group()
def db() -> None:
    """The PostgreSQL schema of the tableinator."""


@db.command("init")
@database_url_option(show_default="DATABASE_URL or POSTGRES_*, as the tableinator")
@log_options
def init(database_url: str | None) -> None:
    """Create or migrate the tables and indexes (idempotent; the service does it at start too)."""
    from discogsography.relational.connect import connect
    from discogsography.relational.migrations import ensure_schema, schema_version

    settings = load_settings(**({"database_url": database_url} if database_url else {}))
    try:
        with connect(settings.postgres_conninfo()) as conn:
            applied = ensure_schema(conn)
            version = schema_version(conn)
    except psycopg.Error as exc:
        raise DiscogsographyError(
            f"cannot initialise the schema on {settings.postgres_target()}: {summary(exc)}"
        ) from None
    applied_text = ", ".join(map(str, applied)) if applied else "none, already up to date"
    click.echo(f"✅ Schema at version {version} (migrations applied now: {applied_text})")
