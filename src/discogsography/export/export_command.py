"""`discogsography export PATH... --format parquet|jsonl|csv --output DIR`."""

from __future__ import annotations

from pathlib import Path

import click

from discogsography.bulk.inputs import find_dump_files
from discogsography.bulk.runs import each_dump, report_skip
from discogsography.cli.shared_options import existing_path, log_options, parser_options, writable_dir
from discogsography.errors import OutputError
from discogsography.export.export_run import ExportOptions, Format, export_file
from discogsography.parsing import ParseStats


@click.command()
@click.argument("paths", nargs=-1, required=True, type=existing_path)
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
    type=writable_dir,
    required=True,
    help="Directory for <kind>/part-NNNNN.parquet, <kind>.jsonl or <kind>.csv (created when missing).",
)
@parser_options
@log_options
def export(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path,
    max_consecutive_failures: int,
    max_skipped_share: float,
    workers: int,
    progress: bool | None,
) -> None:
    """Export dump files (or the newest version in a directory), one output per kind.

    Parquet: a directory of part files, the table's typed columns, then the record's other
    fields as nested structs and lists (docs/export.md). JSON Lines: one file, the records as
    `parse` writes them. CSV: one file, the typed columns.
    """
    dumps = find_dump_files(paths)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write into {output}: {exc.strerror or exc}") from None
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
