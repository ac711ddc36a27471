"""`discogsography cache search`: ranked fuzzy matches from the cache cache_database."""

from __future__ import annotations

import click

from discogsography.cache.cache_options import cache_database_url
from discogsography.cli.shared_options import log_options


@click.command()
@log_options
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
@cache_database_url
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

    from discogsography.cache import cache_database
    from discogsography.cache.search import search as run_search

    if not (artist or title or track):
        raise click.UsageError("give --artist, --title or --track")
    with cache_database.database_errors("search"), cache_database.connect(database_url) as conn:
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
