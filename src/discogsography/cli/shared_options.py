"""Options shared by commands, each defined once: one name, one default, one help text.

- ``log_options`` / ``service_log_options``: ``--log-level`` and ``-v/--verbose`` on every
  command, and the one way a command sets up logging (runtime/logs.py's
  ``configure_command_logging``), done before the command's body runs.
- ``workers_option``, ``progress_option``: every command that parses dump files.
- ``database_url_option``: every command that takes a PostgreSQL database.
- ``parser_options``: what `parse`, `load` and `export` share about malformed records.
- ``writable_dir``, ``writable_file``: output paths checked when the command line is read, before
  any server is contacted.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from discogsography.config.settings_base import LOG_LEVELS

F = TypeVar("F", bound=Callable[..., Any])

# In every command (parse, load, export, cache build/convert) a worker is a parser process
# feeding the one process that writes; 1 parses in that process. 2 uses both cores of the small
# machines this is sized for (docs/sizing.md); a damaged file's good records before the damage
# come out either way (runtime/process_pool.py hands back every block read before an error).
DEFAULT_WORKERS = 2


def _with_logging(command: F, *, plain_errors: bool) -> F:
    @functools.wraps(command)
    def configured(*args: Any, log_level: str | None, verbose: int, **kwargs: Any) -> Any:
        from discogsography.runtime.logs import configure_command_logging

        configure_command_logging(log_level=log_level, verbose=verbose, plain_errors=plain_errors)
        return command(*args, **kwargs)

    configured = click.option(
        "--verbose",
        "-v",
        count=True,
        help="Also the info lines (-vv: debug), as LOG_LEVEL=INFO (DEBUG) does.",
    )(configured)
    configured = click.option(
        "--log-level",
        type=click.Choice(LOG_LEVELS, case_sensitive=False),
        default=None,
        help="Least severe level logged (default: LOG_LEVEL; else INFO, WARNING on a terminal).",
    )(configured)
    return configured  # type: ignore[return-value]


def log_options(command: F) -> F:
    """--log-level and -v; the command's final error is a plain `error: ...` line."""
    return _with_logging(command, plain_errors=True)


def service_log_options(command: F) -> F:
    """--log-level and -v for a service: off a terminal its final error is a JSON line too."""
    return _with_logging(command, plain_errors=False)


def workers_option(command: F) -> F:
    return click.option(
        "--workers",
        "-w",
        type=click.IntRange(min=1),
        default=DEFAULT_WORKERS,
        show_default=True,
        help="Parser processes (1: parse in this process; 2 uses both cores of a 2-core machine).",
    )(command)


def progress_option(command: F) -> F:
    return click.option(
        "--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)."
    )(command)


def database_url_option(
    default: Callable[[], str | None] | None = None, show_default: str | None = None
) -> Callable[[F], F]:
    """--database-url: a ``postgresql://`` URL or a ``key=value`` conninfo; ``default`` is read
    when the command runs (the environment and .env of that moment), never at import."""

    def decorate(command: F) -> F:
        return click.option(
            "--database-url",
            metavar="URL",
            default=default,
            show_default=show_default or False,
            help="PostgreSQL database (URL or key=value conninfo).",
        )(command)

    return decorate


def parser_options(command: F) -> F:
    """--max-consecutive-failures, --max-skipped-share, --workers and --progress/--no-progress."""
    from discogsography.parsing.skip_guard import DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_MAX_SKIPPED_SHARE

    command = progress_option(command)
    command = workers_option(command)
    command = click.option(
        "--max-skipped-share",
        type=click.FloatRange(min=0.0, max=1.0),
        default=DEFAULT_MAX_SKIPPED_SHARE,
        show_default=True,
        help="Fail a file (exit 1, no output) when more than this share of its records is skipped.",
    )(command)
    return click.option(
        "--max-consecutive-failures",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_CONSECUTIVE_FAILURES,
        show_default=True,
        help="Declare a file broken after this many malformed records in a row.",
    )(command)


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path()


def _cannot_write_into(directory: Path) -> str | None:
    """Why a file cannot be created in ``directory`` (or in it once created), or None.

    Tried, not inferred from permission bits: root passes every access() check, yet cannot
    create anything under /proc or on a read-only file system."""
    found = _nearest_existing(directory.absolute())
    if not found.is_dir():
        return f"{found} is not a directory"
    try:
        handle, probe = tempfile.mkstemp(prefix=".discogsography-probe-", dir=found)
    except OSError as exc:
        return f"no file can be created in {found} ({exc.strerror or exc})"
    os.close(handle)
    Path(probe).unlink()
    return None


class WritableDir(click.Path):
    """A directory to write into: existing, or creatable, and a file can be made in it. Not
    created here: the command creates it when it writes."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        problem = _cannot_write_into(path)
        if problem is not None:
            self.fail(f"cannot write into {path}: {problem}", param, ctx)
        return path


class WritableFile(click.Path):
    """A file to write (replaced through a temporary file beside it): its directory exists or can
    be created, and a file can be made in it. A device or a pipe that exists (/dev/null, a FIFO)
    is written straight into."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        if path.exists() and not path.is_file():
            if not os.access(path, os.W_OK):
                self.fail(f"cannot write {path}", param, ctx)
            return path
        problem = _cannot_write_into(path.parent)
        if problem is not None:
            self.fail(f"cannot write {path}: {problem}", param, ctx)
        return path


writable_dir = WritableDir()
writable_file = WritableFile()
existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)
existing_path = click.Path(exists=True, path_type=Path)


def check_dump_paths(discogs_root: Path, discogs_source: str) -> None:
    """The extractor's paths, checked before any server is contacted: DISCOGS_ROOT can be written
    into (created when missing, as the extractor does), and a file:// DISCOGS_SOURCE is a
    directory. One line naming the setting otherwise."""
    from discogsography.dumps.fetching import check_root
    from discogsography.dumps.sources.local_mirror import LocalSourceError, local_directory
    from discogsography.errors import ConfigurationError, DiscogsographyError

    try:
        check_root(discogs_root)
    except DiscogsographyError as exc:
        raise ConfigurationError(str(exc)) from None
    if discogs_source.startswith("file:"):
        try:
            directory = local_directory(discogs_source)
        except LocalSourceError as exc:
            raise ConfigurationError(f"DISCOGS_SOURCE {discogs_source}: {exc}") from None
        if not directory.is_dir():
            raise ConfigurationError(f"DISCOGS_SOURCE {discogs_source}: {directory} is not a directory")
