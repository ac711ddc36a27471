"""`discogsography cache STEP`: each step of the build on its own (docs/cache.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from discogsography.cache.cache_options import (
    cache_database_url,
    check_exclusive,
    parse_thresholds,
    threshold_options,
    timed,
)
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


@click.command()
@log_options
@click.argument("xml", type=existing_file)
@click.argument("out_dir", type=writable_dir)
@click.option("--library-artists", type=existing_file, help="Write only releases by these artists.")
@workers_option
@progress_option
def convert(
    xml: Path, out_dir: Path, library_artists: Path | None, workers: int, progress: bool | None
) -> None:
    """Stream a releases dump XML into the table CSVs in OUT_DIR."""
    from discogsography.cache.dump_to_csv import convert_dump
    from discogsography.cache.library import read_artist_list
    from discogsography.cache.matching import ArtistMatcher

    matcher = ArtistMatcher(read_artist_list(library_artists)) if library_artists else None
    show = sys.stderr.isatty() if progress is None else progress
    timed("convert", lambda: convert_dump(xml, out_dir, matcher, workers=workers, progress=show).summary())


@click.command("fix-newlines")
@log_options
@click.argument("csv_dir", type=existing_dir)
@click.argument("out_dir", type=writable_dir)
def fix_newlines(csv_dir: Path, out_dir: Path) -> None:
    """Replace CR/LF inside CSV fields by a space (OUT_DIR may be CSV_DIR)."""
    from discogsography.cache.newlines import fix_directory

    timed("fix_newlines", lambda: fix_directory(csv_dir, out_dir).summary())


@click.command()
@log_options
@click.argument("library_db", type=existing_file)
@click.argument("output", type=writable_file)
@click.option(
    "--wxyc-db-url",
    default=lambda: load_cache_settings().wxyc_db_url,
    help="mysql://... catalog to add names from.",
)
def enrich(library_db: Path, output: Path, wxyc_db_url: str | None) -> None:
    """Write library_artists.txt (OUTPUT) from LIBRARY_DB, enriched from a MySQL catalog."""
    from discogsography.cache.enrich import enrich as run_enrich

    timed("enrich", lambda: run_enrich(library_db, output, wxyc_db_url).summary())


@click.command("filter")
@log_options
@click.argument("library_artists", type=existing_file)
@click.argument("csv_dir", type=existing_dir)
@click.argument("out_dir", type=writable_dir)
def filter_command(library_artists: Path, csv_dir: Path, out_dir: Path) -> None:
    """Copy the CSVs of CSV_DIR to OUT_DIR keeping only releases by LIBRARY_ARTISTS."""
    from discogsography.cache.csvfilter import filter_directory
    from discogsography.cache.library import read_artist_list
    from discogsography.cache.matching import ArtistMatcher

    matcher = ArtistMatcher(read_artist_list(library_artists))
    timed("filter", lambda: filter_directory(csv_dir, out_dir, matcher).summary())


@click.command("create-schema")
@log_options
@cache_database_url
def create_schema(database_url: str) -> None:
    """Create extensions, tables and f_unaccent (idempotent); converts an earlier-version cache."""
    from discogsography.cache import cache_database

    timed("create_schema", lambda: cache_database.create_schema(database_url).summary())


@click.command("migrate")
@log_options
@cache_database_url
def migrate(database_url: str) -> None:
    """Convert a cache built by the earlier version of discogsography to the consumers' contract."""
    from discogsography.cache import cache_database

    timed("migrate", lambda: cache_database.create_schema(database_url).summary())


@click.command("import")
@log_options
@click.argument("csv_dir", type=existing_dir)
@cache_database_url
def import_command(csv_dir: Path, database_url: str) -> None:
    """Replace the cache rows with the CSVs of CSV_DIR (COPY, one transaction)."""
    from discogsography.cache import cache_database

    timed("import", lambda: cache_database.import_csvs(database_url, csv_dir).summary())


@click.command("create-indexes")
@log_options
@cache_database_url
def create_indexes(database_url: str) -> None:
    """Create foreign-key, trigram and cache_metadata indexes (idempotent)."""
    from discogsography.cache import cache_database

    timed("create_indexes", lambda: cache_database.create_indexes(database_url))


@click.command()
@log_options
@cache_database_url
@click.option("--library-labels", type=existing_file, help="CSV artist_name,release_title,label_name.")
@click.option("--wxyc-db-url", default=None, help="mysql://... catalog to read the library's labels from.")
def dedup(database_url: str, library_labels: Path | None, wxyc_db_url: str | None) -> None:
    """Keep one release per master (library's label, US, most tracks, lowest id); drop master_id."""
    from discogsography.cache import cache_database
    from discogsography.cache.labels import LabelPreferences, read_catalog_labels, read_labels_file

    def run() -> str:
        preferences = None
        if library_labels is not None:
            preferences = LabelPreferences(read_labels_file(library_labels))
        elif wxyc_db_url:
            preferences = LabelPreferences(read_catalog_labels(wxyc_db_url))
        return cache_database.dedup(database_url, preferences).summary()

    timed("dedup", run)


@click.command("library-labels")
@log_options
@click.argument("output", type=writable_file)
@click.option(
    "--wxyc-db-url",
    default=lambda: load_cache_settings().wxyc_db_url,
    required=True,
    help="mysql://... catalog.",
)
def library_labels(output: Path, wxyc_db_url: str) -> None:
    """Write the library's labels (artist_name,release_title,label_name) from the catalog to OUTPUT."""
    from discogsography.cache.labels import read_catalog_labels, write_labels_file

    timed(
        "library_labels",
        lambda: f"{write_labels_file(output, read_catalog_labels(wxyc_db_url)):,} labels written",
    )


@click.command()
@log_options
@click.argument("library_db", type=existing_file)
@cache_database_url
@click.option("--prune", is_flag=True, help="Delete PRUNE releases.")
@click.option("--copy-to", metavar="URL", help="Copy KEEP and REVIEW releases to this cache_database.")
@click.option(
    "--mappings-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Remembered decisions for REVIEW releases (JSON keep/prune by artist).",
)
@threshold_options
def verify(
    library_db: Path,
    database_url: str,
    prune: bool,
    copy_to: str | None,
    mappings_file: Path | None,
    keep_threshold: float,
    review_threshold: float,
) -> None:
    """Classify releases against LIBRARY_DB: a dry-run report, or --prune, or --copy-to URL."""
    from discogsography.cache.verify import verify as run_verify

    check_exclusive(prune, copy_to)
    thresholds = parse_thresholds(keep_threshold, review_threshold)

    def run() -> str:
        result = run_verify(
            database_url,
            library_db,
            thresholds=thresholds,
            prune=prune,
            copy_to=copy_to,
            mappings_file=mappings_file,
        )
        click.echo(result.report(), err=True)
        return result.summary()

    timed("verify", run)


@click.command()
@log_options
@cache_database_url
@click.option("--full/--no-full", default=True, show_default=True, help="VACUUM FULL (rewrites tables).")
def vacuum(database_url: str, full: bool) -> None:
    """Reclaim disk space and refresh planner statistics."""
    from discogsography.cache import cache_database

    timed("vacuum", lambda: cache_database.vacuum(database_url, full=full))
