"""`cache build`: the nine steps in order, with timing, a state file and resume.

Modes:
- XML (``--xml``): convert (filtering while streaming when a library artist list is known) ->
  create schema -> import -> indexes -> dedup -> verify -> vacuum. fix-newlines is folded into
  convert (it writes one-line fields) and filter into convert.
- CSV (``--csv-dir``): fix newlines -> enrich (with library.db) -> filter (when an artist list is
  known; otherwise the CSVs are taken as pre-filtered) -> create schema -> ... -> vacuum.
``--resume`` (CSV mode only) skips steps the state file lists as completed, or, without a state
file, the steps the database shows as done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from discogsography.cache import cache_database
from discogsography.cache.build_state import PipelineState
from discogsography.cache.cache_errors import CacheError
from discogsography.cache.classify import Thresholds
from discogsography.cache.csvfilter import filter_directory
from discogsography.cache.dump_to_csv import convert_dump
from discogsography.cache.enrich import connect_catalog, enrich
from discogsography.cache.labels import (
    LabelPreferences,
    read_catalog_labels,
    read_labels_file,
    write_labels_file,
)
from discogsography.cache.library import read_artist_list
from discogsography.cache.matching import ArtistMatcher
from discogsography.cache.newlines import fix_directory
from discogsography.cache.report import size_report
from discogsography.cache.verify import verify
from discogsography.runtime.logs import get_logger
from discogsography.runtime.redact import redact_url

log = get_logger(__name__)

STEPS = (
    "convert",
    "fix_newlines",
    "enrich",
    "filter",
    "create_schema",
    "import",
    "create_indexes",
    "dedup",
    "verify",
    "vacuum",
)


@dataclass
class BuildOptions:
    database_url: str
    work_dir: Path
    state_file: Path
    xml: Path | None = None
    csv_dir: Path | None = None
    library_artists: Path | None = None
    library_db: Path | None = None
    wxyc_db_url: str | None = None
    library_labels: Path | None = None
    mappings_file: Path | None = None
    thresholds: Thresholds | None = None
    prune: bool = False
    copy_to: str | None = None
    resume: bool = False
    progress: bool = False
    workers: int = 1


def echo(message: str) -> None:
    click.echo(message, err=True)


def run_step(
    state: PipelineState, name: str, action: Callable[[], str | None], *, variant: str | None = None
) -> None:
    """Runs one step, records completion (or the error) in the state file, prints its timing.

    ``variant`` distinguishes runs of one step that do different things (a dry-run verify does not
    make a later ``--prune`` resume skip the pruning)."""
    if state.is_completed(name, variant):
        echo(f"⏭️  {name}: already completed, skipped")
        return
    echo(f"▶️  {name} ...")
    started = time.monotonic()
    try:
        with cache_database.database_errors(name):
            summary = action() or ""
    except BaseException as exc:
        error = str(exc) or type(exc).__name__
        state.mark_failed(name, error)
        echo(f"❌ {name} failed after {time.monotonic() - started:.1f} s: {error}")
        raise
    seconds = time.monotonic() - started
    state.mark_completed(name, seconds=seconds, summary=summary, variant=variant)
    echo(f"✅ {name} done in {seconds:.1f} s" + (f": {summary}" if summary else ""))


def skip(state: PipelineState, name: str, reason: str) -> None:
    if not state.is_completed(name):
        echo(f"⏭️  {name}: {reason}")


def build(options: BuildOptions) -> PipelineState:
    if (options.xml is None) == (options.csv_dir is None):
        raise CacheError("give exactly one of --xml (build from a dump) or --csv-dir (build from CSVs)")
    if options.prune and options.copy_to:
        raise CacheError("--prune and --copy-to exclude each other: prune in place, or copy to a target")
    if (options.prune or options.copy_to) and options.library_db is None:
        raise CacheError("--prune and --copy-to classify releases against --library-db: give it too")
    if options.resume and options.xml is not None:
        raise CacheError(
            "--resume works with --csv-dir only: a run from --xml starts over (convert writes CSVs you"
            " can then resume from with --csv-dir)"
        )
    if options.resume:
        state = PipelineState.load(options.state_file)
        if not options.state_file.exists():
            inferred = cache_database.infer_completed(options.database_url)
            echo(f"ℹ️  no state file; the database shows done: {', '.join(sorted(inferred)) or 'nothing'}")
            if "import" in inferred:  # the CSV steps fed an import that is done
                inferred |= {"convert", "fix_newlines", "enrich", "filter"}
            state.mark_inferred(inferred)
    else:
        state = PipelineState(options.state_file)
        state.save()
    # A wrong URL or password costs seconds, not a convert of the whole dump.
    cache_database.preflight(options.database_url)
    if options.copy_to is not None:
        cache_database.preflight(options.copy_to)
    if options.wxyc_db_url:
        connect_catalog(options.wxyc_db_url).close()
    total_started = time.monotonic()
    csv_for_import = _csv_steps(state, options)
    _database_steps(state, options, csv_for_import)
    with cache_database.connect(options.copy_to or options.database_url) as conn:
        echo(f"📦 {size_report(conn)}")
    echo(f"🎉 cache build finished in {time.monotonic() - total_started:.1f} s")
    return state


def _artist_list(state: PipelineState, options: BuildOptions) -> Path | None:
    """The artist list the filter uses: enriched from library.db when given, else --library-artists."""
    if options.library_db is not None and (options.wxyc_db_url or options.library_artists is None):
        target = options.work_dir / "library_artists.txt"

        def run_enrich() -> str:
            assert options.library_db is not None
            return enrich(options.library_db, target, options.wxyc_db_url).summary()

        run_step(state, "enrich", run_enrich)
        return target
    skip(
        state,
        "enrich",
        "no library.db to enrich from" if options.library_db is None else "using --library-artists",
    )
    return options.library_artists


def _csv_steps(state: PipelineState, options: BuildOptions) -> Path:
    work = options.work_dir
    if options.xml is not None:
        artists = _artist_list(state, options)
        matcher = ArtistMatcher(read_artist_list(artists)) if artists else None
        out = work / "csv"

        def run_convert() -> str:
            assert options.xml is not None
            if matcher is not None:
                echo(f"   filtering to {len(matcher):,} library artists while converting")
            return convert_dump(
                options.xml, out, matcher, workers=options.workers, progress=options.progress
            ).summary()

        run_step(state, "convert", run_convert)
        skip(state, "fix_newlines", "done by convert (one-line fields)")
        skip(state, "filter", "done by convert" if matcher else "no library artist list: nothing filtered")
        return out
    csv_dir = options.csv_dir
    assert csv_dir is not None
    skip(state, "convert", "building from --csv-dir")
    clean = work / "clean"
    run_step(state, "fix_newlines", lambda: fix_directory(csv_dir, clean).summary())
    artists = _artist_list(state, options)
    if artists is None:
        skip(state, "filter", "no library artist list: the CSVs are taken as pre-filtered")
        return clean
    filtered = work / "filtered"

    def run_filter() -> str:
        assert artists is not None
        return filter_directory(clean, filtered, ArtistMatcher(read_artist_list(artists))).summary()

    run_step(state, "filter", run_filter)
    return filtered


def _database_steps(state: PipelineState, options: BuildOptions, csv_dir: Path) -> None:
    url = options.database_url

    def run_create_schema() -> str:
        created = cache_database.ensure_database(url)
        converted = cache_database.create_schema(url)
        notes = ["database created"] if created else []
        if converted.changes:
            notes.append(converted.summary())
        return "; ".join(notes)

    run_step(state, "create_schema", run_create_schema)
    run_step(
        state, "import", lambda: cache_database.import_csvs(url, csv_dir, progress=options.progress).summary()
    )
    run_step(state, "create_indexes", lambda: cache_database.create_indexes(url))
    run_step(state, "dedup", lambda: cache_database.dedup(url, _label_preferences(options)).summary())
    if options.prune:
        action = "prune"
    elif options.copy_to:
        action = f"copy-to {redact_url(options.copy_to)}"
    else:
        action = "dry run"
    if options.library_db is None:
        skip(state, "verify", "no --library-db: nothing to verify against")
    else:
        library_db = options.library_db

        def run_verify() -> str:
            result = verify(
                url,
                library_db,
                thresholds=options.thresholds,
                prune=options.prune,
                copy_to=options.copy_to,
                mappings_file=options.mappings_file,
            )
            echo(result.report())
            return result.summary()

        run_step(state, "verify", run_verify, variant=action)
    # vacuum follows verify's action: after a dry run, a resumed --prune still reclaims the space
    run_step(state, "vacuum", lambda: cache_database.vacuum(options.copy_to or url), variant=action)


def _label_preferences(options: BuildOptions) -> LabelPreferences | None:
    """The library's labels for dedup: --library-labels, else the catalog's (kept in the work dir)."""
    if options.library_labels is not None:
        return LabelPreferences(read_labels_file(options.library_labels))
    if options.wxyc_db_url:
        triples = read_catalog_labels(options.wxyc_db_url)
        write_labels_file(options.work_dir / "library_labels.csv", triples)
        return LabelPreferences(triples)
    return None
