-- The cache schema: the contract between the cache builder and every service that reads it.
-- It is discogs-cache's schema/ contract, column for column (docs/cache.md, "Schema contract"), so a
-- station can switch builders without touching its consumers; release_label.catalog_number is our
-- one additive, nullable column. Columns match the CSV contract (discogsography/cache/csv_tables.py).
-- Idempotent. A cache built by the earlier version of this project is converted by migrate.py.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TABLE IF NOT EXISTS release (
    id           integer PRIMARY KEY,
    title        text NOT NULL,  -- '' when the dump has none
    release_year smallint,
    country      text,
    artwork_url  text,           -- never in the dumps; for consumers that fetch it from the API
    master_id    integer         -- dropped by the dedup step
);

CREATE TABLE IF NOT EXISTS release_artist (
    release_id  integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    artist_name text    NOT NULL,
    extra       integer DEFAULT 0  -- 0 = main artist, 1 = extra credit (<extraartists>)
);

CREATE TABLE IF NOT EXISTS release_label (
    release_id     integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    label_name     text    NOT NULL,
    catalog_number text    -- ours (additive, nullable)
);

CREATE TABLE IF NOT EXISTS release_track (
    release_id integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    sequence   integer NOT NULL,  -- 1-based order in the tracklist, sub-tracks included
    position   text,
    title      text    NOT NULL,  -- '' for a track the dump gives no title (the row is kept)
    duration   text
);

CREATE TABLE IF NOT EXISTS release_track_artist (
    release_id     integer NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    track_sequence integer NOT NULL,
    artist_name    text    NOT NULL
);

CREATE TABLE IF NOT EXISTS cache_metadata (
    release_id     integer     PRIMARY KEY REFERENCES release (id) ON DELETE CASCADE,
    cached_at      timestamptz NOT NULL DEFAULT now(),
    source         text        NOT NULL,  -- 'bulk_import' or 'api_fetch'
    last_validated timestamptz
);
