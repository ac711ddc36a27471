-- The tableinator's schema: the one place that defines it (docs/schema.md explains it).
-- The code reads the tables' names and columns from the CREATE TABLE statements below
-- (relational/tables.py): one column a line; a kind's link tables are named after its
-- singular (release_labels), their first column the record's id.
--
-- Each "-- migration N: ..." section runs once, in order, in its own transaction, and is
-- recorded in schema_version; every statement is also written to be re-runnable.
-- Ids are bigint and nested ids nullable: credits may lack an id or name one absent from the
-- dump, so there are no foreign keys. Empty lists are stored as NULL arrays, never '{}'.

-- migration 1: the four record tables and the link tables
-- The children of a container element as a jsonb array, like rows.items() in Python:
-- {"format": [..]} -> [..]; a single child -> [child]; absent, null or empty -> NULL.
-- releases.formats and releases.tracklist are generated from data with it, so the server
-- parses each record's JSON once and the columns can never disagree with data.
CREATE OR REPLACE FUNCTION discogs_items(container jsonb, tag text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN container -> tag IS NULL OR jsonb_typeof(container -> tag) = 'null' THEN NULL
        WHEN jsonb_typeof(container -> tag) = 'array' THEN nullif(container -> tag, '[]'::jsonb)
        ELSE jsonb_build_array(container -> tag)
    END
$$;

CREATE TABLE IF NOT EXISTS labels (
    id bigint PRIMARY KEY,
    name text,
    profile text,
    urls text[],
    parent_label_id bigint,
    data jsonb NOT NULL,
    hash text NOT NULL UNIQUE,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS artists (
    id bigint PRIMARY KEY,
    name text,
    real_name text,
    profile text,
    urls text[],
    aliases text[],
    data jsonb NOT NULL,
    hash text NOT NULL UNIQUE,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS releases (
    id bigint PRIMARY KEY,
    title text,
    year integer,
    country text,
    genres text[],
    styles text[],
    formats jsonb GENERATED ALWAYS AS (discogs_items(data -> 'formats', 'format')) STORED,
    tracklist jsonb GENERATED ALWAYS AS (discogs_items(data -> 'tracklist', 'track')) STORED,
    master_id bigint,
    data jsonb NOT NULL,
    hash text NOT NULL UNIQUE,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS masters (
    id bigint PRIMARY KEY,
    title text,
    year integer,
    genres text[],
    styles text[],
    main_release bigint,
    data jsonb NOT NULL,
    hash text NOT NULL UNIQUE,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A release's <labels>, in order; the same label may appear twice with two catalogue numbers.
CREATE TABLE IF NOT EXISTS release_labels (
    release_id bigint NOT NULL,
    position integer NOT NULL,
    label_id bigint,
    label_name text,
    catno text,
    PRIMARY KEY (release_id, position)
);
CREATE INDEX IF NOT EXISTS release_labels_label_id ON release_labels (label_id);

-- A release's <artists> (extra = false) and <extraartists> (extra = true), in order.
CREATE TABLE IF NOT EXISTS release_artists (
    release_id bigint NOT NULL,
    extra boolean NOT NULL,
    position integer NOT NULL,
    artist_id bigint,
    artist_name text,
    anv text,
    role text,
    tracks text,
    PRIMARY KEY (release_id, extra, position)
);
CREATE INDEX IF NOT EXISTS release_artists_artist_id ON release_artists (artist_id);

CREATE TABLE IF NOT EXISTS master_artists (
    master_id bigint NOT NULL,
    position integer NOT NULL,
    artist_id bigint,
    artist_name text,
    anv text,
    role text,
    PRIMARY KEY (master_id, position)
);
CREATE INDEX IF NOT EXISTS master_artists_artist_id ON master_artists (artist_id);

CREATE TABLE IF NOT EXISTS artist_aliases (
    artist_id bigint NOT NULL,
    position integer NOT NULL,
    alias_id bigint,
    alias_name text,
    PRIMARY KEY (artist_id, position)
);
CREATE INDEX IF NOT EXISTS artist_aliases_alias_id ON artist_aliases (alias_id);

-- A group's <members>; member_id finds the groups an artist played in.
CREATE TABLE IF NOT EXISTS artist_members (
    group_id bigint NOT NULL,
    position integer NOT NULL,
    member_id bigint,
    member_name text,
    PRIMARY KEY (group_id, position)
);
CREATE INDEX IF NOT EXISTS artist_members_member_id ON artist_members (member_id);

-- Filters people use: year, genres, styles, parents.
CREATE INDEX IF NOT EXISTS releases_year ON releases (year);
CREATE INDEX IF NOT EXISTS releases_genres ON releases USING gin (genres);
CREATE INDEX IF NOT EXISTS releases_styles ON releases USING gin (styles);
CREATE INDEX IF NOT EXISTS releases_master_id ON releases (master_id);
CREATE INDEX IF NOT EXISTS masters_year ON masters (year);
CREATE INDEX IF NOT EXISTS masters_genres ON masters USING gin (genres);
CREATE INDEX IF NOT EXISTS masters_styles ON masters USING gin (styles);
CREATE INDEX IF NOT EXISTS labels_parent_label_id ON labels (parent_label_id);

-- migration 2: name and title search
-- Trigram indexes serve =, LIKE, ILIKE and similarity on names of any length (a btree would
-- refuse a title longer than about 2.7 kB). pg_trgm is a trusted extension, but where it
-- cannot be created, hash indexes still serve exact lookups.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm unavailable (%), names get hash indexes', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS labels_name_trgm ON labels USING gin (name gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS artists_name_trgm ON artists USING gin (name gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS releases_title_trgm ON releases USING gin (title gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS masters_title_trgm ON masters USING gin (title gin_trgm_ops);
    ELSE
        CREATE INDEX IF NOT EXISTS labels_name_hash ON labels USING hash (name);
        CREATE INDEX IF NOT EXISTS artists_name_hash ON artists USING hash (name);
        CREATE INDEX IF NOT EXISTS releases_title_hash ON releases USING hash (title);
        CREATE INDEX IF NOT EXISTS masters_title_hash ON masters USING hash (title);
    END IF;
END
$$;

-- migration 3: cheaper bulk writes
-- lz4 compresses the large jsonb values faster than the default pglz (docs/tableinator.md,
-- "Performance"); servers built without lz4 keep pglz.
DO $$
BEGIN
    ALTER TABLE labels ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE artists ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE masters ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE releases ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE releases ALTER COLUMN formats SET COMPRESSION lz4;
    ALTER TABLE releases ALTER COLUMN tracklist SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'lz4 compression unavailable (%), keeping pglz', SQLERRM;
END
$$;

-- migration 4: the dump version each kind reflects
-- Written when a kind's file_complete has been handled (everything before it committed). An
-- incremental message applies only to the version it names as its base (relational/table_versions.py).
CREATE TABLE IF NOT EXISTS dump_versions (
    kind text PRIMARY KEY,
    version text NOT NULL,
    mode text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- migration 5: discogs_items inlined
-- The same values as before; jsonb_build_array is STABLE, so the function ran as a call of its
-- own for every generated column of every release, a visible share of the server's CPU in a bulk
-- load (docs/performance.md, "What got there"). With immutable operators only, PostgreSQL inlines
-- it into the generated columns' expressions.
CREATE OR REPLACE FUNCTION discogs_items(container jsonb, tag text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN container -> tag IS NULL OR jsonb_typeof(container -> tag) = 'null' THEN NULL
        WHEN jsonb_typeof(container -> tag) = 'array' THEN nullif(container -> tag, '[]'::jsonb)
        ELSE '[]'::jsonb || (container -> tag)  -- a non-array joined to [] is [value]
    END
$$;

-- migration 6: the local Discogs API's lookups (docs/api.md)
-- A catalogue number or barcode compared as Discogs' search does: letters and digits only,
-- case folded ("SK 032" finds "SK032").
CREATE OR REPLACE FUNCTION discogs_code(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(lower(regexp_replace(value, '[^[:alnum:]]+', '', 'g')), '')
$$;
-- A release's barcodes (its identifiers of type Barcode), as discogs_code gives them.
CREATE OR REPLACE FUNCTION discogs_barcodes(data jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(DISTINCT code) FROM (
        SELECT discogs_code(identifier ->> 'value') AS code
        FROM jsonb_array_elements(coalesce(discogs_items(data -> 'identifiers', 'identifier'), '[]'))
            AS identifiers (identifier)
        WHERE jsonb_typeof(identifier) = 'object' AND identifier ->> 'type' = 'Barcode'
    ) codes WHERE code IS NOT NULL
$$;
-- The words of a release's formats, lower case: names ("vinyl") and descriptions ("lp", "12\"").
CREATE OR REPLACE FUNCTION discogs_format_words(formats jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(DISTINCT lower(word)) FROM (
        SELECT format ->> 'name' AS word FROM jsonb_array_elements(coalesce(formats, '[]')) AS f (format)
        WHERE jsonb_typeof(format) = 'object'
        UNION ALL
        SELECT description FROM jsonb_array_elements(coalesce(formats, '[]')) AS f (format),
            jsonb_array_elements_text(coalesce(discogs_items(
                CASE WHEN jsonb_typeof(format) = 'object' THEN format -> 'descriptions' END,
                'description'), '[]')) AS d (description)
    ) words WHERE word IS NOT NULL
$$;
-- Lists by artist, label and master come in id order straight from these (index-only ranges);
-- each replaces the one-column index it extends.
CREATE INDEX IF NOT EXISTS release_artists_artist_release ON release_artists (artist_id, extra, release_id);
DROP INDEX IF EXISTS release_artists_artist_id;
CREATE INDEX IF NOT EXISTS release_labels_label_release ON release_labels (label_id, release_id);
DROP INDEX IF EXISTS release_labels_label_id;
CREATE INDEX IF NOT EXISTS master_artists_artist_master ON master_artists (artist_id, master_id);
DROP INDEX IF EXISTS master_artists_artist_id;
CREATE INDEX IF NOT EXISTS releases_master_release ON releases (master_id, id);
DROP INDEX IF EXISTS releases_master_id;
-- Search filters (api/search_query.py).
CREATE INDEX IF NOT EXISTS release_labels_catno_code ON release_labels (discogs_code(catno));
CREATE INDEX IF NOT EXISTS releases_country_lower ON releases (lower(country));
CREATE INDEX IF NOT EXISTS releases_barcodes ON releases USING gin (discogs_barcodes(data));
CREATE INDEX IF NOT EXISTS releases_format_words ON releases USING gin (discogs_format_words(formats));

-- migration 7: planner statistics for name and title searches
-- A search's words are ILIKE patterns served by the trigram indexes. The planner estimates the
-- rows a pattern matches from a sample of the column; with the default sample (100 histogram
-- entries) a word in 1 % of the titles could read as 3 %, and a walk of the primary key in id
-- order, meant to stop at the item cap, then looked cheaper than the trigram index and read the
-- whole table: 1.1 s instead of 84 ms for a three-letter word over 1,000,000 releases
-- (docs/performance.md, "Local Discogs API"). A sample ten times larger gives the index.
ALTER TABLE releases ALTER COLUMN title SET STATISTICS 1000;
ALTER TABLE masters ALTER COLUMN title SET STATISTICS 1000;
ALTER TABLE artists ALTER COLUMN name SET STATISTICS 1000;
ALTER TABLE labels ALTER COLUMN name SET STATISTICS 1000;
-- Tables that already hold rows get the larger sample now, not at the next autoanalyze.
ANALYZE releases (title);
ANALYZE masters (title);
ANALYZE artists (name);
ANALYZE labels (name);
