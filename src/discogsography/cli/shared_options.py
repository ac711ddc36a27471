"""Options every command that parses dump files takes, defined once: `parse`, `load`, `export`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from discogsography.parsing.skip_guard import DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_MAX_SKIPPED_SHARE

F = TypeVar("F", bound=Callable[..., object])

_OPTIONS = (
    click.option(
        "--max-consecutive-failures",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_CONSECUTIVE_FAILURES,
        show_default=True,
        help="Declare a file broken after this many malformed records in a row.",
    ),
    click.option(
        "--max-skipped-share",
        type=click.FloatRange(min=0.0, max=1.0),
        default=DEFAULT_MAX_SKIPPED_SHARE,
        show_default=True,
        help="Fail a file (exit 1, no output) when more than this share of its records is skipped.",
    ),
    click.option(
        "--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)."
    ),
)


def parser_options(command: F) -> F:
    """--max-consecutive-failures, --max-skipped-share and --progress/--no-progress."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command
