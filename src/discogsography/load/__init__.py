"""`discogsography load`: dump files straight into the tableinator's tables, without a broker."""
