"""`discogsography load PATH...`: dump files into PostgreSQL, the tableinator's schema, no broker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import psycopg

from discogsography.bulk.inputs import find_dump_files
from discogsography.bulk.runs import each_dump, report_skip
from discogsography.cli.shared_options import database_url_option, existing_path, log_options, parser_options
from discogsography.config.tableinator_settings import load_settings
from discogsography.errors import DiscogsographyError
from discogsography.load.load_run import FileOutcome, LoadOptions, load_file
from discogsography.relational.connect import connect as connect_to_postgres
from discogsography.runtime.failures import summary
from discogsography.runtime.redact import redact_text


def _conninfo(database_url: str | None) -> tuple[str, str]:
    """The connection string and how a message names the server (no password in it)."""
    if database_url:
        return database_url, redact_text(database_url)
    settings = load_settings()
    return settings.postgres_conninfo(), settings.postgres_target()


def _connector(conninfo: str, where: str) -> Any:
    def connect() -> psycopg.Connection[Any]:
        try:
            return connect_to_postgres(conninfo)
        except psycopg.Error as exc:
            raise DiscogsographyError(f"PostgreSQL at {where}: {summary(exc)}") from None

    return connect


@click.command()
@click.argument("paths", nargs=-1, type=existing_path)
@click.option(
    "--from-source",
    is_flag=True,
    help="The newest version at the extractor's DISCOGS_SOURCE, downloaded and verified into DISCOGS_ROOT.",
)
@database_url_option(show_default="DATABASE_URL or POSTGRES_*, as the tableinator")
# The earlier name of --database-url, kept for scripts that use it.
@click.option("--dsn", metavar="URL", default=None, hidden=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option(
    "--fast/--no-fast",
    default=False,
    show_default=True,
    help="Into empty tables: keys and indexes built after the data (no crash safety while loading).",
)
@parser_options
@log_options
def load(
    paths: tuple[Path, ...],
    from_source: bool,
    database_url: str | None,
    dsn: str | None,
    batch_size: int,
    fast: bool,
    max_consecutive_failures: int,
    max_skipped_share: float,
    workers: int,
    progress: bool | None,
) -> None:
    """Load dump files (or the newest version in a directory) into PostgreSQL.

    Same tables, rows and link tables as the tableinator. Resumable per file, idempotent by
    hash; a newer version loaded over an older one removes the ids it no longer has.
    """
    if from_source == bool(paths):
        raise click.UsageError("give dump files or directories, or --from-source")
    if dsn and database_url:
        raise click.UsageError("--dsn is the earlier name of --database-url: give one of them")
    # The files first: a missing or unreadable one is the user's to fix, whatever the server.
    dumps = find_dump_files(paths) if paths else []
    conninfo, where = _conninfo(database_url or dsn)
    # Before any download or parse: a wrong URL, role or database costs seconds.
    _connector(conninfo, where)().close()
    if from_source:
        from discogsography.load.from_source import source_files  # the extractor's code, only when used

        dumps = find_dump_files(source_files())
    options = LoadOptions(
        _connector(conninfo, where), workers, batch_size, fast, max_consecutive_failures, max_skipped_share
    )
    for dump, pool, advance in each_dump(dumps, workers=workers, progress=progress, verb="loading"):
        options.pool = pool
        try:
            outcome = load_file(dump, options, report_skip, advance)
        except psycopg.Error as exc:
            raise DiscogsographyError(f"{dump.path.name}: PostgreSQL: {summary(exc)}") from None
        _summary(outcome)


def _summary(outcome: FileOutcome) -> None:
    name, kind = outcome.dump.path.name, outcome.dump.kind.value
    if outcome.action == "already loaded":
        click.echo(f"{name}: {kind}: already loaded, skipped", err=True)
        return
    rate = outcome.records / outcome.seconds if outcome.seconds else 0.0
    click.echo(
        f"{name}: {kind}: {outcome.action} ({outcome.path} path), "
        f"{outcome.records:,} records, {outcome.changed:,} written, {outcome.removed:,} removed, "
        f"{outcome.skipped} skipped, {outcome.seconds:.2f} s, {rate:,.0f} records/s",
        err=True,
    )
