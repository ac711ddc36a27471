"""`discogsography parse FILE`: a dump file to JSON Lines, with a summary on stderr."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from discogsography.cli.shared_options import existing_file, log_options, parser_options, writable_file
from discogsography.errors import OutputError, RecordError
from discogsography.parsing import DumpParser, ParsedRecord, ParseStats
from discogsography.runtime import atomic
from discogsography.runtime.progress_bars import byte_progress


@click.command()
@click.argument("file", type=existing_file)
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Stop after N records.")
@click.option(
    "--output", "-o", type=writable_file, default=None, help="Write JSON Lines here (default: stdout)."
)
@parser_options
@log_options
def parse(
    file: Path,
    limit: int | None,
    output: Path | None,
    max_consecutive_failures: int,
    max_skipped_share: float,
    workers: int,
    progress: bool | None,
) -> None:
    """Parse a Discogs dump FILE (.xml.gz or .xml, any of the four kinds) into JSON Lines.

    Each line is one record with its "sha256". Malformed records are skipped and reported.
    """

    def report_failure(error: RecordError) -> None:
        click.echo(f"skipped: {error}", err=True)

    parser = DumpParser(
        file,
        workers=workers,
        max_consecutive_failures=max_consecutive_failures,
        max_skipped_share=max_skipped_share,
        on_failure=report_failure,
    )
    show_progress = sys.stderr.isatty() if progress is None else progress
    with (
        _open_output(output) as out,
        byte_progress(show_progress, parser.source.compressed_size, f"parsing {file.name}") as advance,
    ):
        written = 0
        records: Iterator[ParsedRecord] = iter(parser)
        for record in records:
            out.write(record.json)
            out.write(b"\n")
            written += 1
            if written % 2000 == 0:
                advance(parser.source.compressed_position())
            if limit is not None and written >= limit:
                break
        if limit is not None and written >= limit:
            close = getattr(records, "close", None)
            if close is not None:
                close()
        advance(parser.source.compressed_position())
    _print_summary(parser.stats, file)


@contextlib.contextmanager
def _open_output(output: Path | None) -> Iterator[BinaryIO]:
    if output is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if output.exists() and not output.is_file():
        # A device or pipe (/dev/null, a FIFO): write straight into it, never replace it.
        with output.open("wb", buffering=1 << 20) as handle:
            yield handle
        return
    temporary = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        try:
            handle = temporary.open("wb", buffering=1 << 20)
        except OSError as exc:
            raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None
        with handle:
            yield handle
        # Only a finished parse replaces the output file.
        atomic.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)


_NAMED_IN_SUMMARY = 10


def _print_summary(stats: ParseStats, file: Path) -> None:
    kind = stats.kind.value if stats.kind else "?"
    skipped = f"{stats.skipped} skipped"
    if stats.skipped:
        named = ", ".join(stats.skipped_refs[:_NAMED_IN_SUMMARY])
        more = stats.skipped - min(stats.skipped, _NAMED_IN_SUMMARY)
        skipped += f" ({named}{f' and {more} more' if more else ''})"
    click.echo(
        f"{file.name}: {kind}: {stats.records} records, {skipped}, "
        f"{stats.seconds:.2f} s, {stats.records_per_second:,.0f} records/s",
        err=True,
    )
