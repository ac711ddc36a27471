"""Lookups on the cache: ranked fuzzy matches through the trigram indexes (`cache search`).

The SQL here is the documented way for other services to query the cache (docs/cache.md): compare
``lower(f_unaccent(column))`` with ``lower(f_unaccent(query))`` using pg_trgm's ``%`` operator (which
the GIN indexes serve) and rank by ``similarity()``.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

# Releases whose title and a main artist both resemble the query.
RELEASE_SEARCH_SQL = """
WITH artist_hits AS (
    SELECT release_id,
           max(similarity(lower(f_unaccent(artist_name)), lower(f_unaccent(%(artist)s)))) AS artist_score
      FROM release_artist
     WHERE lower(f_unaccent(artist_name)) %% lower(f_unaccent(%(artist)s))
     GROUP BY release_id
), title_hits AS (
    SELECT id, similarity(lower(f_unaccent(title)), lower(f_unaccent(%(title)s))) AS title_score
      FROM release
     WHERE lower(f_unaccent(title)) %% lower(f_unaccent(%(title)s))
)
SELECT r.id, r.title, r.release_year, r.country,
       (a.artist_score + t.title_score) / 2 AS score,
       (SELECT string_agg(artist_name, ', ') FROM release_artist x WHERE x.release_id = r.id AND x.extra = 0)
  FROM title_hits t
  JOIN artist_hits a ON a.release_id = t.id
  JOIN release r ON r.id = t.id
 ORDER BY score DESC, r.id
 LIMIT %(limit)s
"""

# Releases by an artist alone.
ARTIST_SEARCH_SQL = """
SELECT r.id, r.title, r.release_year, r.country, a.artist_score AS score,
       (SELECT string_agg(artist_name, ', ') FROM release_artist x WHERE x.release_id = r.id AND x.extra = 0)
  FROM (SELECT release_id,
               max(similarity(lower(f_unaccent(artist_name)), lower(f_unaccent(%(artist)s)))) AS artist_score
          FROM release_artist
         WHERE lower(f_unaccent(artist_name)) %% lower(f_unaccent(%(artist)s))
         GROUP BY release_id) a
  JOIN release r ON r.id = a.release_id
 ORDER BY score DESC, r.id
 LIMIT %(limit)s
"""

# Releases by title alone.
TITLE_SEARCH_SQL = """
SELECT r.id, r.title, r.release_year, r.country,
       similarity(lower(f_unaccent(r.title)), lower(f_unaccent(%(title)s))) AS score,
       (SELECT string_agg(artist_name, ', ') FROM release_artist x WHERE x.release_id = r.id AND x.extra = 0)
  FROM release r
 WHERE lower(f_unaccent(r.title)) %% lower(f_unaccent(%(title)s))
 ORDER BY score DESC, r.id
 LIMIT %(limit)s
"""

# Tracks whose title resembles the query (optionally on a release by a resembling artist).
TRACK_SEARCH_SQL = """
SELECT r.id, r.title, r.release_year, r.country,
       similarity(lower(f_unaccent(t.title)), lower(f_unaccent(%(track)s))) AS score,
       (SELECT string_agg(artist_name, ', ') FROM release_artist x WHERE x.release_id = r.id AND x.extra = 0),
       t.position, t.title
  FROM release_track t
  JOIN release r ON r.id = t.release_id
 WHERE lower(f_unaccent(t.title)) %% lower(f_unaccent(%(track)s))
   AND (%(artist)s::text IS NULL OR EXISTS (
        SELECT 1 FROM release_artist x
         WHERE x.release_id = t.release_id
           AND lower(f_unaccent(x.artist_name)) %% lower(f_unaccent(%(artist)s::text))))
 ORDER BY score DESC, r.id, t.sequence
 LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Match:
    release_id: int
    title: str | None
    release_year: int | None
    country: str | None
    score: float
    artists: str | None
    track_position: str | None = None
    track_title: str | None = None


def search(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    artist: str | None = None,
    title: str | None = None,
    track: str | None = None,
    limit: int = 10,
    min_similarity: float = 0.3,
) -> list[Match]:
    """Ranked matches; ``min_similarity`` is pg_trgm's threshold for ``%`` (0.3 is its default)."""
    if not (track or artist or title):
        raise ValueError("give an artist, a title or a track")
    conn.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", (str(min_similarity),))
    params = {"artist": artist, "title": title, "track": track, "limit": limit}
    if track:
        statement = TRACK_SEARCH_SQL
    elif title and artist:
        statement = RELEASE_SEARCH_SQL
    elif title:
        statement = TITLE_SEARCH_SQL
    else:
        statement = ARTIST_SEARCH_SQL
    rows = conn.execute(statement, params).fetchall()
    return [Match(*row) for row in rows]  # type: ignore[arg-type]
