-- The cache schema: the contract between the cache builder and every service that reads it.
-- Columns match the CSV contract (discogsography/cache/tables.py). Idempotent.
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
