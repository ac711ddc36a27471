"""What the `discogsography cache` commands share: the database, thresholds, the timing of one step."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from discogsography.cli.shared_options import database_url_option
from discogsography.config.cache_settings import load_cache_settings

# The cache database: DATABASE_URL or POSTGRES_* of the moment the command runs.
cache_database_url = database_url_option(
    default=lambda: load_cache_settings().database,
    show_default="DATABASE_URL or POSTGRES_*, else postgresql://localhost:5432/discogs",
)


def timed(name: str, action: Callable[[], str | None]) -> None:
    """One step on its own: run it and print its timing and summary."""
    from discogsography.cache.cache_database import database_errors

    started = time.monotonic()
    with database_errors(name):
        summary = action()
    tail = f": {summary}" if summary else ""
    click.echo(f"✅ {name} done in {time.monotonic() - started:.1f} s{tail}", err=True)


def threshold_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option(
        "--review-threshold",
        type=click.FloatRange(0, 100),
        default=65.0,
        show_default=True,
        help="Fuzzy score (0-100) from which a release is REVIEW.",
    )(function)
    return click.option(
        "--keep-threshold",
        type=click.FloatRange(0, 100),
        default=85.0,
        show_default=True,
        help="Fuzzy score (0-100) from which a release is KEEP.",
    )(function)


def parse_thresholds(keep: float, review: float) -> Any:
    from discogsography.cache.classify import Thresholds

    try:
        return Thresholds(keep=keep, review=review)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def check_exclusive(prune: bool, copy_to: str | None) -> None:
    if prune and copy_to:
        raise click.UsageError(
            "--prune and --copy-to exclude each other: prune in place, or copy to a target"
        )
