-- Indexes, created after the bulk import (cheaper than maintaining them row by row). Idempotent.
-- Foreign keys: joins to release and cascade deletes.
CREATE INDEX IF NOT EXISTS idx_release_artist_release_id ON release_artist (release_id);
CREATE INDEX IF NOT EXISTS idx_release_label_release_id ON release_label (release_id);
CREATE INDEX IF NOT EXISTS idx_release_track_release_id ON release_track (release_id);
CREATE INDEX IF NOT EXISTS idx_release_track_artist_release_id ON release_track_artist (release_id);

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
