"""`discogsography cache ...`: the whole build, each step on its own, and search."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from discogsography.cache.settings import load_cache_settings

existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)
new_dir = click.Path(file_okay=False, path_type=Path)


def database_url_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-url",
        # Read when a command runs, not at import: the environment and .env of that moment.
        default=lambda: load_cache_settings().database,
        show_default="DATABASE_URL or POSTGRES_*, else postgresql://localhost:5432/discogs",
        help="The cache database.",
    )(function)


def timed(name: str, action: Callable[[], str | None]) -> None:
    """One step on its own: run it and print its timing and summary."""
    from discogsography.cache.database import database_errors

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


def _thresholds(keep: float, review: float) -> Any:
    from discogsography.cache.classify import Thresholds

    try:
        return Thresholds(keep=keep, review=review)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _check_exclusive(prune: bool, copy_to: str | None) -> None:
    if prune and copy_to:
        raise click.UsageError(
            "--prune and --copy-to exclude each other: prune in place, or copy to a target"
        )


@click.group()
def cache() -> None:
    """Build and query a library-filtered, fuzzy-searchable PostgreSQL cache of Discogs releases."""
    from discogsography.logs import configure_logging

    # Warnings (skipped records) go to stderr; stdout stays for results. Its final error stays
    # a plain line: stderr also carries the steps' report.
    configure_logging("cache", load_cache_settings().log_level, plain_errors=True)


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
@database_url_option
@click.option(
    "--work-dir",
    type=new_dir,
    default=Path("cache-work"),
    show_default=True,
    help="Where the intermediate CSVs and the enriched artist list go.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
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
@threshold_options
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Parser processes for --xml."
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
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
    from discogsography.cache.pipeline import BuildOptions
    from discogsography.cache.pipeline import build as run_build

    _check_exclusive(prune, copy_to)
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
            thresholds=_thresholds(keep_threshold, review_threshold),
            prune=prune,
            copy_to=copy_to,
            resume=resume,
            progress=sys.stderr.isatty() if progress is None else progress,
            workers=workers,
        )
    )


@cache.command()
@click.argument("xml", type=existing_file)
@click.argument("out_dir", type=new_dir)
@click.option("--library-artists", type=existing_file, help="Write only releases by these artists.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--progress/--no-progress", default=None)
def convert(
    xml: Path, out_dir: Path, library_artists: Path | None, workers: int, progress: bool | None
) -> None:
    """Stream a releases dump XML into the table CSVs in OUT_DIR."""
    from discogsography.cache.convert import convert_dump
    from discogsography.cache.library import read_artist_list
    from discogsography.cache.matching import ArtistMatcher

    matcher = ArtistMatcher(read_artist_list(library_artists)) if library_artists else None
    show = sys.stderr.isatty() if progress is None else progress
    timed("convert", lambda: convert_dump(xml, out_dir, matcher, workers=workers, progress=show).summary())


@cache.command("fix-newlines")
@click.argument("csv_dir", type=existing_dir)
@click.argument("out_dir", type=new_dir)
def fix_newlines(csv_dir: Path, out_dir: Path) -> None:
    """Replace CR/LF inside CSV fields by a space (OUT_DIR may be CSV_DIR)."""
    from discogsography.cache.newlines import fix_directory

    timed("fix_newlines", lambda: fix_directory(csv_dir, out_dir).summary())


@cache.command()
@click.argument("library_db", type=existing_file)
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--wxyc-db-url",
    default=lambda: load_cache_settings().wxyc_db_url,
    help="mysql://... catalog to add names from.",
)
def enrich(library_db: Path, output: Path, wxyc_db_url: str | None) -> None:
    """Write library_artists.txt (OUTPUT) from LIBRARY_DB, enriched from a MySQL catalog."""
    from discogsography.cache.enrich import enrich as run_enrich

    timed("enrich", lambda: run_enrich(library_db, output, wxyc_db_url).summary())


@cache.command("filter")
@click.argument("library_artists", type=existing_file)
@click.argument("csv_dir", type=existing_dir)
@click.argument("out_dir", type=new_dir)
def filter_command(library_artists: Path, csv_dir: Path, out_dir: Path) -> None:
    """Copy the CSVs of CSV_DIR to OUT_DIR keeping only releases by LIBRARY_ARTISTS."""
    from discogsography.cache.csvfilter import filter_directory
    from discogsography.cache.library import read_artist_list
    from discogsography.cache.matching import ArtistMatcher

    matcher = ArtistMatcher(read_artist_list(library_artists))
    timed("filter", lambda: filter_directory(csv_dir, out_dir, matcher).summary())


@cache.command("create-schema")
@database_url_option
def create_schema(database_url: str) -> None:
    """Create extensions, tables and f_unaccent (idempotent); converts an earlier-version cache."""
    from discogsography.cache import database

    timed("create_schema", lambda: database.create_schema(database_url).summary())


@cache.command("migrate")
@database_url_option
def migrate(database_url: str) -> None:
    """Convert a cache built by the earlier version of discogsography to the consumers' contract."""
    from discogsography.cache import database

    timed("migrate", lambda: database.create_schema(database_url).summary())


