-- A cache as discogs-cache (the tool this project replaces) builds it from its schema/ files: the
-- consumers' contract. Written for the tests from that contract's names and types; our own DDL is
-- src/discogsography/cache/sql/. Differences from ours: no release_label.catalog_number.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent', $1) $$;

CREATE TABLE release (
    id integer PRIMARY KEY,
    title text NOT NULL,
    release_year smallint,
    country text,
    artwork_url text
);
CREATE TABLE release_artist (
    release_id integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    artist_name text NOT NULL,
    extra integer DEFAULT 0
);
CREATE TABLE release_label (
    release_id integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    label_name text NOT NULL
);
CREATE TABLE release_track (
    release_id integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    sequence integer NOT NULL,
    position text,
    title text NOT NULL,
    duration text
);
CREATE TABLE release_track_artist (
    release_id integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    track_sequence integer NOT NULL,
    artist_name text NOT NULL
);
CREATE TABLE cache_metadata (
    release_id integer PRIMARY KEY REFERENCES release (id) ON DELETE CASCADE,
    cached_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,
    last_validated timestamptz
);

CREATE INDEX idx_release_artist_release_id ON release_artist (release_id);
CREATE INDEX idx_release_label_release_id ON release_label (release_id);
CREATE INDEX idx_release_track_release_id ON release_track (release_id);
CREATE INDEX idx_release_track_artist_release_id ON release_track_artist (release_id);
CREATE INDEX idx_release_artist_name_trgm ON release_artist USING gin (lower(f_unaccent(artist_name)) gin_trgm_ops);
CREATE INDEX idx_release_title_trgm ON release USING gin (lower(f_unaccent(title)) gin_trgm_ops);
CREATE INDEX idx_release_track_title_trgm ON release_track USING gin (lower(f_unaccent(title)) gin_trgm_ops);
CREATE INDEX idx_release_track_artist_name_trgm ON release_track_artist USING gin (lower(f_unaccent(artist_name)) gin_trgm_ops);
CREATE INDEX idx_cache_metadata_cached_at ON cache_metadata (cached_at);
CREATE INDEX idx_cache_metadata_source ON cache_metadata (source);
