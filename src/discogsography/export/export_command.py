"""`discogsography export PATH... --format parquet|jsonl|csv --output DIR`."""

from __future__ import annotations

from pathlib import Path

import click

from discogsography.bulk.inputs import find_dump_files
from discogsography.bulk.runs import each_dump, report_skip
from discogsography.cli.shared_options import parser_options
from discogsography.export.export_run import ExportOptions, Format, export_file
from discogsography.parsing import ParseStats
from discogsography.runtime.logs import configure_command_logging


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice([f.value for f in Format]),
    default=Format.PARQUET.value,
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for <kind>/part-NNNNN.parquet, <kind>.jsonl or <kind>.csv (created when missing).",
)
@click.option("--workers", "-w", type=click.IntRange(min=1), default=2, show_default=True)
@parser_options
def export(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path,
    workers: int,
    max_consecutive_failures: int,
    max_skipped_share: float,
    progress: bool | None,
) -> None:
    """Export dump files (or the newest version in a directory), one output per kind.

    Parquet: a directory of part files, the table's typed columns, then the record's other
    fields as nested structs and lists (docs/export.md). JSON Lines: one file, the records as
    `parse` writes them. CSV: one file, the typed columns.
    """
    configure_command_logging("export")
    dumps = find_dump_files(paths)
    output.mkdir(parents=True, exist_ok=True)
    options = ExportOptions(Format(fmt), output, workers, max_consecutive_failures, max_skipped_share)
    for dump, pool, advance in each_dump(dumps, workers=workers, progress=progress, verb="exporting"):
        options.pool = pool
        path, stats = export_file(dump, options, report_skip, advance)
        _summary(dump.path.name, dump.kind.value, stats, path)


def _summary(name: str, kind: str, stats: ParseStats, path: Path) -> None:
    click.echo(
        f"{name}: {kind}: {stats.records:,} records, {stats.skipped} skipped, "
        f"{stats.seconds:.2f} s, {stats.records_per_second:,.0f} records/s -> {path}",
        err=True,
    )
