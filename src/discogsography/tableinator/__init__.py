"""The tableinator: the four queues into PostgreSQL tables, batched, deduplicated, lossless."""