@cache.command("import")
@click.argument("csv_dir", type=existing_dir)
@database_url_option
def import_command(csv_dir: Path, database_url: str) -> None:
    """Replace the cache rows with the CSVs of CSV_DIR (COPY, one transaction)."""
    from discogsography.cache import database

    timed("import", lambda: database.import_csvs(database_url, csv_dir).summary())


@cache.command("create-indexes")
@database_url_option
def create_indexes(database_url: str) -> None:
    """Create foreign-key, trigram and cache_metadata indexes (idempotent)."""
    from discogsography.cache import database

    timed("create_indexes", lambda: database.create_indexes(database_url))


@cache.command()
@database_url_option
@click.option("--library-labels", type=existing_file, help="CSV artist_name,release_title,label_name.")
@click.option("--wxyc-db-url", default=None, help="mysql://... catalog to read the library's labels from.")
def dedup(database_url: str, library_labels: Path | None, wxyc_db_url: str | None) -> None:
    """Keep one release per master (library's label, US, most tracks, lowest id); drop master_id."""
    from discogsography.cache import database
    from discogsography.cache.labels import LabelPreferences, read_catalog_labels, read_labels_file

    def run() -> str:
        preferences = None
        if library_labels is not None:
            preferences = LabelPreferences(read_labels_file(library_labels))
        elif wxyc_db_url:
            preferences = LabelPreferences(read_catalog_labels(wxyc_db_url))
        return database.dedup(database_url, preferences).summary()

    timed("dedup", run)


@cache.command("library-labels")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
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


@cache.command()
@click.argument("library_db", type=existing_file)
@database_url_option
@click.option("--prune", is_flag=True, help="Delete PRUNE releases.")
@click.option("--copy-to", metavar="URL", help="Copy KEEP and REVIEW releases to this database.")
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

    _check_exclusive(prune, copy_to)
    thresholds = _thresholds(keep_threshold, review_threshold)

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


@cache.command()
@database_url_option
@click.option("--full/--no-full", default=True, show_default=True, help="VACUUM FULL (rewrites tables).")
def vacuum(database_url: str, full: bool) -> None:
    """Reclaim disk space and refresh planner statistics."""
    from discogsography.cache import database

    timed("vacuum", lambda: database.vacuum(database_url, full=full))


@cache.command()
@click.option("--artist", help="Artist name (misspellings and missing accents are fine).")
@click.option("--title", help="Release title (alone or with --artist).")
@click.option("--track", help="Track title (optionally with --artist).")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--min-similarity",
    type=click.FloatRange(0, 1),
    default=0.3,
    show_default=True,
    help="pg_trgm similarity threshold for a candidate.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@database_url_option
def search(
    artist: str | None,
    title: str | None,
    track: str | None,
    limit: int,
    min_similarity: float,
    as_json: bool,
    database_url: str,
) -> None:
    """Ranked fuzzy matches: --artist A and/or --title T, or --track T (optionally with --artist)."""
    import dataclasses
    import json

    from discogsography.cache import database
    from discogsography.cache.search import search as run_search

    if not (artist or title or track):
        raise click.UsageError("give --artist, --title or --track")
    with database.database_errors("search"), database.connect(database_url) as conn:
        matches = run_search(
            conn, artist=artist, title=title, track=track, limit=limit, min_similarity=min_similarity
        )
    for match in matches:
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(match), ensure_ascii=False))
        else:
            track_part = f"  [{match.track_position or ''} {match.track_title}]" if match.track_title else ""
            click.echo(
                f"{match.score:.3f}  {match.release_id}  {match.artists or '?'} - {match.title}"
                f" ({match.release_year or '?'}, {match.country or '?'}){track_part}"
            )
    if not matches:
        click.echo("no matches", err=True)
