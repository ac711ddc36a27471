"""`discogsography extractor`: the long-lived extractor service (``--once``: one cycle)."""

from __future__ import annotations

import asyncio

import click

from discogsography.cli.shared_options import check_dump_paths, service_log_options
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url


@click.command()
@click.option("--once", is_flag=True, help="Run one cycle (find, download, publish) and exit.")
@service_log_options
def extractor(once: bool) -> None:
    """Download the newest Discogs dump, verify it and publish every record to RabbitMQ.

    Configured by environment variables (docs/extractor.md): AMQP_CONNECTION, DISCOGS_ROOT,
    DISCOGS_SOURCE, PERIODIC_CHECK_DAYS, HEALTH_CHECK_PORT, FORCE_REPROCESS, RECORDS_PER_MESSAGE...
    """
    from discogsography.config.extractor_settings import load_settings
    from discogsography.extractor.extractor_service import Extractor

    settings = load_settings()
    check_dump_paths(settings.discogs_root, settings.discogs_source)
    log = get_logger("discogsography.extractor")
    log.info(
        "🚀 Starting extractor",
        source=redact_url(settings.discogs_source),
        discogs_root=str(settings.discogs_root),
        periodic_check_days=settings.periodic_check_days,
        records_per_message=settings.records_per_message,
        health_check_port=settings.health_check_port,
        once=once,
    )
    asyncio.run(Extractor(settings).run(once=once))
