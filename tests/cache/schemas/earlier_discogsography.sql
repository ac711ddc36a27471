-- The cache schema of discogsography before issue 15 (bigint ids, boolean extra, nullable titles),
-- kept verbatim as a fixture: the migration test builds a cache in this shape and converts it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TABLE IF NOT EXISTS release (
    id           bigint PRIMARY KEY,
    title        text,
    release_year smallint,
    country      text,
    artwork_url  text,      -- never in the dumps; for consumers that fetch it from the API
    master_id    bigint     -- dropped by the dedup step
);

CREATE TABLE IF NOT EXISTS release_artist (
    release_id  bigint  NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    artist_name text    NOT NULL,
    extra       boolean NOT NULL DEFAULT false  -- true: a credit from <extraartists>
);

CREATE TABLE IF NOT EXISTS release_label (
    release_id     bigint NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    label_name     text   NOT NULL,
    catalog_number text
);

CREATE TABLE IF NOT EXISTS release_track (
    release_id bigint  NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    sequence   integer NOT NULL,  -- 1-based order in the tracklist, sub-tracks included
    position   text,
    title      text,
    duration   text,
    PRIMARY KEY (release_id, sequence)
);

CREATE TABLE IF NOT EXISTS release_track_artist (
    release_id     bigint  NOT NULL,
    track_sequence integer NOT NULL,
    artist_name    text    NOT NULL,
    FOREIGN KEY (release_id, track_sequence)
        REFERENCES release_track (release_id, sequence) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS cache_metadata (
    release_id     bigint      PRIMARY KEY REFERENCES release (id) ON DELETE CASCADE,
    cached_at      timestamptz NOT NULL DEFAULT now(),
    source         text        NOT NULL DEFAULT 'bulk_import',  -- 'bulk_import' or 'api'
    last_validated timestamptz
);

-- unaccent() is only STABLE (its dictionary could change), so it cannot appear in an index
-- expression. This wrapper pins the dictionary and is declared IMMUTABLE so that
-- lower(f_unaccent(col)) can be indexed and matched by the planner.
CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- Indexes, created after the bulk import (cheaper than maintaining them row by row). Idempotent.
-- Foreign keys: joins to release and cascade deletes.
CREATE INDEX IF NOT EXISTS idx_release_artist_release_id ON release_artist (release_id);
CREATE INDEX IF NOT EXISTS idx_release_label_release_id ON release_label (release_id);
CREATE INDEX IF NOT EXISTS idx_release_track_artist_release_id
    ON release_track_artist (release_id, track_sequence);

-- Accent- and case-insensitive fuzzy search (pg_trgm): WHERE lower(f_unaccent(col)) % lower(f_unaccent($1)).
CREATE INDEX IF NOT EXISTS idx_release_title_trgm
    ON release USING gin (lower(f_unaccent(title)) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS idx_release_artist_name_trgm
    ON release_artist USING gin (lower(f_unaccent(artist_name)) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS idx_release_track_title_trgm
    ON release_track USING gin (lower(f_unaccent(title)) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS idx_release_track_artist_name_trgm
    ON release_track_artist USING gin (lower(f_unaccent(artist_name)) gin_trgm_ops);

-- Freshness queries.
CREATE INDEX IF NOT EXISTS idx_cache_metadata_cached_at ON cache_metadata (cached_at);
CREATE INDEX IF NOT EXISTS idx_cache_metadata_source ON cache_metadata (source);
