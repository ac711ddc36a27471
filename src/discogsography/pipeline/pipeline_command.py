"""`discogsography pipeline`: one whole run, extractor -> RabbitMQ -> tableinator -> PostgreSQL.

The run itself is pipeline_run.py; this is its command line and its summary. It is the README's
quick start and a smoke test for a deployment.
"""

from __future__ import annotations

import sys

import click

from discogsography.cli.shared_options import check_dump_paths, service_log_options
from discogsography.config.extractor_settings import load_settings as load_extractor_settings
from discogsography.config.service_ports import EXTRACTOR_HEALTH_PORT, TABLEINATOR_HEALTH_PORT
from discogsography.config.tableinator_settings import load_settings
from discogsography.kinds import Kind
from discogsography.pipeline.completion_wait import KindState
from discogsography.pipeline.pipeline_run import RunOptions, run_pipeline
from discogsography.relational.tables import LINK_TABLES, RECORD_TABLES
from discogsography.runtime.logs import console, current_level


@click.command()
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=1800,
    show_default=True,
    help="Seconds to wait for the tableinator after the extractor finished.",
)
@click.option(
    "--extractor-health-port",
    type=click.IntRange(0, 65535),
    default=EXTRACTOR_HEALTH_PORT,
    show_default=True,
    help="Port of the extractor's /health and /metrics while it runs (0, or in use: a free one).",
)
@click.option(
    "--tableinator-health-port",
    type=click.IntRange(0, 65535),
    default=TABLEINATOR_HEALTH_PORT,
    show_default=True,
    help="Port of the tableinator's /health and /metrics while it runs (0, or in use: a free one).",
)
@service_log_options
def pipeline(timeout: float, extractor_health_port: int, tableinator_health_port: int) -> None:
    """Run the extractor once and the tableinator until every published file is stored.

    Uses the services' own settings (environment and .env: DISCOGS_SOURCE, DISCOGS_ROOT,
    AMQP_CONNECTION, DATABASE_URL or POSTGRES_*, docs/configuration.md). The services' health
    ports are their usual ones, so `discogsography dashboard` finds them. A version the
    extractor had already published, and the tables hold, is not waited for: the command says
    so and ends.
    """
    settings = load_settings()
    extractor_settings = load_extractor_settings()
    root = extractor_settings.discogs_root
    check_dump_paths(root, extractor_settings.discogs_source)  # before any server is contacted
    options = RunOptions(
        timeout=timeout,
        extractor_health_port=extractor_health_port,
        tableinator_health_port=tableinator_health_port,
        log_level=current_level(),
        on_terminal=sys.stderr.isatty(),
    )
    result = run_pipeline(settings, root, options, _print_stored)
    held = sorted(kind.value for kind, state in result.states.items() if state is KindState.HELD)
    if len(held) == len(Kind):
        click.echo(
            f"\nNothing to do: version {result.run.version} was already published and the tables hold it "
            "(FORCE_REPROCESS=true publishes it again). The tables:"
        )
    else:
        click.echo(f"\nLoaded into PostgreSQL in {result.seconds:.1f} s:")
        if held:
            click.echo(
                f"  (already held version {result.run.version}, not published again: {', '.join(held)})"
            )
    for table in RECORD_TABLES + LINK_TABLES:
        click.echo(f"  {table:<16} {result.counts[table]:>10,} rows")


def _print_stored(kind: Kind, records: int) -> None:
    """One line per file the tableinator has stored, above the bars."""
    console().print(f"✅ {kind.value}: {records:,} records stored", highlight=False)
