"""The extractor service: find the newest Discogs dump, download and verify it, publish its records."""
