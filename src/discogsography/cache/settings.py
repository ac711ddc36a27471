"""Configuration of the cache builder read from the environment (the one place that does)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql://localhost:5432/discogs"


class CacheSettings(BaseSettings):
    """`DATABASE_URL`: the cache database; `WXYC_DB_URL`: the optional MySQL catalog for enrich."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    wxyc_db_url: str | None = None
