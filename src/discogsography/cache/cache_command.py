"""`discogsography cache ...`: the whole build, each step on its own, and search.

The group and `build` are here; the steps are in step_commands.py, search in search_command.py, the
options they share in cache_options.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from discogsography.cache import cache_options as options
from discogsography.cache import search_command, step_commands
from discogsography.cli.shared_options import (
    existing_dir,
    existing_file,
    log_options,
    progress_option,
    workers_option,
    writable_dir,
    writable_file,
)
from discogsography.config.cache_settings import load_cache_settings


@click.group()
def cache() -> None:
    """Build and query a library-filtered, fuzzy-searchable PostgreSQL cache of Discogs releases.

    Warnings (skipped records) go to stderr, stdout stays for results; the final error is a plain
    line, stderr also carrying the steps' report (each command's log_options)."""


@cache.command()
@click.option("--xml", type=existing_file, help="Build from a releases dump (.xml.gz or .xml).")
@click.option("--csv-dir", type=existing_dir, help="Build from table CSVs (docs/cache.md).")
@click.option("--library-artists", type=existing_file, help="library_artists.txt: one artist per line.")
@click.option("--library-db", type=existing_file, help="library.db (SQLite, table library(artist, title)).")
@click.option(
    "--wxyc-db-url",
    default=lambda: load_cache_settings().wxyc_db_url,
    help="mysql://... catalog for enrich and dedup labels.",
)
@click.option(
    "--library-labels",
    type=existing_file,
    help="CSV artist_name,release_title,label_name: dedup prefers these labels (else the catalog's).",
)
@click.option(
    "--mappings-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Remembered decisions for REVIEW releases (JSON keep/prune by artist), applied by verify.",
)
@options.cache_database_url
@click.option(
    "--work-dir",
    type=writable_dir,
    default=Path("cache-work"),
    show_default=True,
    help="Where the intermediate CSVs and the enriched artist list go.",
)
@click.option(
    "--state-file",
    type=writable_file,
    default=Path(".pipeline_state.json"),
    show_default=True,
)
@click.option("--resume", is_flag=True, help="Skip completed steps (--csv-dir mode only).")
@click.option("--prune", is_flag=True, help="Delete PRUNE releases in the cache database.")
@click.option(
    "--copy-to",
    "--target-db-url",
    "copy_to",
    metavar="URL",
    help="Copy KEEP and REVIEW releases to this database (created if missing) instead of pruning.",
)
@options.threshold_options
@workers_option
@progress_option
@log_options
def build(
    xml: Path | None,
    csv_dir: Path | None,
    library_artists: Path | None,
    library_db: Path | None,
    wxyc_db_url: str | None,
    library_labels: Path | None,
    mappings_file: Path | None,
    database_url: str,
    work_dir: Path,
    state_file: Path,
    resume: bool,
    prune: bool,
    copy_to: str | None,
    keep_threshold: float,
    review_threshold: float,
    workers: int,
    progress: bool | None,
) -> None:
    """Run the whole pipeline: convert, fix newlines, enrich, filter, schema, import, indexes,
    dedup, verify (prune or copy), vacuum."""
    from discogsography.cache.build import BuildOptions
    from discogsography.cache.build import build as run_build

    options.check_exclusive(prune, copy_to)
    run_build(
        BuildOptions(
            database_url=database_url,
            work_dir=work_dir,
            state_file=state_file,
            xml=xml,
            csv_dir=csv_dir,
            library_artists=library_artists,
            library_db=library_db,
            wxyc_db_url=wxyc_db_url,
            library_labels=library_labels,
            mappings_file=mappings_file,
            thresholds=options.parse_thresholds(keep_threshold, review_threshold),
            prune=prune,
            copy_to=copy_to,
            resume=resume,
            progress=sys.stderr.isatty() if progress is None else progress,
            workers=workers,
        )
    )


for command in (
    step_commands.convert,
    step_commands.fix_newlines,
    step_commands.enrich,
    step_commands.filter_command,
    step_commands.create_schema,
    step_commands.migrate,
    step_commands.import_command,
    step_commands.create_indexes,
    step_commands.dedup,
    step_commands.library_labels,
    step_commands.verify,
    step_commands.vacuum,
    search_command.search,
):
    cache.add_command(command)
