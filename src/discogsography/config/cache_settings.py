"""Configuration of the cache builder: the shared PostgreSQL part and the optional MySQL catalog.

Read when a `cache` command runs (never at import), from the environment and a `.env` file.
The cache's database defaults to the spec's `postgresql://localhost:5432/discogs`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from discogsography.config.postgres_settings import PostgresSettings
from discogsography.config.settings_base import load

DEFAULT_DATABASE_URL = "postgresql://localhost:5432/discogs"


class CacheSettings(PostgresSettings):
    services = ("cache",)
    title = "Cache builder"
    application_name = "discogsography-cache"

    # The spec's default database for the cache, with libpq's default user.
    postgres_username: str = Field(
        default="", description="PostgreSQL user (empty: libpq's default, the OS user)."
    )
    postgres_database: str = Field(default="discogs", description="PostgreSQL database.")
    wxyc_db_url: str | None = Field(
        default=None,
        description="`mysql://...` catalog that `cache build` and `cache enrich` add artist names from.",
    )

    @property
    def database(self) -> str:
        """The cache database as a libpq connection string (the `--database-url` default)."""
        return self.postgres_conninfo()


def load_cache_settings(**overrides: Any) -> CacheSettings:
    return load(CacheSettings, **overrides)
