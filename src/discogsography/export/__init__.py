"""`discogsography export`: dump files to Parquet, JSON Lines or CSV, one file per kind."""
