"""`discogsography serve`: the tables in the Discogs API's own shapes, read-only (docs/api.md)."""
