"""The library-filtered, fuzzy-searchable PostgreSQL cache of Discogs releases (`discogsography cache`)."""
